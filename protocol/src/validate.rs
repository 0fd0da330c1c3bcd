//! The one table of request rules. The browser package runs it before any network or
//! media call; the emulator runs it on every `POST /streams` and answers 422 with the
//! same field and message.

use crate::number::fmt_num;
use crate::wire::{CreateStreamRequest, Mode, SessionDescription, Source};
use crate::wire::{DEFAULT_CLIP_LENGTH_SECONDS, DEFAULT_TARGET_FPS};

/// A broken rule: the wire path of the field (e.g. `processing.target_fps`) and a
/// message that names the allowed values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted wire path of the offending field.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl FieldError {
    /// A rule broken by `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        FieldError {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Inclusive numeric range check of an optional field.
fn check_range(field: &str, value: Option<f64>, min: f64, max: f64) -> Result<(), FieldError> {
    match value {
        None => Ok(()),
        Some(v) if !v.is_finite() => Err(FieldError::new(
            field,
            format!(
                "must be a finite number between {} and {}",
                fmt_num(min),
                fmt_num(max)
            ),
        )),
        Some(v) if v < min || v > max => Err(FieldError::new(
            field,
            format!(
                "must be between {} and {} (got {})",
                fmt_num(min),
                fmt_num(max),
                fmt_num(v)
            ),
        )),
        Some(_) => Ok(()),
    }
}

fn check_non_empty(field: &str, value: &str) -> Result<(), FieldError> {
    if value.trim().is_empty() {
        Err(FieldError::new(field, "must be a non-empty string"))
    } else {
        Ok(())
    }
}

/// Checks every rule of `POST /streams` from the spec. The first broken rule wins,
/// in a fixed order, so both sides report the same field.
pub fn validate_request<S>(req: &CreateStreamRequest<S>) -> Result<(), FieldError> {
    validate_source(req.source.as_ref(), req.webrtc.as_ref())?;
    check_non_empty("inference.prompt", &req.inference.prompt)?;
    check_non_empty("inference.model", &req.inference.model)?;

    let p = &req.processing;
    let mode = req.effective_mode();
    match mode {
        Mode::Frame => {
            for (field, value) in [
                ("processing.target_fps", p.target_fps),
                ("processing.fps", p.fps),
                ("processing.sampling_ratio", p.sampling_ratio),
                ("processing.clip_length_seconds", p.clip_length_seconds),
                ("processing.delay_seconds", p.delay_seconds),
            ] {
                if value.is_some() {
                    return Err(FieldError::new(
                        field,
                        "is a clip-mode setting; frame mode takes only interval_seconds",
                    ));
                }
            }
            check_range("processing.interval_seconds", p.interval_seconds, 0.1, 60.0)?;
        }
        Mode::Clip => {
            if p.interval_seconds.is_some() {
                return Err(FieldError::new(
                    "processing.interval_seconds",
                    "is a frame-mode setting; clip mode takes target_fps, clip_length_seconds and delay_seconds",
                ));
            }
            if p.target_fps.is_some() && (p.fps.is_some() || p.sampling_ratio.is_some()) {
                let field = if p.fps.is_some() {
                    "processing.fps"
                } else {
                    "processing.sampling_ratio"
                };
                return Err(FieldError::new(
                    field,
                    "cannot be combined with target_fps; use target_fps alone (fps with sampling_ratio is deprecated)",
                ));
            }
            if p.fps.is_some() != p.sampling_ratio.is_some() {
                let field = if p.fps.is_some() {
                    "processing.sampling_ratio"
                } else {
                    "processing.fps"
                };
                return Err(FieldError::new(
                    field,
                    "is required: the deprecated fps and sampling_ratio go together",
                ));
            }
            check_range("processing.target_fps", p.target_fps, 1.0, 30.0)?;
            check_range("processing.fps", p.fps, 1.0, 120.0)?;
            check_range("processing.sampling_ratio", p.sampling_ratio, 0.0, 1.0)?;
            check_range(
                "processing.clip_length_seconds",
                p.clip_length_seconds,
                0.1,
                60.0,
            )?;
            check_range("processing.delay_seconds", p.delay_seconds, 0.0, 60.0)?;
            let fps = p.sampled_fps(Mode::Clip);
            let clip = p.clip_length_seconds.unwrap_or(DEFAULT_CLIP_LENGTH_SECONDS);
            // A tiny tolerance so that e.g. 6 × 0.5 computed in floating point passes.
            if fps * clip < 3.0 - 1e-9 {
                let field = if p.target_fps.is_some() || p.fps.is_none() {
                    "processing.target_fps"
                } else {
                    "processing.fps"
                };
                let mut defaults = Vec::new();
                if p.target_fps.is_none() && p.fps.is_none() {
                    defaults.push(format!(
                        "target_fps defaults to {}",
                        fmt_num(DEFAULT_TARGET_FPS)
                    ));
                }
                if p.clip_length_seconds.is_none() {
                    defaults.push(format!(
                        "clip_length_seconds defaults to {}",
                        fmt_num(DEFAULT_CLIP_LENGTH_SECONDS)
                    ));
                }
                let note = if defaults.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", defaults.join(", "))
                };
                return Err(FieldError::new(
                    field,
                    format!(
                        "must give at least 3 frames per clip: sampled fps × clip_length_seconds = {} × {} = {}{note}",
                        fmt_num(fps),
                        fmt_num(clip),
                        fmt_num(fps * clip)
                    ),
                ));
            }
        }
    }

    if let Some(tokens) = req.inference.max_output_tokens {
        if tokens == 0 {
            return Err(FieldError::new(
                "inference.max_output_tokens",
                "must be a positive integer",
            ));
        }
        let interval = p.result_interval_seconds(mode);
        let (name, limit) = match mode {
            Mode::Clip => ("delay_seconds", 128.0 * interval),
            Mode::Frame => ("interval_seconds", 128.0 * interval),
        };
        if f64::from(tokens) > limit + 1e-9 {
            return Err(FieldError::new(
                "inference.max_output_tokens",
                format!(
                    "must be at most 128 per second of {name} ({} s allows {}, got {tokens})",
                    fmt_num(interval),
                    fmt_num(limit.floor())
                ),
            ));
        }
    }
    Ok(())
}

/// The first rules of [`validate_request`]: those of `source` and the deprecated
/// top-level `webrtc` offer (the package's session checks the source of each create
/// with it, the rest of its request having been checked once).
pub fn validate_source(
    source: Option<&Source>,
    webrtc: Option<&SessionDescription>,
) -> Result<(), FieldError> {
    match (source, webrtc) {
        (Some(_), Some(_)) => {
            return Err(FieldError::new(
                "webrtc",
                "the deprecated top-level webrtc offer cannot be combined with source",
            ))
        }
        (Some(Source::Webrtc { sdp }), None) => check_non_empty("source.sdp", sdp)?,
        (Some(Source::Livekit { url, token }), None) => {
            check_non_empty("source.url", url)?;
            check_non_empty("source.token", token)?;
        }
        (None, Some(desc)) => {
            if desc.kind != "offer" {
                return Err(FieldError::new("webrtc.type", "must be \"offer\""));
            }
            check_non_empty("webrtc.sdp", &desc.sdp)?;
        }
        (None, None) => {}
    }
    Ok(())
}
