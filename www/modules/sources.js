// The video source picker and its live preview: a camera (with a device picker), a
// screen or window (getDisplayMedia), or a video file played in a loop through the
// preview <video> and captured with captureStream().
//
// The camera is opened by the package ({type: "camera", deviceId}), which also
// closes it on stop(); screens and files are streams the page owns and passes as
// {type: "stream", stream}, so the page closes those itself.
import { MediaError, ValidationError } from "/pkg/index.js";

const $ = (id) => document.getElementById(id);

/** Wraps a browser DOMException the page got itself like the package wraps its own. */
function mediaError(action, cause) {
  return new MediaError(`${action} failed: ${cause?.name ?? "Error"}: ${cause?.message ?? cause}`, { cause });
}

function stopTracks(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

export class SourcePicker {
  /**
   * @param {{onError: (error: Error) => void, onSourceEnded: (what: string) => void}} handlers
   *   onError: a source could not be opened; onSourceEnded: a page-owned source ended
   *   by itself (the user stopped sharing the screen).
   */
  constructor({ onError, onSourceEnded }) {
    this.onError = onError;
    this.onSourceEnded = onSourceEnded;
    this.preview = $("preview");
    this.cameraPreview = null; // page-owned camera stream, before start
    this.screenStream = null; // page-owned
    this.fileUrl = null;
    this.fileStream = null; // captured from the preview element
    this.kind = "camera";

    for (const radio of document.querySelectorAll('input[name="source-kind"]')) {
      radio.addEventListener("change", () => this.#select(radio.value));
    }
    $("camera-preview").addEventListener("click", () => this.#toggleCameraPreview());
    $("camera-device").addEventListener("change", () => {
      if (this.cameraPreview) this.#openCameraPreview();
    });
    $("screen-choose").addEventListener("click", () => this.#chooseScreen().catch(onError));
    $("file-input").addEventListener("change", () => this.#loadFile($("file-input").files[0]));
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
   * The `source` for RealtimeVision. For the camera it releases the page's own
   * preview so the package can open the chosen device; for a screen it asks for
   * one if none is shared yet (call it from a click, as getDisplayMedia requires).
   */
  async sourceForStart() {
    if (this.kind === "camera") {
      this.#closeCameraPreview();
      const deviceId = $("camera-device").value;
      return deviceId ? { type: "camera", deviceId } : { type: "camera" };
    }
    if (this.kind === "screen") {
      if (!this.#live(this.screenStream)) await this.#chooseScreen();
      return { type: "stream", stream: this.screenStream };
    }
    if (!this.fileUrl) {
      throw new ValidationError("Choose a video file first.", { details: { field: "source" } });
    }
    if (!this.#live(this.fileStream)) this.#captureFile();
    await this.preview.play();
    return { type: "stream", stream: this.fileStream };
  }

  /** Shows what the package is sending (the camera it opened). */
  showSending(stream) {
    if (this.kind !== "camera" || !stream) return;
    this.preview.srcObject = stream;
    this.#showPlaceholder();
  }

  /** After a stream ended: the camera the package opened is closed, so blank it. */
  afterStop() {
    if (this.kind === "camera" && !this.cameraPreview) this.preview.srcObject = null;
    $("camera-preview").setAttribute("aria-pressed", String(Boolean(this.cameraPreview)));
    this.#showPlaceholder();
  }

  /** Disables switching sources while a stream runs. */
  setLocked(locked) {
    $("source-controls").disabled = locked;
  }

  /** Releases everything the page opened (page hide). */
  release() {
    this.#closeCameraPreview();
    this.#closeScreen();
    this.#unloadFile();
  }

  #select(kind) {
    this.release();
    this.kind = kind;
    $("camera-panel").hidden = kind !== "camera";
    $("screen-panel").hidden = kind !== "screen";
    $("file-panel").hidden = kind !== "file";
    this.#showPlaceholder();
  }

  #live(stream) {
    return Boolean(stream?.getVideoTracks().some((track) => track.readyState === "live"));
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
    try {
      const video = deviceId ? { deviceId: { exact: deviceId } } : true;
      this.cameraPreview = await navigator.mediaDevices.getUserMedia({ video, audio: false });
    } catch (cause) {
      this.onError(mediaError("Opening the camera", cause));
      return;
    }
    this.preview.srcObject = this.cameraPreview;
    $("camera-preview").setAttribute("aria-pressed", "true");
    this.#showPlaceholder();
    this.refreshDevices();
  }

  #closeCameraPreview() {
    if (!this.cameraPreview) return;
    stopTracks(this.cameraPreview);
    this.cameraPreview = null;
    this.preview.srcObject = null;
    $("camera-preview").setAttribute("aria-pressed", "false");
  }

  async #chooseScreen() {
    this.#closeScreen();
    try {
      this.screenStream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (cause) {
      $("screen-status").textContent = "Nothing shared.";
      throw mediaError("Sharing the screen", cause);
    }
    const [track] = this.screenStream.getVideoTracks();
    $("screen-status").textContent = `Sharing: ${track.label || "screen"}`;
    track.addEventListener("ended", () => {
      if (this.screenStream?.getVideoTracks()[0] !== track) return;
      this.#closeScreen();
      this.#showPlaceholder();
      this.onSourceEnded("Screen sharing ended.");
    });
    this.preview.srcObject = this.screenStream;
    this.#showPlaceholder();
  }

  #closeScreen() {
    if (!this.screenStream) return;
    stopTracks(this.screenStream);
    this.screenStream = null;
    this.preview.srcObject = null;
    $("screen-status").textContent = "Nothing shared yet.";
  }

  async #loadFile(file) {
    this.#unloadFile();
    if (!file) return;
    this.fileUrl = URL.createObjectURL(file);
    this.preview.srcObject = null;
    this.preview.loop = true;
    this.preview.src = this.fileUrl;
    this.#showPlaceholder();
    try {
      await this.preview.play();
    } catch (cause) {
      this.#unloadFile();
      this.onError(mediaError(`Playing ${file.name}`, cause));
    }
  }

  #captureFile() {
    const capture = this.preview.captureStream ?? this.preview.mozCaptureStream;
    // Only the picture: the package sends one video track.
    this.fileStream = new MediaStream(capture.call(this.preview).getVideoTracks());
  }

  #unloadFile() {
    if (!this.fileUrl) return;
    stopTracks(this.fileStream);
    this.fileStream = null;
    this.preview.pause();
    this.preview.removeAttribute("src");
    this.preview.load();
    URL.revokeObjectURL(this.fileUrl);
    this.fileUrl = null;
  }

  #markUnsupported() {
    const unsupported = [];
    if (!navigator.mediaDevices?.getUserMedia) unsupported.push(["camera", "camera access (it needs HTTPS or localhost)"]);
    if (!navigator.mediaDevices?.getDisplayMedia) unsupported.push(["screen", "screen sharing"]);
    const video = document.createElement("video");
    if (!video.captureStream && !video.mozCaptureStream) unsupported.push(["file", "capturing a video file"]);
    for (const [kind, what] of unsupported) {
      const radio = document.querySelector(`input[name="source-kind"][value="${kind}"]`);
      radio.disabled = true;
      radio.parentElement.title = `This browser does not support ${what}.`;
    }
  }

  #showPlaceholder() {
    const showing = Boolean(this.preview.srcObject) || Boolean(this.fileUrl);
    const text = {
      camera: "Camera off. Press Preview to see it, or Start to stream it.",
      screen: "Choose a screen or window to share.",
      file: "Choose a video file; it plays here in a loop.",
    }[this.kind];
    $("preview-placeholder").textContent = text;
    $("preview-placeholder").hidden = showing;
  }
}
