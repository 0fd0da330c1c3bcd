//! LiveKit access tokens: HS256 JWTs with LiveKit's claim layout (`sub` = identity,
//! `video.room` + `video.roomJoin`), signed and checked with the emulator's own
//! secret. Expiry is enforced with no leeway, so a test can give tokens a lifetime
//! of a few seconds and see a stale one refused.

use super::unix_time;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The room grant of a token (LiveKit's `VideoGrant`, the fields used here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoGrant {
    /// The room the token lets its holder join.
    #[serde(default)]
    pub room: String,
    /// Whether it may join at all.
    #[serde(default)]
    pub room_join: bool,
    /// Whether it may publish.
    #[serde(default)]
    pub can_publish: bool,
}

/// LiveKit's claim set (the fields used here).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Claims {
    /// The participant identity.
    sub: String,
    /// The API key that signed it (LiveKit's `iss`).
    iss: String,
    nbf: u64,
    exp: u64,
    /// A unique token id: two tokens minted in the same second still differ.
    #[serde(default)]
    jti: String,
    video: VideoGrant,
}

/// Who a valid token admits, to which room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The participant identity (`sub`).
    pub identity: String,
    /// The room (`video.room`).
    pub room: String,
    /// Whether it may publish (`video.canPublish`); viewer tokens may not.
    pub can_publish: bool,
}

/// Why a token is refused (never quotes the token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Expired, badly signed, or not a JWT.
    Invalid(String),
    /// Valid, but grants no room join.
    NoRoomGrant,
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Invalid(why) => write!(f, "invalid token: {why}"),
            TokenError::NoRoomGrant => f.write_str("the token grants no room join"),
        }
    }
}

/// Signs and checks tokens with one secret.
pub struct TokenIssuer {
    secret: Vec<u8>,
    lifetime: Duration,
}

/// The API key named in `iss` (LiveKit servers look the secret up by it).
const ISSUER: &str = "overshoot-emulator";

impl TokenIssuer {
    /// An issuer whose tokens live `lifetime`.
    pub fn new(secret: Vec<u8>, lifetime: Duration) -> Self {
        TokenIssuer { secret, lifetime }
    }

    /// How long the tokens it mints live.
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// A token admitting `identity` to `room`, allowed to publish.
    pub fn mint(&self, room: &str, identity: &str) -> Result<String, TokenError> {
        self.mint_with(room, identity, true, self.lifetime)
    }

    /// A token admitting `identity` to `room` for `lifetime`, allowed to publish
    /// or subscribe-only.
    pub fn mint_with(
        &self,
        room: &str,
        identity: &str,
        can_publish: bool,
        lifetime: Duration,
    ) -> Result<String, TokenError> {
        static MINTED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let serial = MINTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = unix_time();
        let claims = Claims {
            sub: identity.to_string(),
            iss: ISSUER.to_string(),
            nbf: now.as_secs().saturating_sub(1),
            exp: expiry(now, lifetime),
            jti: format!("{:x}-{serial}", now.as_nanos()),
            video: VideoGrant {
                room: room.to_string(),
                room_join: true,
                can_publish,
            },
        };
        let key = EncodingKey::from_secret(&self.secret)
            .map_err(|e| TokenError::Invalid(e.to_string()))?;
        encode(&Header::new(Algorithm::HS256), &claims, &key)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }

    /// The grant of a token this issuer signed and that has not expired.
    pub fn verify(&self, token: &str) -> Result<Grant, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let key = DecodingKey::from_secret(&self.secret)
            .map_err(|e| TokenError::Invalid(e.kind().clone().into_reason()))?;
        let data = decode::<Claims>(token, &key, &validation)
            .map_err(|e| TokenError::Invalid(e.kind().clone().into_reason()))?;
        let c = data.claims;
        // jsonwebtoken accepts a token through its whole `exp` second; RFC 7519 §4.1.4
        // refuses it from `exp` on.
        if unix_time().as_secs_f64() >= c.exp as f64 {
            return Err(TokenError::Invalid("expired".into()));
        }
        if !c.video.room_join || c.video.room.is_empty() {
            return Err(TokenError::NoRoomGrant);
        }
        Ok(Grant {
            identity: c.sub,
            room: c.video.room,
            can_publish: c.video.can_publish,
        })
    }
}

/// A short, token-free description of a jsonwebtoken error kind.
trait Reason {
    fn into_reason(self) -> String;
}

impl Reason for jsonwebtoken::errors::ErrorKind {
    fn into_reason(self) -> String {
        use jsonwebtoken::errors::ErrorKind as K;
        match self {
            K::ExpiredSignature => "expired".into(),
            K::ImmatureSignature => "not yet valid".into(),
            K::InvalidSignature => "bad signature".into(),
            K::MissingRequiredClaim(c) => format!("missing claim {c}"),
            _ => "malformed".into(),
        }
    }
}

/// The `exp` (whole seconds) of a token minted at `now` (since the Unix epoch) to
/// live `lifetime` (at least 1 s): rounded up, so it is valid for at least that long.
fn expiry(now: Duration, lifetime: Duration) -> u64 {
    let lifetime = lifetime.max(Duration::from_secs(1));
    (now.as_secs_f64() + lifetime.as_secs_f64()).ceil() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_verify_and_others_do_not() {
        let issuer = TokenIssuer::new(b"secret-one".to_vec(), Duration::from_secs(60));
        let token = issuer.mint("room-a", "alice").unwrap();
        assert_eq!(
            issuer.verify(&token),
            Ok(Grant {
                identity: "alice".into(),
                room: "room-a".into(),
                can_publish: true,
            })
        );
        let again = issuer.mint("room-a", "alice").unwrap();
        assert_ne!(token, again, "every token is fresh");
        let viewer = issuer
            .mint_with("room-a", "viewer", false, Duration::from_secs(5))
            .unwrap();
        assert_eq!(issuer.verify(&viewer).map(|g| g.can_publish), Ok(false));
        let other = TokenIssuer::new(b"secret-two".to_vec(), Duration::from_secs(60));
        assert_eq!(
            other.verify(&token),
            Err(TokenError::Invalid("bad signature".into()))
        );
        assert!(matches!(
            issuer.verify("lk-x-0"),
            Err(TokenError::Invalid(_))
        ));
    }

    #[test]
    fn expiry_rounds_up_from_the_exact_time() {
        let secs = |s: f64| Duration::from_secs_f64(s);
        // Late in a second: a 1 s token still lives at least 1 s (not 50 ms).
        assert_eq!(expiry(secs(1000.95), secs(1.0)), 1002);
        assert_eq!(expiry(secs(1000.0), secs(1.0)), 1001);
        assert_eq!(expiry(secs(1000.2), secs(2.5)), 1003);
        assert_eq!(expiry(secs(1000.6), secs(2.5)), 1004);
        // A zero lifetime is taken as the 1 s minimum.
        assert_eq!(expiry(secs(1000.5), Duration::ZERO), 1002);
    }

    #[test]
    fn expiry_is_enforced_without_leeway() {
        let issuer = TokenIssuer::new(b"s".to_vec(), Duration::from_secs(1));
        let token = issuer.mint("r", "i").unwrap();
        assert!(issuer.verify(&token).is_ok());
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(
            issuer.verify(&token),
            Err(TokenError::Invalid("expired".into()))
        );
    }
}
