//! Policy decisions on both sides of each limit.

use super::*;
use serde_json::json;

fn limits() -> Limits {
    Limits {
        max_streams_per_user: 2,
        allowed_models: vec![],
        max_stream_seconds: None,
        orphan_grace_seconds: 20,
        allow_external_media: false,
        chat_rate_per_minute: 120,
    }
}

fn body(model: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "source": {"type": "webrtc", "sdp": "v=0"},
        "processing": {"target_fps": 6, "clip_length_seconds": 0.5, "delay_seconds": 0.5},
        "inference": {"prompt": "colour?", "model": model}
    }))
    .unwrap()
}

#[test]
fn any_model_passes_without_an_allow_list() {
    assert_eq!(
        check_create_body(&body("anything/at-all"), &limits()),
        Ok(())
    );
}

#[test]
fn a_model_outside_the_allow_list_is_a_422_naming_inference_model() {
    let limits = Limits {
        allowed_models: vec!["Qwen/Qwen3.5-9B".into()],
        ..limits()
    };
    assert_eq!(check_create_body(&body("Qwen/Qwen3.5-9B"), &limits), Ok(()));
    let denial = check_create_body(&body("expensive/model"), &limits).unwrap_err();
    assert_eq!(denial.status(), 422);
    assert_eq!(denial.body()["details"]["field"], "inference.model");
    assert_eq!(denial.body()["error"], "validation_error");
}

#[test]
fn the_protocol_rules_apply_before_anything_reaches_upstream() {
    let bad_fps = serde_json::to_vec(&json!({
        "processing": {"target_fps": 2, "clip_length_seconds": 0.5},
        "inference": {"prompt": "p", "model": "m"}
    }))
    .unwrap();
    let denial = check_create_body(&bad_fps, &limits()).unwrap_err();
    assert_eq!(denial.status(), 422);
    let no_model = br#"{"inference": {"prompt": "p"}}"#;
    let denial = check_create_body(no_model, &limits()).unwrap_err();
    assert_eq!(denial.status(), 422);
    assert_eq!(denial.body()["details"]["field"], "inference");
    let wrong_type = br#"{"inference": {"prompt": "p", "model": 7}}"#;
    let denial = check_create_body(wrong_type, &limits()).unwrap_err();
    assert_eq!(denial.body()["details"]["field"], "inference.model");
}

#[test]
fn bodies_over_one_megabyte_are_413() {
    let mut big = body("m");
    big.resize(MAX_BODY_BYTES + 1, b' ');
    assert_eq!(
        check_create_body(&big, &limits()),
        Err(Denial::BodyTooLarge)
    );
    assert_eq!(Denial::BodyTooLarge.status(), 413);
    let mut fits = body("m");
    fits.resize(MAX_BODY_BYTES, b' ');
    assert_eq!(check_create_body(&fits, &limits()), Ok(()));
}

#[test]
fn denials_have_the_upstream_shapes() {
    assert_eq!(Denial::Unauthorized("token expired").status(), 401);
    assert_eq!(Denial::Unauthorized("x").body()["error"], "unauthorized");
    assert_eq!(Denial::NotFound.status(), 404);
    assert_eq!(Denial::NotFound.body()["error"], "stream_not_found");
    let cap = Denial::TooManyStreams { cap: 2 };
    assert_eq!(cap.status(), 429);
    assert_eq!(cap.body()["error"], "too_many_streams");
}

fn live(now: u64) -> Liveness {
    Liveness {
        created_ms: now,
        renewed_ms: now,
        lease_ms: 30_000,
        sockets_open: 1,
        socket_closed_ms: None,
    }
}

#[test]
fn a_renewed_stream_with_its_socket_open_stays() {
    let t = 1_000_000;
    assert_eq!(orphaned(&live(t), t + 30_000, &limits()), None);
}

#[test]
fn no_keepalive_within_the_lease_orphans_the_stream() {
    let t = 1_000_000;
    assert_eq!(
        orphaned(&live(t), t + 30_001, &limits()),
        Some(Orphaned::LeaseLapsed)
    );
}

#[test]
fn a_closed_socket_orphans_the_stream_after_the_grace_unless_reopened() {
    let t = 1_000_000;
    let closed = Liveness {
        sockets_open: 0,
        socket_closed_ms: Some(t),
        ..live(t)
    };
    assert_eq!(orphaned(&closed, t + 19_999, &limits()), None);
    assert_eq!(
        orphaned(&closed, t + 20_000, &limits()),
        Some(Orphaned::SocketGone)
    );
    let reopened = Liveness {
        sockets_open: 1,
        ..closed
    };
    assert_eq!(orphaned(&reopened, t + 25_000, &limits()), None);
}

#[test]
fn max_stream_seconds_ends_even_a_live_stream() {
    let t = 1_000_000;
    let limits = Limits {
        max_stream_seconds: Some(60),
        ..limits()
    };
    let mut stream = live(t);
    stream.renewed_ms = t + 59_000;
    assert_eq!(orphaned(&stream, t + 59_999, &limits), None);
    assert_eq!(
        orphaned(&stream, t + 60_000, &limits),
        Some(Orphaned::TooOld)
    );
}

#[test]
fn the_model_list_shows_only_allowed_models() {
    let answer = br#"[{"model":"a","ready":true,"status":"ready"},{"model":"b","ready":true,"status":"ready"}]"#;
    assert_eq!(
        allowed_models_only(answer, &limits()),
        None,
        "no allow-list: as it is"
    );
    let only_b = Limits {
        allowed_models: vec!["b".into()],
        ..limits()
    };
    let shown: Value =
        serde_json::from_slice(&allowed_models_only(answer, &only_b).unwrap()).unwrap();
    assert_eq!(
        shown,
        json!([{"model": "b", "ready": true, "status": "ready"}])
    );
    assert_eq!(
        allowed_models_only(b"{\"detail\":1}", &only_b),
        None,
        "not a list: as it is"
    );
}

#[test]
fn a_stream_without_a_results_socket_lives_by_its_lease_alone() {
    // A v1beta stream never has a results socket: far past the orphan grace it lives
    // on while keepalives renew its 300 s lease, and is reaped once they stop.
    let stream = Liveness {
        created_ms: 0,
        renewed_ms: 0,
        lease_ms: 300_000,
        sockets_open: 0,
        socket_closed_ms: None,
    };
    assert_eq!(orphaned(&stream, 299_999, &limits()), None);
    assert_eq!(
        orphaned(&stream, 300_001, &limits()),
        Some(Orphaned::LeaseLapsed)
    );
    let renewed = Liveness {
        renewed_ms: 250_000,
        ..stream
    };
    assert_eq!(orphaned(&renewed, 500_000, &limits()), None);
}
