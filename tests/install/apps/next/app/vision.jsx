"use client";
// The import a Next.js user writes first: at the top of a client component, which Next
// also renders on the server (prerendering), where the package has no browser.
import { useEffect, useState } from "react";
import { RealtimeVision, ValidationError } from "overshoot-wasm";
import { streamToEmulator } from "./session.js";

export default function Vision() {
  const [mounted, setMounted] = useState(false);
  useEffect(() => {
    setMounted(true);
    return streamToEmulator({ RealtimeVision, ValidationError });
  }, []);
  return <p id="status">{mounted ? "mounted" : "server"}: {ValidationError.name}</p>;
}
