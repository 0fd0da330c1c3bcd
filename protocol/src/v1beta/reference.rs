//! The `ovs://streams/<id>?<query>` media references of §9: built by clients, parsed by
//! servers. Parsing applies the §9.3 shape rules; failures carry the documented codes.

use super::errors::ChatErrorCode;
use crate::endpoints::{decode_segment, encode_segment};
use crate::number::fmt_num;
use std::borrow::Cow;
use std::collections::BTreeSet;

/// Every `ovs://` reference starts with this.
pub const OVS_SCHEME: &str = "ovs://";
/// Default `tolerance_ms` of a frame reference.
pub const DEFAULT_TOLERANCE_MS: u32 = 100;
/// Default `max_fps` of a clip reference.
pub const DEFAULT_MAX_FPS: f64 = 1.0;

/// Where a reference points: a frame index or a time. Each keeps its wire meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// Lifetime frame index; negative counts back from the newest (`-1` is the newest).
    FrameIndex(i64),
    /// Stream-clock ms since the first frame.
    TimestampMs(i64),
    /// Negative: ms before the live edge; non-negative: ms after the oldest retained frame.
    OffsetMs(i64),
}

impl Anchor {
    /// The query key suffix: `frame_index`, `timestamp_ms` or `offset_ms`.
    fn key(self) -> &'static str {
        match self {
            Anchor::FrameIndex(_) => "frame_index",
            Anchor::TimestampMs(_) => "timestamp_ms",
            Anchor::OffsetMs(_) => "offset_ms",
        }
    }

    fn value(self) -> i64 {
        match self {
            Anchor::FrameIndex(v) | Anchor::TimestampMs(v) | Anchor::OffsetMs(v) => v,
        }
    }

    fn from_key(key: &str, value: i64) -> Option<Anchor> {
        match key {
            "frame_index" => Some(Anchor::FrameIndex(value)),
            "timestamp_ms" => Some(Anchor::TimestampMs(value)),
            "offset_ms" => Some(Anchor::OffsetMs(value)),
            _ => None,
        }
    }
}

/// Which way a time anchor snaps when no frame sits exactly on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// The closest frame either way (the default).
    #[default]
    Nearest,
    /// Prefer a frame at or after the target.
    Forward,
    /// Prefer a frame at or before the target.
    Backward,
}

impl Direction {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Nearest => "nearest",
            Direction::Forward => "forward",
            Direction::Backward => "backward",
        }
    }
}

/// An `image_url` reference: one frame (§9.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameRef {
    /// The stream id.
    pub stream_id: String,
    /// Exactly one anchor.
    pub anchor: Anchor,
    /// Snap distance for time anchors; `None` means [`DEFAULT_TOLERANCE_MS`].
    pub tolerance_ms: Option<u32>,
    /// Snap preference for time anchors; `None` means nearest.
    pub direction: Option<Direction>,
}

/// A `video_url` reference: a clip (§9.2). The end is exclusive; `None` is the live edge.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipRef {
    /// The stream id.
    pub stream_id: String,
    /// The start anchor (`start_*`).
    pub start: Anchor,
    /// The exclusive end anchor (`end_*`), or the live edge.
    pub end: Option<Anchor>,
    /// Frames per second kept after downsampling; `None` means [`DEFAULT_MAX_FPS`].
    pub max_fps: Option<f64>,
}

/// Why a reference was refused, with the documented code and a message that names the
/// parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefError {
    /// `stream_url_invalid` or `query_param_invalid`.
    pub code: ChatErrorCode,
    /// What is wrong.
    pub message: String,
}

impl RefError {
    fn shape(message: impl Into<String>) -> RefError {
        RefError {
            code: ChatErrorCode::StreamUrlInvalid,
            message: message.into(),
        }
    }

    fn query(message: impl Into<String>) -> RefError {
        RefError {
            code: ChatErrorCode::QueryParamInvalid,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for RefError {}

/// `url` as a WHATWG URL parser reads it before looking at its scheme: leading and
/// trailing C0 controls and spaces stripped, ASCII tab and newline removed anywhere
/// (<https://url.spec.whatwg.org/#concept-basic-url-parser>, steps 1 and 3). Every
/// `ovs://` check here reads this form, so a string a server would take for a
/// reference is taken for one here too.
pub fn normalize_url(url: &str) -> Cow<'_, str> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    if trimmed.contains(['\t', '\n', '\r']) {
        Cow::Owned(
            trimmed
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .collect(),
        )
    } else {
        Cow::Borrowed(trimmed)
    }
}

/// Whether `url` is an `ovs://` reference (anything else goes to the model as given);
/// the scheme in any case, after [`normalize_url`].
pub fn is_ovs(url: &str) -> bool {
    normalize_url(url)
        .get(..OVS_SCHEME.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(OVS_SCHEME))
}

/// Whether `text` mentions the `ovs:` scheme anywhere (any case, after
/// [`normalize_url`]): a string that does must parse as a reference or be refused.
pub fn mentions_ovs(text: &str) -> bool {
    normalize_url(text)
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"ovs:"))
}

fn base(stream_id: &str) -> String {
    format!("{OVS_SCHEME}streams/{}?", encode_segment(stream_id))
}

impl FrameRef {
    /// The newest frame: `frame_index=-1` (frame mode).
    pub fn latest(stream_id: &str) -> FrameRef {
        FrameRef {
            stream_id: stream_id.to_string(),
            anchor: Anchor::FrameIndex(-1),
            tolerance_ms: None,
            direction: None,
        }
    }

    /// The reference as an `ovs://` URL; defaults are left out.
    pub fn to_url(&self) -> String {
        let mut url = base(&self.stream_id);
        url.push_str(&format!("{}={}", self.anchor.key(), self.anchor.value()));
        if let Some(t) = self.tolerance_ms {
            url.push_str(&format!("&tolerance_ms={t}"));
        }
        if let Some(d) = self.direction {
            url.push_str(&format!("&direction={}", d.as_str()));
        }
        url
    }

    /// Parses an `image_url` reference.
    pub fn parse(url: &str) -> Result<FrameRef, RefError> {
        let url = normalize_url(url);
        let (stream_id, params) = split(&url)?;
        let mut anchor = None;
        let (mut tolerance_ms, mut direction) = (None, None);
        for (key, value) in params {
            match key {
                "tolerance_ms" => tolerance_ms = Some(positive_u32(key, value)?),
                "direction" => direction = Some(direction_of(value)?),
                _ => match Anchor::from_key(key, int(key, value)?) {
                    Some(a) if anchor.is_none() => anchor = Some(a),
                    Some(_) => return Err(RefError::query(format!("{key}: a second anchor"))),
                    None => return Err(RefError::query(format!("{key}: unknown parameter"))),
                },
            }
        }
        let anchor = anchor.ok_or_else(|| {
            RefError::query("missing anchor: one of frame_index, timestamp_ms, offset_ms")
        })?;
        Ok(FrameRef {
            stream_id,
            anchor,
            tolerance_ms,
            direction,
        })
    }
}

impl ClipRef {
    /// The last `seconds` up to the live edge, sampled at `fps` (clip mode):
    /// `start_offset_ms=-<ms>&max_fps=<fps>`. Check the numbers with
    /// [`validate_media`](super::validate::validate_media) first.
    pub fn last_seconds(stream_id: &str, seconds: f64, fps: f64) -> ClipRef {
        ClipRef {
            stream_id: stream_id.to_string(),
            // At least 1 ms back: `start_offset_ms=0` would mean the oldest retained frame.
            start: Anchor::OffsetMs(-((seconds * 1000.0).round() as i64).max(1)),
            end: None,
            max_fps: Some(fps),
        }
    }

    /// The reference as an `ovs://` URL; defaults are left out.
    pub fn to_url(&self) -> String {
        let mut url = base(&self.stream_id);
        url.push_str(&format!(
            "start_{}={}",
            self.start.key(),
            self.start.value()
        ));
        if let Some(end) = self.end {
            url.push_str(&format!("&end_{}={}", end.key(), end.value()));
        }
        if let Some(fps) = self.max_fps {
            url.push_str(&format!("&max_fps={}", fmt_num(fps)));
        }
        url
    }

    /// Parses a `video_url` reference.
    pub fn parse(url: &str) -> Result<ClipRef, RefError> {
        let url = normalize_url(url);
        let (stream_id, params) = split(&url)?;
        let (mut start, mut end, mut max_fps) = (None, None, None);
        for (key, value) in params {
            if key == "max_fps" {
                max_fps = Some(positive_f64(key, value)?);
                continue;
            }
            let (slot, bare) = if let Some(bare) = key.strip_prefix("start_") {
                (&mut start, bare)
            } else if let Some(bare) = key.strip_prefix("end_") {
                (&mut end, bare)
            } else {
                return Err(RefError::query(format!("{key}: unknown parameter")));
            };
            let anchor = Anchor::from_key(bare, int(key, value)?)
                .ok_or_else(|| RefError::query(format!("{key}: unknown parameter")))?;
            if slot.replace(anchor).is_some() {
                return Err(RefError::query(format!("{key}: a second anchor")));
            }
        }
        let start = start.ok_or_else(|| {
            RefError::query(
                "missing anchor: one of start_frame_index, start_timestamp_ms, start_offset_ms",
            )
        })?;
        Ok(ClipRef {
            stream_id,
            start,
            end,
            max_fps,
        })
    }
}

/// The stream an `ovs://` URL names, whatever its part kind: the id of any URL whose
/// shape is `ovs://streams/<id>?<query>` (the query is not checked here; the part's
/// own parser, [`FrameRef::parse`] or [`ClipRef::parse`], does that).
pub fn stream_id_of(url: &str) -> Result<String, RefError> {
    id_and_query(&normalize_url(url)).map(|(id, _)| id)
}

/// The `key=value` pairs of a query, in order.
type QueryPairs<'a> = Vec<(&'a str, &'a str)>;

/// Splits `ovs://streams/<id>?<query>` (already normalised) into the decoded id and
/// the raw query.
fn id_and_query(url: &str) -> Result<(String, &str), RefError> {
    let rest = url
        .get(OVS_SCHEME.len()..)
        .filter(|_| is_ovs(url))
        .ok_or_else(|| RefError::shape("must start with ovs://"))?;
    let rest = rest
        .strip_prefix("streams/")
        .ok_or_else(|| RefError::shape("must be ovs://streams/<id>?<query>"))?;
    let (id, query) = rest.split_once('?').unwrap_or((rest, ""));
    if id.is_empty() || id.contains(['/', '#']) || query.contains('#') {
        return Err(RefError::shape("must be ovs://streams/<id>?<query>"));
    }
    let id = decode_segment(id).ok_or_else(|| RefError::shape("the stream id is badly escaped"))?;
    Ok((id, query))
}

/// Splits `ovs://streams/<id>?<query>` into the decoded id and the `key=value` pairs,
/// refusing duplicated keys.
fn split(url: &str) -> Result<(String, QueryPairs<'_>), RefError> {
    let (id, query) = id_and_query(url)?;
    let mut pairs: QueryPairs = Vec::new();
    let mut keys = BTreeSet::new();
    for pair in query
        .split('&')
        .filter(|p| !query.is_empty() || !p.is_empty())
    {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| RefError::query(format!("{pair:?}: expected key=value")))?;
        if !keys.insert(key) {
            return Err(RefError::query(format!("{key}: duplicated")));
        }
        pairs.push((key, value));
    }
    Ok((id, pairs))
}

fn int(key: &str, value: &str) -> Result<i64, RefError> {
    value
        .parse()
        .map_err(|_| RefError::query(format!("{key}: must be an integer")))
}

fn positive_u32(key: &str, value: &str) -> Result<u32, RefError> {
    match value.parse::<u32>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(RefError::query(format!("{key}: must be an integer > 0"))),
    }
}

fn positive_f64(key: &str, value: &str) -> Result<f64, RefError> {
    match value.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(RefError::query(format!("{key}: must be a number > 0"))),
    }
}

fn direction_of(value: &str) -> Result<Direction, RefError> {
    [Direction::Nearest, Direction::Forward, Direction::Backward]
        .into_iter()
        .find(|d| d.as_str() == value)
        .ok_or_else(|| RefError::query("direction: must be nearest, forward or backward"))
}
