//! The per-key inference rate limit of `/chat/completions` (§13): a count per
//! one-second window, sans IO (the caller passes the wall clock).

use std::collections::HashMap;

use super::http::RateHeaders;

/// Counts per key in the current one-second window.
#[derive(Default)]
pub struct RateLimiter {
    windows: HashMap<String, (i64, u32)>,
}

impl RateLimiter {
    /// Counts one request of `key` at `now_ms` against `limit` per second: `Ok` with
    /// the headers to send, or `Err` with those of a `429`. `limit == 0`: no limit,
    /// no headers.
    pub fn check(
        &mut self,
        key: &str,
        limit: u32,
        now_ms: i64,
    ) -> Result<Option<RateHeaders>, RateHeaders> {
        if limit == 0 {
            return Ok(None);
        }
        let second = now_ms.div_euclid(1000);
        let window = self.windows.entry(key.to_string()).or_insert((second, 0));
        if window.0 != second {
            *window = (second, 0);
        }
        window.1 = window.1.saturating_add(1);
        let headers = RateHeaders {
            limit,
            remaining: limit.saturating_sub(window.1),
            reset: second + 1,
        };
        if window.1 > limit {
            Err(headers)
        } else {
            Ok(Some(headers))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_resets_each_second() {
        let mut l = RateLimiter::default();
        assert_eq!(l.check("k", 0, 0), Ok(None));
        let first = l.check("k", 2, 5_000).unwrap_or_default();
        assert_eq!(first.map(|h| (h.remaining, h.reset)), Some((1, 6)));
        assert!(l.check("k", 2, 5_500).is_ok());
        assert_eq!(l.check("k", 2, 5_900).map_err(|h| h.remaining), Err(0));
        assert!(l.check("other", 2, 5_900).is_ok());
        assert!(l.check("k", 2, 6_000).is_ok());
    }
}
