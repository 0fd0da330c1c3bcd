// The video source picker and its live preview. Every source is opened and closed by
// the package; the page only describes it:
//   camera → {type: "camera", deviceId?}  (the page can also preview it before Start)
//   screen → {type: "screen"}             (getDisplayMedia, asked for at Start)
//   file   → {type: "video", file}
//   URL    → {type: "hls", url} for .m3u8 playlists, else {type: "video", url}
// Once a stream runs, the preview shows what the package sends (getMediaStream()): the
// camera itself, or the package's canvas for the others.
import { MediaError, ValidationError } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);

/** Wraps a browser DOMException the page got itself like the package wraps its own. */
function mediaError(action, cause) {
  return new MediaError(`${action} failed: ${cause?.name ?? "Error"}: ${cause?.message ?? cause}`, { cause });
}

function stopTracks(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** Whether `url` names an HLS playlist (its path ends in .m3u8, query aside). */
export function isHlsUrl(url) {
  try {
    return /\.m3u8$/i.test(new URL(url, location.href).pathname);
  } catch {
    return /\.m3u8(\?|#|$)/i.test(url);
  }
}

function formatSize(bytes) {
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} kB`;
}

export class SourcePicker {
  /** @param {{onError: (error: Error) => void}} handlers onError: the camera preview could not open */
  constructor({ onError }) {
    this.onError = onError;
    this.preview = $("preview");
    this.cameraPreview = null; // page-owned camera stream, before start
    this.sending = false; // the preview shows the package's stream
    this.kind = "camera";

    for (const radio of document.querySelectorAll('input[name="source-kind"]')) {
      radio.addEventListener("change", () => this.#select(radio.value));
    }
    $("camera-preview").addEventListener("click", () => this.#toggleCameraPreview());
    $("camera-device").addEventListener("change", () => {
      if (this.cameraPreview) this.#openCameraPreview();
    });
    $("file-input").addEventListener("change", () => this.#showPlaceholder());
    $("video-url").addEventListener("input", () => this.#showPlaceholder());
    navigator.mediaDevices?.addEventListener?.("devicechange", () => this.refreshDevices());
    this.#markUnsupported();
    this.refreshDevices();
    this.#showPlaceholder();
  }

  /** Re-reads the camera list (labels appear once camera permission is granted). */
  async refreshDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const select = $("camera-device");
    const chosen = select.value;
    const cameras = (await navigator.mediaDevices.enumerateDevices())
      .filter((device) => device.kind === "videoinput" && device.deviceId);
    select.replaceChildren(
      new Option("Default camera", ""),
      ...cameras.map((camera, i) => new Option(camera.label || `Camera ${i + 1}`, camera.deviceId)),
    );
    if (cameras.some((camera) => camera.deviceId === chosen)) select.value = chosen;
  }

  /**
   * The `source` for RealtimeVision, synchronously, so that Start's click handler
   * reaches `vision.start()` (and the package's getDisplayMedia) while the click still
   * counts as a user gesture. For the camera it releases the page's own preview so the
   * package can open the chosen device. Throws a ValidationError naming the control
   * when a file or URL is missing.
   */
  sourceForStart() {
    switch (this.kind) {
      case "camera": {
        this.#closeCameraPreview();
        const deviceId = $("camera-device").value;
        return deviceId ? { type: "camera", deviceId } : { type: "camera" };
      }
      case "screen":
        return { type: "screen" };
      case "file": {
        const file = $("file-input").files[0];
        if (!file) throw new ValidationError("Choose a video file first.", { details: { field: "source.file" } });
        return { type: "video", file };
      }
      default: {
        const url = $("video-url").value.trim();
        if (!url) throw new ValidationError("Enter the address of a video or an HLS playlist (.m3u8) first.", { details: { field: "source.url" } });
        return isHlsUrl(url) ? { type: "hls", url } : { type: "video", url };
      }
    }
  }

  /** Shows what the package is sending: the camera it opened, or its canvas. */
  showSending(stream) {
    if (!stream) return;
    this.sending = true;
    this.preview.srcObject = stream;
    this.#showPlaceholder();
  }

  /** After a stream ended: what the package sent is closed, so blank the preview. */
  afterStop() {
    this.sending = false;
    this.preview.srcObject = this.cameraPreview;
    $("camera-preview").setAttribute("aria-pressed", String(Boolean(this.cameraPreview)));
    this.#showPlaceholder();
  }

  /** Disables switching sources while a stream runs. */
  setLocked(locked) {
    $("source-controls").disabled = locked;
  }

  /** Releases what the page opened itself: the camera preview (page hide). */
  release() {
    this.#closeCameraPreview();
  }

  #select(kind) {
    this.release();
    this.kind = kind;
    for (const panel of ["camera", "screen", "file", "url"]) $(`${panel}-panel`).hidden = kind !== panel;
    this.#showPlaceholder();
  }

  async #toggleCameraPreview() {
    if (this.cameraPreview) {
      this.#closeCameraPreview();
      this.#showPlaceholder();
    } else {
      await this.#openCameraPreview();
    }
  }

  async #openCameraPreview() {
    this.#closeCameraPreview();
    const deviceId = $("camera-device").value;
    let stream;
    try {
      const video = deviceId ? { deviceId: { exact: deviceId } } : true;
      stream = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (cause) {
      this.onError(mediaError("Opening the camera", cause));
      return;
    }
    if (this.kind !== "camera" || this.sending) {
      stopTracks(stream); // the user moved on while the camera was opening
      return;
    }
    this.cameraPreview = stream;
    this.preview.srcObject = stream;
    $("camera-preview").setAttribute("aria-pressed", "true");
    this.#showPlaceholder();
    this.refreshDevices();
  }

  #closeCameraPreview() {
    if (!this.cameraPreview) return;
    stopTracks(this.cameraPreview);
    this.cameraPreview = null;
    if (!this.sending) this.preview.srcObject = null;
    $("camera-preview").setAttribute("aria-pressed", "false");
  }

  #markUnsupported() {
    const unsupported = [];
    if (!navigator.mediaDevices?.getUserMedia) unsupported.push(["camera", "camera access (it needs HTTPS or localhost)"]);
    if (!navigator.mediaDevices?.getDisplayMedia) unsupported.push(["screen", "screen sharing"]);
    if (!HTMLCanvasElement.prototype.captureStream) {
      unsupported.push(["file", "capturing a canvas"], ["url", "capturing a canvas"]);
    }
    for (const [kind, what] of unsupported) {
      const radio = document.querySelector(`input[name="source-kind"][value="${kind}"]`);
      radio.disabled = true;
      radio.parentElement.title = `This browser does not support ${what}.`;
    }
  }

  #showPlaceholder() {
    const file = $("file-input").files[0];
    const url = $("video-url").value.trim();
    const text = {
      camera: "Camera off. Press Preview to see it, or Start to stream it.",
      screen: "Press Start, then choose a screen, window or tab to share.",
      file: file
        ? `${file.name} (${formatSize(file.size)}): press Start to stream it in a loop.`
        : "Choose a video file; it streams in a loop.",
      url: url
        ? `Press Start to stream ${isHlsUrl(url) ? "the HLS playlist" : "the video"} in a loop.`
        : "Enter the address of a video or an HLS playlist (.m3u8).",
    }[this.kind];
    $("preview-placeholder").textContent = text;
    $("preview-placeholder").hidden = Boolean(this.preview.srcObject);
  }
}
