//! Capped exponential backoff with jitter, for reconnects and retried keepalives.

/// Delay before retry number `attempt` (0-based): `base_ms × 2^attempt`, capped at
/// `cap_ms`, then scaled into `[½, 1]` of that by `random01` (a uniform value in
/// `[0, 1)`) so that many clients do not retry in lockstep.
pub fn delay_ms(attempt: u32, base_ms: u32, cap_ms: u32, random01: f64) -> u32 {
    let exp = f64::from(base_ms) * 2f64.powi(attempt.min(30) as i32);
    let capped = exp.min(f64::from(cap_ms));
    let r = if random01.is_finite() {
        random01.clamp(0.0, 1.0)
    } else {
        0.5
    };
    (capped * (0.5 + 0.5 * r)) as u32
}

#[cfg(test)]
mod tests {
    use super::delay_ms;

    #[test]
    fn grows_then_caps_and_jitters_within_half() {
        assert_eq!(delay_ms(0, 500, 8000, 1.0), 500);
        assert_eq!(delay_ms(3, 500, 8000, 1.0), 4000);
        assert_eq!(delay_ms(10, 500, 8000, 1.0), 8000);
        assert_eq!(delay_ms(10, 500, 8000, 0.0), 4000);
        assert_eq!(delay_ms(99, 500, 8000, f64::NAN), 6000);
    }
}
