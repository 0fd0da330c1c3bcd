//! Strict readers of JS objects (app config, wire bodies): wrong types are
//! `ValidationError`s naming the field, never coerced (`"6"` is not a number,
//! `null` is not a string).

use crate::platform::error::SdkError;
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// A JS object being read, with the path used in error messages.
pub struct JsObject<'a> {
    pub value: &'a JsValue,
    pub path: &'a str,
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof()
            .as_string()
            .unwrap_or_else(|| "unknown".into())
    }
}

/// `{field} must be {expected} (got {its type})`: one copy of the message's code for
/// every reader.
fn type_error(field: &str, expected: &str, v: &JsValue) -> SdkError {
    SdkError::validation(field, &format!("must be {expected} (got {})", type_name(v)))
}

impl<'a> JsObject<'a> {
    /// Wraps `value`, which must be a plain object.
    pub fn new(value: &'a JsValue, path: &'a str) -> Result<Self, SdkError> {
        if !value.is_object() || Array::is_array(value) || value.is_function() {
            return Err(type_error(path, "an object", value));
        }
        Ok(JsObject { value, path })
    }

    /// Wraps a top-level object: `what` names it in a type error, and its fields are
    /// named bare (`apiKey`, not `config.apiKey`).
    pub fn root(value: &'a JsValue, what: &str) -> Result<Self, SdkError> {
        JsObject::new(value, what)?;
        Ok(JsObject { value, path: "" })
    }

    fn field(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The raw property, `None` when `undefined`.
    pub fn get(&self, key: &str) -> Result<Option<JsValue>, SdkError> {
        let v = Reflect::get(self.value, &key.into()).map_err(|e| {
            SdkError::from_js(
                overshoot_protocol::ErrorKind::Validation,
                &self.field(key),
                e,
            )
        })?;
        Ok(if v.is_undefined() { None } else { Some(v) })
    }

    /// An optional string.
    pub fn string(&self, key: &str) -> Result<Option<String>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .as_string()
                .map(Some)
                .ok_or_else(|| type_error(&self.field(key), "a string", &v)),
        }
    }

    /// A required non-empty string.
    pub fn required_string(&self, key: &str) -> Result<String, SdkError> {
        match self.string(key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            _ => Err(SdkError::validation(
                &self.field(key),
                "is required and must be a non-empty string",
            )),
        }
    }

    /// An optional finite number.
    pub fn number(&self, key: &str) -> Result<Option<f64>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n.is_finite() => Ok(Some(n)),
                Some(_) => Err(SdkError::validation(
                    &self.field(key),
                    "must be a finite number (got NaN or Infinity)",
                )),
                None => Err(type_error(&self.field(key), "a number", &v)),
            },
        }
    }

    /// An optional positive integer that fits in u32.
    pub fn positive_integer(&self, key: &str) -> Result<Option<u32>, SdkError> {
        match self.number(key)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= f64::from(u32::MAX) => {
                Ok(Some(n as u32))
            }
            Some(n) => Err(SdkError::validation(
                &self.field(key),
                &format!(
                    "must be a positive integer (got {})",
                    overshoot_protocol::number::fmt_num(n)
                ),
            )),
        }
    }

    /// An optional boolean.
    pub fn boolean(&self, key: &str) -> Result<Option<bool>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| type_error(&self.field(key), "a boolean", &v)),
        }
    }

    /// An optional function.
    pub fn function(&self, key: &str) -> Result<Option<Function>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<Function>()
                .map(Some)
                .map_err(|v| type_error(&self.field(key), "a function", &v)),
        }
    }

    /// An optional plain object.
    pub fn object(&self, key: &str) -> Result<Option<JsValue>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => {
                JsObject::new(&v, &self.field(key))?;
                Ok(Some(v))
            }
        }
    }

    /// An optional array.
    pub fn array(&self, key: &str) -> Result<Option<Array>, SdkError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) if Array::is_array(&v) => Ok(Some(v.unchecked_into())),
            Some(v) => Err(type_error(&self.field(key), "an array", &v)),
        }
    }

    /// Refuses own keys outside `allowed`, naming the first unknown one.
    pub fn reject_unknown_keys(&self, allowed: &[&str]) -> Result<(), SdkError> {
        let keys = js_sys::Object::keys(self.value.unchecked_ref::<js_sys::Object>());
        for key in keys.iter().filter_map(|k| k.as_string()) {
            if !allowed.contains(&key.as_str()) {
                return Err(SdkError::validation(
                    &self.field(&key),
                    &format!(
                        "is not a known setting here (allowed: {})",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// An optional string among `allowed`.
    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, SdkError> {
        match self.string(key)? {
            None => Ok(None),
            Some(s) if allowed.contains(&s.as_str()) => Ok(Some(s)),
            Some(s) => Err(SdkError::validation(
                &self.field(key),
                &format!("must be one of {} (got \"{s}\")", allowed.join(", ")),
            )),
        }
    }
}
