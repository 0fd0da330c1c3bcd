//! The lifecycle of a realtime session.

/// Where a session is. `idle → starting → streaming → stopping → stopped`, or
/// `failed` from any running state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionState {
    /// Created, never started (or ready to start again after stopped/failed).
    Idle,
    /// `start()` is acquiring media, negotiating and creating the stream.
    Starting,
    /// The stream exists; video flows and results arrive.
    Streaming,
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
            SessionState::Streaming => "streaming",
            SessionState::Stopping => "stopping",
            SessionState::Stopped => "stopped",
            SessionState::Failed => "failed",
        }
    }

    /// Whether `start()` may run from here.
    pub fn can_start(self) -> bool {
        matches!(
            self,
            SessionState::Idle | SessionState::Stopped | SessionState::Failed
        )
    }
}
