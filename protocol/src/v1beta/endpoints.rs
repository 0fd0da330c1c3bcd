//! Which API generation a base URL speaks, and the v1beta-only paths. The paths both
//! generations share (`/streams`, `/streams/{id}`, `…/keepalive`, `/models`) stay on
//! [`BaseUrl`] in `crate::endpoints`, unchanged.

use crate::endpoints::BaseUrl;

/// The API generation an `apiUrl` selects. No sniffing: the base path decides (§17).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Generation {
    /// The streams API (`/v1`, `/v0.2`, anything not v1beta): WebSocket results.
    Streams,
    /// v1beta: LiveKit publishing plus `/chat/completions`.
    V1beta,
}

/// The generation of `api_url`: a base path ending in `/v1beta` (trailing slashes
/// ignored) is v1beta, anything else the streams API.
pub fn generation_of(api_url: &str) -> Generation {
    let path_end = api_url.trim().trim_end_matches('/');
    if path_end.ends_with("/v1beta") {
        Generation::V1beta
    } else {
        Generation::Streams
    }
}

/// v1beta-only URLs, as an extension of [`BaseUrl`].
impl BaseUrl {
    /// The generation this base URL speaks (see [`generation_of`]).
    pub fn generation(&self) -> Generation {
        generation_of(self.as_str())
    }

    /// `POST {base}/streams/{id}/viewer-token`.
    pub fn viewer_token(&self, id: &str) -> String {
        format!("{}/viewer-token", self.stream(id))
    }

    /// `POST {base}/chat/completions`.
    pub fn chat_completions(&self) -> String {
        format!("{}/chat/completions", self.as_str())
    }

    /// `{scheme}://{host}/billing`: billing lives beside, not under, `/v1beta` (§1).
    pub fn billing_root(&self) -> String {
        let url = self.as_str();
        let host_end = url
            .find("://")
            .map(|i| i + 3)
            .and_then(|start| url[start..].find('/').map(|j| start + j))
            .unwrap_or(url.len());
        format!("{}/billing", &url[..host_end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base_path_alone_selects_the_generation() {
        assert_eq!(
            generation_of("https://api.overshoot.ai/v1beta"),
            Generation::V1beta
        );
        assert_eq!(
            generation_of("http://127.0.0.1:8080/v1beta/"),
            Generation::V1beta
        );
        assert_eq!(
            generation_of("https://api.overshoot.ai/v1"),
            Generation::Streams
        );
        assert_eq!(
            generation_of("https://api.overshoot.ai/v0.2"),
            Generation::Streams
        );
        assert_eq!(
            generation_of("https://v1beta.example.com"),
            Generation::Streams
        );
        assert_eq!(
            generation_of("https://x.example/v1beta/extra"),
            Generation::Streams
        );
        assert_eq!(
            generation_of("https://x.example/v1betax"),
            Generation::Streams
        );
    }

    #[test]
    fn v1beta_paths() {
        let base = BaseUrl::parse("https://api.overshoot.ai/v1beta/", false).unwrap();
        assert_eq!(base.generation(), Generation::V1beta);
        assert_eq!(
            base.viewer_token("a b"),
            "https://api.overshoot.ai/v1beta/streams/a%20b/viewer-token"
        );
        assert_eq!(
            base.chat_completions(),
            "https://api.overshoot.ai/v1beta/chat/completions"
        );
        assert_eq!(base.billing_root(), "https://api.overshoot.ai/billing");
        let local = BaseUrl::parse("http://127.0.0.1:9/v1beta", false).unwrap();
        assert_eq!(local.billing_root(), "http://127.0.0.1:9/billing");
        assert_eq!(
            local.keepalive("s"),
            "http://127.0.0.1:9/v1beta/streams/s/keepalive"
        );
    }
}
