//! Hostile schemas: recursion with no way out, huge bounds, exponential fan-out. Each
//! must give an error or a valid answer quickly, never crash, hang or eat memory.

use super::structured_tests::red;
use super::{structured_answer, SchemaError};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// How long any answer may take, in an unoptimised test build on a shared machine
/// (the emulator computes answers off its async workers, with `spawn_blocking`).
const BOUND: Duration = Duration::from_secs(3);

/// The answer for `schema` on a thread with a small stack (like a tokio worker's
/// 2 MiB), with how long it took.
fn answer_on_small_stack(schema: Value) -> (Result<Value, SchemaError>, Duration) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(move || {
            let start = Instant::now();
            let answer = structured_answer(&schema, &red());
            (answer, start.elapsed())
        })
        .expect("spawn a test thread")
        .join()
        .expect("the walker did not panic")
}

/// `schema` is refused quickly with a reason containing `reason`.
fn refused_quickly(schema: Value, reason: &str) {
    let (answer, took) = answer_on_small_stack(schema.clone());
    let e = answer.expect_err("refused");
    assert!(e.to_string().contains(reason), "{e} for {schema}");
    assert!(took < BOUND, "{took:?} for {schema}");
}

#[test]
fn recursion_through_any_of_is_refused() {
    refused_quickly(json!({"anyOf": [{"$ref": "#"}]}), "too recursive");
    refused_quickly(
        json!({"$defs": {"a": {"oneOf": [{"$ref": "#/$defs/a"}, {"type": "null"}]}},
               "type": "object", "properties": {"x": {"$ref": "#/$defs/a"}}, "required": ["x"]}),
        "",
    );
}

#[test]
fn recursion_with_a_way_out_still_answers() {
    let schema = json!({"anyOf": [{"$ref": "#"}, {"type": "null"}]});
    let (answer, took) = answer_on_small_stack(schema);
    // Either an answer (it validates: structured_answer checks) or a refusal.
    if let Err(e) = answer {
        assert!(matches!(e, SchemaError::Unsatisfiable { .. }), "{e:?}");
    }
    assert!(took < BOUND, "{took:?}");
}

#[test]
fn huge_arrays_are_refused() {
    for min in [1_000_000u64, 1_000_000_000, 1_000_000_000_000_000_000] {
        refused_quickly(
            json!({"type": "array", "minItems": min, "items": {"type": "integer"}}),
            "minItems",
        );
    }
    let (answer, _) = answer_on_small_stack(
        json!({"type": "array", "minItems": 1000, "items": {"type": "integer"}}),
    );
    assert_eq!(answer.map(|a| a.as_array().map(Vec::len)), Ok(Some(1000)));
}

#[test]
fn huge_strings_are_refused_and_long_ones_are_quick() {
    for min in [2_000_000u64, 8_000_000] {
        refused_quickly(json!({"type": "string", "minLength": min}), "minLength");
    }
    let (answer, took) = answer_on_small_stack(json!({"type": "string", "minLength": 65536}));
    let text = answer.expect("a 64 KiB string");
    assert!(text.as_str().is_some_and(|s| s.chars().count() >= 65536));
    assert!(took < BOUND, "{took:?}");
}

#[test]
fn ref_fan_out_is_refused() {
    // 8 required properties per level, each the next level: 8^20 leaves in 7 KB.
    let mut defs = serde_json::Map::new();
    for level in 0..20 {
        let next = if level == 19 {
            json!({"type": "integer"})
        } else {
            json!({"$ref": format!("#/$defs/l{}", level + 1)})
        };
        let names: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
        let props: serde_json::Map<String, Value> =
            names.iter().map(|n| (n.clone(), next.clone())).collect();
        defs.insert(
            format!("l{level}"),
            json!({"type": "object", "properties": props, "required": names}),
        );
    }
    let schema = json!({"$defs": defs, "$ref": "#/$defs/l0"});
    refused_quickly(schema, "too large");
}
