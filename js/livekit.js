// The native LiveKit transport: publishes the session's video track into the room the
// create response names, through `livekit-client` (an optional peer dependency, loaded
// only when `transport: "livekit"` is used). Loaded on first use by `PublisherOnDemand`
// (`runtime.js`), which `src/platform/room.rs` binds: it owns one per link and calls
// `close()` from Rust `Drop`.
//
// Token refresh: keepalive answers may carry a fresh `livekit_token`; `setToken()` keeps
// it, and it is what the next connect uses when the room drops for good (livekit-client
// resumes short outages itself, with the token it holds:
// https://docs.livekit.io/home/client/connect/#connection-reliability).

import { failure } from "./runtime.js";
// Shared with hls.js: kept in sources.js so camera pages never download it (a LiveKit
// session loads sources.js as well).
import { loadOptionalPeer } from "./sources.js";

/** Reconnects with the newest token after the room disconnects, before giving up. */
const MAX_RECONNECTS = 3;

/** livekit-client's module, from the app's `livekitClient` or the `livekit-client` module. */
function loadLiveKit(provided) {
  return loadOptionalPeer(provided, "livekit-client", (v) => (typeof v?.Room === "function" && v.RoomEvent ? v : null));
}

/**
 * One room connection publishing one video track. `onState(name)` hears
 * `connected`, `reconnecting` and `failed` (the room is gone and reconnecting with
 * the newest token did not help).
 */
export class LiveKitPublisher {
  constructor(onState) {
    this.onState = onState;
    this.closed = false;
  }

  /** Loads livekit-client (before any stream is created, so a missing peer costs nothing). */
  async load(provider) {
    const lk = await loadLiveKit(provider);
    if (!lk) {
      throw failure(
        "SourceUnsupportedError",
        "transport \"livekit\" needs livekit-client: install it and pass it as livekitClient (or map \"livekit-client\" in an import map)",
      );
    }
    this.lk = lk;
  }

  /** Joins `url` with `token` and publishes `track` (after `load()`). */
  async open(url, token, track, maxBitrate, maxFramerate) {
    if (this.closed) throw failure("AbortError", "stopped while joining the LiveKit room");
    const lk = this.lk;
    this.url = url;
    this.token = token;
    this.track = track;
    this.encoding = maxBitrate ? { maxBitrate, maxFramerate } : undefined;
    // stopLocalTrackOnUnpublish: false — on a server-side drop livekit-client would
    // otherwise stop the published MediaStreamTrack (the camera, or an app's own track),
    // and a rejoin would publish a dead track.
    this.room = new lk.Room({ adaptiveStream: false, dynacast: false, stopLocalTrackOnUnpublish: false });
    this.room.on(lk.RoomEvent.Reconnecting, () => this.onState("reconnecting"));
    this.room.on(lk.RoomEvent.Reconnected, () => this.onState("connected"));
    this.room.on(lk.RoomEvent.Disconnected, () => this.reconnect());
    await this.connect();
  }

  /** Connects with the newest token and publishes the track. */
  async connect() {
    try {
      await this.room.connect(this.url, this.token, { autoSubscribe: false });
      if (this.closed) return;
      this.publication = await this.room.localParticipant.publishTrack(this.track, {
        source: this.lk.Track?.Source?.Camera ?? "camera",
        simulcast: false,
        videoEncoding: this.encoding,
      });
      if (this.closed) return;
    } catch (cause) {
      throw failure("WebRTCError", "could not publish into the LiveKit room", cause);
    }
    this.onState("connected");
  }

  /** After an unexpected disconnect: reconnect with the newest token, a few times. */
  async reconnect() {
    if (this.closed || this.reconnecting) return;
    this.reconnecting = true;
    this.onState("reconnecting");
    for (let attempt = 0; attempt < MAX_RECONNECTS && !this.closed; attempt++) {
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      if (this.closed) break;
      try {
        await this.connect();
        this.reconnecting = false;
        return;
      } catch {
        // next attempt
      }
    }
    this.reconnecting = false;
    if (!this.closed) this.onState("failed");
  }

  /** Keeps a refreshed token (keepalive `livekit_token`) for the next connect. */
  setToken(token) {
    this.token = token;
  }

  /**
   * Sends `track` instead of the current one (switchCamera). Kept for rejoins only once
   * the replace succeeded: on failure the caller stops `track` and the old one goes on.
   */
  async replaceTrack(track) {
    await this.publication?.track?.replaceTrack(track);
    this.track = track;
  }

  /** Leaves the room. The track stays the caller's (the media owner stops it). */
  close() {
    if (this.closed) return;
    this.closed = true;
    this.room?.removeAllListeners?.();
    this.room?.disconnect(false)?.catch?.(() => {});
  }
}
