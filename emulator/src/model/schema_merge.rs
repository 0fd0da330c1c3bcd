//! `$ref` and `allOf` merged away: one schema object whose keywords say everything
//! the parts say (properties and required unioned, bounds tightened, types and enums
//! intersected, `anyOf`s multiplied out), so the walker sees one set of keywords.

use super::place::Place;
use super::structured::SchemaError;
use serde_json::{Map, Value};

/// A schema with no `$ref` or `allOf` left at its top.
pub(super) struct Flat {
    /// Its keywords.
    pub map: Map<String, Value>,
    /// Its JSON pointer in the root document when it is exactly one subschema there
    /// (nothing was merged), so a validator can check values against it.
    pub path: Option<String>,
}

/// Longest `$ref`/`allOf` chain followed at one place.
const MAX_STEPS: usize = 64;
/// Most branches an `anyOf` may have after two are multiplied out.
const MAX_BRANCHES: usize = 64;

/// `schema` at `place` with its `$ref`s resolved in `root` and its `allOf`s merged.
pub(super) fn flatten(
    root: &Value,
    schema: &Map<String, Value>,
    place: &Place,
) -> Result<Flat, SchemaError> {
    let mut map = schema.clone();
    let mut path = place.path.clone();
    for _ in 0..MAX_STEPS {
        let reference = map
            .remove("$ref")
            .or_else(|| map.remove("$recursiveRef"))
            .or_else(|| map.remove("$dynamicRef"));
        if let Some(reference) = reference {
            let (target, target_path) = resolve(root, &reference, place)?;
            let target = match target {
                Value::Bool(true) => Map::new(),
                Value::Object(t) => t.clone(),
                _ => return Err(place.unsatisfiable(format!("$ref {reference} accepts nothing"))),
            };
            path = if only_annotations(&map) {
                Some(target_path)
            } else {
                None
            };
            map = merge(target, map, place)?;
            continue;
        }
        if let Some(parts) = map.remove("allOf") {
            let Value::Array(parts) = parts else {
                return Err(SchemaError::Invalid {
                    reason: format!("allOf must be an array at {}", place.at),
                });
            };
            for part in parts {
                match part {
                    Value::Bool(true) => {}
                    Value::Object(part) => map = merge(map, part, place)?,
                    _ => return Err(place.unsatisfiable("allOf contains the schema `false`")),
                }
            }
            path = None;
            continue;
        }
        return Ok(Flat { map, path });
    }
    Err(place.unsatisfiable(format!("$ref/allOf chain longer than {MAX_STEPS} steps")))
}

/// Whether `map` says nothing that constrains a value (so a `$ref` beside it is exactly
/// its target).
fn only_annotations(map: &Map<String, Value>) -> bool {
    const ANNOTATIONS: [&str; 7] = [
        "title",
        "description",
        "$comment",
        "examples",
        "default",
        "$defs",
        "definitions",
    ];
    map.keys().all(|k| ANNOTATIONS.contains(&k.as_str()))
}

/// The subschema a local `$ref` (`#`, `#/$defs/...`, `#/definitions/...`, any JSON
/// pointer) names, and its pointer.
fn resolve<'r>(
    root: &'r Value,
    reference: &Value,
    place: &Place,
) -> Result<(&'r Value, String), SchemaError> {
    let unsupported = |what: &str| SchemaError::Unsupported {
        construct: format!("$ref \"{what}\""),
        at: place.at.clone(),
    };
    let Some(text) = reference.as_str() else {
        return Err(unsupported(&reference.to_string()));
    };
    // A reference to the root's own `$id` is local too.
    let own_id = root.get("$id").and_then(Value::as_str).unwrap_or("");
    let local = match text.split_once('#') {
        Some((base, fragment)) if base.is_empty() || base == own_id.trim_end_matches('#') => {
            fragment
        }
        _ => return Err(unsupported(text)),
    };
    if !local.is_empty() && !local.starts_with('/') {
        return Err(unsupported(text)); // a plain-name fragment (`$anchor`)
    }
    let pointer = percent_decode(local);
    root.pointer(&pointer)
        .map(|target| (target, pointer))
        .ok_or_else(|| place.unsatisfiable(format!("$ref \"{text}\" names nothing in the schema")))
}

/// Undoes `%XX` escapes in a URI fragment.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `a` and `b` as one schema: everything both say.
fn merge(
    mut a: Map<String, Value>,
    mut b: Map<String, Value>,
    place: &Place,
) -> Result<Map<String, Value>, SchemaError> {
    close_properties(&mut a, &mut b, place)?;
    close_properties(&mut b, &mut a, place)?;
    for (key, vb) in b {
        let Some(va) = a.remove(&key) else {
            a.insert(key, vb);
            continue;
        };
        let merged = if va == vb {
            va
        } else {
            merge_keyword(&key, va, vb, place)?
        };
        a.insert(key, merged);
    }
    Ok(a)
}

/// When `a` forbids additional properties, `b`'s properties that `a` does not list
/// go (an error if `b` requires one).
fn close_properties(
    a: &mut Map<String, Value>,
    b: &mut Map<String, Value>,
    place: &Place,
) -> Result<(), SchemaError> {
    if a.get("additionalProperties") != Some(&Value::Bool(false)) {
        return Ok(());
    }
    let listed: Vec<String> = a
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    let required = b
        .get("required")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(name) = required
        .iter()
        .filter_map(Value::as_str)
        .find(|n| !listed.iter().any(|l| l == n))
    {
        return Err(place.unsatisfiable(format!(
            "allOf: \"{name}\" is required by one part and forbidden by another's additionalProperties: false"
        )));
    }
    if let Some(Value::Object(props)) = b.get_mut("properties") {
        props.retain(|name, _| listed.contains(name));
    }
    Ok(())
}

/// One keyword both schemas have, with different values.
fn merge_keyword(key: &str, va: Value, vb: Value, place: &Place) -> Result<Value, SchemaError> {
    let num = |v: &Value| v.as_f64();
    Ok(match key {
        "properties" | "patternProperties" | "$defs" | "definitions" | "dependentSchemas" => {
            let (Value::Object(mut pa), Value::Object(pb)) = (va, vb) else {
                return Err(place.unsatisfiable(format!("{key} must be an object")));
            };
            for (name, sb) in pb {
                let merged = match pa.remove(&name) {
                    Some(sa) if sa != sb => Value::Object(Map::from_iter([(
                        "allOf".to_string(),
                        Value::Array(vec![sa, sb]),
                    )])),
                    _ => sb,
                };
                pa.insert(name, merged);
            }
            Value::Object(pa)
        }
        "required" => {
            let mut all = va.as_array().cloned().unwrap_or_default();
            for name in vb.as_array().cloned().unwrap_or_default() {
                if !all.contains(&name) {
                    all.push(name);
                }
            }
            Value::Array(all)
        }
        "type" => {
            let list = |v: &Value| -> Vec<String> {
                match v {
                    Value::String(s) => vec![s.clone()],
                    Value::Array(a) => a
                        .iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect(),
                    _ => Vec::new(),
                }
            };
            let (ta, tb) = (list(&va), list(&vb));
            let both: Vec<Value> = ta
                .iter()
                .filter_map(|t| {
                    if tb.contains(t) {
                        Some(t.clone())
                    } else if t == "integer" && tb.iter().any(|u| u == "number")
                        || t == "number" && tb.iter().any(|u| u == "integer")
                    {
                        Some("integer".to_string())
                    } else {
                        None
                    }
                })
                .map(Value::String)
                .collect();
            if both.is_empty() {
                return Err(place
                    .unsatisfiable(format!("allOf: types {va} and {vb} have nothing in common")));
            }
            Value::Array(both)
        }
        "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties"
        | "minContains"
            if num(&va).is_some() && num(&vb).is_some() =>
        {
            if num(&va) >= num(&vb) {
                va
            } else {
                vb
            }
        }
        "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
        | "maxContains"
            if num(&va).is_some() && num(&vb).is_some() =>
        {
            if num(&va) <= num(&vb) {
                va
            } else {
                vb
            }
        }
        "enum" => {
            let eb = vb.as_array().cloned().unwrap_or_default();
            let both: Vec<Value> = va
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|v| eb.contains(v))
                .collect();
            if both.is_empty() {
                return Err(place.unsatisfiable("allOf: the enums have no value in common"));
            }
            Value::Array(both)
        }
        "anyOf" | "oneOf" => {
            let (Value::Array(xa), Value::Array(xb)) = (va, vb) else {
                return Err(place.unsatisfiable(format!("{key} must be an array")));
            };
            if xa.len() * xb.len() > MAX_BRANCHES {
                return Err(SchemaError::Unsupported {
                    construct: format!(
                        "allOf of two {key}s with {} combinations",
                        xa.len() * xb.len()
                    ),
                    at: place.at.clone(),
                });
            }
            let product = xa
                .iter()
                .flat_map(|x| xb.iter().map(move |y| serde_json::json!({"allOf": [x, y]})))
                .collect();
            Value::Array(product)
        }
        "items" | "additionalProperties" | "additionalItems" | "unevaluatedProperties"
            if va == Value::Bool(true) =>
        {
            vb
        }
        "items" | "additionalProperties" | "additionalItems" | "unevaluatedProperties"
            if vb == Value::Bool(true) =>
        {
            va
        }
        "items" | "additionalProperties" | "additionalItems" | "contains" | "propertyNames"
            if va.is_object() && vb.is_object() =>
        {
            serde_json::json!({"allOf": [va, vb]})
        }
        "additionalProperties" | "items" | "additionalItems" => Value::Bool(false),
        "title" | "description" | "$comment" | "examples" | "default" | "$schema" | "$id" => va,
        _ => {
            return Err(SchemaError::Unsupported {
                construct: format!("allOf with two different \"{key}\" ({va} and {vb})"),
                at: place.at.clone(),
            })
        }
    })
}
