//! Compact JWS serialisation: sign and verify with a pinned algorithm.

use super::base64url::{push_b64, unb64};
use super::error::JoseError;
use super::jwk::JwkSet;
use crate::keys::SigningKey;
use aws_lc_rs::hmac;
use relais_core::alg::JwsAlg;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The protected header Relais reads: `alg`, `kid`, `typ`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JwsHeader {
    pub alg: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
}

/// Key material to sign with: an asymmetric key, or a client secret (HS256).
pub enum Signer<'a> {
    Key(&'a SigningKey),
    Secret(&'a [u8]),
}

/// The header as [`sign`] writes it: [`JwsHeader`]'s fields and order,
/// borrowed rather than copied into strings of their own.
#[derive(Serialize)]
struct SigningHeader<'a> {
    alg: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    typ: Option<&'a str>,
}

/// Signs `claims` as a compact JWS.
pub fn sign(claims: &Value, signer: Signer<'_>, typ: Option<&str>) -> Result<String, JoseError> {
    let header = match &signer {
        Signer::Key(k) => SigningHeader {
            alg: k.alg().as_str(),
            kid: Some(k.kid()),
            typ,
        },
        Signer::Secret(_) => SigningHeader {
            alg: "HS256",
            kid: None,
            typ,
        },
    };
    let header = serde_json::to_vec(&header).map_err(|_| JoseError::SigningFailed)?;
    let payload = serde_json::to_vec(claims).map_err(|_| JoseError::SigningFailed)?;
    // Room for both parts in base64url, the dots and an RS256 signature
    // (256 bytes, 342 characters): the parts are encoded in place.
    let mut out = String::with_capacity((header.len() + payload.len()) * 4 / 3 + 350);
    push_b64(&mut out, &header);
    out.push('.');
    push_b64(&mut out, &payload);
    let sig = match signer {
        Signer::Key(k) => k.sign(out.as_bytes())?,
        Signer::Secret(secret) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
            hmac::sign(&key, out.as_bytes()).as_ref().to_vec()
        }
    };
    out.push('.');
    push_b64(&mut out, &sig);
    Ok(out)
}

fn split(token: &str) -> Result<(&str, &str, &str), JoseError> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(h), Some(p), Some(s), None) if !h.is_empty() && !p.is_empty() => Ok((h, p, s)),
        _ => Err(JoseError::Malformed),
    }
}

/// Reads the header without verifying anything (to pick a key set).
pub fn decode_unverified_header(token: &str) -> Result<JwsHeader, JoseError> {
    let (h, _, _) = split(token)?;
    serde_json::from_slice(&unb64(h)?).map_err(|_| JoseError::Malformed)
}

/// What a verification may use.
pub enum Verifier<'a> {
    Keys(&'a JwkSet),
    Secret(&'a [u8]),
}

/// Verifies a compact JWS whose algorithm must be exactly `alg`, and returns
/// its claims object.
pub fn verify(
    token: &str,
    alg: JwsAlg,
    with: Verifier<'_>,
) -> Result<Map<String, Value>, JoseError> {
    let (h, p, s) = split(token)?;
    let header: JwsHeader = serde_json::from_slice(&unb64(h)?).map_err(|_| JoseError::Malformed)?;
    if header.alg != alg.as_str() {
        return Err(JoseError::UnexpectedAlg(
            header.alg.chars().take(16).collect(),
        ));
    }
    let sig = unb64(s)?;
    let signed = &token[..h.len() + 1 + p.len()];
    match (alg, with) {
        (JwsAlg::HS256, Verifier::Secret(secret)) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
            hmac::verify(&key, signed.as_bytes(), &sig).map_err(|_| JoseError::BadSignature)?;
        }
        (JwsAlg::ES256 | JwsAlg::RS256, Verifier::Keys(set)) => {
            let key = set
                .find(header.kid.as_deref(), alg)
                .ok_or(JoseError::UnknownKey)?;
            key.verify(alg, signed.as_bytes(), &sig)?;
        }
        _ => return Err(JoseError::UnexpectedAlg(alg.as_str().into())),
    }
    match serde_json::from_slice(&unb64(p)?) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(JoseError::Malformed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::base64url::b64;
    use serde_json::json;

    fn keys() -> (SigningKey, SigningKey) {
        let es = SigningKey::generate(JwsAlg::ES256, "es").unwrap();
        let rs = SigningKey::generate(JwsAlg::RS256, "rs").unwrap();
        (es, rs)
    }

    #[test]
    fn round_trips_and_pins() {
        let (es, rs) = keys();
        let set = JwkSet {
            keys: vec![es.public_jwk(), rs.public_jwk()],
        };
        let claims = json!({"sub": "x"});
        let t = sign(&claims, Signer::Key(&es), None).unwrap_or_default();
        assert_eq!(
            verify(&t, JwsAlg::ES256, Verifier::Keys(&set))
                .ok()
                .map(Value::Object),
            Some(claims.clone())
        );
        assert!(matches!(
            verify(&t, JwsAlg::RS256, Verifier::Keys(&set)),
            Err(JoseError::UnexpectedAlg(_))
        ));
        let t = sign(&claims, Signer::Key(&rs), None).unwrap_or_default();
        assert!(verify(&t, JwsAlg::RS256, Verifier::Keys(&set)).is_ok());
        // tampered payload
        let mut parts: Vec<&str> = t.split('.').collect();
        let other = b64(br#"{"sub":"y"}"#);
        parts[1] = &other;
        assert_eq!(
            verify(&parts.join("."), JwsAlg::RS256, Verifier::Keys(&set)),
            Err(JoseError::BadSignature)
        );
    }

    #[test]
    fn refuses_none_and_hs_confusion() {
        let (es, _) = keys();
        let set = JwkSet {
            keys: vec![es.public_jwk()],
        };
        let none = format!("{}.{}.", b64(br#"{"alg":"none"}"#), b64(br#"{"sub":"x"}"#));
        assert!(matches!(
            verify(&none, JwsAlg::ES256, Verifier::Keys(&set)),
            Err(JoseError::UnexpectedAlg(_))
        ));
        // HS256 token signed with the public key bytes must not pass an ES256 verifier
        let pubkey = serde_json::to_vec(&es.public_jwk()).unwrap_or_default();
        let hs = sign(&json!({"sub":"x"}), Signer::Secret(&pubkey), None).unwrap_or_default();
        assert!(verify(&hs, JwsAlg::ES256, Verifier::Keys(&set)).is_err());
        assert!(verify(&hs, JwsAlg::HS256, Verifier::Secret(&pubkey)).is_ok());
        assert!(verify(&hs, JwsAlg::HS256, Verifier::Secret(b"other")).is_err());
    }

    #[test]
    fn unknown_kid_is_refused() {
        let (es, _) = keys();
        let other = SigningKey::generate(JwsAlg::ES256, "other").unwrap();
        let set = JwkSet {
            keys: vec![other.public_jwk()],
        };
        let t = sign(&json!({}), Signer::Key(&es), None).unwrap_or_default();
        assert_eq!(
            verify(&t, JwsAlg::ES256, Verifier::Keys(&set)),
            Err(JoseError::UnknownKey)
        );
    }

    #[test]
    fn the_signing_header_is_written_as_the_read_one() {
        for (kid, typ) in [
            (None, None),
            (Some("k1"), None),
            (None, Some("JWT")),
            (Some("k1"), Some("at+jwt")),
        ] {
            let borrowed = SigningHeader {
                alg: "ES256",
                kid,
                typ,
            };
            let owned = JwsHeader {
                alg: "ES256".into(),
                kid: kid.map(Into::into),
                typ: typ.map(Into::into),
            };
            assert_eq!(
                serde_json::to_string(&borrowed).unwrap(),
                serde_json::to_string(&owned).unwrap()
            );
        }
    }
}
