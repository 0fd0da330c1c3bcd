//! Which media parts of a chat request are `ovs://` references, decided once for the
//! gateway (whose streams must be the caller's), the emulator (which resolves them)
//! and the request rules.

use super::chat::{ChatRequest, Content, ContentPart};
use super::reference::{is_ovs, ClipRef, FrameRef, RefError};

/// One media part of a request.
#[derive(Clone, Debug, PartialEq)]
pub enum MediaPart {
    /// An `image_url` `ovs://` reference.
    Frame(FrameRef),
    /// A `video_url` `ovs://` reference.
    Clip(ClipRef),
    /// Any other URL (`https:`, `data:`): given to the model as it is.
    External {
        /// Whether it was a `video_url`.
        video: bool,
    },
}

impl MediaPart {
    /// The media of `part` (`None` for text): an `ovs://` URL (see
    /// [`is_ovs`]) parsed by its kind's grammar, keeping the documented code of a
    /// malformed one.
    pub fn of(part: &ContentPart) -> Option<Result<MediaPart, RefError>> {
        Some(match part {
            ContentPart::Text { .. } => return None,
            ContentPart::ImageUrl { image_url } if is_ovs(&image_url.url) => {
                FrameRef::parse(&image_url.url).map(MediaPart::Frame)
            }
            ContentPart::VideoUrl { video_url } if is_ovs(&video_url.url) => {
                ClipRef::parse(&video_url.url).map(MediaPart::Clip)
            }
            ContentPart::ImageUrl { .. } => Ok(MediaPart::External { video: false }),
            ContentPart::VideoUrl { .. } => Ok(MediaPart::External { video: true }),
        })
    }

    /// The stream an `ovs://` part names.
    pub fn stream_id(&self) -> Option<&str> {
        match self {
            MediaPart::Frame(r) => Some(&r.stream_id),
            MediaPart::Clip(r) => Some(&r.stream_id),
            MediaPart::External { .. } => None,
        }
    }

    /// Whether it is a clip (`video_url`).
    pub fn is_video(&self) -> bool {
        matches!(
            self,
            MediaPart::Clip(_) | MediaPart::External { video: true }
        )
    }
}

impl<S> ChatRequest<S> {
    /// The media parts of every message, in order; the first malformed reference
    /// fails the whole request, as the server answers it.
    pub fn media_parts(&self) -> Result<Vec<MediaPart>, RefError> {
        let parts = self.messages.iter().filter_map(|m| match &m.content {
            Some(Content::Parts(parts)) => Some(parts),
            _ => None,
        });
        parts.flatten().filter_map(MediaPart::of).collect()
    }
}
