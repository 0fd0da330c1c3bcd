//! Token verification: every way a token can be wrong, signed for real.

use super::*;
use base64::Engine;

const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";

fn secret() -> Secret {
    Secret::new(SECRET).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A token with any header and claims, signed (HS256 or HS384) with `key`.
fn signed(alg: Algorithm, claims: serde_json::Value, key: &[u8]) -> String {
    encode(
        &Header::new(alg),
        &claims,
        &EncodingKey::from_secret(key).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_fresh_token_names_its_user() {
    let token = mint(&secret(), "alice", 600, unix_now()).unwrap();
    assert_eq!(
        Verifier::new(&secret()).unwrap().verify(&token),
        Ok("alice".into())
    );
}

#[test]
fn short_secrets_are_refused() {
    let err = Secret::new(&[b'x'; 31]).err().unwrap();
    assert!(err.contains("at least 32 bytes"), "{err}");
    assert!(Secret::new(&[b'x'; 32]).is_ok());
}

#[test]
fn expired_tokens_are_refused() {
    let now = unix_now();
    let token = mint(&secret(), "alice", 10, now - 100).unwrap();
    assert_eq!(
        Verifier::new(&secret()).unwrap().verify(&token),
        Err(Rejection::Expired)
    );
}

#[test]
fn another_secret_is_a_bad_signature() {
    let other = Secret::new(b"another-secret-another-secret-another").unwrap();
    let token = mint(&other, "alice", 600, unix_now()).unwrap();
    assert_eq!(
        Verifier::new(&secret()).unwrap().verify(&token),
        Err(Rejection::BadSignature)
    );
}

#[test]
fn a_tampered_payload_is_a_bad_signature() {
    let token = mint(&secret(), "alice", 600, unix_now()).unwrap();
    let parts: Vec<&str> = token.split('.').collect();
    let now = unix_now();
    let payload = b64(format!(r#"{{"sub":"mallory","iat":{now},"exp":{}}}"#, now + 600).as_bytes());
    let forged = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_eq!(
        Verifier::new(&secret()).unwrap().verify(&forged),
        Err(Rejection::BadSignature)
    );
}

#[test]
fn alg_none_is_refused() {
    let now = unix_now();
    let header = b64(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64(format!(r#"{{"sub":"alice","iat":{now},"exp":{}}}"#, now + 600).as_bytes());
    for token in [
        format!("{header}.{payload}."),
        format!("{header}.{payload}"),
    ] {
        assert_eq!(
            Verifier::new(&secret()).unwrap().verify(&token),
            Err(Rejection::WrongAlgorithm),
            "{token}"
        );
    }
}

#[test]
fn other_algorithms_are_refused_even_with_the_right_key() {
    let now = unix_now();
    let claims = serde_json::json!({"sub": "alice", "iat": now, "exp": now + 600});
    let token = signed(Algorithm::HS384, claims, SECRET);
    assert_eq!(
        Verifier::new(&secret()).unwrap().verify(&token),
        Err(Rejection::WrongAlgorithm)
    );
}

#[test]
fn a_token_without_sub_or_exp_is_refused() {
    let now = unix_now();
    let no_sub = signed(
        Algorithm::HS256,
        serde_json::json!({"iat": now, "exp": now + 600}),
        SECRET,
    );
    let empty_sub = signed(
        Algorithm::HS256,
        serde_json::json!({"sub": " ", "iat": now, "exp": now + 600}),
        SECRET,
    );
    let no_exp = signed(
        Algorithm::HS256,
        serde_json::json!({"sub": "alice", "iat": now}),
        SECRET,
    );
    let verifier = Verifier::new(&secret()).unwrap();
    for token in [no_sub, empty_sub, no_exp] {
        assert_eq!(verifier.verify(&token), Err(Rejection::MissingClaim));
    }
}

#[test]
fn garbage_and_empty_tokens_are_refused() {
    let verifier = Verifier::new(&secret()).unwrap();
    assert_eq!(verifier.verify(""), Err(Rejection::Missing));
    assert!(verifier.verify("ovs-raw-api-key").is_err());
    assert!(verifier.verify("a.b.c").is_err());
}
