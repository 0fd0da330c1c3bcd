//! Which JSON type to answer with: the schema's `type` ordered by what fits here,
//! or the type its other keywords (or the property name) imply.

use super::place::Place;
use super::schema_merge::{flatten, Flat};
use serde_json::{Map, Value};

/// The types to try, in order of preference: those the schema names (non-null
/// first near the top, null first deep down, the kind the property name suggests
/// before the others), or the one its keywords imply.
pub(super) fn types<'m>(map: &'m Map<String, Value>, place: &Place) -> Vec<&'m str> {
    let mut named: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return vec![implied_type(map, place.name)],
    };
    let preferred = super::schema_scalars::kind_for_name(place.name);
    named.sort_by_key(|t| *t != preferred);
    named.sort_by_key(|t| (*t == "null") != place.deep());
    named
}

/// The type a schema without `type` implies by its keywords (or its property name).
pub(super) fn implied_type(map: &Map<String, Value>, name: Option<&str>) -> &'static str {
    let has = |keys: &[&str]| keys.iter().any(|k| map.contains_key(*k));
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
    ]) {
        "object"
    } else if has(&[
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "contains",
        "uniqueItems",
    ]) {
        "array"
    } else if has(&["minLength", "maxLength", "pattern", "format"]) {
        "string"
    } else if has(&[
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ]) {
        "number"
    } else {
        super::schema_scalars::kind_for_name(name)
    }
}

/// Whether `v` is of one of the `allowed` types (anything, when none is named).
pub(super) fn type_matches(v: &Value, allowed: &[&str]) -> bool {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    allowed.is_empty()
        || allowed.contains(&kind)
        || (kind == "integer" && allowed.contains(&"number"))
}

/// How much a branch adds: 0 for null, then scalars, arrays, objects; a branch that
/// does not resolve last. Deep in the answer the lightest branch ends recursion.
pub(super) fn branch_weight(root: &Value, branch: &Value, place: &Place) -> u8 {
    let Value::Object(map) = branch else { return 2 };
    let Ok(Flat { map, .. }) = flatten(root, map, place) else {
        return 9;
    };
    let kinds: Vec<&str> = match map.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![implied_type(&map, None)],
    };
    kinds
        .iter()
        .map(|k| match *k {
            "null" => 0,
            "object" => 4,
            "array" => 3,
            _ => 2,
        })
        .min()
        .unwrap_or(2)
}
