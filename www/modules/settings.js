// The settings form: turns the controls into a RealtimeVision config, shows the
// package's own validation messages next to the field they name, and fills the
// model list from the API.

/** Where the page sends video when a key is typed and the URL field is empty. */
export const OVERSHOOT_API = "https://api.overshoot.ai/v1";
/** The local emulator's default key, used when no key is typed. */
export const EMULATOR_KEY = "emulator-key";
/**
 * Set by the demo server of `scripts/demo.sh` (a `<meta name="demo-gateway">`): the URL
 * of an overshoot-gateway in front of the emulator. The page then holds no key at all:
 * it asks the demo server's `/token` for short-lived tokens, as a production app would.
 */
const DEMO_GATEWAY = document.querySelector('meta[name="demo-gateway"]')?.content;
/** The app's token endpoint, as the package's `apiKey` function (called again when a token runs out). */
const fetchToken = async () => {
  const response = await fetch("/token", { method: "POST" });
  if (!response.ok) throw new Error(`the token endpoint answered ${response.status}`);
  return response.text();
};
/** The package's default model, kept in the list if the API cannot be reached. */
const DEFAULT_MODEL = "Qwen/Qwen3.5-9B";

/** The control that shows each field a ValidationError can name. */
const INPUT_FOR_FIELD = {
  prompt: "prompt",
  model: "model",
  backend: "backend",
  target_fps: "target-fps",
  fps: "target-fps",
  clip_length_seconds: "clip-length",
  delay_seconds: "delay",
  interval_seconds: "interval",
  maxOutputTokens: "max-tokens",
  max_output_tokens: "max-tokens",
  outputSchema: "schema",
  output_schema_json: "schema",
  apiKey: "api-key",
  apiUrl: "api-url",
  "source.file": "file-input",
  "source.url": "video-url",
};

const $ = (id) => document.getElementById(id);

/** Maps a field name such as `processing.target_fps` to the id of its control. */
export function inputIdForField(field) {
  if (typeof field !== "string") return null;
  return INPUT_FOR_FIELD[field] ?? INPUT_FOR_FIELD[field.split(".").pop()] ?? null;
}

/** The value of a number input: undefined when empty, NaN when not a number. */
function readNumber(id) {
  const input = $(id);
  if (input.validity.badInput) return NaN;
  const text = input.value.trim();
  return text === "" ? undefined : Number(text);
}

/** Drops the keys whose value is undefined (the package then uses its defaults). */
function defined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

export class SettingsForm {
  /** @param {{onChange: () => void}} handlers called after any edit */
  constructor({ onChange }) {
    this.form = $("settings");
    this.form.addEventListener("input", () => onChange());
    this.form.addEventListener("change", () => onChange());
    this.form.addEventListener("submit", (event) => event.preventDefault());
    for (const radio of this.form.querySelectorAll('input[name="mode"]')) {
      radio.addEventListener("change", () => this.#showModeFields());
    }
    $("structured").addEventListener("change", () => {
      $("schema-field").hidden = !$("structured").checked;
    });
    $("api-key").addEventListener("input", () => this.#showTarget());
    $("api-url").addEventListener("input", () => this.#showTarget());
    this.modelLoads = 0;
    this.#showModeFields();
    this.#showTarget();
  }

  get mode() {
    return this.form.querySelector('input[name="mode"]:checked').value;
  }

  get prompt() {
    return $("prompt").value;
  }

  get structured() {
    return $("structured").checked;
  }

  /** The key and URL to use: the emulator (same origin) while no key is typed. */
  connection() {
    const typedKey = $("api-key").value.trim();
    const typedUrl = $("api-url").value.trim();
    if (!typedKey && DEMO_GATEWAY) return { apiKey: fetchToken, apiUrl: typedUrl || DEMO_GATEWAY, emulator: true, gateway: true };
    if (!typedKey) return { apiKey: EMULATOR_KEY, apiUrl: typedUrl || location.origin, emulator: true };
    return { apiKey: typedKey, apiUrl: typedUrl || OVERSHOOT_API, emulator: false };
  }

  /**
   * The config fields the form controls (no source, no callbacks). Problems the
   * page itself finds (the schema's JSON syntax) come back as `{field, message}`.
   */
  read() {
    const { apiKey, apiUrl } = this.connection();
    const processing = this.mode === "clip"
      ? defined({
        target_fps: readNumber("target-fps"),
        clip_length_seconds: readNumber("clip-length"),
        delay_seconds: readNumber("delay"),
      })
      : defined({ interval_seconds: readNumber("interval") });
    const config = defined({
      apiKey,
      apiUrl,
      prompt: this.prompt,
      model: $("model").value || undefined,
      backend: $("backend").value,
      mode: this.mode,
      processing,
      maxOutputTokens: readNumber("max-tokens"),
    });
    if (!this.structured) return { config, problem: null };
    try {
      config.outputSchema = JSON.parse($("schema").value);
      return { config, problem: null };
    } catch (error) {
      return { config, problem: { field: "outputSchema", message: `The output schema is not valid JSON: ${error.message}` } };
    }
  }

  /** Removes every field message. */
  clearErrors() {
    for (const message of document.querySelectorAll(".field-error")) {
      message.hidden = true;
      message.textContent = "";
    }
    for (const input of document.querySelectorAll('[aria-invalid="true"]')) {
      input.removeAttribute("aria-invalid");
    }
  }

  /**
   * Shows `message` under the control of `field` (or near Start when no control
   * matches) and returns that control, so a caller can focus it.
   */
  showFieldError(field, message) {
    const id = inputIdForField(field);
    const input = id ? $(id) : null;
    const slot = (input && $(`${id}-error`)) || $("form-error");
    slot.textContent = message;
    slot.hidden = false;
    if (input) {
      input.setAttribute("aria-invalid", "true");
      const details = input.closest("details");
      if (details) details.open = true;
    }
    return input ?? $("start");
  }

  /** Locks the settings a running stream cannot change (the prompt stays editable). */
  setLocked(locked) {
    $("restart-settings").disabled = locked;
  }

  /**
   * Fills the model list from `GET /models`. Resolves with the error when the list
   * could not be loaded (the select keeps its current entries).
   */
  async loadModels(StreamClient) {
    const load = ++this.modelLoads;
    const status = $("model-status");
    const { apiKey, apiUrl } = this.connection();
    let client;
    try {
      client = new StreamClient({ apiKey, apiUrl });
    } catch (error) {
      status.textContent = "";
      return error;
    }
    status.textContent = "Loading models…";
    try {
      const models = await client.getModels();
      if (load === this.modelLoads) this.#fillModels(models);
      return null;
    } catch (error) {
      if (load === this.modelLoads) status.textContent = "Could not load the model list.";
      return error;
    } finally {
      client.free();
    }
  }

  #fillModels(models) {
    const select = $("model");
    const previous = select.value;
    const options = models.map(({ model, status }) => {
      const label = status === "ready" ? model : `${model} (${status})`;
      return new Option(label, model);
    });
    if (options.length === 0) options.push(new Option(DEFAULT_MODEL, DEFAULT_MODEL));
    select.replaceChildren(...options);
    const names = models.map((m) => m.model);
    const firstReady = models.find((m) => m.status === "ready")?.model;
    select.value = [previous, DEFAULT_MODEL, firstReady].find((name) => names.includes(name)) ?? names[0] ?? DEFAULT_MODEL;
    const ready = models.filter((m) => m.status === "ready").length;
    $("model-status").textContent = `${models.length} model${models.length === 1 ? "" : "s"}, ${ready} ready.`;
  }

  #showModeFields() {
    const clip = this.mode === "clip";
    $("clip-fields").hidden = !clip;
    $("frame-fields").hidden = clip;
  }

  #showTarget() {
    const { apiUrl, emulator, gateway } = this.connection();
    const badge = $("target-badge");
    let host = apiUrl;
    try {
      host = new URL(apiUrl).host;
    } catch {
      // Not a URL yet: the validation message says so.
    }
    badge.textContent = emulator ? "Local emulator" : host;
    badge.dataset.target = emulator ? "emulator" : "service";
    $("api-url").placeholder = emulator ? location.origin : OVERSHOOT_API;
    $("api-url-hint").textContent = gateway
      ? `No key typed: the page gets short-lived tokens from /token and talks to the emulator through overshoot-gateway at ${apiUrl}.`
      : emulator
      ? `No key typed: the page talks to the emulator at ${apiUrl} with its key "${EMULATOR_KEY}".`
      : `Sending video to ${apiUrl}.`;
  }
}
