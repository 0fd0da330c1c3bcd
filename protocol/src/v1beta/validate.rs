//! The one table of v1beta request rules. The browser package runs it before sending;
//! the emulator runs it on every request and answers `422` (validation shape) naming the
//! same field, or the documented chat code for a bad `ovs://` reference.

use super::chat::{ChatRequest, Content, ContentPart, ResponseFormat};
use super::errors::ChatErrorCode;
use super::media::MediaPart;
use super::question::Media;
use super::streams::{CreateStreamBody, SourceKind, RETENTION_SECONDS};
use crate::number::fmt_num;
use crate::validate::FieldError;

/// The documented message roles.
pub const ROLES: [&str; 4] = ["system", "user", "assistant", "tool"];
/// Highest clip sampling rate the package asks for (the streams API's `target_fps`
/// ceiling; v1beta documents none, and visual tokens grow with it).
pub const MAX_CLIP_FPS: f64 = 30.0;
/// Smallest checkout amount, in cents (§13).
pub const MIN_CHECKOUT_CENTS: u64 = 100;

/// A broken chat rule: the field, and the chat code when the server answers one
/// (a malformed `ovs://` reference); otherwise the answer is `422 validation_error`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatRuleError {
    /// The field and what is wrong.
    pub field: FieldError,
    /// `stream_url_invalid` or `query_param_invalid` for a reference, else `None`.
    pub code: Option<ChatErrorCode>,
}

impl From<FieldError> for ChatRuleError {
    fn from(field: FieldError) -> Self {
        ChatRuleError { field, code: None }
    }
}

/// Checks `POST /streams`'s body: a camera source must be `rtsp` with an
/// `rtsp(s)://` URL or `hls` with an `http(s)://` URL (§4).
pub fn validate_create(body: &CreateStreamBody) -> Result<(), FieldError> {
    let Some(source) = &body.source else {
        return Ok(());
    };
    let schemes: &[&str] = match source.kind {
        SourceKind::Rtsp => &["rtsp://", "rtsps://"],
        SourceKind::Hls => &["http://", "https://"],
        _ => return Err(FieldError::new("source.type", "must be rtsp or hls")),
    };
    let url = source.url.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let host_present = url
        .split_once("://")
        .is_some_and(|(_, rest)| !rest.is_empty());
    if !schemes.iter().any(|s| lower.starts_with(s)) || !host_present {
        return Err(FieldError::new(
            "source.url",
            format!("must be an absolute {} URL", schemes.join(" or ")),
        ));
    }
    Ok(())
}

/// Checks every rule of `POST /chat/completions` the docs fix, first broken rule first
/// (a fixed order, so both sides name the same field). Unknown fields are not checked.
pub fn validate_chat<S>(req: &ChatRequest<S>) -> Result<(), ChatRuleError> {
    if req.model.trim().is_empty() {
        return Err(FieldError::new("model", "must be a model id from GET /models").into());
    }
    if req.messages.is_empty() {
        return Err(FieldError::new("messages", "must hold at least one message").into());
    }
    for (i, message) in req.messages.iter().enumerate() {
        if !ROLES.contains(&message.role.as_str()) {
            let field = format!("messages[{i}].role");
            return Err(FieldError::new(&field, "must be system, user, assistant or tool").into());
        }
        match &message.content {
            None if message.role != "assistant" => {
                let field = format!("messages[{i}].content");
                return Err(FieldError::new(&field, "is required").into());
            }
            Some(Content::Parts(parts)) => check_parts(i, parts)?,
            _ => {}
        }
    }
    check_tokens("max_completion_tokens", req.max_completion_tokens)?;
    check_tokens("max_tokens", req.max_tokens)?;
    if req.max_completion_tokens.is_some() && req.max_tokens.is_some() {
        let msg = "use max_completion_tokens or max_tokens, not both";
        return Err(FieldError::new("max_tokens", msg).into());
    }
    if let Some(ResponseFormat::JsonSchema { json_schema }) = &req.response_format {
        let name = &json_schema.name;
        let valid = (1..=64).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid {
            let msg = "must be 1-64 letters, digits, _ or -";
            return Err(FieldError::new("response_format.json_schema.name", msg).into());
        }
    }
    if req.stream_options.is_some() && !req.is_streaming() {
        return Err(FieldError::new("stream_options", "only allowed with stream: true").into());
    }
    if req
        .thread_id
        .as_deref()
        .is_some_and(|t| t.trim().is_empty())
    {
        return Err(FieldError::new("thread_id", "must be a non-empty string or absent").into());
    }
    Ok(())
}

fn check_tokens(field: &str, value: Option<u32>) -> Result<(), FieldError> {
    match value {
        Some(0) => Err(FieldError::new(field, "must be at least 1")),
        _ => Ok(()),
    }
}

/// Content parts: not empty, media URLs present and, for `ovs://`,
/// well formed for their part kind.
fn check_parts(i: usize, parts: &[ContentPart]) -> Result<(), ChatRuleError> {
    if parts.is_empty() {
        let field = format!("messages[{i}].content");
        return Err(FieldError::new(&field, "must hold at least one part").into());
    }
    for (j, part) in parts.iter().enumerate() {
        let at = format!("messages[{i}].content[{j}]");
        let (field, url) = match part {
            ContentPart::Text { .. } => continue,
            ContentPart::ImageUrl { image_url } => (format!("{at}.image_url.url"), &image_url.url),
            ContentPart::VideoUrl { video_url } => (format!("{at}.video_url.url"), &video_url.url),
        };
        let parsed = MediaPart::of(part);
        if url.trim().is_empty() {
            return Err(FieldError::new(&field, "must be an ovs://, https: or data: URL").into());
        }
        if let Some(Err(e)) = parsed {
            return Err(ChatRuleError {
                field: FieldError::new(&field, e.message),
                code: Some(e.code),
            });
        }
    }
    Ok(())
}

/// Checks a checkout amount (`amount_cents ≥ 100`, §12).
pub fn validate_checkout(amount_cents: u64) -> Result<(), FieldError> {
    if amount_cents < MIN_CHECKOUT_CENTS {
        return Err(FieldError::new("amount_cents", "must be at least 100"));
    }
    Ok(())
}

/// Checks a question's media: a clip of more than 0 and at most 600 s (the retention,
/// §13) sampled at more than 0 and at most 30 fps. Fields are the package options'
/// wire names, `clip_length_seconds` and `target_fps`.
pub fn validate_media(media: Media) -> Result<(), FieldError> {
    let Media::Clip { seconds, fps } = media else {
        return Ok(());
    };
    check_positive_up_to("clip_length_seconds", seconds, f64::from(RETENTION_SECONDS))?;
    check_positive_up_to("target_fps", fps, MAX_CLIP_FPS)
}

/// `0 < value ≤ max`, finite.
fn check_positive_up_to(field: &str, value: f64, max: f64) -> Result<(), FieldError> {
    if value.is_finite() && value > 0.0 && value <= max {
        return Ok(());
    }
    let msg = format!(
        "must be more than 0 and at most {} (got {})",
        fmt_num(max),
        fmt_num(value)
    );
    Err(FieldError::new(field, msg))
}
