//! The shared v1beta conformance cases (`protocol/tests/fixtures/v1beta/chat_cases.json`)
//! through the emulator's request check: every verdict becomes the answer the docs
//! give (`422` naming the field, or the reference's chat code at its status).

use serde_json::Value;

use super::checked_request;
use crate::v1beta::config::Config;
use crate::v1beta::http::V1Error;
use overshoot_protocol::v1beta::errors::ChatErrorCode;

#[test]
fn every_shared_case_gets_its_documented_answer() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/tests/fixtures/v1beta/chat_cases.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let fixture: Value = serde_json::from_str(&text).unwrap_or_default();
    let cases = fixture["cases"].as_array().cloned().unwrap_or_default();
    assert!(cases.len() >= 20, "the fixture has its cases");
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let verdict = case["verdict"].as_str().unwrap_or_default();
        let body = case["request"].to_string();
        let got = checked_request(&body, &Config::default());
        match (verdict, case["code"].as_str(), got) {
            ("ok", _, Ok(_)) => {}
            (field, None, Err(V1Error::Validation { loc, .. })) => {
                let expected: Vec<String> = std::iter::once("body")
                    .chain(field.split(['.', '[', ']']).filter(|p| !p.is_empty()))
                    .map(str::to_string)
                    .collect();
                assert_eq!(loc, expected, "{name}");
            }
            (
                _,
                Some(code),
                Err(V1Error::Chat {
                    status, code: got, ..
                }),
            ) => {
                assert_eq!(got, code, "{name}");
                let documented = ChatErrorCode::parse(code).map(ChatErrorCode::status);
                assert_eq!(Some(status.as_u16()), documented, "{name}");
            }
            (_, _, other) => panic!("{name}: verdict {verdict}, got {other:?}"),
        }
    }
}
