// The demo app: uses the built npm package exactly as an app would.
import { RealtimeVision } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);
const onEmulator = !location.hostname.endsWith("overshoot.ai");
$("apiUrl").value = onEmulator ? location.origin : "https://api.overshoot.ai/v1";
$("apiKey").value = onEmulator ? "emulator-key" : "";

let vision = null;

function showState(text) {
  $("state").textContent = text;
}

function showError(error) {
  $("banner").hidden = false;
  $("banner").textContent = `${error.name}: ${error.message}`;
}

function addResult(result) {
  const item = document.createElement("li");
  item.className = result.ok ? "ok" : "failed";
  const text = document.createElement("p");
  text.textContent = result.ok ? result.result : `error: ${result.error}`;
  const meta = document.createElement("small");
  meta.textContent = `${result.prompt} · ${Math.round(result.total_latency_ms)} ms`;
  item.append(text, meta);
  $("results").prepend(item);
  while ($("results").children.length > 50) $("results").lastChild.remove();
}

$("setup").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("banner").hidden = true;
  try {
    vision = new RealtimeVision({
      apiUrl: $("apiUrl").value,
      apiKey: $("apiKey").value,
      prompt: $("prompt").value,
      onResult: addResult,
      onError: (error) => { showError(error); showState(vision.state); },
    });
  } catch (error) {
    showError(error);
    return;
  }
  $("start").disabled = true;
  showState("starting");
  try {
    await vision.start();
    $("preview").srcObject = vision.getMediaStream();
    $("stop").disabled = false;
    $("live-prompt").hidden = false;
    $("newPrompt").value = $("prompt").value;
    showState(`streaming · ${vision.getStreamId()}`);
  } catch (error) {
    showError(error);
    showState(vision.state);
    $("start").disabled = false;
  }
});

$("stop").addEventListener("click", async () => {
  $("stop").disabled = true;
  await vision?.stop();
  $("preview").srcObject = null;
  $("live-prompt").hidden = true;
  $("start").disabled = false;
  showState(vision?.state ?? "idle");
});

$("live-prompt").addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    await vision.updatePrompt($("newPrompt").value);
  } catch (error) {
    showError(error);
  }
});
