//! Streamed chat answers (`stream: true`, `text/event-stream`): each upstream chunk
//! is passed on as it arrives, never collected first, so the first words reach the
//! page while the model is still writing. Each chunk is checked for the key (across
//! chunk borders too: a chunk's last `key.len() - 1` bytes wait for the next one); a
//! chunk holding it ends the answer there, unsent.

use super::http::CallLog;
use super::upstream::{failure, Failure, Head};
use super::Gateway;
use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue};
use axum::response::Response;
use bytes::Bytes;
use futures_util::{stream, StreamExt};

/// The relayed answer: the upstream's status, content type and passed-back headers,
/// and a body that follows the upstream's chunk by chunk.
pub(super) fn relay(gw: &Gateway, head: Head, log: &CallLog) -> Response {
    let status = head.response.status();
    let content_type = head.content_type();
    let guard = gw.upstream.leak_guard();
    let (user, stream) = (log.user.clone(), log.stream.clone());
    let upstream = Box::pin(head.response.bytes_stream());
    let chunks = stream::unfold(Some((upstream, guard)), move |state| {
        let (user, stream) = (user.clone(), stream.clone());
        async move {
            let (mut upstream, mut guard) = state?;
            let problem = match upstream.next().await {
                None => return Some((Ok(Bytes::from(guard.finish())), None)),
                Some(Ok(bytes)) => match guard.pass(&bytes) {
                    Some(ready) => return Some((Ok(Bytes::from(ready)), Some((upstream, guard)))),
                    None => {
                        tracing::error!(
                            call = "chat",
                            user = user.as_deref().unwrap_or("-"),
                            stream = stream.as_deref().unwrap_or("-"),
                            "a streamed answer contained the API key; the rest is withheld"
                        );
                        "withheld"
                    }
                },
                Some(Err(e)) => match failure(e) {
                    Failure::Unreachable(kind) => kind,
                    Failure::LeakedKey => "withheld",
                },
            };
            Some((Err(std::io::Error::other(problem)), None))
        }
    });
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.extend(head.headers);
    let content_type = content_type
        .and_then(|t| HeaderValue::from_str(&t).ok())
        .unwrap_or(HeaderValue::from_static("text/event-stream"));
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Asks a buffering reverse proxy in front of the gateway (nginx) to pass it on as is.
    headers.insert(
        HeaderName::from_static("x-accel-buffering"),
        HeaderValue::from_static("no"),
    );
    response
}
