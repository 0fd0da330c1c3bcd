//! Which API call a request path is, under any base path (`/v1/streams`,
//! `/api/overshoot/streams`, `/streams` all work), like the upstream's own paths.

use axum::http::Method;
use overshoot_protocol::endpoints::decode_segment;

/// One API call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST …/streams`.
    Create,
    /// `POST …/streams/{id}/keepalive`.
    Keepalive(String),
    /// `PATCH …/streams/{id}/config/prompt`.
    Prompt(String),
    /// `DELETE …/streams/{id}`.
    Delete(String),
    /// `GET …/models`.
    Models,
    /// `GET …/ws/streams/{id}` (the results WebSocket).
    Socket(String),
}

impl Route {
    /// The route of `method` + `path`, matched from the path's end.
    pub fn parse(method: &Method, path: &str) -> Option<Route> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let id = |s: &str| (!s.is_empty()).then(|| decode_segment(s)).flatten();
        match (method, segments.as_slice()) {
            (&Method::POST, [.., "streams"]) => Some(Route::Create),
            (&Method::GET, [.., "models"]) => Some(Route::Models),
            (&Method::GET, [.., "ws", "streams", s]) => id(s).map(Route::Socket),
            (&Method::POST, [.., "streams", s, "keepalive"]) => id(s).map(Route::Keepalive),
            (&Method::PATCH, [.., "streams", s, "config", "prompt"]) => id(s).map(Route::Prompt),
            (&Method::DELETE, [.., "streams", s]) => id(s).map(Route::Delete),
            _ => None,
        }
    }

    /// The stream the call is about, if any.
    pub fn stream_id(&self) -> Option<&str> {
        match self {
            Route::Keepalive(id) | Route::Prompt(id) | Route::Delete(id) | Route::Socket(id) => {
                Some(id)
            }
            Route::Create | Route::Models => None,
        }
    }

    /// A short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Route::Create => "create",
            Route::Keepalive(_) => "keepalive",
            Route::Prompt(_) => "prompt",
            Route::Delete(_) => "delete",
            Route::Models => "models",
            Route::Socket(_) => "socket",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_are_found_under_any_base_path() {
        for base in ["", "/v1", "/api/overshoot/v1"] {
            let p = |s: &str| format!("{base}{s}");
            assert_eq!(
                Route::parse(&Method::POST, &p("/streams")),
                Some(Route::Create)
            );
            assert_eq!(
                Route::parse(&Method::GET, &p("/models")),
                Some(Route::Models)
            );
            assert_eq!(
                Route::parse(&Method::POST, &p("/streams/s1/keepalive")),
                Some(Route::Keepalive("s1".into()))
            );
            assert_eq!(
                Route::parse(&Method::PATCH, &p("/streams/s1/config/prompt")),
                Some(Route::Prompt("s1".into()))
            );
            assert_eq!(
                Route::parse(&Method::DELETE, &p("/streams/s%201")),
                Some(Route::Delete("s 1".into()))
            );
            assert_eq!(
                Route::parse(&Method::GET, &p("/ws/streams/s1")),
                Some(Route::Socket("s1".into()))
            );
        }
    }

    #[test]
    fn other_methods_and_paths_match_nothing() {
        assert_eq!(Route::parse(&Method::GET, "/v1/streams"), None);
        assert_eq!(Route::parse(&Method::DELETE, "/v1/streams/"), None);
        assert_eq!(Route::parse(&Method::POST, "/v1/streams/s1/other"), None);
        assert_eq!(Route::parse(&Method::GET, "/__emulator/streams"), None);
        assert_eq!(Route::parse(&Method::DELETE, "/v1/streams/%zz"), None);
    }
}
