//! Which streams a chat request names: every `ovs://` media part, parsed by its kind's
//! rules (what a server checks ownership against), and the 422 validation body.

use overshoot_protocol::v1beta::chat::ChatRequest;
use overshoot_protocol::v1beta::errors::{ChatErrorCode, ErrorEnvelope};
use overshoot_protocol::FieldError;
use serde_json::{json, Value};

fn request(parts: Value) -> ChatRequest<Value> {
    serde_json::from_value(json!({
        "model": "m",
        "messages": [
            {"role": "system", "content": "be brief"},
            {"role": "user", "content": parts},
        ]
    }))
    .unwrap()
}

fn image(url: &str) -> Value {
    json!({"type": "image_url", "image_url": {"url": url}})
}

fn video(url: &str) -> Value {
    json!({"type": "video_url", "video_url": {"url": url}})
}

#[test]
fn every_ovs_media_part_names_its_stream_once() {
    let req = request(json!([
        {"type": "text", "text": "ovs://streams/not-a-part?frame_index=-1"},
        image("ovs://streams/a?frame_index=-1"),
        video("ovs://streams/b?start_offset_ms=-5000&max_fps=2"),
        image("https://example.com/x.jpg"),
        video("data:video/mp4;base64,AAAA"),
        image("OVS://streams/a?timestamp_ms=10"),
        video("ovs://streams/c%2Fd?start_frame_index=-30"),
    ]));
    assert_eq!(
        req.referenced_streams(),
        Ok(vec!["a".to_string(), "b".into(), "c/d".into()])
    );
    assert_eq!(request(json!("text only")).referenced_streams(), Ok(vec![]));
}

#[test]
fn a_malformed_reference_fails_with_its_documented_code() {
    let wrong_kind = request(json!([image("ovs://streams/a?start_offset_ms=-5000")]));
    assert_eq!(
        wrong_kind.referenced_streams().unwrap_err().code,
        ChatErrorCode::QueryParamInvalid,
        "a clip query in an image part"
    );
    let bad_shape = request(json!([video("ovs://stream/a?start_offset_ms=-1")]));
    assert_eq!(
        bad_shape.referenced_streams().unwrap_err().code,
        ChatErrorCode::StreamUrlInvalid
    );
}

#[test]
fn the_validation_body_names_the_field_as_a_loc_path() {
    let body = ErrorEnvelope::validation(&FieldError::new(
        "messages[1].content[0].image_url.url",
        "must be an ovs://, https: or data: URL",
    ));
    let wire = serde_json::to_value(&body).unwrap();
    assert_eq!(wire["error"], "validation_error");
    assert_eq!(
        wire["details"][0]["loc"],
        json!(["body", "messages", "1", "content", "0", "image_url", "url"])
    );
    assert_eq!(
        wire["details"][0]["msg"],
        "must be an ovs://, https: or data: URL"
    );
    assert_eq!(body.code(), Some("validation_error"));
}
