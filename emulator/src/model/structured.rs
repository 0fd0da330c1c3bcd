//! Structured answers: JSON that validates against the app's JSON Schema, filled with
//! what the frames show. The schema is walked once per answer: `$ref` and `allOf` are
//! merged away ([`super::schema_merge`]), `anyOf`/`oneOf` try their branches in turn,
//! objects get every required property (and the optional ones near the top), scalars
//! come from [`super::schema_scalars`]. Choices that only a validator can settle
//! (`oneOf` exclusivity, enum values under other keywords) and the whole answer are
//! checked with the `jsonschema` crate, so a schema the emulator cannot satisfy gives a
//! [`SchemaError`], never JSON that does not validate.

use super::place::{Place, MAX_DEPTH};
use super::schema_merge::{flatten, Flat};
use super::schema_scalars::{boolean, number, string};
use super::schema_types::{branch_weight, type_matches, types};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;

/// Most walker steps (values made, branches weighed) one answer may take: a schema
/// that fans out or recurses past this is refused, so every answer is quick.
const WORK_BUDGET: usize = 10_000;
/// Most `value` calls nested inside each other (`anyOf`/`$ref` loops stay at one
/// answer depth, so [`MAX_DEPTH`] alone does not end them); keeps the stack small.
const MAX_NESTING: usize = 128;
/// Most items the emulator puts in one array (`minItems` above this is refused).
pub(super) const MAX_ITEMS: usize = 1_000;
/// Longest string the emulator writes, in characters (`minLength` above is refused).
pub(super) const MAX_STRING: usize = 64 * 1024;

/// What the referenced frames show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// The nearest palette name of the mean colour (e.g. `"red"`).
    pub colour: &'static str,
    /// The mean colour of the frames.
    pub rgb: [u8; 3],
    /// How many frames were seen.
    pub frames: usize,
    /// Width of the frames in pixels.
    pub width: u32,
    /// Height of the frames in pixels.
    pub height: u32,
}

/// Why no answer validates against a schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaError {
    /// The schema is not a JSON Schema the validator accepts.
    Invalid {
        /// The validator's complaint.
        reason: String,
    },
    /// A construct the emulator cannot answer (e.g. a `$ref` to another document).
    Unsupported {
        /// The construct, as written in the schema.
        construct: String,
        /// JSON pointer into the schema where it is.
        at: String,
    },
    /// The emulator found no value that satisfies this part of the schema (e.g. a
    /// `pattern` no candidate matches, or recursion with no way out).
    Unsatisfiable {
        /// What could not be satisfied.
        reason: String,
        /// JSON pointer into the schema where it is.
        at: String,
    },
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SchemaError::Invalid { reason } => write!(f, "invalid JSON Schema: {reason}"),
            SchemaError::Unsupported { construct, at } => {
                write!(
                    f,
                    "unsupported JSON Schema construct {construct} at {}",
                    ptr(at)
                )
            }
            SchemaError::Unsatisfiable { reason, at } => {
                write!(f, "cannot satisfy the JSON Schema at {}: {reason}", ptr(at))
            }
        }
    }
}

impl std::error::Error for SchemaError {}

pub(super) fn ptr(at: &str) -> &str {
    if at.is_empty() {
        "#"
    } else {
        at
    }
}

/// An answer to `schema` saying what `seen` shows; it validates against `schema`.
pub fn structured_answer(schema: &Value, seen: &Observation) -> Result<Value, SchemaError> {
    if let Some((reference, at)) = external_ref(schema, schema, "") {
        return Err(SchemaError::Unsupported {
            construct: format!("$ref \"{reference}\" (another document)"),
            at,
        });
    }
    let validators = jsonschema::options()
        .should_validate_formats(true)
        .build_map(schema)
        .map_err(|e| SchemaError::Invalid {
            reason: e.to_string(),
        })?;
    let walker = Walker {
        root: schema,
        seen,
        validators: &validators,
        budget: Cell::new(WORK_BUDGET),
        nesting: Cell::new(0),
    };
    let answer = walker.value(schema, &Place::root())?;
    if let Some(root) = validators.get("#") {
        if let Some(e) = root.iter_errors(&answer).next() {
            return Err(SchemaError::Unsatisfiable {
                reason: format!("the best answer found does not validate ({e})"),
                at: e.schema_path().to_string(),
            });
        }
    }
    Ok(answer)
}

/// The first `$ref` in `schema` that names another document (not a `#` fragment of
/// this one or of its `$id`), with its pointer: the emulator fetches nothing.
fn external_ref(root: &Value, schema: &Value, at: &str) -> Option<(String, String)> {
    let own_id = root.get("$id").and_then(Value::as_str).unwrap_or("");
    match schema {
        Value::Object(map) => map.iter().find_map(|(key, v)| match (key.as_str(), v) {
            ("$ref" | "$dynamicRef" | "$recursiveRef", Value::String(r)) => {
                let base = r.split_once('#').map_or(r.as_str(), |(base, _)| base);
                let local = base.is_empty() || base == own_id.trim_end_matches('#');
                (!local).then(|| (r.clone(), at.to_string()))
            }
            ("enum" | "const" | "default" | "examples", _) => None,
            _ => external_ref(
                root,
                v,
                &format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
            ),
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| external_ref(root, v, &format!("{at}/{i}"))),
        _ => None,
    }
}

/// Makes values for the subschemas of one root schema.
pub(super) struct Walker<'a> {
    /// The whole schema (`$ref`s resolve in it).
    pub root: &'a Value,
    /// What to say.
    pub seen: &'a Observation,
    /// The root's subschemas compiled, by pointer.
    pub validators: &'a jsonschema::ValidatorMap,
    /// Steps left before the schema is refused as too large or too recursive.
    pub budget: Cell<usize>,
    /// `value` calls currently nested.
    pub nesting: Cell<usize>,
}

impl Walker<'_> {
    /// Whether `v` validates against the root's subschema at `path` (true when that
    /// subschema has no validator of its own to ask).
    pub(super) fn accepts(&self, path: Option<&str>, v: &Value) -> bool {
        self.known_to_accept(path, v) != Some(false)
    }

    /// Whether `v` validates against the root's subschema at `path`, if that
    /// subschema has a validator of its own (it has none inside a merged schema).
    fn known_to_accept(&self, path: Option<&str>, v: &Value) -> Option<bool> {
        path.and_then(|p| self.validators.get(&format!("#{p}")))
            .map(|validator| validator.is_valid(v))
    }

    /// Takes one step from the budget; an error once it is spent.
    pub(super) fn spend(&self, place: &Place) -> Result<(), SchemaError> {
        let left = self.budget.get();
        if left == 0 {
            return Err(too_much(place));
        }
        self.budget.set(left - 1);
        Ok(())
    }

    /// A value for `schema` at `place`.
    pub(super) fn value(&self, schema: &Value, place: &Place) -> Result<Value, SchemaError> {
        self.spend(place)?;
        if self.nesting.get() >= MAX_NESTING {
            return Err(too_much(place));
        }
        self.nesting.set(self.nesting.get() + 1);
        let made = self.value_nested(schema, place);
        self.nesting.set(self.nesting.get() - 1);
        made
    }

    /// [`Walker::value`] once the budget is checked.
    fn value_nested(&self, schema: &Value, place: &Place) -> Result<Value, SchemaError> {
        if place.depth > MAX_DEPTH {
            return Err(place.unsatisfiable(format!(
                "the schema recurses deeper than {MAX_DEPTH} levels with no way out"
            )));
        }
        let map = match schema {
            Value::Bool(true) => return Ok(self.free_value(place)),
            Value::Bool(false) => {
                return Err(place.unsatisfiable("the schema `false` accepts nothing"))
            }
            Value::Object(map) => map,
            _ => {
                return Err(SchemaError::Invalid {
                    reason: format!(
                        "a schema must be an object or a boolean at {}",
                        ptr(&place.at)
                    ),
                })
            }
        };
        let Flat { map, path } = flatten(self.root, map, place)?;
        let mut place = place.clone();
        place.path = path;
        if let Some(c) = map.get("const") {
            return Ok(c.clone());
        }
        if let Some(Value::Array(options)) = map.get("enum") {
            return self.pick_enum(options, &map, &place);
        }
        for keyword in ["anyOf", "oneOf"] {
            if let Some(branches) = map.get(keyword) {
                return self.some_branch(keyword, branches, &map, &place);
            }
        }
        let mut last = None;
        for kind in types(&map, &place) {
            let made = match kind {
                "object" => self.object(&map, &place),
                "array" => self.array(&map, &place),
                "string" => string(&map, &place, self.seen),
                "integer" => number(&map, &place, self.seen, true),
                "number" => number(&map, &place, self.seen, false),
                "boolean" => Ok(boolean(&place, self.seen)),
                "null" => Ok(Value::Null),
                other => Err(SchemaError::Unsupported {
                    construct: format!("type \"{other}\""),
                    at: place.sub("type").at,
                }),
            };
            match made {
                Ok(v) => return Ok(v),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| place.unsatisfiable("no type to answer with")))
    }

    /// A value for a schema that accepts anything: what the name asks for.
    pub(super) fn free_value(&self, place: &Place) -> Value {
        let any = Map::new();
        let kind = super::schema_scalars::kind_for_name(place.name);
        match kind {
            "integer" => number(&any, place, self.seen, true),
            "boolean" => Ok(boolean(place, self.seen)),
            _ => string(&any, place, self.seen),
        }
        .unwrap_or(Value::Null)
    }

    /// The enum value that best says what the frames show and satisfies the rest.
    fn pick_enum(
        &self,
        options: &[Value],
        map: &Map<String, Value>,
        place: &Place,
    ) -> Result<Value, SchemaError> {
        let colour = self.seen.colour;
        let score = |v: &Value| match v {
            Value::String(s) if s.eq_ignore_ascii_case(colour) => 0,
            Value::String(s) if s.to_ascii_lowercase().contains(colour) => 1,
            Value::Number(n) if n.as_u64() == Some(self.seen.frames as u64) => 2,
            Value::Null => 4,
            _ => 3,
        };
        let mut ranked: Vec<&Value> = options.iter().collect();
        ranked.sort_by_key(|v| score(v));
        let allowed = if map.contains_key("type") {
            types(map, place)
        } else {
            Vec::new()
        };
        let fits = |v: &&Value| type_matches(v, &allowed) && self.accepts(place.path.as_deref(), v);
        let fitting: Vec<&Value> = ranked.into_iter().filter(fits).collect();
        if fitting.is_empty() {
            return Err(place
                .sub("enum")
                .unsatisfiable("no enum value satisfies the other keywords"));
        }
        Ok(fitting[place.variant % fitting.len()].clone())
    }

    /// A value from the first branch of `anyOf`/`oneOf` (merged with the keywords
    /// beside it) that works; for `oneOf`, one that no other branch accepts.
    fn some_branch(
        &self,
        keyword: &str,
        branches: &Value,
        map: &Map<String, Value>,
        place: &Place,
    ) -> Result<Value, SchemaError> {
        let Value::Array(branches) = branches else {
            return Err(SchemaError::Invalid {
                reason: format!("{keyword} must be an array at {}", ptr(&place.at)),
            });
        };
        let mut rest = map.clone();
        rest.remove(keyword);
        let mut weights = Vec::with_capacity(branches.len());
        for branch in branches {
            self.spend(place)?;
            weights.push(branch_weight(self.root, branch, place));
        }
        let mut order: Vec<usize> = (0..branches.len()).collect();
        if place.deep() {
            order.sort_by_key(|i| weights[*i]);
        } else {
            // Near the top, null (and other empty answers) only as a last resort.
            order.sort_by_key(|i| weights[*i] == 0);
        }
        let at = place.sub(keyword);
        let mut last = None;
        for i in order {
            let branch_place = at.sub(&i.to_string());
            let merged = match &branches[i] {
                Value::Object(b) if !rest.is_empty() => {
                    let mut both = rest.clone();
                    both.insert("allOf".into(), Value::Array(vec![Value::Object(b.clone())]));
                    Value::Object(both)
                }
                other => other.clone(),
            };
            let mut try_place = branch_place.clone();
            if !rest.is_empty() {
                try_place.path = None;
            }
            let v = match self.value(&merged, &try_place) {
                Ok(v) => v,
                Err(e) if self.budget.get() == 0 => return Err(e),
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            let exclusive = keyword != "oneOf"
                || (0..branches.len()).filter(|j| *j != i).all(|j| {
                    let other = at.sub(&j.to_string()).path;
                    self.known_to_accept(other.as_deref(), &v) != Some(true)
                });
            if exclusive && self.accepts(place.path.as_deref(), &v) {
                return Ok(v);
            }
            last = Some(branch_place.unsatisfiable(format!("the value made from {keyword} branch {i} is also accepted by another branch or rejected")));
        }
        Err(last.unwrap_or_else(|| at.unsatisfiable(format!("{keyword} has no branches"))))
    }
}

/// The error for a schema that needs more work than [`WORK_BUDGET`] or nests deeper
/// than [`MAX_NESTING`].
fn too_much(place: &Place) -> SchemaError {
    place.unsatisfiable("schema too large or too recursive")
}
