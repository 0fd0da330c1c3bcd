//! The command line (clap derive) and the settings it makes.

use crate::state::Settings;
use crate::v1beta::config::{Config, ConfigPatch};
use clap::Parser;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// A local server that speaks Overshoot's streams API with real WebRTC and real video
/// decoding. Prints `listening on http://127.0.0.1:PORT` (`https://` with `--tls`).
#[derive(Parser, Debug)]
#[command(name = "overshoot-emulator", version)]
pub struct Args {
    /// TCP port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 8787)]
    pub port: u16,
    /// Lease length in seconds handed out at create and keepalive.
    #[arg(long, default_value_t = 30.0)]
    pub ttl: f64,
    /// A key that authenticates (repeatable; `emulator-key` when none is given).
    #[arg(long = "api-key")]
    pub api_keys: Vec<String>,
    /// A key that authenticates but has no credits (402), repeatable.
    #[arg(long = "no-credits-key")]
    pub no_credit_keys: Vec<String>,
    /// Concurrent streams per key; one more gets 429.
    #[arg(long, default_value_t = 5)]
    pub max_streams_per_key: usize,
    /// Address the media (UDP) sockets bind to and advertise.
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    pub media_ip: IpAddr,
    /// Serve this folder at / (the demo page).
    #[arg(long)]
    pub www: Option<String>,
    /// Serve this folder at /pkg (the built package).
    #[arg(long)]
    pub pkg: Option<String>,
    /// `turn_servers` the create answer returns (a JSON array).
    #[arg(long, value_parser = parse_json)]
    pub turn_servers: Option<serde_json::Value>,
    /// The room URL the native transport's answer names; by default the emulator's
    /// own LiveKit server (`ws://127.0.0.1:PORT`, `wss://` with `--tls`).
    #[arg(long, default_value = "")]
    pub livekit_url: String,
    /// Lifetime in seconds of the LiveKit room tokens the emulator signs (at least 1).
    #[arg(long, default_value_t = 600.0)]
    pub livekit_token_ttl: f64,
    /// One-way delay in ms on every byte of every TCP connection (HTTP, TLS, WebSockets;
    /// a connection's first bytes wait one extra round trip for the TCP handshake) and
    /// every media datagram, in both directions (a round trip costs twice this).
    #[arg(long, default_value_t = 0)]
    pub network_delay_ms: u64,
    /// Serve HTTPS and WSS with a self-signed certificate for 127.0.0.1 and localhost,
    /// made at start (browsers must be told to accept it).
    #[arg(long)]
    pub tls: bool,
    /// v1beta: the emulator's region, echoed in `X-Overshoot-Region`.
    #[arg(long, default_value = "us-west1", value_parser = ["us-west1", "us-central1"])]
    pub region: String,
    /// v1beta: lease length in seconds (the service's is 300).
    #[arg(long, default_value_t = 300)]
    pub v1beta_ttl: u32,
    /// v1beta: seconds an ended stream is still answered (its tombstone).
    #[arg(long, default_value_t = 60.0)]
    pub v1beta_tombstone_seconds: f64,
    /// v1beta: chat requests per second and key before 429 (0: no limit).
    #[arg(long, default_value_t = 50)]
    pub v1beta_rate_limit: u32,
    /// v1beta: active streams per key before create answers 429 (0: no cap).
    #[arg(long, default_value_t = 0)]
    pub v1beta_max_streams: u32,
    /// v1beta: a reading of a point the docs disagree on, `KEY=VALUE` (repeatable):
    /// evicted_frames=clamp, index_origin=retained, offset_origin=live_edge,
    /// alternative_statuses=true, stream_time_before_first_frame=null,
    /// chat_region_error=region_error, repeat_delete=not_found.
    #[arg(long = "v1beta-reading", value_parser = parse_reading)]
    pub v1beta_readings: Vec<ConfigPatch>,
}

fn parse_reading(pair: &str) -> Result<ConfigPatch, String> {
    let patch = ConfigPatch::from_pair(pair)?;
    patch.apply(&mut Config::default())?;
    Ok(patch)
}

fn parse_json(text: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

impl Args {
    /// The server settings these arguments describe.
    pub fn settings(&self) -> Settings {
        let mut v1beta = Config {
            region: self.region.clone(),
            ttl_seconds: self.v1beta_ttl.max(1),
            tombstone_ms: (self.v1beta_tombstone_seconds.max(0.0) * 1000.0) as i64,
            rate_limit_rps: self.v1beta_rate_limit,
            max_streams_per_key: self.v1beta_max_streams,
            ..Config::default()
        };
        for patch in &self.v1beta_readings {
            // Checked when parsed; applying again cannot fail.
            let _ = patch.apply(&mut v1beta);
        }
        let mut api_keys = self.api_keys.clone();
        api_keys.extend(self.no_credit_keys.iter().cloned());
        if self.api_keys.is_empty() {
            api_keys.push("emulator-key".into());
        }
        Settings {
            api_keys,
            ttl_seconds: self.ttl,
            turn_servers: self.turn_servers.clone(),
            max_streams_per_key: self.max_streams_per_key,
            no_credit_keys: self.no_credit_keys.clone(),
            media_ip: self.media_ip,
            livekit_url: self.livekit_url.clone(),
            livekit_token_ttl: Duration::from_secs_f64(self.livekit_token_ttl.max(1.0)),
            network_delay: Duration::from_millis(self.network_delay_ms),
            v1beta,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_accept_the_emulator_key_only() {
        let s = Args::parse_from(["e"]).settings();
        assert_eq!(s.api_keys, ["emulator-key"]);
        assert_eq!(s.network_delay, Duration::ZERO);
        assert_eq!(s.v1beta, Config::default());
    }

    #[test]
    fn v1beta_flags_set_the_config() {
        let s = Args::parse_from([
            "e",
            "--region",
            "us-central1",
            "--v1beta-ttl",
            "5",
            "--v1beta-reading",
            "evicted_frames=clamp",
        ])
        .settings();
        assert_eq!(
            (s.v1beta.region.as_str(), s.v1beta.ttl_seconds),
            ("us-central1", 5)
        );
        assert_eq!(
            s.v1beta.readings.evicted,
            overshoot_protocol::v1beta::resolve::EvictedFrames::Clamp
        );
    }

    #[test]
    fn no_credit_keys_authenticate_and_keep_the_default_key() {
        let s = Args::parse_from(["e", "--no-credits-key", "broke"]).settings();
        assert_eq!(s.api_keys, ["broke", "emulator-key"]);
        assert_eq!(s.no_credit_keys, ["broke"]);
        let s = Args::parse_from(["e", "--api-key", "k", "--network-delay-ms", "25"]).settings();
        assert_eq!(s.api_keys, ["k"]);
        assert_eq!(s.network_delay, Duration::from_millis(25));
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(Args::try_parse_from(["e", "--turn-servers", "[oops"]).is_err());
        assert!(Args::try_parse_from(["e", "--port", "x"]).is_err());
        assert!(Args::try_parse_from(["e", "--bogus"]).is_err());
        assert!(
            Args::try_parse_from(["e", "--v1beta-reading", "evicted_frames=sometimes"]).is_err()
        );
        assert!(Args::try_parse_from(["e", "--region", "mars-1"]).is_err());
    }
}
