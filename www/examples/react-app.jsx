// A small React app using the useRealtimeVision hook, rendered in <StrictMode>.
// Opening the camera panel mounts a component whose hook starts a stream; closing it
// unmounts the component, which stops the stream and closes the camera.
//
// Build (React apps need a bundler; any will do, here esbuild):
//   npx esbuild www/examples/react-app.jsx --bundle --format=esm --jsx=automatic \
//     --external:overshoot-wasm --outfile=www/examples/react-app.bundle.js
// then open /examples/react.html on the emulator. The page maps the bare specifier
// "overshoot-wasm" to /pkg/index.js with an import map; a bundler app would resolve it
// from node_modules instead.
import { StrictMode, useEffect, useRef, useState } from "react";
import { createRoot } from "react-dom/client";
import { useRealtimeVision } from "./useRealtimeVision.js";

function Preview({ stream }) {
  const video = useRef(null);
  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
  }, [stream]);
  return <video ref={video} autoPlay muted playsInline aria-label="Camera preview" />;
}

function CameraPanel({ prompt }) {
  const { state, results, error, stream, streamId } = useRealtimeVision({
    apiUrl: location.origin, // the emulator serving this page
    apiKey: "emulator-key", // for Overshoot: your key, and apiUrl "https://api.overshoot.ai/v1"
    prompt,
    processing: { target_fps: 6, clip_length_seconds: 0.5, delay_seconds: 0.5 },
    maxResults: 10,
  });
  return (
    <section aria-label="Camera panel">
      <Preview stream={stream} />
      <p>
        State: <output id="state">{state}</output>
        {streamId && <> · stream <code id="stream-id">{streamId}</code></>}
      </p>
      {error && <p role="alert" id="error">{error.name}: {error.message}</p>}
      <ol id="results" aria-label="Results, newest first">
        {results.map((r) => (
          <li key={r.id}>{r.ok ? r.result : `failed: ${r.error}`} <small>“{r.prompt}”</small></li>
        ))}
      </ol>
    </section>
  );
}

function App() {
  const [open, setOpen] = useState(false);
  const [prompt, setPrompt] = useState("What colour is the picture?");
  const [draft, setDraft] = useState(prompt);
  return (
    <main>
      <h1>React example: useRealtimeVision</h1>
      <button id="toggle" type="button" onClick={() => setOpen((o) => !o)}>
        {open ? "Close camera" : "Open camera"}
      </button>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setPrompt(draft);
        }}
      >
        <label htmlFor="prompt">Prompt</label>
        <input id="prompt" value={draft} onChange={(event) => setDraft(event.target.value)} />
        <button type="submit">Apply</button>
      </form>
      {open && <CameraPanel prompt={prompt} />}
    </main>
  );
}

createRoot(document.getElementById("root")).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
