// A React hook around RealtimeVision, safe under <StrictMode>.
//
// StrictMode mounts every component twice in development (mount, unmount, mount).
// The hook gives each mount its own RealtimeVision and stops it in the effect's
// cleanup. stop() is safe during start(): start() then rejects with AbortError after
// releasing the camera and deleting any stream it created, so the first mount leaves
// nothing running and only the second one streams.
//
//   const { state, results, error, stream } = useRealtimeVision({
//     apiKey, apiUrl, prompt, enabled: true,
//     processing: { target_fps: 6 },            // any RealtimeVision option
//   });
//
// Changing `prompt` calls updatePrompt() on the running stream (no restart). Changing
// any other option (compared by value; a MediaStream source by identity) or `enabled`
// stops the stream and starts a new one.
import { useEffect, useRef, useState } from "react";
import { RealtimeVision } from "overshoot-wasm";

/** The part of a `source` option that decides whether to restart: a value or a stream. */
function sourceKeys(source) {
  if (source instanceof MediaStream) return { cameraKey: null, stream: source };
  if (source?.type === "stream") return { cameraKey: null, stream: source.stream };
  return { cameraKey: source ? JSON.stringify(source) : null, stream: null };
}

function sourceFrom(cameraKey, stream) {
  if (stream) return { type: "stream", stream };
  return cameraKey ? JSON.parse(cameraKey) : undefined;
}

/**
 * @param {object} options RealtimeVision options (without the callbacks), plus
 *   `enabled` (default true), `maxResults` (default 20) and an optional `onResult`.
 * @returns {{state: string, results: object[], error: Error|null, stream: MediaStream|null, streamId: string|null}}
 *   `results` newest first.
 */
export function useRealtimeVision({ enabled = true, prompt, maxResults = 20, onResult, source, ...options }) {
  const [state, setState] = useState("idle");
  const [results, setResults] = useState([]);
  const [error, setError] = useState(null);
  const [stream, setStream] = useState(null);
  const [streamId, setStreamId] = useState(null);

  const session = useRef(null); // { vision, appliedPrompt } of the running mount
  const latestPrompt = useRef(prompt);
  const latestOnResult = useRef(onResult);
  const resultLimit = useRef(maxResults);

  // Keep the latest values for callbacks without restarting the stream.
  useEffect(() => {
    latestOnResult.current = onResult;
    resultLimit.current = maxResults;
  });

  // A new prompt goes to the running stream; one set during start-up is sent once
  // start() resolves (see below).
  useEffect(() => {
    latestPrompt.current = prompt;
    if (session.current) sendPrompt(session.current);
  }, [prompt]);

  function sendPrompt(running) {
    const wanted = latestPrompt.current;
    if (wanted === running.appliedPrompt || !running.vision.isActive()) return;
    running.appliedPrompt = wanted;
    running.vision.updatePrompt(wanted).catch((e) => {
      if (session.current === running) setError(e);
    });
  }

  const optionsKey = JSON.stringify(options);
  const { cameraKey, stream: sourceStream } = sourceKeys(source);

  useEffect(() => {
    if (!enabled) return undefined;
    const running = { vision: null, appliedPrompt: latestPrompt.current };
    const isCurrent = () => session.current === running;
    try {
      running.vision = new RealtimeVision({
        ...JSON.parse(optionsKey),
        source: sourceFrom(cameraKey, sourceStream),
        prompt: running.appliedPrompt,
        onResult: (result) => {
          if (!isCurrent()) return;
          setResults((list) => [result, ...list].slice(0, resultLimit.current));
          latestOnResult.current?.(result);
        },
        onError: (e) => {
          if (isCurrent()) setError(e);
        },
        onStateChange: (next) => {
          if (isCurrent()) setState(next);
        },
      });
    } catch (e) {
      setError(e); // a ValidationError naming the field; nothing was opened
      setState("failed");
      return undefined;
    }
    session.current = running;
    setError(null);
    setResults([]);
    running.vision.start().then(
      () => {
        if (!isCurrent()) return;
        setStream(running.vision.getMediaStream() ?? null);
        setStreamId(running.vision.getStreamId() ?? null);
        sendPrompt(running);
      },
      (e) => {
        if (isCurrent() && e.name !== "AbortError") setError(e);
      },
    );
    return () => {
      // Runs on unmount, on StrictMode's rehearsal unmount, and before a restart.
      session.current = null;
      setStream(null);
      setStreamId(null);
      setState("stopped");
      running.vision.stop();
    };
  }, [enabled, optionsKey, cameraKey, sourceStream]);

  return { state, results, error, stream, streamId };
}
