//! The shared conformance cases (`tests/conformance/cases.json`) against the rule
//! table itself. The same file runs against the browser client and the emulator in
//! `tests/e2e/conformance.test.mjs`.

use overshoot_protocol::{validate_request, CreateStreamRequest};
use serde_json::Value;

#[test]
fn every_conformance_case_gets_its_verdict() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/conformance/cases.json"
    );
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("$OFFER", "v=0");
    let file: Value = serde_json::from_str(&text).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for case in cases {
        let request: CreateStreamRequest<Value> =
            serde_json::from_value(case["request"].clone()).unwrap();
        let verdict = match validate_request(&request) {
            Ok(()) => "ok".to_string(),
            Err(e) => e.field,
        };
        assert_eq!(
            verdict,
            case["verdict"].as_str().unwrap(),
            "case {}",
            case["name"]
        );
    }
}
