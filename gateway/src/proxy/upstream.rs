//! Calls to the real API, with the real key. The key is in the `Authorization` header
//! and the socket's first message only; answers that contain it are withheld.

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use overshoot_protocol::endpoints::BaseUrl;
use overshoot_protocol::v1beta::endpoints::Generation;
use reqwest::Method;
use std::time::{Duration, Instant};

/// Deadline of one upstream HTTP call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// The request header passed upstream (v1beta's region hint, §2).
pub const REGION: &str = "x-overshoot-region";

/// Answer headers passed back to the caller: the serving region and the rate-limit
/// headers (§2, §13), the list the emulator exposes too. Every other upstream header
/// stays here.
pub const PASSED_BACK: [&str; 5] = overshoot_protocol::v1beta::retry::RESPONSE_HEADERS;

/// The API and its key.
pub struct Upstream {
    /// Streams-API base URL, e.g. `https://api.overshoot.ai/v1`.
    pub base: BaseUrl,
    /// v1beta base URL, e.g. `https://api.overshoot.ai/v1beta`.
    pub v1beta: BaseUrl,
    key: String,
    client: reqwest::Client,
}

/// One call to make.
pub struct Outgoing<'a> {
    /// Method.
    pub method: Method,
    /// Full URL.
    pub url: String,
    /// A JSON body, if any.
    pub body: Option<bytes::Bytes>,
    /// The caller's `X-Overshoot-Region`, passed on.
    pub region: Option<&'a HeaderValue>,
    /// Deadline of the whole call, body included ([`CALL_TIMEOUT`] when `None`).
    pub timeout: Option<Duration>,
}

impl Outgoing<'_> {
    /// `method url` with `body`, nothing else.
    pub fn plain(method: Method, url: String, body: Option<bytes::Bytes>) -> Outgoing<'static> {
        Outgoing {
            method,
            url,
            body,
            region: None,
            timeout: None,
        }
    }
}

/// An upstream answer whose body has not been read yet.
pub struct Head {
    /// The answer.
    pub response: reqwest::Response,
    /// How long it took to arrive (headers).
    pub latency: Duration,
    /// The [`PASSED_BACK`] headers (those that do not contain the key).
    pub headers: HeaderMap,
}

impl Head {
    /// `Content-Type`, if any.
    pub fn content_type(&self) -> Option<String> {
        self.response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

/// An upstream answer.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The [`PASSED_BACK`] headers.
    pub headers: HeaderMap,
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
    /// A client of `base` (streams API) and `v1beta`, calling with `key`.
    pub fn new(base: BaseUrl, v1beta: BaseUrl, key: String) -> Result<Upstream, String> {
        let client = reqwest::Client::builder()
            .timeout(CALL_TIMEOUT)
            .build()
            .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
        Ok(Upstream {
            base,
            v1beta,
            key,
            client,
        })
    }

    /// The base URL of generation `api`.
    pub fn base_of(&self, api: Generation) -> &BaseUrl {
        match api {
            Generation::Streams => &self.base,
            Generation::V1beta => &self.v1beta,
        }
    }

    /// The key, for the results socket's first message.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// Whether `bytes` contain the key.
    pub fn leaks_key(&self, bytes: &[u8]) -> bool {
        contains(bytes, self.key.as_bytes())
    }

    /// A guard that finds the key in a body read chunk by chunk.
    pub fn leak_guard(&self) -> LeakGuard {
        LeakGuard {
            key: self.key.as_bytes().to_vec(),
            held: Vec::new(),
        }
    }

    /// `method url` with the key and an optional JSON body, read whole.
    pub async fn call(
        &self,
        method: Method,
        url: &str,
        body: Option<bytes::Bytes>,
    ) -> Result<Answer, Failure> {
        let head = self
            .send(Outgoing::plain(method, url.to_string(), body))
            .await?;
        self.read(head).await
    }

    /// Sends `out` with the key; the answer's head.
    pub async fn send(&self, out: Outgoing<'_>) -> Result<Head, Failure> {
        let started = Instant::now();
        let mut request = self
            .client
            .request(out.method, out.url)
            .bearer_auth(&self.key);
        if let Some(body) = out.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        if let Some(region) = out.region {
            request = request.header(REGION, region.clone());
        }
        if let Some(timeout) = out.timeout {
            request = request.timeout(timeout);
        }
        let response = request.send().await.map_err(failure)?;
        let mut headers = HeaderMap::new();
        for name in PASSED_BACK {
            for value in response.headers().get_all(name) {
                if !self.leaks_key(value.as_bytes()) {
                    headers.append(HeaderName::from_static(name), value.clone());
                }
            }
        }
        Ok(Head {
            response,
            latency: started.elapsed(),
            headers,
        })
    }

    /// Reads the whole body of `head`, withheld if it contains the key.
    pub async fn read(&self, head: Head) -> Result<Answer, Failure> {
        let status = head.response.status().as_u16();
        let content_type = head.content_type();
        let body = head.response.bytes().await.map_err(failure)?;
        if self.leaks_key(&body) {
            return Err(Failure::LeakedKey);
        }
        Ok(Answer {
            status,
            content_type,
            headers: head.headers,
            body,
            latency: head.latency,
        })
    }

    /// `DELETE` stream `id` of generation `api`, retried on network errors and 5xx
    /// (billing stops here). The final status, or `None` when the upstream never answered.
    pub async fn delete_stream(&self, api: Generation, id: &str) -> (Option<u16>, Duration) {
        let started = Instant::now();
        let url = self.base_of(api).stream(id);
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

/// Finds the key in a body passed on chunk by chunk, including across chunk borders:
/// the last `key.len() - 1` bytes seen are held back until the next chunk shows they
/// do not begin the key, so no part of a key split over chunks is ever sent.
pub struct LeakGuard {
    key: Vec<u8>,
    /// Bytes read but not yet released (at most `key.len() - 1` between calls).
    held: Vec<u8>,
}

impl LeakGuard {
    /// The bytes that may be sent now, `chunk` read (the held-back ones first); `None`
    /// when the key is in them, and then nothing more may be sent.
    pub fn pass(&mut self, chunk: &[u8]) -> Option<Vec<u8>> {
        if self.key.is_empty() {
            return Some(chunk.to_vec());
        }
        self.held.extend_from_slice(chunk);
        if contains(&self.held, &self.key) {
            self.held.clear();
            return None;
        }
        let keep = (self.key.len() - 1).min(self.held.len());
        let rest = self.held.split_off(self.held.len() - keep);
        Some(std::mem::replace(&mut self.held, rest))
    }

    /// The bytes still held back once the body has ended (too short to be the key).
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.held)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The kind of a transport failure. reqwest's message names the URL; it never holds
/// the key, but the kind is all the logs and the caller need.
pub fn failure(e: reqwest::Error) -> Failure {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> LeakGuard {
        LeakGuard {
            key: b"ovs_secret".to_vec(),
            held: Vec::new(),
        }
    }

    #[test]
    fn the_guard_finds_the_key_split_across_chunks_and_sends_none_of_it() {
        let mut g = guard();
        // A chunk ending in the key's first nine bytes: they are held back, not sent.
        assert_eq!(
            g.pass(b"data: {\"x\": \"ovs_secre").unwrap(),
            b"data: {\"x\": \""
        );
        assert_eq!(g.pass(b"t\"}\n\n"), None);
        for split in 1..10 {
            let (a, b) = b"ovs_secret".split_at(split);
            let mut g = guard();
            let sent = g.pass(&[b"data: ", a].concat()).unwrap();
            // Only the part of "data: " that cannot begin the key goes out.
            assert_eq!(
                sent,
                b"data: "[..(split + 6).saturating_sub(9).min(6)].to_vec()
            );
            assert_eq!(g.pass(b), None, "split at {split}");
        }
        let mut g = guard();
        assert_eq!(g.pass(b"ovs_se"), Some(vec![]));
        assert_eq!(g.pass(b"c"), Some(vec![]));
        assert_eq!(g.pass(b"ret"), None);
    }

    #[test]
    fn a_body_without_the_key_is_sent_whole_and_in_order() {
        let mut g = guard();
        let mut sent = Vec::new();
        let chunks = [
            &b"data: ovs_"[..],
            b"s",
            b"ecre",
            b"x ovs_secre",
            b"!",
            b"",
            b"end",
        ];
        for chunk in chunks {
            sent.extend(g.pass(chunk).unwrap());
        }
        sent.extend(g.finish());
        assert_eq!(sent, chunks.concat());
        assert_eq!(g.pass(b"ovs_secret"), None);
    }
}
