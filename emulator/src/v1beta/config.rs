//! v1beta settings: the region, lease and tombstone lengths, the rate limit, and the
//! reading of each point where Overshoot's docs disagree (spec §16). The default of each
//! is the documented-primary behaviour; the alternatives are set at start
//! (`--v1beta-reading KEY=VALUE`) or flipped by tests (`POST /__emulator/v1beta/config`).

use overshoot_protocol::v1beta::resolve::{EvictedFrames, IndexOrigin, OffsetOrigin, Readings};
use overshoot_protocol::v1beta::retry::REGIONS;
use serde::Deserialize;

/// How a wrong-region `409` on `/chat/completions` is shaped (§16.16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChatRegionBody {
    /// The chat envelope with code `region_error` (the newest OpenAPI; default).
    #[default]
    ChatEnvelope,
    /// `{"detail": {"error": "region_error", …}}`, as on the stream endpoints.
    RegionError,
}

/// What a repeated `DELETE` answers while the tombstone lasts (§16.14).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RepeatDelete {
    /// `200 {id, deleted: true}` again (`delete-stream.mdx`; default).
    #[default]
    Again,
    /// `404` (the OpenAPI's "404 for deleted streams").
    NotFound,
}

/// Everything configurable about the v1beta routes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The emulator's one region, echoed in `X-Overshoot-Region`.
    pub region: String,
    /// Lease length (the docs: 300 s).
    pub ttl_seconds: u32,
    /// How long an ended stream is still answered (emulator choice: 60 s).
    pub tombstone_ms: i64,
    /// Chat requests per second and key before `429` (0: no limit).
    pub rate_limit_rps: u32,
    /// Active streams per key before create answers `429 {"detail"}` (0: no cap; the
    /// docs document none, §13).
    pub max_streams_per_key: u32,
    /// The contested `ovs://` resolution rules (§16.4, §16.5, §16.18).
    pub readings: Readings,
    /// `422` for `query_param_invalid` and `frame_not_yet_produced`, as
    /// `chat-completions.mdx` says (§16.6, §16.7), instead of `400`/`409`.
    pub alternative_statuses: bool,
    /// `stream_time_ms` before the first frame: `null` (older OpenAPI) instead of `0`
    /// (§16.9).
    pub null_stream_time_before_first_frame: bool,
    /// Shape of a wrong-region chat `409` (§16.16).
    pub chat_region_body: ChatRegionBody,
    /// A repeated `DELETE` (§16.14).
    pub repeat_delete: RepeatDelete,
    /// A chat reference before the stream's first frame: `422` validation shape
    /// (`best-practices.mdx`) instead of `404 segment_empty` (§16.8).
    pub validation_before_first_frame: bool,
    /// Another key's stream in a chat request: `404 stream_not_found` (as on the
    /// stream endpoints) instead of `403 stream_unauthorized` (§16.15).
    pub other_owner_not_found: bool,
    /// Leave `source` out of the create answer, as the docs' samples do (§16.22).
    pub omit_create_source: bool,
    /// SSE chunks in Overshoot's schema only, without OpenAI's `id`, `object`,
    /// `created`, `model` and `index` (§16.25).
    pub bare_sse_chunks: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: REGIONS[0].to_string(),
            ttl_seconds: overshoot_protocol::v1beta::streams::LEASE_TTL_SECONDS,
            tombstone_ms: 60_000,
            rate_limit_rps: 50,
            max_streams_per_key: 0,
            readings: Readings::default(),
            alternative_statuses: false,
            null_stream_time_before_first_frame: false,
            chat_region_body: ChatRegionBody::default(),
            repeat_delete: RepeatDelete::default(),
            validation_before_first_frame: false,
            other_owner_not_found: false,
            omit_create_source: false,
            bare_sse_chunks: false,
        }
    }
}

/// A partial update of [`Config`]: the body of `POST /__emulator/v1beta/config`, and
/// what `--v1beta-reading KEY=VALUE` sets. Unset fields keep their value.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    /// `fail` (410, default) or `clamp`.
    pub evicted_frames: Option<String>,
    /// `lifetime` (default) or `retained`.
    pub index_origin: Option<String>,
    /// `oldest_retained` (default) or `live_edge`.
    pub offset_origin: Option<String>,
    /// See [`Config::alternative_statuses`].
    pub alternative_statuses: Option<bool>,
    /// `zero` (default) or `null`.
    pub stream_time_before_first_frame: Option<String>,
    /// `chat_envelope` (default) or `region_error`.
    pub chat_region_error: Option<String>,
    /// `again` (default) or `not_found`.
    pub repeat_delete: Option<String>,
    /// `segment_empty` (default) or `validation_error`.
    pub before_first_frame: Option<String>,
    /// `forbidden` (default) or `not_found`.
    pub other_owner_chat: Option<String>,
    /// `present` (default) or `omitted`.
    pub create_source: Option<String>,
    /// `openai` (default) or `schema`.
    pub sse_chunks: Option<String>,
    /// See [`Config::rate_limit_rps`].
    pub rate_limit_rps: Option<u32>,
    /// See [`Config::tombstone_ms`], in seconds.
    pub tombstone_seconds: Option<f64>,
    /// See [`Config::ttl_seconds`].
    pub ttl_seconds: Option<u32>,
    /// See [`Config::max_streams_per_key`].
    pub max_streams_per_key: Option<u32>,
}

fn pick<T: Copy>(field: &str, value: &str, choices: &[(&str, T)]) -> Result<T, String> {
    choices
        .iter()
        .find(|(name, _)| *name == value)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            format!("{field} must be one of {}", names.join(", "))
        })
}

impl ConfigPatch {
    /// Parses `KEY=VALUE` (the command-line form).
    pub fn from_pair(pair: &str) -> Result<ConfigPatch, String> {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("expected KEY=VALUE, got {pair}"))?;
        let value = match value {
            "true" | "false" => value.to_string(),
            v if v.parse::<f64>().is_ok() => v.to_string(),
            v => format!("\"{v}\""),
        };
        let json = format!("{{\"{key}\": {value}}}");
        serde_json::from_str(&json).map_err(|e| e.to_string())
    }

    /// Applies the set fields to `config`; refuses unknown values (nothing is applied).
    pub fn apply(&self, config: &mut Config) -> Result<(), String> {
        let mut next = config.clone();
        if let Some(v) = &self.evicted_frames {
            let choices = [
                ("fail", EvictedFrames::Fail),
                ("clamp", EvictedFrames::Clamp),
            ];
            next.readings.evicted = pick("evicted_frames", v, &choices)?;
        }
        if let Some(v) = &self.index_origin {
            let choices = [
                ("lifetime", IndexOrigin::Lifetime),
                ("retained", IndexOrigin::Retained),
            ];
            next.readings.index_origin = pick("index_origin", v, &choices)?;
        }
        if let Some(v) = &self.offset_origin {
            let choices = [
                ("oldest_retained", OffsetOrigin::OldestRetained),
                ("live_edge", OffsetOrigin::LiveEdge),
            ];
            next.readings.offset_origin = pick("offset_origin", v, &choices)?;
        }
        if let Some(v) = self.alternative_statuses {
            next.alternative_statuses = v;
        }
        if let Some(v) = &self.stream_time_before_first_frame {
            let choices = [("zero", false), ("null", true)];
            next.null_stream_time_before_first_frame =
                pick("stream_time_before_first_frame", v, &choices)?;
        }
        if let Some(v) = &self.chat_region_error {
            let choices = [
                ("chat_envelope", ChatRegionBody::ChatEnvelope),
                ("region_error", ChatRegionBody::RegionError),
            ];
            next.chat_region_body = pick("chat_region_error", v, &choices)?;
        }
        if let Some(v) = &self.repeat_delete {
            let choices = [
                ("again", RepeatDelete::Again),
                ("not_found", RepeatDelete::NotFound),
            ];
            next.repeat_delete = pick("repeat_delete", v, &choices)?;
        }
        let switches: [(&str, &Option<String>, [&str; 2], &mut bool); 4] = [
            (
                "before_first_frame",
                &self.before_first_frame,
                ["segment_empty", "validation_error"],
                &mut next.validation_before_first_frame,
            ),
            (
                "other_owner_chat",
                &self.other_owner_chat,
                ["forbidden", "not_found"],
                &mut next.other_owner_not_found,
            ),
            (
                "create_source",
                &self.create_source,
                ["present", "omitted"],
                &mut next.omit_create_source,
            ),
            (
                "sse_chunks",
                &self.sse_chunks,
                ["openai", "schema"],
                &mut next.bare_sse_chunks,
            ),
        ];
        for (field, value, [primary, alternative], flag) in switches {
            if let Some(v) = value {
                *flag = pick(field, v, &[(primary, false), (alternative, true)])?;
            }
        }
        if let Some(v) = self.rate_limit_rps {
            next.rate_limit_rps = v;
        }
        if let Some(v) = self.tombstone_seconds {
            if !(v.is_finite() && v >= 0.0) {
                return Err("tombstone_seconds must be 0 or more".into());
            }
            next.tombstone_ms = (v * 1000.0) as i64;
        }
        if let Some(v) = self.max_streams_per_key {
            next.max_streams_per_key = v;
        }
        if let Some(v) = self.ttl_seconds {
            if v == 0 {
                return Err("ttl_seconds must be at least 1".into());
            }
            next.ttl_seconds = v;
        }
        *config = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_primary_readings() {
        let c = Config::default();
        assert_eq!(c.readings, Readings::default());
        assert_eq!((c.region.as_str(), c.ttl_seconds), ("us-west1", 300));
        assert!(!c.alternative_statuses && !c.null_stream_time_before_first_frame);
        assert_eq!(c.chat_region_body, ChatRegionBody::ChatEnvelope);
        assert_eq!(c.repeat_delete, RepeatDelete::Again);
    }

    #[test]
    fn pairs_and_patches_flip_the_alternatives() {
        let mut c = Config::default();
        for pair in [
            "evicted_frames=clamp",
            "index_origin=retained",
            "offset_origin=live_edge",
            "alternative_statuses=true",
            "stream_time_before_first_frame=null",
            "chat_region_error=region_error",
            "repeat_delete=not_found",
            "before_first_frame=validation_error",
            "other_owner_chat=not_found",
            "create_source=omitted",
            "sse_chunks=schema",
            "tombstone_seconds=1.5",
            "ttl_seconds=3",
        ] {
            ConfigPatch::from_pair(pair)
                .and_then(|p| p.apply(&mut c))
                .unwrap();
        }
        assert_eq!(c.readings.evicted, EvictedFrames::Clamp);
        assert_eq!(c.readings.index_origin, IndexOrigin::Retained);
        assert_eq!(c.readings.offset_origin, OffsetOrigin::LiveEdge);
        assert!(c.alternative_statuses && c.null_stream_time_before_first_frame);
        assert_eq!(c.chat_region_body, ChatRegionBody::RegionError);
        assert_eq!(c.repeat_delete, RepeatDelete::NotFound);
        assert!(c.validation_before_first_frame && c.other_owner_not_found);
        assert!(c.omit_create_source && c.bare_sse_chunks);
        assert_eq!((c.tombstone_ms, c.ttl_seconds), (1_500, 3));
        let bad = ConfigPatch::from_pair("sse_chunks=maybe").and_then(|p| p.apply(&mut c));
        assert_eq!(bad, Err("sse_chunks must be one of openai, schema".into()));
    }

    #[test]
    fn bad_values_change_nothing() {
        let mut c = Config::default();
        let patch = ConfigPatch {
            rate_limit_rps: Some(1),
            evicted_frames: Some("maybe".into()),
            ..ConfigPatch::default()
        };
        assert!(patch.apply(&mut c).unwrap_err().contains("fail, clamp"));
        assert_eq!(c, Config::default());
        assert!(ConfigPatch::from_pair("bogus=1").is_err());
        assert!(ConfigPatch::from_pair("no-equals").is_err());
    }
}
