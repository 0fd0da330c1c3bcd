//! v1beta calls through the whole gateway (token, routing, policy, store), with an
//! upstream address nobody listens on: a call the gateway forwards answers `502`, one
//! it refuses answers before any upstream is reached.

use super::http::serve;
use super::{Gateway, Upstream};
use crate::auth::{mint, unix_now, Secret, Verifier};
use crate::policy::{Limits, Liveness};
use crate::route::Call;
use crate::store::{MemoryStore, Store, StreamRecord};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use overshoot_protocol::endpoints::BaseUrl;
use overshoot_protocol::v1beta::endpoints::Generation;
use serde_json::{json, Value};

const KEY: &str = "ovs_native_test_key_5d1c";

fn secret() -> Secret {
    Secret::new(&[7u8; 32]).unwrap()
}

/// A gateway whose upstream is a port that was free a moment ago, with stream `a1`
/// (v1beta) and `old1` (streams API) owned by alice.
async fn gateway() -> Gateway {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = |path: &str| BaseUrl::parse(&format!("http://127.0.0.1:{port}{path}"), false);
    let gw = Gateway {
        upstream: Upstream::new(base("/v1").unwrap(), base("/v1beta").unwrap(), KEY.into())
            .unwrap(),
        verifier: Verifier::new(&secret()).unwrap(),
        limits: Limits {
            max_streams_per_user: 3,
            allowed_models: vec![],
            max_stream_seconds: None,
            orphan_grace_seconds: 20,
            allow_external_media: false,
            chat_rate_per_minute: 120,
        },
        store: Store::Memory(MemoryStore::default()),
        instance: "i1".into(),
        shared_store: false,
    };
    for (id, api) in [("a1", Generation::V1beta), ("old1", Generation::Streams)] {
        let reservation = gw.store.reserve("alice", 3, 0).await.unwrap().unwrap();
        let record = StreamRecord {
            user: "alice".into(),
            instance: "i1".into(),
            api,
            liveness: Liveness {
                lease_ms: 300_000,
                ..Liveness::default()
            },
        };
        gw.store.commit(&reservation, id, &record).await.unwrap();
    }
    gw
}

/// `method path` as `user` (no token for `None`): the status and the JSON body.
async fn call(
    gw: &Gateway,
    user: Option<&str>,
    method: Method,
    path: &str,
    body: Value,
) -> (u16, Value) {
    let mut headers = HeaderMap::new();
    if let Some(user) = user {
        let token = mint(&secret(), user, 60, unix_now()).unwrap();
        let value = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
        headers.insert(header::AUTHORIZATION, value);
    }
    let call = Call::parse(&method, path).expect("a known path");
    let body = if body.is_null() {
        Body::empty()
    } else {
        Body::from(body.to_string())
    };
    let response = serve(gw, call, &headers, body).await;
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&bytes).contains(KEY),
        "the key in an answer"
    );
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn chat(urls: &[&str]) -> Value {
    let mut parts = vec![json!({"type": "text", "text": "colour?"})];
    for url in urls {
        let kind = if url.contains("start_") {
            "video_url"
        } else {
            "image_url"
        };
        parts.push(json!({"type": kind, kind: {"url": url}}));
    }
    json!({"model": "m", "messages": [{"role": "user", "content": parts}]})
}

const CHAT: &str = "/v1beta/chat/completions";

#[tokio::test]
async fn a_chat_may_reference_only_the_callers_own_streams() {
    let gw = gateway().await;
    let frame = "ovs://streams/a1?frame_index=-1";
    let clip = "ovs://streams/a1?start_offset_ms=-5000&max_fps=2";
    // bob names alice's stream: 404 stream_not_found, before any upstream call.
    for urls in [&[frame][..], &[clip], &["https://example.com/x.jpg", clip]] {
        let (status, body) = call(&gw, Some("bob"), Method::POST, CHAT, chat(urls)).await;
        assert_eq!(status, 404, "{body}");
        assert_eq!(body["detail"]["error"]["code"], "stream_not_found");
        assert_eq!(body["detail"]["error"]["message"], "Stream not found: a1");
    }
    // One foreign reference among alice's own still refuses the whole request.
    let mixed = chat(&[frame, "ovs://streams/b9?frame_index=-1"]);
    let (status, body) = call(&gw, Some("alice"), Method::POST, CHAT, mixed).await;
    assert_eq!(status, 404);
    assert_eq!(body["detail"]["error"]["message"], "Stream not found: b9");
    // A streams-API stream is not a v1beta stream.
    let old = chat(&["ovs://streams/old1?frame_index=-1"]);
    assert_eq!(
        call(&gw, Some("alice"), Method::POST, CHAT, old).await.0,
        404
    );
    // None at all: refused by default (`--allow-external-media` lifts it).
    let (status, body) = call(&gw, Some("alice"), Method::POST, CHAT, chat(&[])).await;
    assert_eq!(status, 422, "{body}");
    // Alice's own references are forwarded: the upstream is down, 502.
    for body in [
        chat(&[frame, clip]),
        chat(&[frame, "https://example.com/x.jpg"]),
    ] {
        let (status, answer) = call(&gw, Some("alice"), Method::POST, CHAT, body).await;
        assert_eq!(status, 502, "{answer}");
        assert_eq!(answer["detail"], "the upstream API did not answer");
    }
}

#[tokio::test]
async fn a_malformed_reference_or_body_is_refused_at_the_gateway() {
    let gw = gateway().await;
    let bad = chat(&["ovs://streams/a1?frame_index=-1&tolerance_ms=0"]);
    let (status, body) = call(&gw, Some("alice"), Method::POST, CHAT, bad).await;
    assert_eq!(status, 400);
    assert_eq!(body["detail"]["error"]["code"], "query_param_invalid");
    let (status, body) = call(
        &gw,
        Some("alice"),
        Method::POST,
        CHAT,
        json!({"model": "m"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"], "validation_error");
}

#[tokio::test]
async fn only_the_owner_reaches_a_v1beta_stream() {
    let gw = gateway().await;
    let paths = [
        (Method::GET, "/v1beta/streams/a1"),
        (Method::POST, "/v1beta/streams/a1/keepalive"),
        (Method::POST, "/v1beta/streams/a1/viewer-token"),
        (Method::DELETE, "/v1beta/streams/a1"),
    ];
    for (method, path) in paths.clone() {
        let (status, body) = call(&gw, Some("bob"), method.clone(), path, Value::Null).await;
        assert_eq!(status, 404, "{method} {path}");
        assert_eq!(
            body["detail"], "unknown or expired stream",
            "{method} {path}"
        );
        let (status, _) = call(&gw, Some("alice"), method.clone(), path, Value::Null).await;
        assert_eq!(status, 502, "alice's {method} {path} is forwarded");
    }
    // The streams API's calls do not reach a v1beta stream, nor v1beta's a streams-API one.
    let (status, body) = call(
        &gw,
        Some("alice"),
        Method::DELETE,
        "/v1/streams/a1",
        Value::Null,
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (404, Some("stream_not_found"))
    );
    let (status, _) = call(
        &gw,
        Some("alice"),
        Method::GET,
        "/v1beta/streams/old1",
        Value::Null,
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        gw.store.get("a1").await.unwrap().is_some(),
        "nothing was forgotten"
    );
}

#[tokio::test]
async fn a_v1beta_caller_without_a_token_gets_a_detail_401() {
    let gw = gateway().await;
    let (status, body) = call(&gw, None, Method::POST, "/v1beta/streams", Value::Null).await;
    assert_eq!(status, 401);
    assert_eq!(body["detail"], "invalid or missing token: missing token");
    let (status, body) = call(&gw, None, Method::POST, CHAT, chat(&[])).await;
    assert_eq!(status, 401);
    assert!(body["detail"].is_string());
}

#[tokio::test]
async fn a_refused_create_gives_its_slot_back() {
    let gw = gateway().await;
    let create = |body: Value| call(&gw, Some("alice"), Method::POST, "/v1beta/streams", body);
    // alice holds 2 of 3 slots; a create the upstream cannot answer frees its reservation.
    for _ in 0..2 {
        assert_eq!(create(Value::Null).await.0, 502);
    }
    let (status, body) = create(json!({"source": {"type": "hls", "url": "ftp://cam"}})).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"][0]["loc"], json!(["body", "source", "url"]));
    let reservation = gw.store.reserve("alice", 3, super::now_ms()).await.unwrap();
    assert!(reservation.is_some(), "the third slot is still free");
    let (status, body) = create(Value::Null).await;
    assert_eq!(status, 429);
    assert_eq!(body["detail"], "at most 3 concurrent streams per user");
}

#[tokio::test]
async fn chats_beyond_the_per_user_rate_are_429_with_retry_after() {
    let mut gw = gateway().await;
    gw.limits.chat_rate_per_minute = 2;
    // Not across a minute window's end (the count would start over).
    let into_minute = super::now_ms() % crate::store::CHAT_WINDOW_MS;
    if into_minute > 50_000 {
        tokio::time::sleep(std::time::Duration::from_millis(60_100 - into_minute)).await;
    }
    let own = || chat(&["ovs://streams/a1?frame_index=-1"]);
    // A refused chat is not counted; the others are, forwarded or not (upstream down: 502).
    assert_eq!(
        call(&gw, Some("alice"), Method::POST, CHAT, chat(&[]))
            .await
            .0,
        422
    );
    for _ in 0..2 {
        assert_eq!(
            call(&gw, Some("alice"), Method::POST, CHAT, own()).await.0,
            502
        );
    }
    let token = mint(&secret(), "alice", 60, unix_now()).unwrap();
    let mut headers = HeaderMap::new();
    let bearer = HeaderValue::from_str(&format!("Bearer {token}")).unwrap();
    headers.insert(header::AUTHORIZATION, bearer);
    let call_ = Call::parse(&Method::POST, CHAT).unwrap();
    let response = serve(&gw, call_, &headers, Body::from(own().to_string())).await;
    assert_eq!(response.status().as_u16(), 429);
    let retry: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(
        body["detail"]["error"]["type"], "rate_limit_error",
        "{body}"
    );
    assert!(body["detail"]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("at most 2 chat requests per minute"));
}
