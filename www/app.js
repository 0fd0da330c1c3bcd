// The demo app. It uses the built npm package exactly as an app would: one import of
// the package entry, which loads the WebAssembly module before this code runs.
import { RealtimeVision, StreamClient } from "/pkg/index.js";
import { Banners } from "./modules/banners.js";
import { ResultsFeed } from "./modules/feed.js";
import { LatencyChart } from "./modules/latency-chart.js";
import { SettingsForm } from "./modules/settings.js";
import { SourcePicker } from "./modules/sources.js";
import { StatsPanel } from "./modules/stats.js";

const $ = (id) => document.getElementById(id);

/** States in which a session holds resources (Start is off, Stop is on). */
const BUSY_STATES = new Set(["starting", "connecting", "streaming", "reconnecting", "stopping"]);
/** States in which updatePrompt() reaches the stream. */
const LIVE_STATES = new Set(["connecting", "streaming", "reconnecting"]);

const banners = new Banners($("banners"));
const stats = new StatsPanel();
const feed = new ResultsFeed({ list: $("feed"), count: $("feed-count"), empty: $("feed-empty") });
const chart = new LatencyChart({ svg: $("latency-chart"), summary: $("chart-summary"), size: 30 });
const settings = new SettingsForm({ onChange: () => (session ? showPromptStatus() : validate()) });
const sources = new SourcePicker({ onError: (error) => banners.show(error) });

/**
 * The running session, or null. `vision` is its RealtimeVision; `structured` and
 * `prompt` are what it was started with (the prompt follows updatePrompt);
 * `sourceEnded` is set when its source ended (a SourceEndedError: Stop sharing).
 * Callbacks check `session === run` so a late event of an old session is ignored.
 */
let session = null;
/**
 * The most recent run, ended or not. Its errors are shown even after it ended: the
 * package reports the state `failed` before start() rejects and before onError.
 */
let latestRun = null;

/**
 * Checks the settings the way the package does: constructing a RealtimeVision
 * validates the whole config (and throws a ValidationError naming the field) before
 * any network or media call. Returns the config, or the control to fix.
 */
function validate() {
  settings.clearErrors();
  const { config, problem } = settings.read();
  if (problem) return { invalid: settings.showFieldError(problem.field, problem.message) };
  try {
    new RealtimeVision({ ...config, onResult() {} }).free();
    return { config };
  } catch (error) {
    if (error.name !== "ValidationError") throw error;
    return { invalid: settings.showFieldError(error.details?.field, error.message) };
  }
}

function showControls(state) {
  const busy = BUSY_STATES.has(state);
  $("start").disabled = busy;
  $("stop").disabled = !busy || state === "stopping";
  settings.setLocked(busy);
  sources.setLocked(busy);
  $("apply-prompt").disabled = !LIVE_STATES.has(state);
  stats.showState(state);
}

function showPromptStatus() {
  if (!session) return;
  const changed = settings.prompt !== session.prompt;
  $("prompt-hint").textContent = changed
    ? "Edited: press Apply (Ctrl+Enter) to send it to the live stream."
    : "The live stream uses this prompt.";
}

/**
 * Start's click handler. Nothing is awaited before `vision.start()`, so the package's
 * getDisplayMedia (screen source) still runs inside the user's click, as browsers require.
 */
async function startSession() {
  banners.dismiss();
  const { config, invalid } = validate();
  if (!config) {
    invalid.focus();
    return;
  }
  const run = { structured: settings.structured, prompt: config.prompt, vision: null };
  try {
    run.vision = new RealtimeVision({
      ...config,
      source: sources.sourceForStart(),
      onResult: (result) => onResult(run, result),
      onError: (error) => {
        // The user stopped sharing: the session ends, but nothing failed.
        if (error.name === "SourceEndedError") run.sourceEnded = true;
        if (latestRun === run) banners.show(error);
      },
      onStateChange: (state) => onStateChange(run, state),
    });
  } catch (error) {
    // A missing file or URL, or a source option the package rejects.
    if (error.name === "ValidationError") settings.showFieldError(error.details?.field, error.message).focus();
    else banners.show(error);
    return;
  }
  session = run;
  latestRun = run;
  stats.reset();
  chart.clear();
  showControls("starting");
  try {
    await run.vision.start();
  } catch (error) {
    // AbortError: Stop was pressed during start-up, which is what the user wanted.
    if (error.name !== "AbortError" && latestRun === run) banners.show(error);
    sessionEnded(run, run.vision.state);
    return;
  }
  if (session !== run) return;
  sources.showSending(run.vision.getMediaStream()); // the camera, or the package's canvas
  sources.refreshDevices(); // camera labels are readable once permission is granted
  stats.start(run.vision);
  showPromptStatus();
}

async function stopSession() {
  const run = session;
  if (!run) return;
  $("stop").disabled = true;
  await run.vision.stop();
  sessionEnded(run, run.vision.state);
}

function onResult(run, result) {
  if (session !== run) return;
  feed.add(result, { structured: run.structured });
  chart.push(result.total_latency_ms, result.ok);
}

function onStateChange(run, state) {
  if (session !== run) return;
  if (state === "stopped" || state === "failed") sessionEnded(run, state);
  else showControls(state);
}

/** Back to editable settings once a session has stopped or failed. */
function sessionEnded(run, state) {
  if (session !== run) return;
  session = null;
  stats.stop();
  sources.afterStop();
  showControls(state === "failed" && !run.sourceEnded ? "failed" : "stopped");
  $("prompt-hint").textContent = "While streaming, edit and apply (Ctrl+Enter); later results use the new prompt.";
}

async function applyPrompt() {
  const run = session;
  if (!run || !run.vision.isActive()) return;
  const prompt = settings.prompt;
  settings.clearErrors();
  $("apply-prompt").disabled = true;
  try {
    await run.vision.updatePrompt(prompt);
    run.prompt = prompt;
    showPromptStatus();
  } catch (error) {
    if (error.name === "ValidationError") settings.showFieldError(error.details?.field ?? "prompt", error.message);
    else banners.show(error);
  } finally {
    $("apply-prompt").disabled = !(session === run && run.vision.isActive());
  }
}

async function loadModels() {
  const error = await settings.loadModels(StreamClient);
  if (!error) return;
  // A bad key or an unreachable API is worth a banner right away; the rest is a note.
  if (error.name === "UnauthorizedError" || error.name === "NetworkError") banners.show(error);
  else $("model-status").textContent = `Could not load the model list (${error.name}).`;
}

$("start").addEventListener("click", startSession);
$("stop").addEventListener("click", stopSession);
$("apply-prompt").addEventListener("click", applyPrompt);
$("prompt").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (session) applyPrompt();
    else startSession();
  }
});
$("clear-feed").addEventListener("click", () => {
  feed.clear();
  chart.clear();
});
$("refresh-models").addEventListener("click", loadModels);
$("api-key").addEventListener("change", loadModels);
$("api-url").addEventListener("change", loadModels);
addEventListener("pagehide", () => {
  session?.vision.stop();
  sources.release();
});

showControls("idle");
validate();
loadModels();
document.documentElement.dataset.ready = "true";
