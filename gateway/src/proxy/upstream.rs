//! Calls to the real API, with the real key. The key is in the `Authorization` header
//! and the socket's first message only; answers that contain it are withheld.

use overshoot_protocol::endpoints::BaseUrl;
use reqwest::Method;
use std::time::{Duration, Instant};

/// Deadline of one upstream HTTP call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The API and its key.
pub struct Upstream {
    /// Base URL, e.g. `https://api.overshoot.ai/v1`.
    pub base: BaseUrl,
    key: String,
    client: reqwest::Client,
}

/// An upstream answer.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: bytes::Bytes,
    /// How long the call took.
    pub latency: Duration,
}

/// Why an upstream call has no answer to pass on.
#[derive(Debug)]
pub enum Failure {
    /// No HTTP answer (refused, timeout, TLS). Only the kind, never the request.
    Unreachable(&'static str),
    /// The answer contained the API key.
    LeakedKey,
}

impl Upstream {
    /// A client of `base` calling with `key`.
    pub fn new(base: BaseUrl, key: String) -> Result<Upstream, String> {
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Upstream { base, key, client })
    }

    /// The key, for the results socket's first message.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether `bytes` contain the key.
    pub fn leaks_key(&self, bytes: &[u8]) -> bool {
        let key = self.key.as_bytes();
        bytes.windows(key.len()).any(|w| w == key)
    }

    /// `method url` with the key and an optional JSON body.
    pub async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<bytes::Bytes>,
    ) -> Result<Answer, Failure> {
        let started = Instant::now();
        let mut request = self.client.request(method, url).bearer_auth(&self.key);
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = request.send().await.map_err(failure)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.bytes().await.map_err(failure)?;
        if self.leaks_key(&body) {
            return Err(Failure::LeakedKey);
        }
        Ok(Answer {
            status,
            content_type,
            body,
            latency: started.elapsed(),
        })
    }

    /// `DELETE` stream `id`, retried on network errors and 5xx (billing stops here).
    /// The final status, or `None` when the upstream never answered.
    pub async fn delete_stream(&self, id: &str) -> (Option<u16>, Duration) {
        let started = Instant::now();
        let url = self.base.stream(id);
        let mut status = None;
        for attempt in 0..3u64 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(250 * attempt)).await;
            }
            match self.call(Method::DELETE, &url, None).await {
                Ok(answer) if answer.status < 500 => {
                    return (Some(answer.status), started.elapsed())
                }
                Ok(answer) => status = Some(answer.status),
                Err(_) => {}
            }
        }
        (status, started.elapsed())
    }
}

/// The kind of a transport failure. reqwest's message names the URL; it never holds
/// the key, but the kind is all the logs and the caller need.
fn failure(e: reqwest::Error) -> Failure {
    Failure::Unreachable(if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connect"
    } else if e.is_body() || e.is_decode() {
        "body"
    } else {
        "request"
    })
}
