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
