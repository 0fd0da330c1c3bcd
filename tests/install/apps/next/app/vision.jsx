"use client";
// The import a Next.js user writes first: at the top of a client component, which Next
// also renders on the server (prerendering), where the package has no browser.
import { useEffect, useState } from "react";
import { RealtimeVision, ValidationError } from "overshoot-wasm";
import { checkFull, streamToEmulator } from "./session.js";

export default function Vision() {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    setMounted(true);
    const stop = streamToEmulator({ RealtimeVision, ValidationError });
    // The full entry, loaded on demand: the LiveKit transport.
    checkFull(() => import("overshoot-wasm/full"), { RealtimeVision, ValidationError });
    return stop;
  }, []);
  return <p id="status">{mounted ? "mounted" : "server"}: {ValidationError.name}</p>;
}
