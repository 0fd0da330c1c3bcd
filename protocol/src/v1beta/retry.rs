//! When to renew the lease and what to do after a failed call (§2, §5, §10.6, §13):
//! the region header rule, the keepalive cadence and the retry rules, as pure functions.

use super::errors::{classify, ErrorEnvelope};
use super::streams::LEASE_TTL_SECONDS;
use crate::errors::ErrorKind;

/// The region header, sent and answered on every stream and chat call (§2).
pub const REGION_HEADER: &str = "X-Overshoot-Region";
/// The answer headers a client needs to read (lower case, as HTTP/2 and `HeaderName`
/// want them): the serving region (§2) and the rate-limit headers of chat answers and
/// `429`s (§13). The emulator exposes them to other origins through CORS; the gateway
/// passes exactly these back from upstream.
pub const RESPONSE_HEADERS: [&str; 5] = [
    "x-overshoot-region",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
];
/// The documented regions (the OpenAPI enum).
pub const REGIONS: [&str; 2] = ["us-west1", "us-central1"];
/// Longest gap between keepalives.
const MAX_RENEW_MS: f64 = 120_000.0;
/// Delays of the keepalive retries on a network error or `503` (`best-practices.mdx`).
pub const KEEPALIVE_RETRY_DELAYS_MS: [u32; 3] = [1_000, 1_000, 1_000];
/// Delays of the retries of other calls on a network error or `503`.
pub const CALL_RETRY_DELAYS_MS: [u32; 3] = [500, 1_000, 2_000];
/// Wait after a `429` without a usable `retry-after` (the documented value is `1`).
pub const DEFAULT_RETRY_AFTER_MS: u32 = 1_000;
/// Longest `retry-after` honoured; a longer one is a `RateLimit` error at once.
pub const MAX_RETRY_AFTER_MS: u32 = 60_000;

/// Delay between keepalives: `min(120 s, ttl/3)` (§5), at least 1 s. A missing or bogus
/// TTL counts as the documented 300 s.
pub fn renew_interval_ms(ttl_seconds: f64) -> u32 {
    let ttl = if ttl_seconds.is_finite() && ttl_seconds > 0.0 {
        ttl_seconds
    } else {
        f64::from(LEASE_TTL_SECONDS)
    };
    (ttl * 1000.0 / 3.0).clamp(1_000.0, MAX_RENEW_MS) as u32
}

/// `retry-after` in ms: delay-seconds, integer or decimal (`1`, `0.5`; digits past
/// the millisecond are dropped). The HTTP-date form and garbage give `None` (the caller
/// then waits [`DEFAULT_RETRY_AFTER_MS`]). Read digit by digit: `f64`'s parser and its
/// tables cost the browser build about 20 KB.
pub fn parse_retry_after(value: &str) -> Option<u32> {
    let (whole, fraction) = match value.trim().split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (value.trim(), ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && fraction.is_empty() || !digits(whole) || !digits(fraction) {
        return None;
    }
    let seconds = whole.bytes().try_fold(0u64, |n, b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    });
    let millis = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u64, |n, b| n * 10 + u64::from(b - b'0'));
    let ms = seconds
        .and_then(|s| s.checked_mul(1000))
        .and_then(|ms| ms.checked_add(millis))
        .unwrap_or(u64::MAX);
    Some(ms.min(u64::from(u32::MAX)) as u32)
}

/// Which call failed: the retry rules differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `POST /streams`: not idempotent, retried only on `503`.
    Create,
    /// `POST /streams/{id}/keepalive`: 1 s, 1 s, 1 s; a `404` ends the loop.
    Keepalive,
    /// `POST /chat/completions`: 0.5 s, 1 s, 2 s.
    Chat,
    /// `GET`/`DELETE` of a stream, viewer token, models: idempotent.
    Other,
}

/// How a call failed.
#[derive(Clone, Copy, Debug)]
pub enum Failure<'a> {
    /// No HTTP answer (offline, DNS, CORS, timeout).
    Network,
    /// A non-2xx answer.
    Http {
        /// The status.
        status: u16,
        /// The parsed body, when it was one of the documented shapes.
        body: Option<&'a ErrorEnvelope>,
        /// The `retry-after` header, in ms (see [`parse_retry_after`]).
        retry_after_ms: Option<u32>,
    },
}

/// What to do next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Send the same request again after this many ms.
    RetryAfterMs(u32),
    /// Send it again now with `X-Overshoot-Region: <region>` (and remember the region).
    RetryInRegion(String),
    /// Stop and report this kind.
    Fail(ErrorKind),
}

/// The retry budget of one logical call: each rule fires a bounded number of times, so
/// a 429 is honoured once and a wrong region is corrected once.
#[derive(Clone, Debug, Default)]
pub struct RetryState {
    transient: usize,
    rate_limited: bool,
    region_retried: bool,
}

impl RetryState {
    /// A fresh budget.
    pub fn new() -> RetryState {
        RetryState::default()
    }

    /// The decision for `failure` of `call`, spending the budget.
    pub fn next(&mut self, call: Call, failure: Failure) -> Next {
        let (status, body, retry_after_ms) = match failure {
            Failure::Network if call == Call::Create => return Next::Fail(ErrorKind::Network),
            Failure::Network => return self.transient(call, ErrorKind::Network),
            Failure::Http {
                status,
                body,
                retry_after_ms,
            } => (status, body, retry_after_ms),
        };
        if status == 409 && body.is_some_and(ErrorEnvelope::is_region_error) {
            return match body.and_then(ErrorEnvelope::expected_region) {
                Some(region) if !self.region_retried => {
                    self.region_retried = true;
                    Next::RetryInRegion(region.to_string())
                }
                _ => Next::Fail(ErrorKind::Api),
            };
        }
        let kind = classify(status, body);
        match status {
            429 if !self.rate_limited => {
                self.rate_limited = true;
                match retry_after_ms.unwrap_or(DEFAULT_RETRY_AFTER_MS) {
                    ms if ms <= MAX_RETRY_AFTER_MS => Next::RetryAfterMs(ms),
                    _ => Next::Fail(ErrorKind::RateLimit),
                }
            }
            503 => self.transient(call, kind),
            _ => Next::Fail(kind),
        }
    }

    fn transient(&mut self, call: Call, kind: ErrorKind) -> Next {
        let delays: &[u32] = match call {
            Call::Keepalive => &KEEPALIVE_RETRY_DELAYS_MS,
            _ => &CALL_RETRY_DELAYS_MS,
        };
        match delays.get(self.transient) {
            Some(&ms) => {
                self.transient += 1;
                Next::RetryAfterMs(ms)
            }
            None => Next::Fail(kind),
        }
    }
}

/// Whether a `DELETE` answer means the stream is gone: `200`, or `404` for a stream
/// already deleted or expired (§7, §16.14).
pub fn delete_succeeded(status: u16) -> bool {
    status == 200 || status == 204 || status == 404
}

/// The region a session sends in [`REGION_HEADER`]: remembered from the create answer's
/// header and replaced by a `409`'s expected region (§2's client algorithm).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RegionMemory(Option<String>);

impl RegionMemory {
    /// Nothing remembered yet.
    pub fn new() -> RegionMemory {
        RegionMemory::default()
    }

    /// Remembers a response's `X-Overshoot-Region` value; blank values are ignored.
    pub fn remember(&mut self, header: Option<&str>) {
        if let Some(region) = header.map(str::trim).filter(|r| !r.is_empty()) {
            self.0 = Some(region.to_string());
        }
    }

    /// The header to send on calls that touch the stream, if a region is known.
    pub fn header(&self) -> Option<(&'static str, &str)> {
        self.0.as_deref().map(|r| (REGION_HEADER, r))
    }
}

/// The `x-ratelimit-*` headers of a chat answer (§13); each is `None` when absent or
/// not an integer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateLimitHeaders {
    /// `x-ratelimit-limit`.
    pub limit: Option<u64>,
    /// `x-ratelimit-remaining`.
    pub remaining: Option<u64>,
    /// `x-ratelimit-reset` (epoch time of the window's reset; unit not documented).
    pub reset: Option<u64>,
}

impl RateLimitHeaders {
    /// Reads the three headers through `get` (a case-insensitive header lookup).
    pub fn read<'a>(get: impl Fn(&str) -> Option<&'a str>) -> RateLimitHeaders {
        let int = |name: &str| get(name).and_then(|v| v.trim().parse().ok());
        RateLimitHeaders {
            limit: int("x-ratelimit-limit"),
            remaining: int("x-ratelimit-remaining"),
            reset: int("x-ratelimit-reset"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_is_a_third_of_the_ttl_capped_at_two_minutes() {
        assert_eq!(renew_interval_ms(300.0), 100_000);
        assert_eq!(renew_interval_ms(600.0), 120_000);
        assert_eq!(renew_interval_ms(30.0), 10_000);
        assert_eq!(renew_interval_ms(1.0), 1_000);
        assert_eq!(renew_interval_ms(f64::NAN), 100_000);
        assert_eq!(renew_interval_ms(-5.0), 100_000);
    }

    #[test]
    fn retry_after_reads_seconds_only() {
        assert_eq!(parse_retry_after("1"), Some(1_000));
        assert_eq!(parse_retry_after(" 0.5 "), Some(500));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("2.25"), Some(2_250));
        assert_eq!(parse_retry_after(".5"), Some(500));
        assert_eq!(parse_retry_after("3."), Some(3_000));
        assert_eq!(parse_retry_after("0.0009"), Some(0));
        assert_eq!(parse_retry_after("99999999999999999999999"), Some(u32::MAX));
        assert_eq!(parse_retry_after("."), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(parse_retry_after("1e3"), None);
        assert_eq!(parse_retry_after("1.2.3"), None);
    }

    #[test]
    fn the_region_is_remembered_and_replaced() {
        let mut region = RegionMemory::new();
        assert_eq!(region.header(), None);
        region.remember(Some("us-west1"));
        region.remember(Some(" "));
        region.remember(None);
        assert_eq!(region.header(), Some(("X-Overshoot-Region", "us-west1")));
        region.remember(Some("us-central1"));
        assert_eq!(region.header(), Some((REGION_HEADER, "us-central1")));
    }

    #[test]
    fn rate_limit_headers_read_integers_only() {
        let headers = [("x-ratelimit-limit", "10"), ("x-ratelimit-remaining", "x")];
        let got = RateLimitHeaders::read(|name| {
            headers.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
        });
        assert_eq!(
            (got.limit, got.remaining, got.reset),
            (Some(10), None, None)
        );
    }
}
