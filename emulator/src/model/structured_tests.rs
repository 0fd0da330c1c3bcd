//! Structured answers for real-world schemas, each checked by the `jsonschema`
//! validator (formats included), plus what the answers say and the schemas refused.

use super::{check_schema, structured_answer, Observation, SchemaError};
use serde_json::{json, Value};

/// A red clip (the fixture the model's tests share).
pub(super) fn red() -> Observation {
    Observation {
        colour: "red",
        rgb: [230, 20, 20],
        frames: 15,
        width: 640,
        height: 480,
    }
}

/// The answer to `schema` for red frames, after checking it validates.
fn valid_answer(name: &str, schema: &Value) -> Value {
    let answer = match structured_answer(schema, &red()) {
        Ok(a) => a,
        Err(e) => panic!("{name}: no answer: {e}"),
    };
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("{name}: the test schema is invalid: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(&answer)
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{name}: {answer} does not validate: {errors:?}"
    );
    answer
}

/// One schema: its name, the schema, and what the answer must hold at JSON pointers.
type Case = (&'static str, Value, Vec<(&'static str, Value)>);

/// Real-world schemas.
fn table() -> Vec<Case> {
    vec![
        (
            "openai strict colour report",
            json!({
                "type": "object", "additionalProperties": false,
                "properties": {
                    "colour": {"type": "string"}, "frames": {"type": "integer"},
                    "width": {"type": "integer"}, "height": {"type": "integer"}
                },
                "required": ["colour", "frames", "width", "height"]
            }),
            vec![
                ("/colour", json!("red")),
                ("/frames", json!(15)),
                ("/width", json!(640)),
                ("/height", json!(480)),
            ],
        ),
        (
            "openai math reasoning (array of step objects)",
            json!({
                "type": "object", "additionalProperties": false,
                "properties": {
                    "steps": {"type": "array", "items": {
                        "type": "object", "additionalProperties": false,
                        "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
                        "required": ["explanation", "output"]}},
                    "final_answer": {"type": "string"}
                },
                "required": ["steps", "final_answer"]
            }),
            vec![],
        ),
        (
            "enum of colours picks the seen one",
            json!({
                "type": "object",
                "properties": {"color": {"type": "string", "enum": ["blue", "green", "red", "other"]}},
                "required": ["color"]
            }),
            vec![("/color", json!("red"))],
        ),
        (
            "enum without the colour, const",
            json!({
                "type": "object", "additionalProperties": false,
                "properties": {"mood": {"enum": ["calm", "busy"]}, "version": {"const": 2}},
                "required": ["mood", "version"]
            }),
            vec![("/mood", json!("calm")), ("/version", json!(2))],
        ),
        (
            "nullable types, openai style",
            json!({
                "type": "object", "additionalProperties": false,
                "properties": {
                    "label": {"type": ["string", "null"]},
                    "count": {"type": ["integer", "null"]},
                    "note": {"anyOf": [{"type": "string"}, {"type": "null"}]}
                },
                "required": ["label", "count", "note"]
            }),
            vec![("/label", json!("red")), ("/count", json!(15))],
        ),
        (
            "numeric bounds and multipleOf",
            json!({
                "type": "object",
                "properties": {
                    "frames": {"type": "integer", "minimum": 20, "maximum": 30, "multipleOf": 4},
                    "confidence": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                    "ratio": {"type": "number", "exclusiveMinimum": 100, "multipleOf": 0.1},
                    "tiny": {"type": "integer", "maximum": 3},
                    "legacy": {"type": "number", "minimum": 5, "exclusiveMinimum": 40}
                },
                "required": ["frames", "confidence", "ratio", "tiny", "legacy"]
            }),
            vec![("/frames", json!(20)), ("/tiny", json!(3))],
        ),
        (
            "formats",
            json!({
                "type": "object",
                "properties": {
                    "seen_at": {"type": "string", "format": "date-time"},
                    "day": {"type": "string", "format": "date"},
                    "contact": {"type": "string", "format": "email"},
                    "link": {"type": "string", "format": "uri"},
                    "id": {"type": "string", "format": "uuid"},
                    "host": {"type": "string", "format": "hostname"},
                    "ip": {"type": "string", "format": "ipv4"}
                },
                "required": ["seen_at", "day", "contact", "link", "id", "host", "ip"]
            }),
            vec![],
        ),
        (
            "string lengths and patterns",
            json!({
                "type": "object",
                "properties": {
                    "short": {"type": "string", "maxLength": 2},
                    "long": {"type": "string", "minLength": 80},
                    "code": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
                    "hex": {"type": "string", "pattern": "^#[0-9a-f]{6}$"},
                    "colour_word": {"type": "string", "pattern": "^[a-z]+$"},
                    "word": {"type": "string", "pattern": "^\\w{12}$"},
                    "mail": {"type": "string", "pattern": "^[\\w.-]+@\\w+\\.com$", "maxLength": 40},
                    "spaced": {"type": "string", "pattern": "^\\d{3}\\s\\S+$"}
                },
                "required": ["short", "long", "code", "hex", "colour_word", "word", "mail", "spaced"]
            }),
            vec![("/colour_word", json!("red"))],
        ),
        (
            "$defs with bounded recursion (a tree)",
            json!({
                "$defs": {"node": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                    "required": ["name", "children"]}},
                "$ref": "#/$defs/node"
            }),
            vec![("/name", json!("red"))],
        ),
        (
            "recursion through the root and anyOf null (linked list)",
            json!({
                "type": "object",
                "properties": {"value": {"type": "string"}, "next": {"anyOf": [{"$ref": "#"}, {"type": "null"}]}},
                "required": ["value", "next"], "additionalProperties": false
            }),
            vec![("/value", json!("red"))],
        ),
        (
            "draft-7 definitions",
            json!({
                "$schema": "http://json-schema.org/draft-07/schema#",
                "definitions": {"box": {"type": "object", "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["width", "height"]}},
                "type": "object",
                "properties": {"frame": {"$ref": "#/definitions/box"}, "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}], "minItems": 2}},
                "required": ["frame", "pair"]
            }),
            vec![("/frame/width", json!(640)), ("/frame/height", json!(480))],
        ),
        (
            "allOf merges",
            json!({
                "allOf": [
                    {"type": "object", "properties": {"colour": {"type": "string"}}, "required": ["colour"]},
                    {"properties": {"frames": {"type": "integer", "minimum": 1}}, "required": ["frames"]},
                    {"properties": {"frames": {"maximum": 10}}}
                ]
            }),
            vec![("/colour", json!("red")), ("/frames", json!(10))],
        ),
        (
            "oneOf picks a branch only it accepts",
            json!({
                "type": "object",
                "properties": {"value": {"oneOf": [{"type": "number"}, {"type": "integer"}, {"type": "string"}]}},
                "required": ["value"]
            }),
            vec![],
        ),
        (
            "oneOf inside an allOf (no pointer to check branches by)",
            json!({
                "allOf": [
                    {"type": "object", "properties": {"size": {"oneOf": [{"type": "integer", "maximum": 100}, {"type": "string"}]}}, "required": ["size"]},
                    {"properties": {"size": {"description": "how big"}}}
                ]
            }),
            vec![("/size", json!(15))],
        ),
        (
            "arrays: minItems, maxItems, uniqueItems",
            json!({
                "type": "object",
                "properties": {
                    "colors": {"type": "array", "items": {"type": "string"}, "minItems": 3, "uniqueItems": true},
                    "none": {"type": "array", "items": {"type": "integer"}, "maxItems": 0},
                    "objects": {"type": "array", "minItems": 2, "items": {"type": "object", "properties": {"label": {"type": "string"}, "confidence": {"type": "number", "minimum": 0, "maximum": 1}}, "required": ["label", "confidence"]}}
                },
                "required": ["colors", "none", "objects"]
            }),
            vec![
                ("/colors/0", json!("red")),
                ("/objects/0/label", json!("red")),
            ],
        ),
        (
            "booleans by name",
            json!({
                "type": "object",
                "properties": {"is_red": {"type": "boolean"}, "is_blue": {"type": "boolean"}, "visible": {"type": "boolean"}},
                "required": ["is_red", "is_blue", "visible"]
            }),
            vec![
                ("/is_red", json!(true)),
                ("/is_blue", json!(false)),
                ("/visible", json!(true)),
            ],
        ),
        (
            "top-level string, and a bare `true` schema",
            json!({"type": "string", "minLength": 1}),
            vec![],
        ),
        (
            "minProperties with additionalProperties",
            json!({
                "type": "object", "minProperties": 3, "additionalProperties": {"type": "integer"},
                "properties": {"frames": {"type": "integer"}}
            }),
            vec![("/frames", json!(15))],
        ),
        (
            "nested objects (a moderation-style report)",
            json!({
                "type": "object", "additionalProperties": false,
                "properties": {
                    "scene": {"type": "object", "additionalProperties": false,
                        "properties": {"description": {"type": "string", "maxLength": 200}, "dominant_color": {"type": "string", "enum": ["red", "green", "blue"]},
                            "size": {"type": "object", "additionalProperties": false, "properties": {"width": {"type": "integer"}, "height": {"type": "integer"}}, "required": ["width", "height"]}},
                        "required": ["description", "dominant_color", "size"]},
                    "flagged": {"type": "boolean"},
                    "timestamp": {"type": "string", "format": "date-time"}
                },
                "required": ["scene", "flagged", "timestamp"]
            }),
            vec![
                ("/scene/dominant_color", json!("red")),
                ("/scene/size/width", json!(640)),
            ],
        ),
    ]
}

#[test]
fn every_answer_validates_and_says_what_the_frames_show() {
    let table = table();
    assert!(table.len() >= 15);
    for (name, schema, expected) in table {
        let answer = valid_answer(name, &schema);
        for (pointer, want) in expected {
            assert_eq!(
                answer.pointer(pointer),
                Some(&want),
                "{name}: {pointer} in {answer}"
            );
        }
    }
    valid_answer("true", &json!(true));
    let text = valid_answer(
        "description",
        &json!({"type": "object", "properties": {"description": {"type": "string"}}, "required": ["description"]}),
    );
    assert_eq!(
        text["description"],
        "red: mean RGB (230, 20, 20) over 15 frames at 640x480"
    );
}

#[test]
fn the_answer_follows_the_frames() {
    let schema = json!({"type": "object", "properties": {"colour": {"type": "string", "enum": ["red", "green"]}}, "required": ["colour"]});
    let green = Observation {
        colour: "green",
        rgb: [0, 250, 0],
        ..red()
    };
    assert_eq!(
        structured_answer(&schema, &green).ok(),
        Some(json!({"colour": "green"}))
    );
    assert_eq!(
        structured_answer(&schema, &red()).ok(),
        Some(json!({"colour": "red"}))
    );
}

/// The error for `schema`, which must name `words`.
fn refused(schema: Value, words: &str) -> SchemaError {
    let error = match structured_answer(&schema, &red()) {
        Ok(a) => panic!("{schema} answered {a}"),
        Err(e) => e,
    };
    assert!(
        error.to_string().contains(words),
        "{error} should mention {words}"
    );
    assert!(check_schema(&schema).is_err());
    error
}

#[test]
fn unanswerable_schemas_are_errors_that_name_the_construct() {
    let e = refused(
        json!({"type": "object", "properties": {"a": {"$ref": "https://example.com/other.json#/x"}}}),
        "https://example.com/other.json",
    );
    assert!(
        matches!(e, SchemaError::Unsupported { ref at, .. } if at == "/properties/a"),
        "{e:?}"
    );
    let e = refused(
        json!({"type": "object", "properties": {"a": {"$ref": "#anchor"}}, "required": ["a"], "$defs": {"x": {"$anchor": "anchor"}}}),
        "#anchor",
    );
    assert!(matches!(e, SchemaError::Unsupported { .. }), "{e:?}");
    refused(
        json!({"type": "object", "properties": {"a": {"$ref": "#/$defs/missing"}}, "required": ["a"]}),
        "#/$defs/missing",
    );
    refused(json!({"type": "string", "pattern": "^(?=x)y$"}), "pattern");
    refused(
        json!({"type": "integer", "minimum": 3, "maximum": 2}),
        "between 3 and 2",
    );
    refused(
        json!({"type": "object", "additionalProperties": false, "required": ["x"]}),
        "\"x\"",
    );
    refused(
        json!({"$defs": {"n": {"type": "object", "properties": {"n": {"$ref": "#/$defs/n"}}, "required": ["n"]}}, "$ref": "#/$defs/n"}),
        "recurses",
    );
    refused(
        json!({"allOf": [{"type": "string"}, {"type": "integer"}]}),
        "nothing in common",
    );
    refused(
        json!({"type": "string", "minLength": 5, "maxLength": 2}),
        "minLength",
    );
    let e = refused(json!({"type": 5}), "invalid");
    assert!(matches!(e, SchemaError::Invalid { .. }), "{e:?}");
    refused(json!(false), "false");
}
