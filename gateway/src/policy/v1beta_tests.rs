//! v1beta policy decisions and answer shapes.

use super::*;
use crate::policy::Shape;
use serde_json::json;

fn limits(models: &[&str]) -> Limits {
    Limits {
        max_streams_per_user: 2,
        allowed_models: models.iter().map(|m| m.to_string()).collect(),
        max_stream_seconds: None,
        orphan_grace_seconds: 20,
    }
}

fn chat(model: &str, parts: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "model": model,
        "messages": [{"role": "user", "content": parts}],
        "stream": true,
    }))
    .unwrap()
}

fn image(url: &str) -> Value {
    json!({"type": "image_url", "image_url": {"url": url}})
}

#[test]
fn a_livekit_create_is_sent_as_an_empty_object_and_a_camera_source_as_given() {
    for empty in [&b""[..], b"  \n", b"{}"] {
        assert_eq!(create_body(empty).unwrap(), b"{}".to_vec());
    }
    let camera = br#"{"source": {"type": "rtsp", "url": "rtsp://cam.example.com/s"}}"#;
    assert_eq!(create_body(camera).unwrap(), camera.to_vec());
    let denial = create_body(br#"{"source": {"type": "rtsp", "url": "http://x"}}"#).unwrap_err();
    assert_eq!(denial.status(), 422);
    let body = denial.body_in(Shape::V1beta);
    assert_eq!(body["error"], "validation_error");
    assert_eq!(body["details"][0]["loc"], json!(["body", "source", "url"]));
    assert_eq!(create_body(b"not json").unwrap_err().status(), 422);
}

#[test]
fn every_referenced_stream_is_collected_from_parts_and_anywhere_else() {
    let body = serde_json::to_vec(&json!({
        "model": "m",
        "messages": [
            {"role": "user", "content": [
                {"type": "text", "text": "compare"},
                image("ovs://streams/a?frame_index=-1"),
                {"type": "video_url", "video_url": {"url": "ovs://streams/b?start_offset_ms=-5000"}},
                image("https://example.com/x.jpg"),
                image("ovs://streams/a?frame_index=-2"),
            ]},
            {"role": "assistant", "content": "ovs://streams/c?frame_index=1"},
        ],
        "metadata": {"note": ["ovs://streams/d?whatever"]},
    }))
    .unwrap();
    let plan = check_chat(&body, &limits(&[])).unwrap();
    assert_eq!(plan.streams, vec!["a", "b", "c", "d"]);
    assert!(!plan.streaming);
    let text_only = chat("m", json!("hello"));
    let plan = check_chat(&text_only, &limits(&[])).unwrap();
    assert_eq!((plan.streams.len(), plan.streaming), (0, true));
}

#[test]
fn a_malformed_reference_is_refused_with_its_documented_code() {
    let denial = check_chat(
        &chat("m", json!([image("ovs://stream/a?frame_index=-1")])),
        &limits(&[]),
    )
    .unwrap_err();
    assert_eq!(denial.status(), 400);
    let body = denial.body_in(Shape::V1betaChat);
    assert_eq!(body["detail"]["error"]["code"], "stream_url_invalid");
    assert_eq!(body["detail"]["error"]["type"], "stream_error");
    let denial = check_chat(
        &chat(
            "m",
            json!([image("ovs://streams/a?frame_index=1&frame_index=2")]),
        ),
        &limits(&[]),
    )
    .unwrap_err();
    assert_eq!(
        denial.body_in(Shape::V1betaChat)["detail"]["error"]["code"],
        "query_param_invalid"
    );
}

#[test]
fn the_chat_model_must_be_on_the_allow_list() {
    let allowed = limits(&["Qwen/Qwen3.5-9B"]);
    assert!(check_chat(&chat("Qwen/Qwen3.5-9B", json!("hi")), &allowed).is_ok());
    let denial = check_chat(&chat("gpt-5.4", json!("hi")), &allowed).unwrap_err();
    assert_eq!(denial.status(), 422);
    let body = denial.body_in(Shape::V1betaChat);
    assert_eq!(body["details"][0]["loc"], json!(["body", "model"]));
    assert!(body["message"].as_str().unwrap().contains("gpt-5.4"));
}

#[test]
fn unknown_part_types_and_broken_rules_are_422() {
    let unknown = chat(
        "m",
        json!([{"type": "audio_url", "audio_url": {"url": "x"}}]),
    );
    assert_eq!(
        check_chat(&unknown, &limits(&[])).unwrap_err().status(),
        422
    );
    let no_messages = br#"{"model": "m", "messages": []}"#;
    let denial = check_chat(no_messages, &limits(&[])).unwrap_err();
    assert_eq!(
        denial.body_in(Shape::V1betaChat)["details"][0]["loc"],
        json!(["body", "messages"])
    );
    let huge = vec![b' '; MAX_BODY_BYTES + 1];
    assert_eq!(check_chat(&huge, &limits(&[])), Err(Denial::BodyTooLarge));
}

#[test]
fn a_foreign_stream_is_a_404_stream_not_found_in_the_chat_envelope() {
    let body = Denial::ForeignStream("s9".into()).body_in(Shape::V1betaChat);
    assert_eq!(Denial::ForeignStream("s9".into()).status(), 404);
    assert_eq!(body["detail"]["error"]["code"], "stream_not_found");
    assert_eq!(body["detail"]["error"]["type"], "stream_error");
    assert_eq!(body["detail"]["error"]["message"], "Stream not found: s9");
}

#[test]
fn stream_endpoints_answer_plain_detail_bodies() {
    assert_eq!(
        Denial::NotFound.body_in(Shape::V1beta),
        json!({"detail": "unknown or expired stream"})
    );
    let unauthorized = Denial::Unauthorized("token expired").body_in(Shape::V1betaChat);
    assert_eq!(
        unauthorized,
        json!({"detail": "invalid or missing token: token expired"})
    );
    assert_eq!(
        Denial::TooManyStreams { cap: 2 }.body_in(Shape::V1beta)["detail"],
        "at most 2 concurrent streams per user"
    );
    assert_eq!(
        Denial::NotFound.body_in(Shape::Streams)["error"],
        "stream_not_found"
    );
}

#[test]
fn models_outside_the_allow_list_are_hidden() {
    let list = serde_json::to_vec(&json!({"object": "list", "data": [
        {"id": "Qwen/Qwen3.5-9B", "object": "model", "created": 1, "owned_by": "overshoot", "status": "ready"},
        {"id": "gpt-5.4", "object": "model", "created": 1, "owned_by": "openai", "status": "ready"},
    ]}))
    .unwrap();
    assert_eq!(allowed_models_only(&list, &limits(&[])), None);
    let shown = allowed_models_only(&list, &limits(&["Qwen/Qwen3.5-9B"])).unwrap();
    let shown: Value = serde_json::from_slice(&shown).unwrap();
    assert_eq!(shown["object"], "list");
    assert_eq!(shown["data"].as_array().unwrap().len(), 1);
    assert_eq!(shown["data"][0]["id"], "Qwen/Qwen3.5-9B");
}

#[test]
fn the_lease_is_the_answers_ttl_or_300_s() {
    let lease_ms = |v: Value| crate::policy::ttl_ms(Some(&v), DEFAULT_LEASE_MS);
    assert_eq!(lease_ms(json!({"ttl_seconds": 300})), 300_000);
    assert_eq!(lease_ms(json!({"ttl_seconds": 2})), 2_000);
    assert_eq!(lease_ms(json!({"id": "s"})), 300_000);
    assert_eq!(lease_ms(json!({"ttl_seconds": -1})), 300_000);
}
