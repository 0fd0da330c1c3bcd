// The e2e tests' session recorder, loaded by the test pages (index.html, csp.html).
// `window.recordSession(config)` makes a RealtimeVision against the emulator serving the
// page (key "emulator-key") whose callbacks record into the session it returns, which
// also becomes `window.current`: `results` (the result objects), `errors` (see
// `recordedError`) and `states`. `config` is spread last, so a test may replace a
// callback; that list then stays empty.
(() => {
  const recordedError = (e) => ({
    name: e.name, message: e.message, details: e.details, status: e.status,
    media: e instanceof window.sdk.MediaError,
  });

  class RecordedSession {
    results = [];
    errors = [];
    states = [];

    constructor(config) {
      this.vision = new window.sdk.RealtimeVision({
        apiKey: "emulator-key", apiUrl: location.origin, prompt: "What colour?",
        onResult: (r) => this.results.push(r),
        onError: (e) => this.errors.push(recordedError(e)),
        onStateChange: (s) => this.states.push(s),
        ...config,
      });
    }

    /** start(); a rejection is kept in `startError` (shaped as `errors`) instead: false. */
    async tryStart() {
      try {
        await this.vision.start();
        return true;
      } catch (e) {
        this.startError = recordedError(e);
        return false;
      }
    }

    /** Resolves once `n` results are in; rejects if the session ends first or after `ms`. */
    async untilResults(n, ms = 30000) {
      const end = Date.now() + ms;
      while (this.results.length < n) {
        const state = this.vision.state;
        if (state === "failed" || state === "stopped" || Date.now() > end) {
          throw new Error(`${this.results.length} of ${n} results, state ${state}, errors ${JSON.stringify(this.errors)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  window.recordSession = (config = {}) => (window.current = new RecordedSession(config));
})();
