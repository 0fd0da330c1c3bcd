// The package's JS helpers for the connection to the API and its peer connection:
// a preconnect hint while start-up runs, the frame-rate and bitrate caps applied after the first
// frame, and the summary of `getStats()`. Imported by the wasm (see src/platform/runtime.rs).

/**
 * Lets the browser open the connection to the API (DNS, TCP, TLS) while the camera
 * opens, so the create request does not wait for the handshake: a
 * `<link rel="preconnect">` (https://developer.mozilla.org/docs/Web/HTML/Attributes/rel/preconnect),
 * `crossorigin="anonymous"` because the package's fetches send no credentials and
 * browsers pool such connections apart. Skipped for the page's own origin (already
 * connected) and outside documents. Returns a function that removes the hint, or null.
 */
export function preconnect(url) {
  if (typeof document === "undefined" || !document.head) return null;
  let origin;
  try {
    origin = new URL(url).origin;
  } catch {
    return null;
  }
  if (origin === location.origin) return null;
  const link = document.createElement("link");
  link.rel = "preconnect";
  link.href = origin;
  link.crossOrigin = "anonymous";
  document.head.append(link);
  return () => link.remove();
}

/**
 * Caps the video sender of `pc` to `maxFramerate` and `maxBitrate` once its first frame
 * is out, and asks the encoder to drop frames rather than resolution when bandwidth is
 * short (the model needs detail, not motion). Why so late: a frame-rate cap in place
 * before the first frame (in `sendEncodings`, or set when the connection turns
 * `connected`) delayed Chromium's first frame by ~200 ms, and with a bitrate cap there
 * the encoder started about one stream in three at a quarter of the picture (libwebrtc
 * drops the first frames and scales down below ~300 kbps of target).
 * Polls `getStats()` every 40 ms for at most 3 s; stops quietly when the connection
 * closes or the returned function is called (which clears the pending poll: `stop()`
 * must leave no timer behind). Never throws, never rejects.
 */
export function capAfterFirstFrame(pc, maxFramerate, maxBitrate) {
  const deadline = performance.now() + 3000;
  let timer = null;
  let cancelled = false;
  const poll = async () => {
    timer = null;
    if (cancelled || pc.connectionState === "closed") return;
    let sent = 0;
    try {
      (await pc.getStats()).forEach((s) => {
        if (s.type === "outbound-rtp") sent += s.framesSent ?? 0;
      });
    } catch {
      return;
    }
    if (cancelled) return;
    if (sent > 0 || performance.now() > deadline) cap(pc.getSenders()[0], maxFramerate, maxBitrate);
    else timer = setTimeout(poll, 40);
  };
  poll();
  return () => {
    cancelled = true;
    if (timer !== null) clearTimeout(timer);
  };
}

/**
 * Chromium honours `degradationPreference` in `setParameters` without listing it in
 * `getParameters`; an engine that rejects it gets the frame-rate and bitrate caps alone
 * (https://developer.mozilla.org/docs/Web/API/RTCRtpSender/setParameters).
 */
async function cap(sender, maxFramerate, maxBitrate) {
  for (const keepResolution of [true, false]) {
    try {
      const params = sender.getParameters();
      if (!params.encodings?.length) return;
      params.encodings[0].maxFramerate = maxFramerate;
      params.encodings[0].maxBitrate = maxBitrate;
      if (keepResolution) params.degradationPreference = "maintain-resolution";
      await sender.setParameters(params);
      return;
    } catch {
      // A closed connection or a refused value: try without the preference, then give up.
    }
  }
}

/**
 * Summarises an RTCStatsReport into engine-independent figures. Chromium names the
 * selected pair through `transport.selectedCandidatePairId`; Firefox marks the pair
 * `selected: true` (https://developer.mozilla.org/docs/Web/API/RTCIceCandidatePairStats).
 */
export function summarizeStats(report, previous, sink, state) {
  const byId = new Map();
  if (report && typeof report.forEach === "function") report.forEach((s) => byId.set(s.id, s));
  let outbound = null;
  let selectedPairId = null;
  for (const s of byId.values()) {
    if (s.type === "outbound-rtp" && (s.kind ?? s.mediaType) === "video") outbound = s;
    if (s.type === "transport" && s.selectedCandidatePairId) selectedPairId = s.selectedCandidatePairId;
  }
  let pair = selectedPairId ? byId.get(selectedPairId) : null;
  if (!pair) {
    for (const s of byId.values()) {
      if (s.type === "candidate-pair" && (s.selected || (s.nominated && s.state === "succeeded"))) pair = s;
    }
  }
  const local = pair ? byId.get(pair.localCandidateId) : null;
  // Stats timestamps are wall-clock ms in both engines; keep samples on that clock.
  const now = outbound?.timestamp ?? performance.timeOrigin + performance.now();
  const bytesSent = outbound?.bytesSent ?? 0;
  const framesSent = outbound?.framesSent ?? 0;
  let bitrateBps = null;
  let fps = outbound?.framesPerSecond ?? null;
  if (previous && previous.sampledAt !== undefined && now > previous.sampledAt) {
    const seconds = (now - previous.sampledAt) / 1000;
    bitrateBps = Math.max(0, ((bytesSent - previous.bytesSent) * 8) / seconds);
    if (fps === null) fps = Math.max(0, (framesSent - previous.framesSent) / seconds);
  }
  const rtt = pair?.currentRoundTripTime;
  return {
    state,
    framesSent,
    bytesSent,
    fps,
    bitrateBps,
    frameWidth: outbound?.frameWidth ?? null,
    frameHeight: outbound?.frameHeight ?? null,
    rttMs: typeof rtt === "number" ? rtt * 1000 : null,
    candidateType: local?.candidateType ?? null,
    resultsReceived: sink?.received ?? 0,
    lastResultLatencyMs: sink?.lastLatencyMs ?? null,
    sampledAt: now,
  };
}
