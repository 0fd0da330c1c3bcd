//! How much video to send: the server only samples `target_fps` (clip) or one frame
//! per `interval_seconds` (frame), and models work at ≤ 720p, so encoding more costs
//! upload bandwidth and battery for nothing.

/// Encoder limits for the one video encoding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SendLimits {
    /// `RTCRtpEncodingParameters.maxFramerate`.
    pub max_framerate: f64,
    /// `scaleResolutionDownBy` (≥ 1).
    pub scale_resolution_down_by: f64,
    /// `maxBitrate` in bits per second.
    pub max_bitrate_bps: u32,
}

/// Frames sent per frame sampled: headroom so the server's sampler always finds a
/// fresh frame near each sampling instant.
pub const FRAMERATE_HEADROOM: f64 = 2.0;
/// Default cap on the picture: 1280×720 (either orientation).
pub const DEFAULT_MAX_LONG_SIDE: u32 = 1280;
/// Default cap on the picture's short side.
pub const DEFAULT_MAX_SHORT_SIDE: u32 = 720;

/// Limits for a source of `width`×`height` (0 when unknown) sampled at `sampled_fps`,
/// with the picture capped to `max_long`×`max_short` and an optional bitrate cap.
pub fn send_limits(
    sampled_fps: f64,
    width: u32,
    height: u32,
    max_long: u32,
    max_short: u32,
    max_bitrate_bps: Option<u32>,
) -> SendLimits {
    let sampled = if sampled_fps.is_finite() && sampled_fps > 0.0 {
        sampled_fps
    } else {
        6.0
    };
    let max_framerate = (sampled * FRAMERATE_HEADROOM).ceil().clamp(2.0, 30.0);
    let (long, short) = (width.max(height), width.min(height));
    let scale = if long == 0 || short == 0 {
        1.0
    } else {
        (f64::from(long) / f64::from(max_long.max(1)))
            .max(f64::from(short) / f64::from(max_short.max(1)))
            .max(1.0)
    };
    let (w, h) = (f64::from(long) / scale, f64::from(short) / scale);
    // ~0.1 bit per pixel per frame: plenty for a still-quality H.264/VP8 picture.
    let pixels = if long == 0 { 1280.0 * 720.0 } else { w * h };
    let natural = (pixels * max_framerate * 0.1).clamp(150_000.0, 2_500_000.0) as u32;
    SendLimits {
        max_framerate,
        scale_resolution_down_by: scale,
        max_bitrate_bps: max_bitrate_bps.map_or(natural, |cap| cap.min(natural).max(50_000)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_framerate_to_twice_the_sampling_and_pictures_to_720p() {
        let l = send_limits(6.0, 1920, 1080, 1280, 720, None);
        assert_eq!(l.max_framerate, 12.0);
        assert_eq!(l.scale_resolution_down_by, 1.5);
        let portrait = send_limits(6.0, 1080, 1920, 1280, 720, None);
        assert_eq!(portrait.scale_resolution_down_by, 1.5);
        let small = send_limits(6.0, 640, 480, 1280, 720, None);
        assert_eq!(small.scale_resolution_down_by, 1.0);
        assert_eq!(small.max_bitrate_bps, 368_640);
        assert_eq!(send_limits(30.0, 0, 0, 1280, 720, None).max_framerate, 30.0);
        assert_eq!(
            send_limits(0.2, 640, 480, 1280, 720, None).max_framerate,
            2.0
        );
        assert_eq!(
            send_limits(f64::NAN, 640, 480, 1280, 720, Some(100_000)).max_bitrate_bps,
            100_000
        );
    }
}
