// The connection panel: the session state from onStateChange, and live figures
// polled once a second from getStats() while a stream runs.

const $ = (id) => document.getElementById(id);

const STATE_LABELS = {
  idle: "Idle",
  starting: "Starting…",
  connecting: "Connecting…",
  streaming: "Streaming",
  reconnecting: "Reconnecting…",
  stopping: "Stopping…",
  stopped: "Stopped",
  failed: "Failed",
};

const PATH_LABELS = {
  host: "Direct (host)",
  srflx: "Direct through NAT (srflx)",
  prflx: "Direct (prflx)",
  relay: "Relayed by TURN (relay)",
};

export function formatBitrate(bps) {
  if (typeof bps !== "number") return "–";
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(2)} Mbit/s`;
  return `${Math.round(bps / 1e3)} kbit/s`;
}

function formatDuration(ms) {
  const seconds = Math.floor(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export class StatsPanel {
  constructor() {
    this.timer = null;
    this.startedAt = 0;
  }

  /** Shows a lifecycle state in the header pill and the panel. */
  showState(state) {
    const label = STATE_LABELS[state] ?? state;
    $("state-pill").dataset.state = state;
    $("state-text").textContent = label;
    $("stat-state").textContent = label;
  }

  /** Polls `vision.getStats()` every second until `stop()`. */
  start(vision) {
    this.stop();
    this.startedAt = performance.now();
    $("stat-stream").textContent = vision.getStreamId() ?? "–";
    let busy = false;
    const poll = async () => {
      if (busy) return;
      busy = true;
      try {
        this.#show(await vision.getStats());
      } catch {
        // A sample can fail while the connection closes; the next one will tell.
      } finally {
        busy = false;
      }
      $("elapsed").textContent = `Streaming for ${formatDuration(performance.now() - this.startedAt)}`;
    };
    poll();
    this.timer = setInterval(poll, 1000);
  }

  /** Stops polling; the last figures stay visible. */
  stop() {
    clearInterval(this.timer);
    this.timer = null;
    $("elapsed").textContent = "";
  }

  /** Clears the figures for a new stream. */
  reset() {
    for (const id of ["stat-fps", "stat-bitrate", "stat-rtt", "stat-path", "stat-size", "stat-stream"]) {
      $(id).textContent = "–";
    }
    $("stat-results").textContent = "0";
  }

  #show(stats) {
    $("stat-fps").textContent = typeof stats.fps === "number" ? stats.fps.toFixed(1) : "–";
    $("stat-bitrate").textContent = formatBitrate(stats.bitrateBps);
    $("stat-rtt").textContent = typeof stats.rttMs === "number" ? `${Math.round(stats.rttMs)} ms` : "–";
    $("stat-path").textContent = PATH_LABELS[stats.candidateType] ?? "–";
    $("stat-size").textContent = stats.frameWidth ? `${stats.frameWidth}×${stats.frameHeight}` : "–";
    $("stat-results").textContent = String(stats.resultsReceived);
  }
}
