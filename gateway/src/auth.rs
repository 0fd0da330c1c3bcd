//! Users' tokens: standard JWTs signed with HS256 and the gateway's secret, carrying
//! `sub` (the user), `iat` and `exp`. Any backend mints them with any JWT library;
//! [`mint`] is the gateway's own (`overshoot-gateway mint`).

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The shortest secret accepted: HS256 is only as strong as its key (RFC 7518 §3.2
/// asks for a key at least as long as the hash, 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

/// Seconds of clock difference tolerated between the minting backend and the gateway.
const LEEWAY_SECONDS: u64 = 5;

/// The claims the gateway reads and writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user the token stands for; streams belong to it.
    pub sub: String,
    /// Issued at (seconds since the Unix epoch).
    #[serde(default)]
    pub iat: u64,
    /// Expiry (seconds since the Unix epoch).
    pub exp: u64,
}

/// The token secret, checked for length once.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl Secret {
    /// Accepts a secret of at least [`MIN_SECRET_BYTES`] bytes.
    pub fn new(bytes: &[u8]) -> Result<Secret, String> {
        if bytes.len() < MIN_SECRET_BYTES {
            return Err(format!(
                "GATEWAY_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {}); generate one with `openssl rand -base64 48`",
                bytes.len()
            ));
        }
        Ok(Secret(bytes.to_vec()))
    }
}

/// Why a token was refused. Never carries the token itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rejection {
    /// No token at all.
    Missing,
    /// Past its `exp`.
    Expired,
    /// Signed with another algorithm than HS256 (including `none`).
    WrongAlgorithm,
    /// The signature does not match the secret.
    BadSignature,
    /// No (or an empty) `sub`, or no `exp`.
    MissingClaim,
    /// Not a JWT.
    Malformed,
}

impl Rejection {
    /// A short reason for logs and error messages (no token material).
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Missing => "missing token",
            Rejection::Expired => "token expired",
            Rejection::WrongAlgorithm => "token not signed with HS256",
            Rejection::BadSignature => "bad token signature",
            Rejection::MissingClaim => "token lacks sub or exp",
            Rejection::Malformed => "malformed token",
        }
    }
}

/// Checks users' tokens against the secret.
pub struct Verifier {
    key: DecodingKey,
    validation: Validation,
}

impl Verifier {
    /// A verifier for tokens signed with `secret`.
    pub fn new(secret: &Secret) -> Result<Verifier, String> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let key = DecodingKey::from_secret(&secret.0)
            .map_err(|e| format!("unusable GATEWAY_TOKEN_SECRET: {e}"))?;
        Ok(Verifier { key, validation })
    }

    /// The user of a valid token.
    pub fn verify(&self, token: &str) -> Result<String, Rejection> {
        use jsonwebtoken::errors::ErrorKind as E;
        let token = token.trim();
        if token.is_empty() {
            return Err(Rejection::Missing);
        }
        // `alg` is read first, whatever the rest looks like: `none` (signed or not,
        // with or without the trailing dot) and every other algorithm are refused.
        if header_alg(token).is_some_and(|alg| alg != "HS256") {
            return Err(Rejection::WrongAlgorithm);
        }
        let data =
            decode::<Claims>(token, &self.key, &self.validation).map_err(|e| match e.kind() {
                E::ExpiredSignature => Rejection::Expired,
                E::InvalidAlgorithm | E::InvalidAlgorithmName | E::MissingAlgorithm => {
                    Rejection::WrongAlgorithm
                }
                E::InvalidSignature => Rejection::BadSignature,
                E::MissingRequiredClaim(_) => Rejection::MissingClaim,
                E::Json(_) => Rejection::MissingClaim,
                _ => Rejection::Malformed,
            })?;
        if data.claims.sub.trim().is_empty() {
            return Err(Rejection::MissingClaim);
        }
        Ok(data.claims.sub)
    }
}

/// The `alg` of a token's header, read without trusting it.
fn header_alg(token: &str) -> Option<String> {
    use base64::Engine;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header.trim_end_matches('='))
        .ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(str::to_string)
}

/// A token for `sub`, valid `ttl_seconds` from `now` (seconds since the Unix epoch).
pub fn mint(secret: &Secret, sub: &str, ttl_seconds: u64, now: u64) -> Result<String, String> {
    if sub.trim().is_empty() {
        return Err("--sub must not be empty".into());
    }
    let claims = Claims {
        sub: sub.to_string(),
        iat: now,
        exp: now.saturating_add(ttl_seconds),
    };
    let key = EncodingKey::from_secret(&secret.0)
        .map_err(|e| format!("unusable GATEWAY_TOKEN_SECRET: {e}"))?;
    encode(&Header::new(Algorithm::HS256), &claims, &key)
        .map_err(|e| format!("cannot sign the token: {e}"))
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
