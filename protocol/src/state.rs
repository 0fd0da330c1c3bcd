//! The lifecycle of a realtime session.

/// Where a session is: `idle → starting → connecting → streaming ⇄ reconnecting →
/// stopping → stopped`, or `failed` from any running state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// Created, never started (or ready to start again after stopped/failed).
    Idle,
    /// `start()` is acquiring media, negotiating and creating the stream.
    Starting,
    /// The stream exists and is negotiated; the media connection is being established.
    Connecting,
    /// Video flows and results arrive.
    Streaming,
    /// The media connection or the results socket dropped; recovering.
    Reconnecting,
    /// `stop()` is releasing everything.
    Stopping,
    /// Stopped by the app.
    Stopped,
    /// Ended by an error (see `onError`).
    Failed,
}

impl SessionState {
    /// The state's name as JS sees it.
    pub fn name(self) -> &'static str {
        match self {
            SessionState::Idle => "idle",
            SessionState::Starting => "starting",
            SessionState::Connecting => "connecting",
            SessionState::Streaming => "streaming",
            SessionState::Reconnecting => "reconnecting",
            SessionState::Stopping => "stopping",
            SessionState::Stopped => "stopped",
            SessionState::Failed => "failed",
        }
    }

    /// Whether a stream exists and is meant to run (`isActive()`).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            SessionState::Connecting | SessionState::Streaming | SessionState::Reconnecting
        )
    }

    /// Whether `start()` may run from here.
    pub fn can_start(self) -> bool {
        matches!(
            self,
            SessionState::Idle | SessionState::Stopped | SessionState::Failed
        )
    }
}
