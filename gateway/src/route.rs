//! Which API call a request path is, under any base path (`/v1/streams`,
//! `/api/overshoot/streams`, `/streams` all work), like the upstream's own paths. The
//! base path also picks the API generation, as the package does: one ending in
//! `/v1beta` is v1beta, anything else the streams API.

use axum::http::Method;
use overshoot_protocol::endpoints::decode_segment;
use overshoot_protocol::v1beta::endpoints::{generation_of, Generation};

/// The generation's name in logs and in the store: `streams` or `v1beta`.
pub fn api_name(api: Generation) -> &'static str {
    match api {
        Generation::Streams => "streams",
        Generation::V1beta => "v1beta",
    }
}

/// One API call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `POST …/streams`.
    Create,
    /// `POST …/streams/{id}/keepalive`.
    Keepalive(String),
    /// `PATCH …/streams/{id}/config/prompt` (streams API only).
    Prompt(String),
    /// `DELETE …/streams/{id}`.
    Delete(String),
    /// `GET …/models`.
    Models,
    /// `GET …/ws/streams/{id}` (the results WebSocket; streams API only).
    Socket(String),
    /// `GET …/streams/{id}`: status and frame telemetry (v1beta only).
    Status(String),
    /// `POST …/streams/{id}/viewer-token` (v1beta only).
    ViewerToken(String),
    /// `POST …/chat/completions` (v1beta only).
    Chat,
}

/// A route and the API generation its base path selects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The generation: the streams API or v1beta.
    pub api: Generation,
    /// The call.
    pub route: Route,
}

impl Call {
    /// The call of `method` + `path`: the route matched from the path's end, the
    /// generation from what precedes it. A route the generation lacks matches nothing.
    pub fn parse(method: &Method, path: &str) -> Option<Call> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let (route, suffix) = Route::match_end(method, &segments)?;
        let base = segments[..segments.len() - suffix].join("/");
        let api = generation_of(&base);
        route.exists_in(api).then_some(Call { api, route })
    }
}

impl Route {
    /// The route at the end of `segments`, and how many segments it took.
    fn match_end(method: &Method, segments: &[&str]) -> Option<(Route, usize)> {
        let id = |s: &str| (!s.is_empty()).then(|| decode_segment(s)).flatten();
        let with_id = |s: &str, route: fn(String) -> Route, n: usize| id(s).map(|i| (route(i), n));
        match (method, segments) {
            (&Method::POST, [.., "streams"]) => Some((Route::Create, 1)),
            (&Method::GET, [.., "models"]) => Some((Route::Models, 1)),
            (&Method::POST, [.., "chat", "completions"]) => Some((Route::Chat, 2)),
            (&Method::GET, [.., "ws", "streams", s]) => with_id(s, Route::Socket, 3),
            (&Method::POST, [.., "streams", s, "keepalive"]) => with_id(s, Route::Keepalive, 3),
            (&Method::POST, [.., "streams", s, "viewer-token"]) => {
                with_id(s, Route::ViewerToken, 3)
            }
            (&Method::PATCH, [.., "streams", s, "config", "prompt"]) => {
                with_id(s, Route::Prompt, 4)
            }
            (&Method::DELETE, [.., "streams", s]) => with_id(s, Route::Delete, 2),
            (&Method::GET, [.., "streams", s]) => with_id(s, Route::Status, 2),
            _ => None,
        }
    }

    /// Whether generation `api` has this call (v1beta has no prompt PATCH and no
    /// results socket, §15; the streams API no status, viewer token or chat).
    fn exists_in(&self, api: Generation) -> bool {
        match self {
            Route::Create | Route::Keepalive(_) | Route::Delete(_) | Route::Models => true,
            Route::Prompt(_) | Route::Socket(_) => api == Generation::Streams,
            Route::Status(_) | Route::ViewerToken(_) | Route::Chat => api == Generation::V1beta,
        }
    }

    /// The stream the call is about, if any.
    pub fn stream_id(&self) -> Option<&str> {
        match self {
            Route::Keepalive(id)
            | Route::Prompt(id)
            | Route::Delete(id)
            | Route::Socket(id)
            | Route::Status(id)
            | Route::ViewerToken(id) => Some(id),
            Route::Create | Route::Models | Route::Chat => None,
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
            Route::Status(_) => "status",
            Route::ViewerToken(_) => "viewer_token",
            Route::Chat => "chat",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(method: Method, path: &str) -> Option<Call> {
        Call::parse(&method, path)
    }

    fn streams(route: Route) -> Option<Call> {
        Some(Call {
            api: Generation::Streams,
            route,
        })
    }

    fn v1beta(route: Route) -> Option<Call> {
        Some(Call {
            api: Generation::V1beta,
            route,
        })
    }

    #[test]
    fn streams_api_calls_are_found_under_any_base_path() {
        for base in ["", "/v1", "/api/overshoot/v1"] {
            let p = |s: &str| format!("{base}{s}");
            assert_eq!(parse(Method::POST, &p("/streams")), streams(Route::Create));
            assert_eq!(parse(Method::GET, &p("/models")), streams(Route::Models));
            assert_eq!(
                parse(Method::POST, &p("/streams/s1/keepalive")),
                streams(Route::Keepalive("s1".into()))
            );
            assert_eq!(
                parse(Method::PATCH, &p("/streams/s1/config/prompt")),
                streams(Route::Prompt("s1".into()))
            );
            assert_eq!(
                parse(Method::DELETE, &p("/streams/s%201")),
                streams(Route::Delete("s 1".into()))
            );
            assert_eq!(
                parse(Method::GET, &p("/ws/streams/s1")),
                streams(Route::Socket("s1".into()))
            );
        }
    }

    #[test]
    fn a_base_path_ending_in_v1beta_selects_v1beta() {
        for base in ["/v1beta", "/api/overshoot/v1beta"] {
            let p = |s: &str| format!("{base}{s}");
            assert_eq!(parse(Method::POST, &p("/streams")), v1beta(Route::Create));
            assert_eq!(parse(Method::POST, &p("/streams/")), v1beta(Route::Create));
            assert_eq!(parse(Method::GET, &p("/models")), v1beta(Route::Models));
            assert_eq!(
                parse(Method::POST, &p("/chat/completions")),
                v1beta(Route::Chat)
            );
            assert_eq!(
                parse(Method::POST, &p("/streams/s1/keepalive")),
                v1beta(Route::Keepalive("s1".into()))
            );
            assert_eq!(
                parse(Method::GET, &p("/streams/s1")),
                v1beta(Route::Status("s1".into()))
            );
            assert_eq!(
                parse(Method::DELETE, &p("/streams/s1")),
                v1beta(Route::Delete("s1".into()))
            );
            assert_eq!(
                parse(Method::POST, &p("/streams/s1/viewer-token")),
                v1beta(Route::ViewerToken("s1".into()))
            );
        }
    }

    #[test]
    fn each_generation_lacks_the_others_calls() {
        // v1beta has no prompt PATCH and no results socket (§15).
        assert_eq!(
            parse(Method::PATCH, "/v1beta/streams/s1/config/prompt"),
            None
        );
        assert_eq!(parse(Method::GET, "/v1beta/ws/streams/s1"), None);
        // The streams API has no status, viewer token or chat.
        assert_eq!(parse(Method::GET, "/v1/streams/s1"), None);
        assert_eq!(parse(Method::POST, "/v1/streams/s1/viewer-token"), None);
        assert_eq!(parse(Method::POST, "/v1/chat/completions"), None);
        assert_eq!(parse(Method::POST, "/chat/completions"), None);
        // `v1beta` must be the whole last segment of the base.
        assert_eq!(parse(Method::POST, "/v1betax/chat/completions"), None);
        assert_eq!(parse(Method::POST, "/v1beta/extra/chat/completions"), None);
    }

    #[test]
    fn other_methods_and_paths_match_nothing() {
        assert_eq!(parse(Method::GET, "/v1/streams"), None);
        assert_eq!(parse(Method::DELETE, "/v1/streams/"), None);
        assert_eq!(parse(Method::POST, "/v1/streams/s1/other"), None);
        assert_eq!(parse(Method::GET, "/__emulator/streams"), None);
        assert_eq!(parse(Method::DELETE, "/v1/streams/%zz"), None);
        assert_eq!(parse(Method::GET, "/v1beta/chat/completions"), None);
        assert_eq!(parse(Method::PUT, "/v1beta/streams/s1"), None);
    }
}
