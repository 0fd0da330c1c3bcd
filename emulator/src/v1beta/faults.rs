//! v1beta fault switches, per API key, in the style of `crate::faults`: set through
//! `POST /__emulator/v1beta/faults {api_key, …}`, each fires a set number of times.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// The v1beta faults armed for one key.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct V1Faults {
    /// Answer the next N chat requests `429` (retry-after, `x-ratelimit-*`).
    pub rate_limited: u32,
    /// Answer the next N chat requests `402 billing_denied`.
    pub billing_denied: u32,
    /// A documented chat code (`model_unavailable`, `upstream_http_500`,
    /// `upstream_timeout`, `provider_safety_block`, …) to answer the next
    /// `chat_error_count` chat requests with, at its documented status.
    pub chat_error: Option<String>,
    /// How many chat requests `chat_error` answers (default 1).
    pub chat_error_count: Option<u32>,
    /// Answer the next N creates `503 {"detail": …}` (ingest draining).
    pub create_unavailable: u32,
    /// Answer the next N creates `402 {"detail": "Insufficient credits"}`, as older
    /// docs list (§16.12; the newest OpenAPI has no `402` on create).
    pub create_insufficient_credits: u32,
    /// Answer the next N keepalives `503 {"detail": …}`.
    pub keepalive_unavailable: u32,
    /// Hold every chat answer this long while armed (a slow model).
    pub chat_delay_ms: u64,
}

/// The faults of every key.
#[derive(Default)]
pub struct V1FaultBoard {
    by_key: Mutex<HashMap<String, V1Faults>>,
}

fn take(n: &mut u32) -> bool {
    let fire = *n > 0;
    *n = n.saturating_sub(1);
    fire
}

impl V1FaultBoard {
    fn with<T: Default>(&self, key: &str, f: impl FnOnce(&mut V1Faults) -> T) -> T {
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        map.get_mut(key).map(f).unwrap_or_default()
    }

    /// Arms `faults` for `key`, replacing what was armed.
    pub fn arm(&self, key: &str, faults: V1Faults) {
        let mut map = self.by_key.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(key.to_string(), faults);
    }

    /// Whether this chat request is rate limited.
    pub fn take_rate_limited(&self, key: &str) -> bool {
        self.with(key, |f| take(&mut f.rate_limited))
    }

    /// Whether this chat request is refused by billing.
    pub fn take_billing_denied(&self, key: &str) -> bool {
        self.with(key, |f| take(&mut f.billing_denied))
    }

    /// The code this chat request must fail with, if one is armed.
    pub fn take_chat_error(&self, key: &str) -> Option<String> {
        self.with(key, |f| {
            let count = f.chat_error_count.get_or_insert(1);
            if take(count) {
                f.chat_error.clone()
            } else {
                None
            }
        })
    }

    /// Whether this create must answer 503.
    pub fn take_create_unavailable(&self, key: &str) -> bool {
        self.with(key, |f| take(&mut f.create_unavailable))
    }

    /// Whether this create must answer 402.
    pub fn take_create_insufficient_credits(&self, key: &str) -> bool {
        self.with(key, |f| take(&mut f.create_insufficient_credits))
    }

    /// Whether this keepalive must answer 503.
    pub fn take_keepalive_unavailable(&self, key: &str) -> bool {
        self.with(key, |f| take(&mut f.keepalive_unavailable))
    }

    /// How long to hold this chat answer.
    pub fn chat_delay(&self, key: &str) -> Duration {
        Duration::from_millis(self.with(key, |f| f.chat_delay_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_their_count_then_clear() {
        let board = V1FaultBoard::default();
        assert!(!board.take_rate_limited("k"));
        let faults: V1Faults = serde_json::from_value(serde_json::json!({
            "rate_limited": 2, "chat_error": "upstream_timeout", "chat_error_count": 1
        }))
        .unwrap_or_default();
        board.arm("k", faults);
        assert!(board.take_rate_limited("k") && board.take_rate_limited("k"));
        assert!(!board.take_rate_limited("k"));
        assert!(!board.take_rate_limited("other"));
        assert_eq!(
            board.take_chat_error("k").as_deref(),
            Some("upstream_timeout")
        );
        assert_eq!(board.take_chat_error("k"), None);
        assert!(serde_json::from_value::<V1Faults>(serde_json::json!({"bogus": 1})).is_err());
    }
}
