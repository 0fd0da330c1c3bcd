//! The command line (fixed: tests, docs and deployments rely on it). Secrets come
//! only from the environment, never from flags, which every user of the machine can
//! read in `ps`.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

/// Key-holding proxy for Overshoot's streams API: browsers authenticate with
/// short-lived per-user tokens; the gateway calls the API with the real key
/// (environment: OVERSHOOT_API_KEY, GATEWAY_TOKEN_SECRET).
#[derive(Debug, Parser)]
#[command(name = "overshoot-gateway", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API in front of `--upstream`.
    Serve(ServeArgs),
    /// Print a token for `--sub`, signed with GATEWAY_TOKEN_SECRET.
    Mint(MintArgs),
}

/// `serve`'s options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The API's base URL, e.g. https://api.overshoot.ai/v1.
    #[arg(long)]
    pub upstream: String,
    /// The v1beta API's base URL (default: --upstream with its version segment
    /// replaced by v1beta, e.g. https://api.overshoot.ai/v1beta; appended when none).
    #[arg(long, value_name = "URL")]
    pub upstream_v1beta: Option<String>,
    /// Address to listen on (port 0: any free port, printed at start).
    #[arg(long, default_value = "127.0.0.1:8788")]
    pub listen: SocketAddr,
    /// An origin allowed to call from a browser (CORS); repeat for more. None: no CORS.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// Concurrent streams per user.
    #[arg(long, default_value_t = 2)]
    pub max_streams_per_user: u32,
    /// A model streams may use; repeat for more. None: any model.
    #[arg(long = "allow-model", value_name = "NAME")]
    pub allow_models: Vec<String>,
    /// Delete any stream this many seconds after its creation.
    #[arg(long, value_name = "S")]
    pub max_stream_seconds: Option<u64>,
    /// Delete a stream whose results socket closed and did not reopen within this.
    #[arg(long, value_name = "S", default_value_t = 20)]
    pub orphan_grace_seconds: u64,
    /// Answer v1beta chats that reference none of the caller's streams (text only, or
    /// `https:`/`data:` media only), billed to the gateway's key like any other.
    #[arg(long)]
    pub allow_external_media: bool,
    /// v1beta chats each user may make per minute (0: no limit).
    #[arg(long, value_name = "N", default_value_t = 120)]
    pub chat_rate_per_minute: u32,
    /// Share ownership and per-user counts with other gateways through Redis.
    #[arg(long, value_name = "URL")]
    pub redis: Option<String>,
}

/// The v1beta base beside a streams-API base: a last path segment that names a
/// version (`v1`, `v0.2`) is replaced by `v1beta`; otherwise `/v1beta` is appended.
pub fn v1beta_beside(upstream: &str) -> String {
    let base = upstream.trim().trim_end_matches('/');
    let (head, last) = base.rsplit_once('/').unwrap_or((base, ""));
    let versioned = last.strip_prefix('v').is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            && !head.ends_with(':')
            && !head.ends_with('/')
    });
    if versioned {
        format!("{head}/v1beta")
    } else {
        format!("{base}/v1beta")
    }
}

/// `mint`'s options.
#[derive(Debug, Args)]
pub struct MintArgs {
    /// The user the token stands for.
    #[arg(long)]
    pub sub: String,
    /// Lifetime of the token.
    #[arg(long, default_value_t = 600)]
    pub ttl_seconds: u64,
}

/// The secrets `serve` needs, read from the environment.
pub struct Secrets {
    /// OVERSHOOT_API_KEY.
    pub api_key: String,
    /// GATEWAY_TOKEN_SECRET, checked.
    pub token_secret: crate::auth::Secret,
}

/// GATEWAY_TOKEN_SECRET, at least 32 bytes.
pub fn token_secret() -> Result<crate::auth::Secret, String> {
    let raw = std::env::var_os("GATEWAY_TOKEN_SECRET")
        .ok_or("GATEWAY_TOKEN_SECRET is not set (at least 32 bytes)")?;
    crate::auth::Secret::new(raw.as_encoded_bytes())
}

/// Both secrets of `serve`.
pub fn secrets() -> Result<Secrets, String> {
    let api_key = std::env::var("OVERSHOOT_API_KEY")
        .map(|k| k.trim().to_string())
        .unwrap_or_default();
    if api_key.is_empty() {
        return Err(
            "OVERSHOOT_API_KEY is not set (the key is read from the environment only)".into(),
        );
    }
    Ok(Secrets {
        api_key,
        token_secret: token_secret()?,
    })
}

#[cfg(test)]
mod tests {
    use super::v1beta_beside;

    #[test]
    fn the_v1beta_base_sits_beside_the_streams_api_base() {
        assert_eq!(
            v1beta_beside("https://api.overshoot.ai/v1"),
            "https://api.overshoot.ai/v1beta"
        );
        assert_eq!(
            v1beta_beside("https://api.overshoot.ai/v0.2/"),
            "https://api.overshoot.ai/v1beta"
        );
        assert_eq!(
            v1beta_beside("http://127.0.0.1:8080"),
            "http://127.0.0.1:8080/v1beta"
        );
        assert_eq!(
            v1beta_beside("https://proxy.example/overshoot"),
            "https://proxy.example/overshoot/v1beta"
        );
        assert_eq!(
            v1beta_beside("http://v2.example"),
            "http://v2.example/v1beta"
        );
    }
}
