//! Both sides of every limit in the spec's request rules.

use overshoot_protocol::*;
use serde_json::{json, Value};

fn req(processing: Value, inference_extra: Value) -> CreateStreamRequest<Value> {
    let mut inference = json!({"prompt": "p", "model": "m"});
    for (k, v) in inference_extra.as_object().unwrap() {
        inference[k] = v.clone();
    }
    serde_json::from_value(json!({
        "source": {"type": "webrtc", "sdp": "v=0"},
        "processing": processing,
        "inference": inference
    }))
    .unwrap()
}

fn verdict(processing: Value, inference: Value) -> Result<(), String> {
    validate_request(&req(processing, inference)).map_err(|e| e.field)
}

#[test]
fn clip_ranges_both_sides() {
    let ok = |p: Value| assert_eq!(verdict(p.clone(), json!({})), Ok(()), "{p}");
    let bad =
        |p: Value, field: &str| assert_eq!(verdict(p.clone(), json!({})), Err(field.into()), "{p}");
    ok(json!({"target_fps": 6, "clip_length_seconds": 0.5}));
    ok(json!({"target_fps": 30, "clip_length_seconds": 0.1}));
    bad(json!({"target_fps": 31}), "processing.target_fps");
    bad(
        json!({"target_fps": 0.5, "clip_length_seconds": 60}),
        "processing.target_fps",
    );
    ok(json!({"target_fps": 1, "clip_length_seconds": 3}));
    ok(json!({"target_fps": 6, "clip_length_seconds": 60}));
    bad(
        json!({"target_fps": 6, "clip_length_seconds": 60.01}),
        "processing.clip_length_seconds",
    );
    bad(
        json!({"target_fps": 30, "clip_length_seconds": 0.09}),
        "processing.clip_length_seconds",
    );
    ok(json!({"delay_seconds": 0}));
    ok(json!({"delay_seconds": 60}));
    bad(json!({"delay_seconds": -0.01}), "processing.delay_seconds");
    bad(json!({"delay_seconds": 60.5}), "processing.delay_seconds");
    ok(json!({"fps": 120, "sampling_ratio": 0.05}));
    bad(
        json!({"fps": 121, "sampling_ratio": 0.05}),
        "processing.fps",
    );
    bad(
        json!({"fps": 30, "sampling_ratio": 1.5}),
        "processing.sampling_ratio",
    );
    bad(json!({"fps": 30}), "processing.sampling_ratio");
    bad(json!({"sampling_ratio": 0.5}), "processing.fps");
    bad(
        json!({"target_fps": 6, "fps": 30, "sampling_ratio": 0.2}),
        "processing.fps",
    );
    bad(
        json!({"interval_seconds": 0.5, "target_fps": 6}),
        "processing.target_fps",
    );
}

#[test]
fn frames_per_clip_at_least_three_uses_default_clip_length() {
    assert_eq!(verdict(json!({"target_fps": 6}), json!({})), Ok(()));
    assert_eq!(
        verdict(json!({"target_fps": 5}), json!({})),
        Err("processing.target_fps".into())
    );
    assert_eq!(
        verdict(
            json!({"target_fps": 5, "clip_length_seconds": 0.6}),
            json!({})
        ),
        Ok(())
    );
    assert_eq!(
        verdict(json!({"fps": 30, "sampling_ratio": 0.1}), json!({})),
        Err("processing.fps".into())
    );
    assert_eq!(
        verdict(json!({"fps": 30, "sampling_ratio": 0.2}), json!({})),
        Ok(())
    );
}

#[test]
fn frame_mode_interval_range() {
    let frame = |p: Value| {
        let mut r = req(p, json!({}));
        r.mode = Some(Mode::Frame);
        validate_request(&r).map_err(|e| e.field)
    };
    assert_eq!(frame(json!({"interval_seconds": 0.1})), Ok(()));
    assert_eq!(frame(json!({"interval_seconds": 60})), Ok(()));
    assert_eq!(frame(json!({})), Ok(()));
    assert_eq!(
        frame(json!({"interval_seconds": 0.099})),
        Err("processing.interval_seconds".into())
    );
    assert_eq!(
        frame(json!({"interval_seconds": 61})),
        Err("processing.interval_seconds".into())
    );
    assert_eq!(
        frame(json!({"delay_seconds": 1})),
        Err("processing.delay_seconds".into())
    );
    let mut clip = req(json!({"interval_seconds": 1}), json!({}));
    clip.mode = Some(Mode::Clip);
    assert_eq!(
        validate_request(&clip).map_err(|e| e.field),
        Err("processing.interval_seconds".into())
    );
}

#[test]
fn output_tokens_per_second_cap() {
    let t = |p: Value, n: u32| verdict(p, json!({"max_output_tokens": n}));
    assert_eq!(t(json!({}), 64), Ok(()));
    assert_eq!(t(json!({}), 65), Err("inference.max_output_tokens".into()));
    assert_eq!(t(json!({"delay_seconds": 1}), 128), Ok(()));
    assert_eq!(
        t(json!({"delay_seconds": 1}), 129),
        Err("inference.max_output_tokens".into())
    );
    assert_eq!(t(json!({"interval_seconds": 0.25}), 32), Ok(()));
    assert_eq!(
        t(json!({"interval_seconds": 0.25}), 33),
        Err("inference.max_output_tokens".into())
    );
    assert_eq!(t(json!({}), 0), Err("inference.max_output_tokens".into()));
    assert_eq!(
        t(json!({"delay_seconds": 0}), 1),
        Err("inference.max_output_tokens".into())
    );
}

#[test]
fn required_strings_and_sources() {
    let mut r = req(json!({}), json!({}));
    r.inference.prompt = "   ".into();
    assert_eq!(validate_request(&r).unwrap_err().field, "inference.prompt");
    let mut r = req(json!({}), json!({}));
    r.inference.model = String::new();
    assert_eq!(validate_request(&r).unwrap_err().field, "inference.model");
    let mut r = req(json!({}), json!({}));
    r.webrtc = Some(SessionDescription {
        kind: "offer".into(),
        sdp: "v=0".into(),
    });
    assert_eq!(validate_request(&r).unwrap_err().field, "webrtc");
    let mut r = req(json!({}), json!({}));
    r.source = None;
    assert_eq!(
        validate_request(&r),
        Ok(()),
        "native transport has no source"
    );
}

#[test]
fn messages_name_the_allowed_range() {
    let e = validate_request(&req(json!({"target_fps": 40}), json!({}))).unwrap_err();
    assert!(e.message.contains("between 1 and 30"), "{}", e.message);
    let mut r = req(json!({}), json!({}));
    r.processing.target_fps = Some(f64::NAN);
    assert!(validate_request(&r).unwrap_err().message.contains("finite"));
}
