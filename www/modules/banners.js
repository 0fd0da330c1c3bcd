// Error banners: one per error class (a repeat replaces the previous one), with a
// title and a hint that say what happened and what to do, chosen by `error.name`.

/** The browser's reason inside a MediaError (its `cause` is the DOMException). */
function mediaTitle(error) {
  switch (error.cause?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return ["Permission denied", "Allow camera or screen access for this site (the icon in the address bar), then press Start again."];
    case "NotFoundError":
    case "OverconstrainedError":
      return ["No camera found", "Connect a camera or pick another one in the Camera list."];
    case "NotReadableError":
    case "AbortError":
      return ["Camera busy", "Another app or tab may be using the camera. Close it and try again."];
    default:
      return ["Video source unavailable", "Pick another source and try again."];
  }
}

/** The reason in "the server ended the stream: <reason>". */
export function endReason(error) {
  return /ended the stream: (\w+)/.exec(error.message ?? "")?.[1] ?? null;
}

function streamEndedTitle(error) {
  switch (endReason(error)) {
    case "lease_expired":
      return ["Stream expired", "The lease ran out before the page renewed it (was the tab asleep or offline?). Press Start for a new stream."];
    case "webrtc_disconnected":
      return ["Video connection lost", "The server stopped receiving video. Check the network and press Start again."];
    case "client_requested":
      return ["Stream closed", "The stream was closed from elsewhere with this key."];
    default:
      return ["Stream ended by the server", "Press Start for a new stream."];
  }
}

/** The end of a screen share or of a video played once is a notice, not a failure. */
function sourceEndedTitle(error) {
  if (/screen sharing/.test(error.message ?? "")) {
    return ["Screen sharing stopped", "The stream ended with it. Press Start to share again."];
  }
  return ["The video ended", "Press Start to play it again."];
}

function sourceLoadTitle(error) {
  if (error.details?.reason === "timeout") {
    const seconds = Math.round((error.details.timeoutMs ?? 10000) / 100) / 10;
    return ["The video did not start", `Nothing played within ${seconds} s. Check the address and that its server answers and allows this site (CORS).`];
  }
  return ["The video could not be loaded", "Check the file or the address: it may be missing (404), in a format this browser cannot play, or on a server that does not allow this site (CORS)."];
}

function sourceUnsupportedTitle(error) {
  if (/hls/i.test(error.message ?? "")) {
    return ["HLS is not supported here", "This browser cannot play HLS playlists (.m3u8) by itself. Use Safari or a recent Chrome, or give the address of a plain video file."];
  }
  return ["Source not supported", "This browser cannot play this source. Pick another source or try another browser."];
}

/** `{title, hint, tone}` for an error of the package (or any Error); tone "info" is a notice. */
export function describeError(error) {
  let title;
  let hint;
  let tone = "error";
  switch (error?.name) {
    case "UnauthorizedError":
      [title, hint] = ["API key rejected", "Check the key under Settings → Connection. Leave it empty to use the local emulator."];
      break;
    case "InsufficientCreditsError":
      [title, hint] = ["Out of credits", "Add credits to your Overshoot account, then press Start again."];
      break;
    case "MediaError":
      [title, hint] = mediaTitle(error);
      break;
    case "SourceEndedError":
      [title, hint] = sourceEndedTitle(error);
      tone = "info";
      break;
    case "SourceLoadError":
      [title, hint] = sourceLoadTitle(error);
      break;
    case "SourceUnsupportedError":
      [title, hint] = sourceUnsupportedTitle(error);
      break;
    case "StreamEndedError":
      [title, hint] = streamEndedTitle(error);
      break;
    case "ValidationError":
      [title, hint] = ["Check the settings", "The highlighted field says what to change."];
      break;
    case "NetworkError":
      [title, hint] = ["Cannot reach the API", "Check your connection and the API URL under Settings → Connection."];
      break;
    case "RateLimitError":
      [title, hint] = ["Too many streams", "A key can run 5 streams at once. Stop another stream or wait a moment."];
      break;
    case "ServerError":
      [title, hint] = ["The service has a problem", "Try again in a moment."];
      break;
    case "NotFoundError":
      [title, hint] = ["Stream not found", "It has ended or expired. Press Start for a new stream."];
      break;
    case "WebRTCError":
      [title, hint] = ["Video connection failed", "A firewall may block WebRTC. Try another network."];
      break;
    default:
      [title, hint] = ["Something went wrong", "Press Start to try again."];
  }
  return { title, hint, tone };
}

export class Banners {
  constructor(container) {
    this.container = container;
  }

  /** Shows a banner for `error`: an alert, or a status for notices (tone "info"). */
  show(error) {
    const name = error?.name ?? "Error";
    const { title, hint, tone } = describeError(error);
    this.dismiss(name);
    const banner = document.createElement("div");
    banner.className = `banner ${tone}`;
    banner.dataset.error = name;
    banner.setAttribute("role", tone === "info" ? "status" : "alert");
    const text = document.createElement("div");
    const heading = document.createElement("strong");
    heading.textContent = title;
    const detail = document.createElement("p");
    const request = error?.requestId ? ` (request ${error.requestId})` : "";
    detail.textContent = `${name}: ${error?.message}${request}`;
    const advice = document.createElement("p");
    advice.className = "advice";
    advice.textContent = hint;
    text.append(heading, detail, advice);
    const close = document.createElement("button");
    close.type = "button";
    close.className = "dismiss";
    close.setAttribute("aria-label", `Dismiss: ${title}`);
    close.textContent = "×";
    close.addEventListener("click", () => banner.remove());
    banner.append(text, close);
    this.container.prepend(banner);
  }

  /** Removes the banner of one error class, or all of them. */
  dismiss(name) {
    for (const banner of this.container.querySelectorAll(".banner")) {
      if (name === undefined || banner.dataset.error === name) banner.remove();
    }
  }
}
