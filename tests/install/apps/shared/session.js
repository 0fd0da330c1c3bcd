// Browser code shared by the test apps: given the package's classes (each app imports
// them itself, the way that framework's users would), checks that a bad config throws
// ValidationError at construction, then streams the fake camera to the emulator named by
// `?api=` and records what happened in `window.installCheck` for the test to read.
export function streamToEmulator({ RealtimeVision, ValidationError }) {
  const check = { validation: null, results: [], errors: [], state: "idle" };
  window.installCheck = check;
  try {
    new RealtimeVision({ apiKey: "emulator-key", prompt: "", onResult() {} });
    check.validation = "no error";
  } catch (error) {
    check.validation = error instanceof ValidationError ? "ValidationError" : `${error?.name}: ${error?.message}`;
  }
  const apiUrl = new URLSearchParams(location.search).get("api");
  if (!apiUrl) return () => {};
  const vision = new RealtimeVision({
    apiKey: "emulator-key",
    apiUrl,
    prompt: "Which colour?",
    source: { type: "camera" },
    onResult: (result) => check.results.push(result.ok ? result.result : `failed: ${result.error}`),
    onError: (error) => check.errors.push(`${error.name}: ${error.message}`),
    onStateChange: (state) => { check.state = state; },
  });
  check.vision = vision;
  vision.start().catch((error) => check.errors.push(`start: ${error.name}: ${error.message}`));
  return () => vision.stop();
}

/**
 * The v1beta entry beside the main one (`load` is the app's own
 * `() => import("overshoot-wasm/v1beta")`, so the bundler must find and emit that entry's
 * wasm file): the main entry refuses a v1beta apiUrl naming that entry, the v1beta one
 * answers `getModels()` from the emulator's v1beta API, and both throw the same error
 * classes. Recorded in `window.installCheck.v1beta`.
 */
export async function checkV1beta(load, { RealtimeVision, ValidationError }) {
  const check = window.installCheck;
  const apiUrl = `${new URLSearchParams(location.search).get("api")}/v1beta`;
  try {
    let refused = "no error";
    try {
      new RealtimeVision({ apiKey: "emulator-key", apiUrl, onResult() {} });
    } catch (error) {
      refused = error instanceof ValidationError ? error.code : `${error?.name}: ${error?.message}`;
    }
    const v1 = await load();
    const models = await new v1.StreamClient({ apiKey: "emulator-key", apiUrl }).getModels();
    check.v1beta = { refused, models: models.object, sameClasses: v1.ValidationError === ValidationError };
  } catch (error) {
    check.v1beta = { error: `${error?.name}: ${error?.message}` };
  }
}

/**
 * The full entry beside the main one (`load` is the app's own
 * `() => import("overshoot-wasm/full")`): the main entry refuses `transport: "livekit"`
 * naming that entry, the full one takes it (constructed, not started: no LiveKit here),
 * and both throw the same error classes. Recorded in `window.installCheck.full`.
 */
export async function checkFull(load, { RealtimeVision, ValidationError }) {
  const check = window.installCheck;
  const config = { apiKey: "emulator-key", prompt: "Which colour?", onResult() {}, transport: "livekit" };
  try {
    let refused = "no error";
    try {
      new RealtimeVision(config);
    } catch (error) {
      refused = error instanceof ValidationError ? error.code : `${error?.name}: ${error?.message}`;
    }
    const full = await load();
    const vision = new full.RealtimeVision(config);
    check.full = { refused, accepted: vision.state, sameClasses: full.ValidationError === ValidationError };
    vision.free();
  } catch (error) {
    check.full = { error: `${error?.name}: ${error?.message}` };
  }
}
