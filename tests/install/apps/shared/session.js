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
