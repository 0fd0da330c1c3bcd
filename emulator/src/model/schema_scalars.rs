//! Strings, numbers and booleans for a schema: what the frames show, chosen by the
//! property's name (`count`, `width`, `description`, ...; any other string gets the
//! colour name), then fitted to the keywords (`format`, lengths, `pattern`, bounds, `multipleOf`).

use super::describe;
use super::place::Place;
use super::structured::{Observation, SchemaError, MAX_STRING};
use serde_json::{Map, Value};

/// Words that ask for a sentence.
const TEXT_WORDS: [&str; 13] = [
    "descr",
    "summary",
    "caption",
    "text",
    "answer",
    "result",
    "explanation",
    "reason",
    "content",
    "message",
    "detail",
    "scene",
    "observation",
];
/// Words that ask for the frame count.
const COUNT_WORDS: [&str; 6] = ["count", "frames", "number", "num", "total", "amount"];
/// Words that ask for a yes/no.
const FLAG_PREFIXES: [&str; 5] = ["is_", "has_", "is", "has", "contains"];

fn lower(name: Option<&str>) -> String {
    name.unwrap_or_default().to_ascii_lowercase()
}

fn has_word(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| name.contains(w))
}

/// The kind of value a property's name asks for when its schema does not say.
pub(super) fn kind_for_name(name: Option<&str>) -> &'static str {
    let name = lower(name);
    if FLAG_PREFIXES.iter().any(|p| name.starts_with(p)) && !has_word(&name, &TEXT_WORDS) {
        "boolean"
    } else if has_word(&name, &COUNT_WORDS) || ["width", "height"].contains(&name.as_str()) {
        "integer"
    } else {
        "string"
    }
}

/// A boolean: whether the frames are the colour the name mentions (`is_red`), else
/// whether there were frames at all. Sibling items alternate.
pub(super) fn boolean(place: &Place, seen: &Observation) -> Value {
    const PALETTE: [&str; 11] = [
        "red", "green", "blue", "yellow", "cyan", "magenta", "orange", "purple", "white", "gray",
        "black",
    ];
    let name = lower(place.name);
    let truth = match PALETTE.iter().find(|c| name.contains(**c)) {
        Some(c) => *c == seen.colour,
        None => seen.frames > 0,
    };
    Value::Bool(truth != (place.variant % 2 == 1))
}

/// A number (or integer): the frame count, width, height or an RGB component as
/// the name asks, moved into the bounds and onto `multipleOf`.
pub(super) fn number(
    map: &Map<String, Value>,
    place: &Place,
    seen: &Observation,
    integer: bool,
) -> Result<Value, SchemaError> {
    let name = lower(place.name);
    let [r, g, b] = seen.rgb.map(f64::from);
    let wanted = match name.as_str() {
        "width" | "w" => f64::from(seen.width),
        "height" | "h" => f64::from(seen.height),
        "r" | "red" => r,
        "g" | "green" => g,
        "b" | "blue" => b,
        n if has_word(n, &["confidence", "probability", "certainty", "score"]) => 1.0,
        n if n.contains("width") => f64::from(seen.width),
        n if n.contains("height") => f64::from(seen.height),
        _ => seen.frames as f64,
    } + place.variant as f64;
    let get = |k: &str| map.get(k).and_then(Value::as_f64);
    // Draft 4 writes exclusive bounds as booleans beside minimum/maximum.
    let flag = |k: &str| map.get(k).and_then(Value::as_bool).unwrap_or(false);
    let (mut lo, mut lo_open) = (
        get("minimum").unwrap_or(f64::NEG_INFINITY),
        flag("exclusiveMinimum"),
    );
    if let Some(x) = get("exclusiveMinimum").filter(|x| *x >= lo) {
        (lo, lo_open) = (x, true);
    }
    let (mut hi, mut hi_open) = (
        get("maximum").unwrap_or(f64::INFINITY),
        flag("exclusiveMaximum"),
    );
    if let Some(x) = get("exclusiveMaximum").filter(|x| *x <= hi) {
        (hi, hi_open) = (x, true);
    }
    let step = match (get("multipleOf").filter(|m| *m > 0.0), integer) {
        (Some(m), true) => Some(integer_step(m).ok_or_else(|| {
            place.unsatisfiable(format!(
                "no integer is a multiple of {m} that the emulator can find"
            ))
        })?),
        (Some(m), false) => Some(m),
        (None, true) => Some(1.0),
        (None, false) => None,
    };
    let v = match step {
        Some(step) => {
            let mut kmin = (lo / step).ceil();
            if lo_open && kmin * step <= lo {
                kmin += 1.0;
            }
            let mut kmax = (hi / step).floor();
            if hi_open && kmax * step >= hi {
                kmax -= 1.0;
            }
            if kmin > kmax {
                return Err(
                    place.unsatisfiable(format!("no multiple of {step} between {lo} and {hi}"))
                );
            }
            round_to(step, (wanted / step).round().clamp(kmin, kmax) * step)
        }
        None if wanted < lo || (lo_open && wanted <= lo) => inside(lo, hi, lo_open, true),
        None if wanted > hi || (hi_open && wanted >= hi) => inside(lo, hi, hi_open, false),
        None => wanted,
    };
    if !(lo..=hi).contains(&v) || (lo_open && v <= lo) || (hi_open && v >= hi) {
        return Err(place.unsatisfiable(format!("no number between {lo} and {hi}")));
    }
    Ok(if integer || (v.fract() == 0.0 && v.abs() < 9e15) {
        Value::from(v as i64)
    } else {
        Value::from(v)
    })
}

/// The smallest multiple of `m` that is an integer (the step between integers that
/// are multiples of `m`).
fn integer_step(m: f64) -> Option<f64> {
    (1..=1000)
        .map(|k| m * f64::from(k))
        .find(|x| (x - x.round()).abs() < 1e-9)
        .map(f64::round)
}

/// `v` rounded to as many decimals as `step` has, so `3 × 0.1` is `0.3`.
fn round_to(step: f64, v: f64) -> f64 {
    let text = step.to_string();
    let decimals = text.split_once('.').map_or(0, |(_, d)| d.len()).min(15);
    let scale = 10f64.powi(decimals as i32);
    (v * scale).round() / scale
}

/// A value just inside the bound that `wanted` fell outside of.
fn inside(lo: f64, hi: f64, open: bool, low_side: bool) -> f64 {
    let bound = if low_side { lo } else { hi };
    if !open {
        return bound;
    }
    let gap = if lo.is_finite() && hi.is_finite() {
        (hi - lo) / 2.0
    } else {
        1.0
    };
    if low_side {
        lo + gap.min(1.0)
    } else {
        hi - gap.min(1.0)
    }
}

/// A string: the format's value if it has one the emulator knows, else the colour or
/// a sentence as the name asks, fitted to the lengths and the pattern.
pub(super) fn string(
    map: &Map<String, Value>,
    place: &Place,
    seen: &Observation,
) -> Result<Value, SchemaError> {
    let name = lower(place.name);
    let sentence = describe(seen);
    let mut candidates: Vec<String> = Vec::new();
    if let Some(format) = map.get("format").and_then(Value::as_str) {
        candidates.extend(formatted(format, seen));
    }
    if candidates.is_empty() {
        let colour = seen.colour.to_string();
        let size = format!("{}x{}", seen.width, seen.height);
        if has_word(&name, &["resolution", "size", "dimension"]) {
            candidates.push(size);
        }
        if place.name.is_none() || has_word(&name, &TEXT_WORDS) {
            candidates.extend([sentence.clone(), colour]);
        } else {
            candidates.extend([colour, sentence.clone()]);
        }
        if place.variant > 0 {
            for c in &mut candidates {
                c.push_str(&format!(" #{}", place.variant + 1));
            }
        }
    }
    let min = map.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = map
        .get("maxLength")
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX) as usize;
    if min > max {
        return Err(place.unsatisfiable(format!("minLength {min} > maxLength {max}")));
    }
    if min > MAX_STRING {
        return Err(place.sub("minLength").unsatisfiable(format!(
            "minLength {min} is longer than the {MAX_STRING} characters the emulator writes"
        )));
    }
    let fitted = candidates
        .into_iter()
        .map(|c| fit_length(c, min, max, &sentence));
    let Some(pattern) = map.get("pattern").and_then(Value::as_str) else {
        return fitted
            .into_iter()
            .next()
            .map(Value::String)
            .ok_or_else(|| place.unsatisfiable("no string"));
    };
    let check = jsonschema::options()
        .build(&serde_json::json!({"type": "string", "pattern": pattern, "minLength": min, "maxLength": max}))
        .map_err(|e| SchemaError::Unsupported {
            construct: format!("pattern \"{pattern}\" ({e})"),
            at: place.sub("pattern").at,
        })?;
    let accepts = |s: &String| check.is_valid(&Value::String(s.clone()));
    let fitted: Vec<String> = fitted.collect();
    if let Some(s) = fitted.iter().find(|s| accepts(s)) {
        return Ok(Value::String(s.clone()));
    }
    // No sentence matches: a string made from the pattern itself.
    let lengths = match (min, max) {
        (0, usize::MAX) => String::new(),
        (min, usize::MAX) => format!(" of at least {min} characters"),
        (min, max) => format!(" of {min} to {max} characters"),
    };
    match super::pattern::sample_matching(pattern, place.variant as u64, accepts) {
        Ok(Some(s)) => Ok(Value::String(s)),
        Ok(None) => Err(place.sub("pattern").unsatisfiable(format!(
            "no string{lengths} matching pattern \"{pattern}\" found"
        ))),
        Err(why) => Err(SchemaError::Unsupported {
            construct: format!("pattern \"{pattern}\" ({why})"),
            at: place.sub("pattern").at,
        }),
    }
}

/// Values of the string formats the emulator knows (none for the others).
fn formatted(format: &str, seen: &Observation) -> Vec<String> {
    let now = chrono::Utc::now();
    let colour = seen.colour;
    let value = match format {
        "date-time" => now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "date" => now.format("%Y-%m-%d").to_string(),
        "time" => now.format("%H:%M:%SZ").to_string(),
        "duration" => "PT1S".to_string(),
        "email" | "idn-email" => format!("{colour}@emulator.example"),
        "uri" | "iri" | "uri-reference" | "iri-reference" | "url" => {
            format!("https://emulator.example/frames/{colour}")
        }
        "uri-template" => "https://emulator.example/frames/{colour}".to_string(),
        "uuid" => uuid::Uuid::new_v4().to_string(),
        "hostname" | "idn-hostname" => "emulator.example".to_string(),
        "ipv4" => "127.0.0.1".to_string(),
        "ipv6" => "::1".to_string(),
        "json-pointer" => format!("/{colour}"),
        "relative-json-pointer" => "0".to_string(),
        "regex" => format!("^{colour}$"),
        _ => return Vec::new(),
    };
    vec![value]
}

/// `text` cut to `max` characters, or lengthened with `filler` to `min` (in time
/// linear in the result).
fn fit_length(mut text: String, min: usize, max: usize, filler: &str) -> String {
    let mut chars = text.chars().count();
    let filler_chars = filler.chars().count() + 1;
    while chars < min {
        text.push(' ');
        text.push_str(filler);
        chars += filler_chars;
    }
    if chars > max {
        text = text.chars().take(max).collect();
    }
    text
}
