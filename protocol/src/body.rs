//! The `POST /streams` body as a small tree of JSON fields, for clients that build
//! the JSON with their platform's own encoder (the browser's `JSON.stringify`) rather
//! than a serde serializer: serde plus a JS serializer cost several KB of wasm, this
//! walk a few hundred bytes. The tree is exactly what serde writes for
//! [`CreateStreamRequest`] (same keys, same omissions): a native test compares them.

use crate::wire::*;

/// One JSON value of the body.
#[derive(Debug, PartialEq)]
pub enum Json<'a, S> {
    /// A string.
    Str(&'a str),
    /// A number.
    Num(f64),
    /// An object, its fields in wire order; `None` values are left out.
    Obj(Vec<(&'static str, Json<'a, S>)>),
    /// The app's JSON Schema, passed through as given.
    Schema(&'a S),
    /// An array (the v1beta chat body's `messages` and content parts).
    Arr(Vec<Json<'a, S>>),
    /// A boolean (the v1beta chat body's `stream`).
    Bool(bool),
}

/// An object from `(key, value)` pairs, dropping absent values.
pub(crate) fn object<'a, S, const N: usize>(
    fields: [(&'static str, Option<Json<'a, S>>); N],
) -> Json<'a, S> {
    Json::Obj(
        fields
            .into_iter()
            .filter_map(|(key, value)| value.map(|v| (key, v)))
            .collect(),
    )
}

fn num<'a, S>(n: Option<f64>) -> Option<Json<'a, S>> {
    n.map(Json::Num)
}

impl Mode {
    /// The wire name: `clip` or `frame`.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Clip => "clip",
            Mode::Frame => "frame",
        }
    }
}

impl Backend {
    /// The wire name: `overshoot` or `gemini`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Overshoot => "overshoot",
            Backend::Gemini => "gemini",
        }
    }
}

impl<S> CreateStreamRequest<S> {
    /// The body as a field tree (see the module docs).
    pub fn to_json(&self) -> Json<'_, S> {
        self.to_json_with_source(self.source.as_ref())
    }

    /// The body with `source` in place of the request's own: the package's session
    /// sends its one request with each create's offer without copying the request.
    pub fn to_json_with_source<'a>(&'a self, source: Option<&'a Source>) -> Json<'a, S> {
        let source = source.map(|s| match s {
            Source::Webrtc { sdp } => object([
                ("type", Some(Json::Str("webrtc"))),
                ("sdp", Some(Json::Str(sdp))),
            ]),
            Source::Livekit { url, token } => object([
                ("type", Some(Json::Str("livekit"))),
                ("url", Some(Json::Str(url))),
                ("token", Some(Json::Str(token))),
            ]),
        });
        let webrtc = self.webrtc.as_ref().map(|d| {
            object([
                ("type", Some(Json::Str(&d.kind))),
                ("sdp", Some(Json::Str(&d.sdp))),
            ])
        });
        let p = &self.processing;
        let processing = object([
            ("target_fps", num(p.target_fps)),
            ("fps", num(p.fps)),
            ("sampling_ratio", num(p.sampling_ratio)),
            ("clip_length_seconds", num(p.clip_length_seconds)),
            ("delay_seconds", num(p.delay_seconds)),
            ("interval_seconds", num(p.interval_seconds)),
        ]);
        let i = &self.inference;
        let inference = object([
            ("prompt", Some(Json::Str(&i.prompt))),
            ("model", Some(Json::Str(&i.model))),
            ("backend", i.backend.map(|b| Json::Str(b.name()))),
            (
                "output_schema_json",
                i.output_schema_json.as_ref().map(Json::Schema),
            ),
            ("max_output_tokens", num(i.max_output_tokens.map(f64::from))),
        ]);
        let client = self
            .client
            .as_ref()
            .map(|c| object([("request_id", c.request_id.as_deref().map(Json::Str))]));
        object([
            ("source", source),
            ("webrtc", webrtc),
            ("mode", self.mode.map(|m| Json::Str(m.name()))),
            ("processing", Some(processing)),
            ("inference", Some(inference)),
            ("client", client),
        ])
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::{json, Value};

    pub(crate) fn to_value(j: &Json<'_, Value>) -> Value {
        match j {
            Json::Str(s) => Value::from(*s),
            Json::Num(n) => json!(n),
            Json::Schema(s) => (*s).clone(),
            Json::Arr(items) => Value::Array(items.iter().map(to_value).collect()),
            Json::Bool(b) => Value::Bool(*b),
            Json::Obj(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), to_value(v)))
                    .collect(),
            ),
        }
    }

    /// Every number as f64: JS has one number type, so `64` and `64.0` are one value.
    pub(crate) fn numbers_as_f64(v: Value) -> Value {
        match v {
            Value::Number(n) => json!(n.as_f64()),
            Value::Array(a) => a.into_iter().map(numbers_as_f64).collect(),
            Value::Object(o) => {
                Value::Object(o.into_iter().map(|(k, v)| (k, numbers_as_f64(v))).collect())
            }
            other => other,
        }
    }

    fn same_as_serde(req: CreateStreamRequest<Value>) {
        let ours = numbers_as_f64(to_value(&req.to_json()));
        let serde = numbers_as_f64(serde_json::to_value(&req).unwrap());
        assert_eq!(ours, serde);
    }

    fn inference(schema: Option<Value>, tokens: Option<u32>) -> Inference<Value> {
        Inference {
            prompt: "say \"hi\"\n".into(),
            model: "m/n".into(),
            backend: Some(Backend::Gemini),
            output_schema_json: schema,
            max_output_tokens: tokens,
        }
    }

    #[test]
    fn full_request_matches_serde() {
        same_as_serde(CreateStreamRequest {
            source: Some(Source::Webrtc {
                sdp: "v=0\r\n".into(),
            }),
            webrtc: Some(SessionDescription {
                kind: "offer".into(),
                sdp: "v=0".into(),
            }),
            mode: Some(Mode::Clip),
            processing: Processing {
                target_fps: Some(6.0),
                fps: Some(30.0),
                sampling_ratio: Some(0.25),
                clip_length_seconds: Some(0.5),
                delay_seconds: Some(0.0),
                interval_seconds: Some(60.0),
            },
            inference: inference(Some(json!({"type": "object", "n": [1, null]})), Some(64)),
            client: Some(ClientInfo {
                request_id: Some("r-1".into()),
            }),
        });
    }

    #[test]
    fn a_source_given_apart_is_the_body_of_the_request_with_that_source() {
        let mut req = CreateStreamRequest {
            source: None,
            webrtc: None,
            mode: None,
            processing: Processing::default(),
            inference: inference(None, None),
            client: None,
        };
        let source = Source::Livekit {
            url: "wss://r".into(),
            token: "t".into(),
        };
        let apart = to_value(&req.to_json_with_source(Some(&source)));
        assert_eq!(
            apart["source"],
            json!({"type": "livekit", "url": "wss://r", "token": "t"})
        );
        req.source = Some(source);
        assert_eq!(apart, to_value(&req.to_json()));
    }

    #[test]
    fn absent_fields_are_left_out_like_serde() {
        same_as_serde(CreateStreamRequest {
            source: Some(Source::Livekit {
                url: "wss://x".into(),
                token: "t".into(),
            }),
            webrtc: None,
            mode: Some(Mode::Frame),
            processing: Processing::default(),
            inference: Inference {
                backend: None,
                ..inference(None, None)
            },
            client: Some(ClientInfo { request_id: None }),
        });
        same_as_serde(CreateStreamRequest {
            source: None,
            webrtc: None,
            mode: None,
            processing: Processing {
                interval_seconds: Some(0.2),
                ..Processing::default()
            },
            inference: inference(None, Some(1)),
            client: None,
        });
    }

    #[test]
    fn wire_names_match_serde() {
        for m in [Mode::Clip, Mode::Frame] {
            assert_eq!(serde_json::to_value(m).unwrap(), m.name());
        }
        for b in [Backend::Overshoot, Backend::Gemini] {
            assert_eq!(serde_json::to_value(b).unwrap(), b.name());
        }
    }
}
