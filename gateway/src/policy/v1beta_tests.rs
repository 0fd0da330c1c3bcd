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
        allow_external_media: false,
        chat_rate_per_minute: 120,
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
    let plan = check_chat(&text_only, &open_limits(&[])).unwrap();
    assert_eq!((plan.streams.len(), plan.streaming), (0, true));
}

fn open_limits(models: &[&str]) -> Limits {
    Limits {
        allow_external_media: true,
        ..limits(models)
    }
}

#[test]
fn a_chat_without_a_stream_reference_needs_allow_external_media() {
    for content in [
        json!("hello"),
        json!([image("https://example.com/x.jpg")]),
        json!([image("data:image/png;base64,AAAA")]),
    ] {
        let body = chat("m", content);
        let denial = check_chat(&body, &limits(&[])).unwrap_err();
        assert_eq!(denial.status(), 422);
        assert!(denial.body_in(Shape::V1betaChat)["message"]
            .as_str()
            .unwrap()
            .contains("ovs://streams/<id>"));
        assert!(check_chat(&body, &open_limits(&[])).is_ok());
    }
    let mixed = chat(
        "m",
        json!([
            image("https://example.com/x.jpg"),
            image("ovs://streams/a?frame_index=-1")
        ]),
    );
    assert_eq!(check_chat(&mixed, &limits(&[])).unwrap().streams, vec!["a"]);
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
    let allowed = open_limits(&["Qwen/Qwen3.5-9B"]);
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

fn code_of(denial: &Denial) -> Value {
    denial.body_in(Shape::V1betaChat)["detail"]["error"]["code"].clone()
}

#[test]
fn an_ovs_url_with_whitespace_or_upper_case_is_still_a_reference() {
    // What a WHATWG URL parser (or pydantic) would read as ovs://streams/victim.
    for url in [
        " ovs://streams/victim?frame_index=-1",
        "\tovs://streams/victim?frame_index=-1",
        "ovs:\n//streams/victim?frame_index=-1",
        "ovs://streams/vic\r\ntim?frame_index=-1",
        "\u{1}OVS://streams/victim?frame_index=-1 ",
    ] {
        let plan = check_chat(&chat("m", json!([image(url)])), &limits(&[])).unwrap();
        assert_eq!(plan.streams, vec!["victim"], "{url:?}");
        let video = json!([{"type": "video_url", "video_url": {"url": url.replace("frame_index", "start_frame_index")}}]);
        let plan = check_chat(&chat("m", video), &limits(&[])).unwrap();
        assert_eq!(plan.streams, vec!["victim"], "{url:?}");
    }
}

#[test]
fn a_string_anywhere_that_mentions_ovs_must_name_a_stream() {
    let own = image("ovs://streams/mine?frame_index=-1");
    for stray in [
        "ovs://STREAMS/victim?frame_index=-1",
        "ovs://streams/victim/?frame_index=-1",
        " Ovs:streams/victim",
        "see ovs://streams/victim?frame_index=-1",
        "o\tvs://elsewhere",
    ] {
        let body = serde_json::to_vec(&json!({
            "model": "m",
            "messages": [{"role": "user", "content": [own.clone()]}],
            "extra": {"deep": [stray]},
        }))
        .unwrap();
        let denial = check_chat(&body, &limits(&[])).unwrap_err();
        assert_eq!(denial.status(), 400, "{stray:?}");
        assert_eq!(code_of(&denial), "stream_url_invalid", "{stray:?}");
    }
    // A key is read too.
    let body = serde_json::to_vec(&json!({
        "model": "m",
        "messages": [{"role": "user", "content": [own.clone()]}],
        "extra": {"ovs://streams/victim/": 1},
    }))
    .unwrap();
    assert_eq!(check_chat(&body, &limits(&[])).unwrap_err().status(), 400);
    // A well-formed one elsewhere is collected, for the ownership check.
    let body = serde_json::to_vec(&json!({
        "model": "m",
        "messages": [{"role": "user", "content": [own, {"type": "text", "text": "ovs is fine"}]}],
        "extra": {"deep": ["\tOVS://streams/victim?frame_index=1"]},
    }))
    .unwrap();
    assert_eq!(
        check_chat(&body, &limits(&[])).unwrap().streams,
        vec!["mine", "victim"]
    );
}

#[test]
fn a_key_twice_in_one_object_is_refused_at_any_depth() {
    let own = r#"{"type":"image_url","image_url":{"url":"ovs://streams/mine?frame_index=-1"}}"#;
    for body in [
        format!(r#"{{"model":"m","model":"x","messages":[{{"role":"user","content":[{own}]}}]}}"#),
        format!(
            r#"{{"model":"m","messages":[{{"role":"user","content":[{own}]}}],"x":{{"a":[{{"u":"1","u":"2"}}]}}}}"#
        ),
        r#"{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"ovs://streams/victim?frame_index=-1","url":"ovs://streams/mine?frame_index=-1"}}]}]}"#.to_string(),
    ] {
        let denial = check_chat(body.as_bytes(), &limits(&[])).unwrap_err();
        assert_eq!(denial.status(), 422, "{body}");
        assert!(denial.body_in(Shape::V1betaChat)["message"]
            .as_str()
            .unwrap()
            .contains("duplicate key"));
    }
    let fine = format!(
        r#"{{"model":"m","messages":[{{"role":"user","content":[{own},{own}]}}],"x":{{"u":1}},"y":{{"u":1}}}}"#
    );
    assert!(check_chat(fine.as_bytes(), &limits(&[])).is_ok());
}

#[test]
fn many_references_are_checked_in_linear_time_and_capped() {
    let parts: Vec<Value> = (0..MAX_STREAMS_PER_CHAT)
        .map(|i| image(&format!("ovs://streams/s{i}?frame_index=-1")))
        .collect();
    let plan = check_chat(&chat("m", json!(parts)), &limits(&[])).unwrap();
    assert_eq!(plan.streams.len(), MAX_STREAMS_PER_CHAT);
    let mut over = parts.clone();
    over.push(image("ovs://streams/one-more?frame_index=-1"));
    let denial = check_chat(&chat("m", json!(over)), &limits(&[])).unwrap_err();
    assert_eq!(denial.status(), 422);
    let message = denial.body_in(Shape::V1betaChat)["message"].clone();
    assert!(
        message.as_str().unwrap().contains("at most 32 streams"),
        "{message}"
    );
    // ~1 MB of distinct references: refused, and fast (the quadratic scan took seconds).
    let strings: Vec<String> = (0..40_000)
        .map(|i| format!("ovs://streams/{i}?a"))
        .collect();
    let body = serde_json::to_vec(&json!({
        "model": "m",
        "messages": [{"role": "user", "content": [image("ovs://streams/s?frame_index=-1")]}],
        "x": strings,
    }))
    .unwrap();
    assert!(body.len() < MAX_BODY_BYTES);
    let started = std::time::Instant::now();
    assert_eq!(check_chat(&body, &limits(&[])).unwrap_err().status(), 422);
    assert!(
        started.elapsed().as_secs_f64() < 2.0,
        "{:?}",
        started.elapsed()
    );
}
