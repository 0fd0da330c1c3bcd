// The JS that only the full module imports (`overshoot-wasm/full`, also named
// `overshoot-wasm/v1beta`: v1beta and the LiveKit transport), so that the main entry's
// glue does not bind it and its camera pages do not download it: the LiveKit transport's
// stand-in and v1beta's answer helpers. wasm-bindgen copies it into pkg/snippets/ beside
// `runtime.js`, whose one module instance both share.

import { OnDemand, RESULT_METHODS, deliver } from "./runtime.js";

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

/**
 * Delivers a v1beta answer (an object built in wasm with the streams API's result
 * fields) like a socket result: `json()` added, counted, handed to `onResult`.
 */
export function deliverResult(sink, result) {
  deliver(sink, asResult(result));
}

/** Gives an object built in wasm the methods of a result (`json()`). */
export function asResult(result) {
  return Object.setPrototypeOf(result, RESULT_METHODS);
}

/**
 * The body of a fetch `Response` as text pieces, as they arrive (a v1beta SSE answer):
 * `next()` resolves to the next decoded piece, or `null` at the end; `cancel()` stops
 * reading. UTF-8 sequences cut between chunks are decoded whole (`stream: true`).
 */
export function textPieces(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  return {
    async next() {
      const { done, value } = await reader.read();
      return done ? null : decoder.decode(value, { stream: true });
    },
    cancel() {
      reader.cancel().catch(() => {});
    },
  };
}
