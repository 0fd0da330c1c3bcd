//! Lease renewal timing.

/// Renew at half the TTL, as both official SDKs do, never sooner than 250 ms and
/// never later than 10 minutes (a bogus TTL must not silence renewals).
pub fn renew_delay_ms(ttl_seconds: f64) -> u32 {
    let half_ms = if ttl_seconds.is_finite() && ttl_seconds > 0.0 {
        ttl_seconds * 500.0
    } else {
        250.0
    };
    half_ms.clamp(250.0, 600_000.0) as u32
}

/// How long one keepalive may take: the app's request timeout, but at most a quarter
/// of the TTL (never under 500 ms). Renewal starts at half the TTL, so a keepalive
/// that hangs is aborted in time for a retry before the lease runs out, where a 20 s
/// request timeout would outlast a 30 s lease's remaining 15 s.
pub fn keepalive_timeout_ms(request_timeout_ms: u32, ttl_seconds: f64) -> u32 {
    let quarter_ms = if ttl_seconds.is_finite() && ttl_seconds > 0.0 {
        (ttl_seconds * 250.0).min(f64::from(u32::MAX)) as u32
    } else {
        request_timeout_ms
    };
    request_timeout_ms.min(quarter_ms.max(500))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keepalive_leaves_time_for_a_retry_within_the_lease() {
        assert_eq!(keepalive_timeout_ms(20_000, 30.0), 7_500);
        assert_eq!(keepalive_timeout_ms(20_000, 600.0), 20_000);
        assert_eq!(keepalive_timeout_ms(600, 30.0), 600);
        assert_eq!(keepalive_timeout_ms(20_000, 1.0), 500);
        assert_eq!(keepalive_timeout_ms(20_000, f64::NAN), 20_000);
        assert_eq!(keepalive_timeout_ms(20_000, -3.0), 20_000);
        assert_eq!(keepalive_timeout_ms(20_000, f64::MAX), 20_000);
    }
}
