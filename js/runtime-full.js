// The JS that only the full module imports (`overshoot-wasm/full`, also named
// `overshoot-wasm/v1beta`: v1beta and the LiveKit transport), so that the main entry's
// glue does not bind it and its camera pages do not download it. wasm-bindgen copies it
// into pkg/snippets/ beside `runtime.js`, whose one module instance both share.

import { OnDemand } from "./runtime.js";

/**
 * `LiveKitPublisher` of `livekit.js` (the native transport), loaded on first use; bound
 * and owned by `src/platform/room.rs`.
 */
export class PublisherOnDemand extends OnDemand {
  constructor(onState) {
    super(() => import("./livekit.js"), "the LiveKit transport", (m) => new m.LiveKitPublisher(onState));
  }

  /** See `LiveKitPublisher.load`. */
  load(provider) {
    return this.call("load", provider);
  }

  /** See `LiveKitPublisher.open`. */
  open(url, token, track, maxBitrate, maxFramerate) {
    return this.call("open", url, token, track, maxBitrate, maxFramerate);
  }

  /** See `LiveKitPublisher.setToken` (after `load()` resolved). */
  setToken(token) {
    this.target?.setToken(token);
  }

  /** See `LiveKitPublisher.replaceTrack`. */
  replaceTrack(track) {
    return this.call("replaceTrack", track);
  }
}
