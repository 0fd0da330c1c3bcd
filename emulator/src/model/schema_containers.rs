//! Objects and arrays: which properties and how many items, each made by the walker.

use super::place::Place;
use super::structured::{SchemaError, Walker, MAX_ITEMS};
use serde_json::{Map, Value};

impl Walker<'_> {
    /// An object with every required property and, near the top, the optional ones.
    pub(super) fn object(
        &self,
        map: &Map<String, Value>,
        place: &Place,
    ) -> Result<Value, SchemaError> {
        let empty = Map::new();
        let props = map
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let additional = map.get("additionalProperties");
        let closed = matches!(additional, Some(Value::Bool(false)));
        let max = map
            .get("maxProperties")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX) as usize;
        let min = map
            .get("minProperties")
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        let required: Vec<&str> = map
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        for name in &required {
            let v = match props.get(*name) {
                Some(s) => self.value(
                    s,
                    &place
                        .child("properties", Some(name), place.variant)
                        .sub(name),
                )?,
                None if closed => {
                    return Err(place.unsatisfiable(format!(
                        "required property \"{name}\" is not allowed by additionalProperties: false"
                    )))
                }
                None => match additional {
                    Some(s @ Value::Object(_)) => self.value(
                        s,
                        &place.child("additionalProperties", Some(name), place.variant),
                    )?,
                    _ => self.free_value(&place.child("properties", Some(name), place.variant)),
                },
            };
            out.insert((*name).to_string(), v);
        }
        for (name, schema) in props {
            if out.contains_key(name) {
                continue;
            }
            if out.len() >= max || (place.deep() && out.len() >= min) {
                break;
            }
            let child = place
                .child("properties", Some(name), place.variant)
                .sub(name);
            if let Ok(v) = self.value(schema, &child) {
                out.insert(name.clone(), v);
            }
        }
        let mut n = 0;
        while out.len() < min && !closed {
            n += 1;
            let name = format!("extra_{n}");
            let v = match additional {
                Some(s @ Value::Object(_)) => {
                    self.value(s, &place.child("additionalProperties", Some(&name), n))?
                }
                _ => self.free_value(&place.child("properties", Some(&name), n)),
            };
            out.insert(name, v);
        }
        if out.len() < min {
            return Err(place.unsatisfiable(format!(
                "minProperties {min} with only {} properties allowed",
                out.len()
            )));
        }
        Ok(Value::Object(out))
    }

    /// An array of at least `minItems` items (one near the top), tuple items first.
    pub(super) fn array(
        &self,
        map: &Map<String, Value>,
        place: &Place,
    ) -> Result<Value, SchemaError> {
        // 2020-12 `prefixItems` + `items`, or draft-7 `items: [...]` + `additionalItems`.
        let (prefix, prefix_key, rest, rest_key) = match (map.get("prefixItems"), map.get("items"))
        {
            (Some(Value::Array(p)), items) => (p.as_slice(), "prefixItems", items, "items"),
            (_, Some(Value::Array(p))) => (
                p.as_slice(),
                "items",
                map.get("additionalItems"),
                "additionalItems",
            ),
            (_, items) => (&[][..], "prefixItems", items, "items"),
        };
        let min = map.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = map
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX) as usize;
        let wanted = if place.deep() { 0 } else { prefix.len().max(1) };
        let count = wanted.min(max).max(min);
        if count > MAX_ITEMS {
            return Err(place.sub("minItems").unsatisfiable(format!(
                "minItems {min} is more than the {MAX_ITEMS} items the emulator writes"
            )));
        }
        let unique = map
            .get("uniqueItems")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut out: Vec<Value> = Vec::with_capacity(count);
        let mut variant = place.variant;
        let mut tries = 0;
        while out.len() < count {
            let i = out.len();
            let (schema, child) = if i < prefix.len() {
                (
                    &prefix[i],
                    place
                        .child(prefix_key, place.name, variant)
                        .sub(&i.to_string()),
                )
            } else {
                match rest {
                    Some(Value::Bool(false)) => {
                        return Err(place.unsatisfiable(format!(
                            "minItems {min} but only {} items allowed",
                            prefix.len()
                        )))
                    }
                    Some(s) => (s, place.child(rest_key, place.name, variant)),
                    None => (
                        &Value::Bool(true),
                        place.child(rest_key, place.name, variant),
                    ),
                }
            };
            let v = self.value(schema, &child)?;
            if unique && out.contains(&v) {
                // Another variant says the same thing differently ("red #2").
                variant += 1;
                tries += 1;
                if tries > count + 16 {
                    return Err(
                        place.unsatisfiable("uniqueItems: cannot make enough different items")
                    );
                }
                continue;
            }
            out.push(v);
        }
        Ok(Value::Array(out))
    }
}
