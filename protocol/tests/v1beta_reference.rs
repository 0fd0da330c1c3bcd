//! The `ovs://` grammar (§9): builder output, parser rules and round trips.

use overshoot_protocol::v1beta::errors::ChatErrorCode;
use overshoot_protocol::v1beta::reference::*;

const ID: &str = "2ea5a604-d225-4cd2-82ac-b907cb0b4f63";

fn frame_err(url: &str) -> ChatErrorCode {
    FrameRef::parse(url).unwrap_err().code
}

fn clip_err(url: &str) -> ChatErrorCode {
    ClipRef::parse(url).unwrap_err().code
}

#[test]
fn builders_write_the_documented_queries() {
    assert_eq!(
        FrameRef::latest(ID).to_url(),
        format!("ovs://streams/{ID}?frame_index=-1")
    );
    assert_eq!(
        ClipRef::last_seconds(ID, 5.0, 2.0).to_url(),
        format!("ovs://streams/{ID}?start_offset_ms=-5000&max_fps=2")
    );
    assert_eq!(
        ClipRef::last_seconds(ID, 0.5, 6.0).to_url(),
        format!("ovs://streams/{ID}?start_offset_ms=-500&max_fps=6")
    );
    assert_eq!(
        ClipRef::last_seconds(ID, 2.0, 0.25).to_url(),
        format!("ovs://streams/{ID}?start_offset_ms=-2000&max_fps=0.25")
    );
}

#[test]
fn every_documented_example_parses() {
    let f = FrameRef::parse("ovs://streams/s?timestamp_ms=12000&tolerance_ms=250").unwrap();
    assert_eq!(f.anchor, Anchor::TimestampMs(12000));
    assert_eq!(f.tolerance_ms, Some(250));
    let f = FrameRef::parse("ovs://streams/s?offset_ms=-5000&direction=backward").unwrap();
    assert_eq!(
        (f.anchor, f.direction),
        (Anchor::OffsetMs(-5000), Some(Direction::Backward))
    );
    let c = ClipRef::parse("ovs://streams/s?start_offset_ms=-10000&end_offset_ms=0").unwrap();
    assert_eq!(
        (c.start, c.end),
        (Anchor::OffsetMs(-10000), Some(Anchor::OffsetMs(0)))
    );
    let c =
        ClipRef::parse("ovs://streams/s?start_timestamp_ms=10000&end_timestamp_ms=15000&max_fps=4")
            .unwrap();
    assert_eq!(c.max_fps, Some(4.0));
    let c = ClipRef::parse("ovs://streams/s?start_offset_ms=-30000&end_frame_index=523").unwrap();
    assert_eq!(c.end, Some(Anchor::FrameIndex(523)));
    let c = ClipRef::parse("ovs://streams/s?start_frame_index=-30").unwrap();
    assert_eq!(
        (c.start, c.end, c.max_fps),
        (Anchor::FrameIndex(-30), None, None)
    );
}

#[test]
fn references_round_trip() {
    let frames = [
        FrameRef::latest(ID),
        FrameRef {
            stream_id: ID.into(),
            anchor: Anchor::OffsetMs(-250),
            tolerance_ms: Some(40),
            direction: Some(Direction::Forward),
        },
        FrameRef {
            stream_id: "odd id/é".into(),
            anchor: Anchor::TimestampMs(0),
            tolerance_ms: None,
            direction: Some(Direction::Nearest),
        },
    ];
    for f in frames {
        assert_eq!(FrameRef::parse(&f.to_url()).unwrap(), f);
    }
    let clips = [
        ClipRef::last_seconds(ID, 3.0, 1.5),
        ClipRef {
            stream_id: ID.into(),
            start: Anchor::TimestampMs(10_000),
            end: Some(Anchor::FrameIndex(523)),
            max_fps: None,
        },
    ];
    for c in clips {
        assert_eq!(ClipRef::parse(&c.to_url()).unwrap(), c);
    }
}

#[test]
fn bad_shapes_are_stream_url_invalid() {
    for url in [
        "ovs://stream/s?frame_index=-1",
        "ovs://streams/?frame_index=-1",
        "ovs://streams/a/b?frame_index=-1",
        "ovs://streams/s?frame_index=-1#x",
        "ovs://streams/%zz?frame_index=-1",
        "https://example.com/x.jpg",
    ] {
        assert_eq!(frame_err(url), ChatErrorCode::StreamUrlInvalid, "{url}");
    }
    assert!(is_ovs("OVS://streams/s?frame_index=1"));
    assert!(!is_ovs("data:image/png;base64,AAAA"));
}

#[test]
fn malformed_queries_are_query_param_invalid() {
    for url in [
        "ovs://streams/s",
        "ovs://streams/s?",
        "ovs://streams/s?frame_index=1&frame_index=2",
        "ovs://streams/s?frame_index=1&timestamp_ms=2",
        "ovs://streams/s?tolerance_ms=100",
        "ovs://streams/s?frame_index=1&colour=red",
        "ovs://streams/s?frame_index=one",
        "ovs://streams/s?frame_index=1.5",
        "ovs://streams/s?frame_index",
        "ovs://streams/s?frame_index=1&",
        "ovs://streams/s?frame_index=1&tolerance_ms=0",
        "ovs://streams/s?frame_index=1&tolerance_ms=-5",
        "ovs://streams/s?frame_index=1&direction=sideways",
        "ovs://streams/s?start_offset_ms=-5000",
    ] {
        assert_eq!(frame_err(url), ChatErrorCode::QueryParamInvalid, "{url}");
    }
    for url in [
        "ovs://streams/s?end_offset_ms=0",
        "ovs://streams/s?start_offset_ms=-1&start_frame_index=3",
        "ovs://streams/s?start_offset_ms=-1&end_offset_ms=0&end_frame_index=3",
        "ovs://streams/s?start_offset_ms=-1&max_fps=0",
        "ovs://streams/s?start_offset_ms=-1&max_fps=-2",
        "ovs://streams/s?start_offset_ms=-1&max_fps=NaN",
        "ovs://streams/s?start_offset_ms=-1&max_fps=inf",
        "ovs://streams/s?start_offset_ms=-1&tolerance_ms=5",
        "ovs://streams/s?start_colour=1",
        "ovs://streams/s?frame_index=-1",
    ] {
        assert_eq!(clip_err(url), ChatErrorCode::QueryParamInvalid, "{url}");
    }
}

#[test]
fn errors_name_the_parameter() {
    let e = FrameRef::parse("ovs://streams/s?frame_index=1&frame_index=2").unwrap_err();
    assert_eq!(
        e.to_string(),
        "query_param_invalid: frame_index: duplicated"
    );
    let e = ClipRef::parse("ovs://streams/s?start_offset_ms=-1&max_fps=0").unwrap_err();
    assert!(e.message.starts_with("max_fps:"), "{e}");
}

#[test]
fn a_tiny_clip_still_counts_back_from_the_live_edge() {
    assert_eq!(
        ClipRef::last_seconds("s", 0.0001, 1.0).start,
        Anchor::OffsetMs(-1)
    );
}

#[test]
fn the_stream_of_any_ovs_url_is_read_by_the_same_grammar() {
    assert_eq!(
        stream_id_of(&format!("ovs://streams/{ID}?frame_index=-1")),
        Ok(ID.to_string())
    );
    assert_eq!(stream_id_of("OVS://streams/a%20b?x=1"), Ok("a b".into()));
    assert_eq!(stream_id_of("ovs://streams/s1"), Ok("s1".into()));
    assert_eq!(
        stream_id_of("ovs://streams/s1?not-a-pair&frame_index=1&frame_index=2"),
        Ok("s1".into()),
        "the query is the part parser's business"
    );
    for bad in [
        "ovs://stream/s1?frame_index=-1",
        "ovs://streams/?x=1",
        "ovs://streams/a/b?x=1",
        "https://x/streams/s1",
    ] {
        assert_eq!(
            stream_id_of(bad).unwrap_err().code,
            ChatErrorCode::StreamUrlInvalid,
            "{bad}"
        );
    }
}

#[test]
fn a_reference_is_read_as_a_url_parser_reads_it() {
    use overshoot_protocol::v1beta::reference::{mentions_ovs, normalize_url};
    for url in [
        " ovs://streams/v?frame_index=-1",
        "\tovs://streams/v?frame_index=-1",
        "ovs:\n//streams/v?frame_index=-1",
        "\u{0}OVS://streams/v?frame_index=-1\u{1f} ",
        "Ovs://streams/v?frame_index=-1\r\n",
    ] {
        assert!(is_ovs(url), "{url:?}");
        assert_eq!(FrameRef::parse(url).unwrap().stream_id, "v", "{url:?}");
        assert_eq!(stream_id_of(url), Ok("v".into()), "{url:?}");
        assert!(mentions_ovs(url), "{url:?}");
    }
    let clip = "\t ovs://streams/v?start_offset_ms=-1000\n";
    assert_eq!(ClipRef::parse(clip).unwrap().stream_id, "v");
    assert_eq!(normalize_url(" a\tb\nc "), "abc");
    assert!(!is_ovs("https://example.com/ovs://x"));
    assert!(mentions_ovs("https://example.com/OVS:x"));
    assert!(!mentions_ovs("ovs is a word"));
    assert!(!mentions_ovs(""));
}

#[test]
fn a_broken_percent_escape_in_the_id_is_refused() {
    for bad in [
        "ovs://streams/%+1?frame_index=1",
        "ovs://streams/%-1?frame_index=1",
        "ovs://streams/%1?frame_index=1",
        "ovs://streams/%zz?frame_index=1",
    ] {
        assert_eq!(
            stream_id_of(bad).unwrap_err().code,
            ChatErrorCode::StreamUrlInvalid,
            "{bad}"
        );
    }
    assert_eq!(stream_id_of("ovs://streams/%2b1?x"), Ok("+1".into()));
}

#[test]
fn media_parts_are_references_in_every_form_a_url_parser_reads() {
    use overshoot_protocol::v1beta::chat::{ChatRequest, ContentPart, MediaUrl};
    use overshoot_protocol::v1beta::media::MediaPart;
    let image = |url: &str| ContentPart::ImageUrl {
        image_url: MediaUrl { url: url.into() },
    };
    let urls = [
        " ovs://streams/a?frame_index=-1",
        "OVS://streams/b?frame_index=-1",
        "ovs:\n//streams/a?frame_index=-2",
        "https://example.com/x.jpg",
    ];
    for url in &urls[..3] {
        assert!(matches!(
            MediaPart::of(&image(url)),
            Some(Ok(MediaPart::Frame(_)))
        ));
    }
    assert_eq!(
        MediaPart::of(&image(urls[3])),
        Some(Ok(MediaPart::External { video: false }))
    );
    let parts: Vec<_> = urls
        .iter()
        .map(|url| serde_json::json!({"type": "image_url", "image_url": {"url": url}}))
        .collect();
    let request: ChatRequest<serde_json::Value> = serde_json::from_value(serde_json::json!({
        "model": "m",
        "messages": [{"role": "user", "content": parts}],
    }))
    .unwrap();
    assert_eq!(request.referenced_streams().unwrap(), vec!["a", "b"]);
    let bad = image("\tovs://streams/a?frame_index=1&frame_index=1");
    assert_eq!(
        MediaPart::of(&bad).unwrap().unwrap_err().code,
        ChatErrorCode::QueryParamInvalid
    );
}
