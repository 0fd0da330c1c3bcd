// Video sources that reach WebRTC through a canvas: screen capture, video files and
// URLs, HLS. Loaded on first use by `RelayOnDemand` (`runtime.js`), which
// `src/platform/media/relay.rs` binds: it owns one per session and calls `close()` from
// Rust `Drop`. The draw loop lives here so a frame never crosses into wasm.
//
// Why a canvas: a static screen makes Chromium's screen capturer send ~0 fps (frames
// are only produced on change, https://w3c.github.io/mediacapture-screen-share/#constraints),
// so the server's sampler would starve; and a file's codec may be one WebRTC can't
// send. Redrawing at a steady rate fixes both and lets the picture be capped.

import { failure, WorkerTimer } from "./runtime.js";

/** Largest `w×h` within `maxLong × maxShort` with the source's aspect (never upscaled; even sizes). */
export function fitWithin(width, height, maxLong, maxShort) {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const scale = Math.min(1, maxLong / long, maxShort / short);
  const even = (n) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return [even(width), even(height)];
}

const MEDIA_ERRORS = ["", "aborted", "network error", "decode error", "format not supported"];

/**
 * A hidden `<video>` drawn into a canvas at a steady rate; the canvas's capture track
 * is what the session sends. `onEnd(error)` is called once if the source ends or
 * fails after it started.
 */
export class CanvasRelay {
  constructor(fps, maxLong, maxShort, onEnd) {
    this.fps = fps;
    this.maxLong = maxLong;
    this.maxShort = maxShort;
    this.onEnd = onEnd;
    this.closed = false;
    this.cleanups = [];
    this.canvas = document.createElement("canvas");
    this.canvas.width = 2;
    this.canvas.height = 2;
    this.context = this.canvas.getContext("2d", { alpha: false });
    this.video = document.createElement("video");
    this.video.muted = true;
    this.video.playsInline = true;
    // Kept in the DOM but invisible: Safari does not decode detached videos reliably.
    this.video.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;opacity:0;pointer-events:none";
    this.video.setAttribute("aria-hidden", "true");
    // captureStream(0) + requestFrame(): exactly one frame per draw. Before the video
    // joins the DOM, so a throw here leaves nothing behind.
    try {
      this.stream = this.canvas.captureStream(0);
    } catch (cause) {
      throw failure("SourceUnsupportedError", "this page cannot draw video into a canvas", cause);
    }
    this.track = this.stream.getVideoTracks()[0];
    document.body?.appendChild(this.video);
  }

  /** Adds a listener that `close()` removes. */
  listen(target, type, handler) {
    target.addEventListener(type, handler);
    this.cleanups.push(() => target.removeEventListener(type, handler));
  }

  /** Reports the end of the source once (never after `close()`). */
  end(error) {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.onEnd(error);
  }

  /**
   * Screen capture: `request` is the pending getDisplayMedia (asked for by
   * `RelayOnDemand.openScreen`, within the user's click).
   */
  async openScreen(request, timeoutMs) {
    let display;
    try {
      display = await request;
    } catch (cause) {
      const denied = cause?.name === "NotAllowedError";
      throw failure("MediaError", denied ? "screen sharing was not allowed" : "screen capture could not start", cause);
    }
    this.display = display;
    const track = display.getVideoTracks()[0];
    if (this.closed || !track) {
      display.getTracks().forEach((t) => t.stop());
      throw failure("MediaError", "screen capture returned no video track");
    }
    // The browser's "Stop sharing" button ends the track (no event for our own stop()).
    this.listen(track, "ended", () => this.end(failure("SourceEndedError", "screen sharing was stopped")));
    this.video.srcObject = display;
    await this.play(timeoutMs, "screen capture");
  }

  /** A video `File`/`Blob` or URL, played muted (and looped unless `loop` is false). */
  async openVideo(fileOrUrl, loop, timeoutMs) {
    if (typeof fileOrUrl === "string") {
      // CORS-enabled cross-origin videos stay drawable; others fail to load instead of
      // tainting the canvas (https://developer.mozilla.org/docs/Web/HTML/CORS_enabled_image).
      this.video.crossOrigin = "anonymous";
      this.video.src = fileOrUrl;
    } else {
      this.objectUrl = URL.createObjectURL(fileOrUrl);
      this.video.src = this.objectUrl;
    }
    this.video.loop = loop;
    await this.play(timeoutMs, "the video");
  }

  /**
   * An HLS URL: the browser's own HLS where it has it, else hls.js — `hlsJs` (the
   * `Hls` class, its module, or a function resolving to either) or the `hls.js`
   * module if the page can import it (an import map).
   */
  async openHls(url, hlsJs, timeoutMs) {
    this.video.crossOrigin = "anonymous";
    this.video.loop = true;
    const native = this.video.canPlayType("application/vnd.apple.mpegurl") !== "";
    if (native && !hlsJs) {
      this.video.src = url;
      await this.play(timeoutMs, "the HLS stream");
    } else {
      const Hls = await loadHls(hlsJs);
      if (this.closed) throw failure("AbortError", "stopped while loading hls.js");
      if (!Hls || (typeof Hls.isSupported === "function" && !Hls.isSupported())) {
        throw failure(
          "SourceUnsupportedError",
          "HLS needs a browser with native HLS or hls.js: install hls.js and pass it as source.hlsJs (or map \"hls.js\" in an import map)",
        );
      }
      const hls = new Hls();
      this.hls = hls;
      await this.play(timeoutMs, "the HLS stream", () => {
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (!data?.fatal) return;
          const error = failure("SourceLoadError", `HLS playback failed (${data.type}: ${data.details})`, data.error);
          if (this.rejectLoad) this.rejectLoad(error);
          else this.end(error);
        });
        hls.loadSource(url);
        hls.attachMedia(this.video);
      });
    }
  }

  /**
   * Starts playback (after `attach()` connects the source) and the draw loop; rejects
   * on a load error or after `timeoutMs`.
   */
  async play(timeoutMs, what, attach = () => {}) {
    const video = this.video;
    await new Promise((resolve, reject) => {
      let timer;
      const settle = (fn, value) => {
        clearTimeout(timer);
        this.rejectLoad = null;
        fn(value);
      };
      this.rejectLoad = (error) => settle(reject, error);
      timer = setTimeout(
        () => settle(reject, failure("SourceLoadError", `${what} did not start within ${timeoutMs} ms`, undefined, { reason: "timeout", timeoutMs })),
        timeoutMs,
      );
      this.listen(video, "error", () => {
        const code = video.error?.code ?? 0;
        const detail = MEDIA_ERRORS[code] ?? "error";
        const error = failure("SourceLoadError", `${what} could not be loaded (${detail}${video.error?.message ? `: ${video.error.message}` : ""})`);
        if (this.rejectLoad) settle(reject, error);
        else this.end(error);
      });
      this.listen(video, "ended", () => this.end(failure("SourceEndedError", `${what} reached its end`)));
      const ready = () => {
        if (video.videoWidth > 0 && this.rejectLoad) settle(resolve);
      };
      this.listen(video, "loadeddata", ready);
      this.listen(video, "resize", ready);
      attach();
      video.play().catch((cause) => {
        if (cause?.name !== "AbortError" && this.rejectLoad) settle(reject, failure("SourceLoadError", `${what} could not play`, cause));
      });
    });
    if (this.closed) throw failure("AbortError", "stopped while the source was loading");
    this.draw();
    // From a worker's timer: a screen shared from another tab usually leaves the app's
    // tab hidden, where main-thread timers run at most once a second
    // (https://developer.chrome.com/blog/background_tabs), which would starve the sampler.
    this.ticks = new WorkerTimer(Math.round(1000 / this.fps), () => this.draw(), true);
  }

  /**
   * The size of the picture sent: the video's, fitted within the caps. Known once an
   * `open…` call resolved (the video's metadata is in), which can be before the first
   * frame is drawn (readyState 1) and before the capture track's settings show it.
   */
  get width() {
    return fitWithin(this.video.videoWidth, this.video.videoHeight, this.maxLong, this.maxShort)[0];
  }

  /** See `width`. */
  get height() {
    return fitWithin(this.video.videoWidth, this.video.videoHeight, this.maxLong, this.maxShort)[1];
  }

  /** Draws the current video frame, resizing the canvas when the source size changes. */
  draw() {
    const { video, canvas } = this;
    if (video.readyState < 2 || video.videoWidth === 0) return;
    const [width, height] = fitWithin(video.videoWidth, video.videoHeight, this.maxLong, this.maxShort);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    this.context.drawImage(video, 0, 0, width, height);
    this.track.requestFrame?.();
  }

  /** Releases everything: draw loop, listeners, hls.js, tracks, the element, the object URL. */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.ticks?.cancel();
    this.rejectLoad?.(failure("AbortError", "stopped while the source was loading"));
    for (const cleanup of this.cleanups) cleanup();
    this.hls?.destroy();
    this.display?.getTracks().forEach((t) => t.stop());
    this.track.stop();
    const video = this.video;
    video.pause();
    video.srcObject = null;
    video.removeAttribute("src");
    video.load();
    video.remove();
    if (this.objectUrl) URL.revokeObjectURL(this.objectUrl);
  }
}

/**
 * An optional peer dependency: `provided` (what the app passed: the thing itself, its
 * module, or a loader function) or else the module `specifier` imported at run time.
 * `pick(value)` returns the wanted export of a candidate, or null. Null when unavailable.
 */
export async function loadOptionalPeer(provided, specifier, pick) {
  let value = provided;
  try {
    if (typeof value === "function" && !pick(value)) value = await value();
    if (!value) {
      // A variable specifier keeps bundlers from failing the app's build when the
      // optional peer is not installed; it resolves through an import map.
      value = await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
    }
  } catch {
    return null;
  }
  return pick(value) ?? pick(value?.default);
}

/** hls.js's `Hls` class, from the app's `hlsJs` or the `hls.js` module. */
function loadHls(hlsJs) {
  return loadOptionalPeer(hlsJs, "hls.js", (v) => (typeof v === "function" && v.Events ? v : null));
}
