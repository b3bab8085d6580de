//! RFC 7523 client assertions (`private_key_jwt`): a service proves who it
//! is by signing a short-lived JWT with a key of its registered JWKS.
//!
//! The web layer reads the unverified `iss` to find the service, verifies
//! the signature with [`verify_signature`] (asymmetric algorithms only,
//! pinned to what the key is), then checks the claims here with
//! [`check_claims`]; the single use of `jti` is enforced by the caller
//! through the ephemeral store, for as long as the assertion could live.

use crate::jose::base64url::unb64;
use crate::jose::{self, numeric_date, JoseError, JwkSet, JwsAlg, Verifier};
use serde_json::{Map, Value};

/// `client_assertion_type` of RFC 7523.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// Longest lifetime (`exp` − now) an assertion may claim.
pub const MAX_LIFETIME_SECS: i64 = 300;
/// Clock skew tolerated on `iat` / `nbf`.
const SKEW_SECS: i64 = 30;
/// Longest accepted assertion.
pub const MAX_LEN: usize = 8192;

/// Why an assertion is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("client assertion is not a JWT")]
    Malformed,
    #[error("client assertion signature: {0}")]
    Signature(JoseError),
    #[error("client assertion iss and sub must both be the client_id")]
    WrongIssuer,
    #[error("client assertion aud is not this endpoint or the issuer")]
    WrongAudience,
    #[error("client assertion expired")]
    Expired,
    #[error("client assertion lives longer than five minutes or is not yet valid")]
    TooLong,
    #[error("client assertion has no usable jti")]
    MissingJti,
}

/// What a verified assertion leaves for the caller: its `jti` and when it
/// expires (the replay record lives until then).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedAssertion {
    pub jti: String,
    pub exp: i64,
}

/// The `iss` the assertion claims, before anything is verified: which
/// service's keys to try.
pub fn claimed_issuer(assertion: &str) -> Result<String, AssertionError> {
    if assertion.len() > MAX_LEN {
        return Err(AssertionError::Malformed);
    }
    let mut parts = assertion.split('.');
    let payload = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(p), Some(_), None) => p,
        _ => return Err(AssertionError::Malformed),
    };
    let claims: Map<String, Value> = unb64(payload)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(AssertionError::Malformed)?;
    claims
        .get("iss")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= 128)
        .map(str::to_owned)
        .ok_or(AssertionError::WrongIssuer)
}

/// Verifies the signature with the service's keys. The algorithm is the
/// header's only if it is one of `allowed` and asymmetric (never `none` or
/// HS256: a private_key_jwt service has no shared secret); the key must fit
/// it.
pub fn verify_signature(
    assertion: &str,
    keys: &JwkSet,
    allowed: &[JwsAlg],
) -> Result<Map<String, Value>, AssertionError> {
    let header = jose::decode_unverified_header(assertion).map_err(AssertionError::Signature)?;
    let alg = match JwsAlg::parse(&header.alg) {
        Some(a) if a != JwsAlg::HS256 && allowed.contains(&a) => a,
        _ => {
            return Err(AssertionError::Signature(JoseError::UnexpectedAlg(
                header.alg.chars().take(16).collect(),
            )))
        }
    };
    jose::verify(assertion, alg, Verifier::Keys(keys)).map_err(AssertionError::Signature)
}

/// Checks the claims of a verified assertion: `iss` = `sub` = the client,
/// `aud` one of `audiences` (string or array), `exp` in the future and at
/// most five minutes away, `iat`/`nbf` not in the future, a `jti`.
pub fn check_claims(
    claims: &Map<String, Value>,
    client_id: &str,
    audiences: &[&str],
    now: i64,
) -> Result<CheckedAssertion, AssertionError> {
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if s("iss") != Some(client_id) || s("sub") != Some(client_id) {
        return Err(AssertionError::WrongIssuer);
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => audiences.contains(&a.as_str()),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .any(|a| audiences.contains(&a)),
        _ => false,
    };
    if !aud_ok {
        return Err(AssertionError::WrongAudience);
    }
    let exp = numeric_date(claims, "exp").ok_or(AssertionError::Expired)?;
    if exp <= now {
        return Err(AssertionError::Expired);
    }
    if exp - now > MAX_LIFETIME_SECS {
        return Err(AssertionError::TooLong);
    }
    for k in ["iat", "nbf"] {
        if claims.contains_key(k) {
            match numeric_date(claims, k) {
                Some(t) if t <= now + SKEW_SECS => {}
                _ => return Err(AssertionError::TooLong),
            }
        }
    }
    let jti = s("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or(AssertionError::MissingJti)?;
    Ok(CheckedAssertion {
        jti: jti.to_owned(),
        exp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::Signer;
    use crate::SigningKey;
    use serde_json::json;

    const ALGS: &[JwsAlg] = &[JwsAlg::ES256, JwsAlg::RS256];
    const AUD: &[&str] = &[
        "https://relais.example/api/v2/token",
        "https://relais.example/api/v2",
    ];

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    fn good(now: i64) -> Value {
        json!({"iss": "sp", "sub": "sp", "aud": AUD[0], "exp": now + 60, "iat": now, "jti": "j1"})
    }

    #[test]
    fn claims_rules() {
        let now = 1_000_000;
        assert_eq!(
            check_claims(&claims(good(now)), "sp", AUD, now),
            Ok(CheckedAssertion {
                jti: "j1".into(),
                exp: now + 60
            })
        );
        let with = |k: &str, v: Value| {
            let mut c = claims(good(now));
            c.insert(k.into(), v);
            check_claims(&c, "sp", AUD, now).err()
        };
        assert_eq!(
            with("sub", json!("other")),
            Some(AssertionError::WrongIssuer)
        );
        assert_eq!(
            with("aud", json!("https://evil.example")),
            Some(AssertionError::WrongAudience)
        );
        assert_eq!(
            with("aud", json!(["x", AUD[1]])),
            None,
            "issuer in an array"
        );
        assert_eq!(with("exp", json!(now)), Some(AssertionError::Expired));
        // NumericDate with a fraction, as Python's time.time() writes it.
        assert_eq!(with("exp", json!(now as f64 + 59.5)), None);
        assert_eq!(with("iat", json!(now as f64 - 0.25)), None);
        assert_eq!(
            with("exp", json!("9999999999")),
            Some(AssertionError::Expired)
        );
        assert_eq!(with("nbf", json!("0")), Some(AssertionError::TooLong));
        assert_eq!(with("exp", json!(now + 301)), Some(AssertionError::TooLong));
        assert_eq!(
            with("iat", json!(now + 3600)),
            Some(AssertionError::TooLong)
        );
        assert_eq!(with("jti", json!("")), Some(AssertionError::MissingJti));
    }

    #[test]
    fn signature_is_asymmetric_and_pinned_to_the_key() {
        let es = SigningKey::generate(JwsAlg::ES256, "k1").unwrap();
        let set = JwkSet {
            keys: vec![es.public_jwk()],
        };
        let t = jose::sign(&good(1), Signer::Key(&es), None).unwrap();
        assert_eq!(claimed_issuer(&t).ok().as_deref(), Some("sp"));
        assert!(verify_signature(&t, &set, ALGS).is_ok());
        assert!(
            verify_signature(&t, &set, &[JwsAlg::RS256]).is_err(),
            "ES256 not allowed there"
        );
        let hs = jose::sign(&good(1), Signer::Secret(b"guess"), None).unwrap();
        assert!(matches!(
            verify_signature(&hs, &set, &[JwsAlg::HS256, JwsAlg::ES256]),
            Err(AssertionError::Signature(JoseError::UnexpectedAlg(_)))
        ));
        let other = SigningKey::generate(JwsAlg::ES256, "k2").unwrap();
        let t = jose::sign(&good(1), Signer::Key(&other), None).unwrap();
        assert_eq!(
            verify_signature(&t, &set, ALGS).err(),
            Some(AssertionError::Signature(JoseError::UnknownKey))
        );
        assert_eq!(claimed_issuer("a.b"), Err(AssertionError::Malformed));
    }
}
