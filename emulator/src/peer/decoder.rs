//! Video decoders used by the peer session, and the colour statistics taken
//! from each decoded picture.
//!
//! Each codec gets one [`FrameDecoder`] implementation (H.264 here, VP8 in
//! `vp8.rs`); the session thread only sees the trait. A new codec means a type
//! implementing it, a match arm in [`new_decoder`], and the codec enabled in
//! `mod.rs`'s `rtc_config` and `PREFERRED`.

use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};

use openh264::formats::YUVSource;

/// A video codec this module knows about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VideoCodec {
    /// H.264 / AVC, decoded with OpenH264 (every frame).
    H264,
    /// VP8, decoded with the system libvpx (every frame).
    Vp8,
}

impl VideoCodec {
    /// The codec name as written in SDP `a=rtpmap` lines ("H264", "VP8").
    pub fn name(self) -> &'static str {
        match self {
            VideoCodec::H264 => "H264",
            VideoCodec::Vp8 => "VP8",
        }
    }

    /// Whether this build can decode the codec.
    pub fn is_decodable(self) -> bool {
        matches!(self, VideoCodec::H264 | VideoCodec::Vp8)
    }

    /// Maps an SDP encoding name (case-insensitive) to a codec.
    pub fn from_sdp_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("H264") {
            Some(VideoCodec::H264)
        } else if name.eq_ignore_ascii_case("VP8") {
            Some(VideoCodec::Vp8)
        } else {
            None
        }
    }

    /// The str0m codec this corresponds to.
    pub(crate) fn to_str0m(self) -> str0m::format::Codec {
        match self {
            VideoCodec::H264 => str0m::format::Codec::H264,
            VideoCodec::Vp8 => str0m::format::Codec::Vp8,
        }
    }
}

impl fmt::Display for VideoCodec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is kept of one decoded picture: its size and mean colour.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FrameSummary {
    /// Picture width in pixels.
    pub width: u32,
    /// Picture height in pixels.
    pub height: u32,
    /// Mean colour as RGB in 0.0..=255.0 (BT.601 limited range).
    pub mean_rgb: [f32; 3],
}

/// A decoder error: corrupt or undecodable input (or a decoder fault).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Turns whole encoded frames (as depacketized by str0m) into [`FrameSummary`]s.
pub trait FrameDecoder: Send {
    /// Decodes one encoded frame. `Ok(None)` means the data produced no picture
    /// (e.g. parameter sets only); `Err` means the frame could not be decoded and
    /// a key frame should be requested.
    fn decode(&mut self, frame: &[u8]) -> Result<Option<FrameSummary>, DecodeError>;
}

/// Creates the decoder for `codec`, or says why it cannot.
pub fn new_decoder(codec: VideoCodec) -> Result<Box<dyn FrameDecoder>, DecodeError> {
    match codec {
        VideoCodec::H264 => Ok(Box::new(H264Decoder::new()?)),
        VideoCodec::Vp8 => Ok(Box::new(super::vp8::Vp8Decoder::new()?)),
    }
}

/// The decoder of a session whose answers may carry several codecs: made for the
/// codec media arrives in, and remade if the browser switches codec.
pub struct DecoderSlot {
    codecs: Vec<VideoCodec>,
    current: Option<(VideoCodec, Box<dyn FrameDecoder>)>,
}

impl DecoderSlot {
    /// A slot for `codecs` (the ones the answers carry).
    pub fn new(codecs: Vec<VideoCodec>) -> Self {
        DecoderSlot {
            codecs,
            current: None,
        }
    }

    /// Readies the decoder of `codec`: `Some((codec, made))` when it is one of ours
    /// (`made`: a new decoder, which wants a key frame), `None` when it is not.
    pub fn for_codec(
        &mut self,
        codec: str0m::format::Codec,
    ) -> Result<Option<(VideoCodec, bool)>, DecodeError> {
        let Some(ours) = self.codecs.iter().copied().find(|c| c.to_str0m() == codec) else {
            return Ok(None); // e.g. audio: the video decoder stays
        };
        if self.current.as_ref().map(|(c, _)| *c) == Some(ours) {
            return Ok(Some((ours, false)));
        }
        self.current = None;
        self.current = Some((ours, new_decoder(ours)?));
        Ok(Some((ours, true)))
    }

    /// The decoder of the last codec of ours [`DecoderSlot::for_codec`] readied.
    pub fn current(&mut self) -> Option<&mut Box<dyn FrameDecoder>> {
        self.current.as_mut().map(|(_, d)| d)
    }
}

/// H.264 decoder backed by the `openh264` crate (bundled OpenH264 source).
pub struct H264Decoder {
    inner: openh264::decoder::Decoder,
}

impl H264Decoder {
    /// Creates an OpenH264 decoder with default settings (no error concealment,
    /// so broken references surface as errors rather than smeared pictures).
    pub fn new() -> Result<Self, DecodeError> {
        let inner = openh264::decoder::Decoder::new()
            .map_err(|e| DecodeError(format!("openh264 init: {e}")))?;
        Ok(Self { inner })
    }
}

impl FrameDecoder for H264Decoder {
    fn decode(&mut self, frame: &[u8]) -> Result<Option<FrameSummary>, DecodeError> {
        if frame.is_empty() {
            return Ok(None);
        }
        let inner = &mut self.inner;
        // The crate's safe wrapper should not panic, but the data comes from the
        // network: make sure a bug there cannot take the session thread down.
        let result = catch_unwind(AssertUnwindSafe(|| match inner.decode(frame) {
            Ok(Some(yuv)) => Ok(summarize_yuv(&yuv)),
            Ok(None) => Ok(None),
            Err(e) => Err(DecodeError(format!("openh264: {e}"))),
        }));
        match result {
            Ok(r) => r,
            Err(_) => Err(DecodeError("openh264 wrapper panicked".into())),
        }
    }
}

/// Summarizes an I420 picture exposed through openh264's [`YUVSource`].
fn summarize_yuv(yuv: &impl YUVSource) -> Option<FrameSummary> {
    let (width, height) = yuv.dimensions();
    let (y_stride, u_stride, v_stride) = yuv.strides();
    let planes = I420 {
        width,
        height,
        y: (yuv.y(), y_stride),
        u: (yuv.u(), u_stride),
        v: (yuv.v(), v_stride),
    };
    planes.summary()
}

/// Borrowed I420 planes with their strides (bytes per row).
pub struct I420<'a> {
    /// Luma width in pixels.
    pub width: usize,
    /// Luma height in pixels.
    pub height: usize,
    /// Y plane and its stride.
    pub y: (&'a [u8], usize),
    /// U (Cb) plane, half resolution both ways, and its stride.
    pub u: (&'a [u8], usize),
    /// V (Cr) plane, half resolution both ways, and its stride.
    pub v: (&'a [u8], usize),
}

/// Luma is sampled every `LUMA_STEP` pixels both ways (1/16 of the pixels).
const LUMA_STEP: usize = 4;
/// Chroma is sampled every `CHROMA_STEP` samples both ways (same density as luma).
const CHROMA_STEP: usize = 2;

impl I420<'_> {
    /// Size and mean colour of the picture, from a subsample of its pixels.
    /// Returns `None` for an empty picture or planes too short to hold one.
    pub fn summary(&self) -> Option<FrameSummary> {
        if self.width == 0 || self.height == 0 {
            return None;
        }
        let (cw, ch) = (self.width.div_ceil(2), self.height.div_ceil(2));
        let y = plane_mean(self.y, self.width, self.height, LUMA_STEP)?;
        let u = plane_mean(self.u, cw, ch, CHROMA_STEP)?;
        let v = plane_mean(self.v, cw, ch, CHROMA_STEP)?;
        Some(FrameSummary {
            width: u32::try_from(self.width).ok()?,
            height: u32::try_from(self.height).ok()?,
            mean_rgb: yuv_to_rgb_bt601_limited(y, u, v),
        })
    }
}

/// Mean of a plane over a grid of every `step`-th sample; samples beyond the
/// buffer are skipped. `None` if no sample could be read.
fn plane_mean((data, stride): (&[u8], usize), w: usize, h: usize, step: usize) -> Option<f32> {
    let mut sum: u64 = 0;
    let mut count: u64 = 0;
    for row in (step / 2..h).step_by(step) {
        let Some(start) = row.checked_mul(stride) else {
            break;
        };
        let Some(line) = data.get(start..start.saturating_add(w).min(data.len())) else {
            break;
        };
        for &s in line.iter().skip(step / 2).step_by(step) {
            sum += u64::from(s);
            count += 1;
        }
    }
    (count > 0).then(|| (sum as f64 / count as f64) as f32)
}

/// BT.601 limited-range ("studio swing") YCbCr → RGB, clamped to 0..=255.
pub fn yuv_to_rgb_bt601_limited(y: f32, u: f32, v: f32) -> [f32; 3] {
    let c = 1.164_383 * (y - 16.0);
    let d = u - 128.0;
    let e = v - 128.0;
    let r = c + 1.596_027 * e;
    let g = c - 0.391_762 * d - 0.812_968 * e;
    let b = c + 2.017_232 * d;
    [
        r.clamp(0.0, 255.0),
        g.clamp(0.0, 255.0),
        b.clamp(0.0, 255.0),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn red_round_trips() {
        // RGB (230,20,20) → Y'CbCr (87,97,220) in BT.601 limited range.
        let [r, g, b] = yuv_to_rgb_bt601_limited(87.0, 97.0, 220.0);
        assert!((r - 230.0).abs() < 2.0 && (g - 20.0).abs() < 2.0 && (b - 20.0).abs() < 2.0);
    }

    #[test]
    fn summary_of_solid_picture_and_short_planes() {
        let (w, h) = (33, 17);
        let y = vec![87u8; 40 * h];
        let u = vec![97u8; 20 * 9];
        let v = vec![220u8; 20 * 9];
        let s = I420 {
            width: w,
            height: h,
            y: (&y, 40),
            u: (&u, 20),
            v: (&v, 20),
        };
        let sum = s.summary().expect("solid picture");
        assert_eq!((sum.width, sum.height), (33, 17));
        assert!((sum.mean_rgb[0] - 230.0).abs() < 2.0);
        let empty = I420 {
            width: w,
            height: h,
            y: (&[], 40),
            u: (&u, 20),
            v: (&v, 20),
        };
        assert!(empty.summary().is_none());
        let zero = I420 {
            width: 0,
            height: 0,
            y: (&y, 40),
            u: (&u, 20),
            v: (&v, 20),
        };
        assert!(zero.summary().is_none());
    }

    #[test]
    fn garbage_does_not_panic() {
        let mut d = H264Decoder::new().expect("decoder");
        for data in [
            &[0u8, 0, 0, 1, 0x67, 0xff, 0x00][..],
            &[1, 2, 3],
            &[0, 0, 1, 0x65, 9, 9, 9, 9],
        ] {
            let _ = d.decode(data);
        }
    }

    #[test]
    fn decoder_slot_follows_the_codec_media_arrives_in() {
        use str0m::format::Codec;
        let mut slot = DecoderSlot::new(vec![VideoCodec::Vp8, VideoCodec::H264]);
        assert!(slot.current().is_none());
        assert_eq!(
            slot.for_codec(Codec::Vp8),
            Ok(Some((VideoCodec::Vp8, true)))
        );
        assert_eq!(
            slot.for_codec(Codec::Vp8),
            Ok(Some((VideoCodec::Vp8, false)))
        );
        // Audio is not ours; the video decoder stays.
        assert_eq!(slot.for_codec(Codec::Opus), Ok(None));
        assert!(slot.current().is_some());
        assert_eq!(
            slot.for_codec(Codec::H264),
            Ok(Some((VideoCodec::H264, true)))
        );
        let mut vp8_only = DecoderSlot::new(vec![VideoCodec::Vp8]);
        assert_eq!(vp8_only.for_codec(Codec::H264), Ok(None));
    }
}
