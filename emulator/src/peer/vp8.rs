//! VP8 decoding with the system libvpx (through the `env-libvpx-sys` bindings).
//!
//! [`Vp8Decoder`] is a small safe wrapper around one libvpx decoder context. All
//! `unsafe` code of the peer module lives in this file; each block says why it is
//! sound. The wrapper never panics on bad input: libvpx validates the bitstream
//! itself and reports errors, and the picture it returns is checked (format,
//! depth, strides, pointers) before any of its memory is read.

use std::ffi::CStr;
use std::os::raw::{c_int, c_uint};
use std::ptr;

use vpx_sys as vpx;

use super::decoder::{DecodeError, FrameDecoder, FrameSummary, I420};

/// Raw value of `VPX_IMG_FMT_I420` (U plane before V).
const FMT_I420: u32 = 0x102;
/// Raw value of `VPX_IMG_FMT_YV12` (V plane before U; same layout otherwise).
const FMT_YV12: u32 = 0x301;

/// A libvpx VP8 decoder. Decodes every frame it is given (key and inter frames);
/// the context is destroyed on drop.
pub struct Vp8Decoder {
    /// The libvpx context. Boxed so its address never changes after
    /// `vpx_codec_dec_init_ver` (libvpx keeps internal state tied to it).
    ctx: Box<vpx::vpx_codec_ctx_t>,
}

// SAFETY: the context holds raw pointers only to memory libvpx allocated for this
// context alone; libvpx contexts are not bound to the thread that created them,
// and every use goes through `&mut self`, so at most one thread touches it at a time.
unsafe impl Send for Vp8Decoder {}

impl Vp8Decoder {
    /// Creates a single-threaded VP8 decoder (no post-processing, no error
    /// concealment: damaged frames surface as errors so a key frame gets requested).
    pub fn new() -> Result<Self, DecodeError> {
        // SAFETY: `vpx_codec_ctx_t` is a plain C struct (raw pointers, integers,
        // a pointer union, and an error enum whose 0 is `VPX_CODEC_OK`), so all
        // zero bytes is a valid value; libvpx expects a zeroed context anyway.
        let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(unsafe { std::mem::zeroed() });
        let cfg = vpx::vpx_codec_dec_cfg_t {
            threads: 1,
            w: 0,
            h: 0,
        };
        // SAFETY: `vpx_codec_vp8_dx` returns a pointer to a static interface
        // table (never freed). `ctx` and `cfg` are valid for the call; libvpx
        // copies what it needs from `cfg`. The ABI version is the one the
        // bindings were generated for (it must match the linked library's
        // headers, which the build script checks via pkg-config's version).
        let err = unsafe {
            vpx::vpx_codec_dec_init_ver(
                &mut *ctx,
                vpx::vpx_codec_vp8_dx(),
                &cfg,
                0,
                vpx::VPX_DECODER_ABI_VERSION as c_int,
            )
        };
        if err != vpx::vpx_codec_err_t::VPX_CODEC_OK {
            // On failure libvpx leaves no private state to free (priv is NULL).
            return Err(DecodeError(format!("libvpx VP8 init: {}", err_string(err))));
        }
        Ok(Self { ctx })
    }

    /// Whether libvpx marked the last decoded frame as corrupt (it decoded, but
    /// with a reference missing, e.g. after packet loss). `false` if it cannot say.
    fn last_frame_corrupted(&mut self) -> bool {
        let mut corrupted: c_int = 0;
        // SAFETY: VP8D_GET_FRAME_CORRUPTED takes one `int *` argument, which
        // points to a live local for the duration of the call.
        let err = unsafe {
            vpx::vpx_codec_control_(
                &mut *self.ctx,
                vpx::vp8_dec_control_id::VP8D_GET_FRAME_CORRUPTED as c_int,
                &mut corrupted as *mut c_int,
            )
        };
        err == vpx::vpx_codec_err_t::VPX_CODEC_OK && corrupted != 0
    }

    /// The context's error message, with its detail when libvpx gives one.
    fn error_text(&mut self, err: vpx::vpx_codec_err_t) -> String {
        // SAFETY: `vpx_codec_error_detail` returns NULL or a NUL-terminated
        // string owned by the context, valid until the next call on it; it is
        // copied out at once.
        let detail = unsafe {
            let p = vpx::vpx_codec_error_detail(&mut *self.ctx);
            (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
        };
        match detail {
            Some(d) if !d.is_empty() => format!("libvpx: {} ({d})", err_string(err)),
            _ => format!("libvpx: {}", err_string(err)),
        }
    }
}

impl FrameDecoder for Vp8Decoder {
    fn decode(&mut self, frame: &[u8]) -> Result<Option<FrameSummary>, DecodeError> {
        if frame.is_empty() {
            // libvpx reads (NULL, 0) as "flush"; an empty frame carries nothing.
            return Ok(None);
        }
        let len = c_uint::try_from(frame.len())
            .map_err(|_| DecodeError(format!("VP8 frame too large ({} bytes)", frame.len())))?;
        // SAFETY: `frame` is valid for `len` bytes and only read during the call
        // (libvpx does not keep the pointer: VP8 has no input-fragment mode
        // enabled here). A NULL user_priv and deadline 0 ("no deadline") are allowed.
        let err = unsafe {
            vpx::vpx_codec_decode(&mut *self.ctx, frame.as_ptr(), len, ptr::null_mut(), 0)
        };
        if err != vpx::vpx_codec_err_t::VPX_CODEC_OK {
            return Err(DecodeError(self.error_text(err)));
        }

        // Drain the decoded pictures (VP8 yields at most one per frame; an
        // invisible "altref" frame yields none) and keep the last one's summary.
        let mut iter: vpx::vpx_codec_iter_t = ptr::null();
        let mut summary = None;
        loop {
            // SAFETY: `iter` starts NULL and is only advanced by libvpx; the
            // returned image (or NULL) stays valid until the next decode call.
            let img = unsafe { vpx::vpx_codec_get_frame(&mut *self.ctx, &mut iter) };
            if img.is_null() {
                break;
            }
            // SAFETY: non-NULL `img` points to a libvpx-owned image, valid until
            // the next `vpx_codec_decode`, which cannot happen while we hold `&mut self`.
            summary = Some(unsafe { summarize_image(img) }?);
        }
        if summary.is_some() && self.last_frame_corrupted() {
            return Err(DecodeError(
                "libvpx: frame decoded from corrupt references".into(),
            ));
        }
        Ok(summary.flatten())
    }
}

impl Drop for Vp8Decoder {
    fn drop(&mut self) {
        // SAFETY: the context was initialised successfully in `new` (otherwise no
        // `Vp8Decoder` exists) and is destroyed exactly once, here.
        unsafe {
            vpx::vpx_codec_destroy(&mut *self.ctx);
        }
    }
}

/// Size and mean colour of a decoded 8-bit I420/YV12 image.
///
/// # Safety
/// `img` must point to a valid `vpx_image_t` whose plane pointers, strides and
/// sizes describe live memory (as libvpx guarantees for a decoder's output image
/// until the next decode call).
unsafe fn summarize_image(
    img: *const vpx::vpx_image_t,
) -> Result<Option<FrameSummary>, DecodeError> {
    // The format field is a Rust enum in the bindings; read it as its raw u32 so
    // that an unexpected value from C can never be an invalid enum.
    // SAFETY: `fmt` is a `#[repr(u32)]` field of a valid image (caller's contract).
    let fmt = unsafe { ptr::read(ptr::addr_of!((*img).fmt).cast::<u32>()) };
    // SAFETY: valid image (caller's contract); its enum fields (`cs`, `range`)
    // hold values libvpx itself defines and are never read here anyway.
    let img = unsafe { &*img };
    if fmt != FMT_I420 && fmt != FMT_YV12 {
        return Err(DecodeError(format!(
            "libvpx: unexpected image format {fmt:#x}"
        )));
    }
    if img.bit_depth != 8 || img.x_chroma_shift != 1 || img.y_chroma_shift != 1 {
        return Err(DecodeError(format!(
            "libvpx: unexpected image layout (depth {}, chroma shift {}x{})",
            img.bit_depth, img.x_chroma_shift, img.y_chroma_shift
        )));
    }
    let (Ok(width), Ok(height)) = (usize::try_from(img.d_w), usize::try_from(img.d_h)) else {
        return Ok(None);
    };
    if width == 0 || height == 0 {
        return Ok(None);
    }
    let (cw, ch) = (width.div_ceil(2), height.div_ceil(2));
    // (U, V) plane indices; YV12 stores V first.
    let (iu, iv) = if fmt == FMT_YV12 { (2, 1) } else { (1, 2) };
    // SAFETY: per the caller's contract each plane holds `rows` rows of
    // `stride` bytes, the last of which has at least `cols` bytes.
    let y = unsafe { plane(img, 0, width, height) }?;
    let u = unsafe { plane(img, iu, cw, ch) }?;
    let v = unsafe { plane(img, iv, cw, ch) }?;
    Ok(I420 {
        width,
        height,
        y,
        u,
        v,
    }
    .summary())
}

/// Borrows plane `index` of `img` as a slice covering `rows` rows of which the
/// last is `cols` bytes long, with its stride.
///
/// # Safety
/// Plane `index` of `img`, if non-NULL with a positive stride, must be valid for
/// reads of `stride * (rows - 1) + cols` bytes while `img` is borrowed.
unsafe fn plane(
    img: &vpx::vpx_image_t,
    index: usize,
    cols: usize,
    rows: usize,
) -> Result<(&[u8], usize), DecodeError> {
    let bad = || DecodeError(format!("libvpx: unusable image plane {index}"));
    let data = *img.planes.get(index).ok_or_else(bad)?;
    let stride = usize::try_from(*img.stride.get(index).ok_or_else(bad)?).map_err(|_| bad())?;
    if data.is_null() || stride < cols || rows == 0 {
        return Err(bad());
    }
    let len = stride
        .checked_mul(rows - 1)
        .and_then(|n| n.checked_add(cols))
        .filter(|&n| isize::try_from(n).is_ok())
        .ok_or_else(bad)?;
    // SAFETY: non-NULL, valid for `len` bytes (caller's contract), and `u8`
    // needs no alignment; the image is not written while the borrow lives.
    Ok((unsafe { std::slice::from_raw_parts(data, len) }, stride))
}

/// libvpx's text for an error code.
fn err_string(err: vpx::vpx_codec_err_t) -> String {
    // SAFETY: `vpx_codec_err_to_string` returns a pointer to a static
    // NUL-terminated string for every code (or NULL, checked).
    unsafe {
        let p = vpx::vpx_codec_err_to_string(err);
        if p.is_null() {
            format!("{err:?}")
        } else {
            CStr::from_ptr(p).to_string_lossy().into_owned()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_and_drop() {
        for _ in 0..3 {
            let d = Vp8Decoder::new();
            assert!(d.is_ok(), "{:?}", d.err());
        }
    }

    /// Encodes `n` frames of a solid 64x48 I420 picture (Y'CbCr 87,97,220, which
    /// is RGB 230,20,20) with libvpx's VP8 encoder; the first is a key frame.
    fn encode_red(n: usize) -> Vec<Vec<u8>> {
        let (w, h) = (64u32, 48u32);
        let mut raw = vec![87u8; (w * h) as usize];
        raw.extend(std::iter::repeat_n(97u8, (w * h / 4) as usize));
        raw.extend(std::iter::repeat_n(220u8, (w * h / 4) as usize));
        let mut out = Vec::new();
        // SAFETY (test only): the config and image are written in full by libvpx
        // before use (`MaybeUninit`: the config's bit-depth enum has no 0 value);
        // pointers passed live for each call; packets are read before the next
        // encoder call; the encoder is destroyed at the end.
        unsafe {
            let iface = vpx::vpx_codec_vp8_cx();
            let mut cfg = std::mem::MaybeUninit::<vpx::vpx_codec_enc_cfg_t>::uninit();
            assert_eq!(
                vpx::vpx_codec_enc_config_default(iface, cfg.as_mut_ptr(), 0),
                vpx::VPX_CODEC_OK
            );
            let mut cfg = cfg.assume_init();
            cfg.g_w = w;
            cfg.g_h = h;
            let mut ctx: Box<vpx::vpx_codec_ctx_t> = Box::new(std::mem::zeroed());
            let abi = vpx::VPX_ENCODER_ABI_VERSION as c_int;
            assert_eq!(
                vpx::vpx_codec_enc_init_ver(&mut *ctx, iface, &cfg, 0, abi),
                vpx::VPX_CODEC_OK
            );
            let mut img = std::mem::MaybeUninit::<vpx::vpx_image_t>::uninit();
            let fmt = vpx::vpx_img_fmt::VPX_IMG_FMT_I420;
            let img = vpx::vpx_img_wrap(img.as_mut_ptr(), fmt, w, h, 1, raw.as_mut_ptr());
            assert!(!img.is_null());
            for pts in 0..n as i64 {
                let e = vpx::vpx_codec_encode(&mut *ctx, img, pts, 1, 0, 1);
                assert_eq!(e, vpx::VPX_CODEC_OK);
                let mut iter: vpx::vpx_codec_iter_t = ptr::null();
                loop {
                    let pkt = vpx::vpx_codec_get_cx_data(&mut *ctx, &mut iter);
                    if pkt.is_null() {
                        break;
                    }
                    if (*pkt).kind == vpx::vpx_codec_cx_pkt_kind::VPX_CODEC_CX_FRAME_PKT {
                        let f = (*pkt).data.frame;
                        out.push(
                            std::slice::from_raw_parts(f.buf as *const u8, f.sz as usize).to_vec(),
                        );
                    }
                }
            }
            vpx::vpx_codec_destroy(&mut *ctx);
        }
        out
    }

    #[test]
    fn decodes_key_and_inter_frames() {
        let frames = encode_red(3);
        assert_eq!(frames.len(), 3);
        let mut d = Vp8Decoder::new().expect("decoder");
        for f in &frames {
            let s = d.decode(f).expect("decodes").expect("a picture");
            assert_eq!((s.width, s.height), (64, 48));
            let [r, g, b] = s.mean_rgb;
            assert!((r - 230.0).abs() < 4.0 && (g - 20.0).abs() < 4.0 && (b - 20.0).abs() < 4.0);
        }
        // Inter frame with no key frame before it, and a truncated key frame.
        let mut fresh = Vp8Decoder::new().expect("decoder");
        assert!(fresh.decode(&frames[1]).is_err());
        assert!(fresh.decode(&frames[0][..frames[0].len() / 2]).is_err());
        assert!(fresh.decode(&frames[0]).is_ok_and(|p| p.is_some()));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut d = Vp8Decoder::new().expect("decoder");
        assert!(matches!(d.decode(&[]), Ok(None)));
        // An inter frame before any key frame, truncated key frames, random bytes.
        for data in [
            &[0x01u8, 0x02, 0x03][..],
            &[0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a],
            &[
                0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0xff,
            ],
            &[0xff; 64],
            &[0x00; 3],
        ] {
            assert!(d.decode(data).is_err(), "{data:?}");
        }
    }
}
