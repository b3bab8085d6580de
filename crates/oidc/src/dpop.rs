//! DPoP proofs (RFC 9449): a client proves, on each request, that it holds
//! the private key an access token is bound to. Relais verifies the proof
//! at the token endpoint (and binds the token to the key's thumbprint,
//! `jkt`), at userinfo (the proof must carry `ath`, the token's hash, and
//! the token's `jkt`), and reports `cnf.jkt` at checktoken so data
//! providers can check the proof the service presented to them.
//!
//! Pure checks here; the single use of `jti` is the caller's (through the
//! ephemeral store, as for client assertions).

use crate::jose::base64url::{b64, unb64};
use crate::jose::{self, Jwk, JwkSet, JwsAlg, Verifier};
use crate::keys::thumbprint;
use aws_lc_rs::digest;
use serde_json::{Map, Value};

/// How far `iat` may be from now, either way.
pub const IAT_WINDOW_SECS: i64 = 60;
/// Longest accepted proof.
pub const MAX_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DpopError {
    #[error("DPoP proof is not a JWT with typ dpop+jwt")]
    Malformed,
    #[error("DPoP proof algorithm must be ES256 or RS256 with a public jwk")]
    BadKey,
    #[error("DPoP proof signature does not verify")]
    BadSignature,
    #[error("DPoP proof htm/htu do not match this request")]
    WrongRequest,
    #[error("DPoP proof iat too far from now")]
    Stale,
    #[error("DPoP proof without jti")]
    MissingJti,
    #[error("DPoP proof ath does not match the access token")]
    WrongAccessToken,
}

/// A verified proof: the key's thumbprint and the proof's `jti`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopProof {
    pub jkt: String,
    pub jti: String,
}

/// `ath`: base64url(SHA-256(access token)).
pub fn access_token_hash(token: &str) -> String {
    b64(digest::digest(&digest::SHA256, token.as_bytes()).as_ref())
}

/// Whether a proof's `htu` names `request`: both read as URLs and
/// compared without query and fragment, after the normalisation RFC 9449
/// §4.3 asks for (RFC 3986 §6.2.2 and §6.2.3: scheme and host in any case,
/// a default port written or not, dot segments resolved), so a client
/// that writes the URL its own way is not refused for it.
fn same_target(htu: &str, request: &str) -> bool {
    let (Ok(claimed), Ok(actual)) = (url::Url::parse(htu), url::Url::parse(request)) else {
        return false;
    };
    claimed.scheme() == actual.scheme()
        && claimed.host() == actual.host()
        && claimed.port_or_known_default() == actual.port_or_known_default()
        && claimed.path() == actual.path()
        && claimed.username().is_empty()
        && claimed.password().is_none()
}

/// Verifies `proof` for a request `htm` to `htu` (scheme, host and path;
/// query and fragment ignored), with `access_token` when the request
/// carries one.
pub fn verify_proof(
    proof: &str,
    htm: &str,
    htu: &str,
    access_token: Option<&str>,
    now: i64,
) -> Result<DpopProof, DpopError> {
    if proof.len() > MAX_LEN {
        return Err(DpopError::Malformed);
    }
    let header_b64 = proof.split('.').next().ok_or(DpopError::Malformed)?;
    let header: Map<String, Value> = unb64(header_b64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(DpopError::Malformed)?;
    if header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err(DpopError::Malformed);
    }
    let alg = match header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(JwsAlg::parse)
    {
        Some(a @ (JwsAlg::ES256 | JwsAlg::RS256)) => a,
        _ => return Err(DpopError::BadKey),
    };
    let raw_jwk = header
        .get("jwk")
        .and_then(Value::as_object)
        .ok_or(DpopError::BadKey)?;
    if ["d", "p", "q", "dp", "dq", "qi", "k"]
        .iter()
        .any(|private| raw_jwk.contains_key(*private))
    {
        return Err(DpopError::BadKey);
    }
    let mut jwk: Jwk =
        serde_json::from_value(Value::Object(raw_jwk.clone())).map_err(|_| DpopError::BadKey)?;
    // The proof's header has no kid: the one key given verifies it.
    jwk.kid = None;
    jwk.use_ = None;
    let set = JwkSet { keys: vec![jwk] };
    let claims = jose::verify(proof, alg, Verifier::Keys(&set)).map_err(|e| match e {
        jose::JoseError::BadSignature => DpopError::BadSignature,
        jose::JoseError::Malformed => DpopError::Malformed,
        _ => DpopError::BadKey,
    })?;
    let s = |k: &str| claims.get(k).and_then(Value::as_str);
    if s("htm") != Some(htm) || !s("htu").is_some_and(|claimed| same_target(claimed, htu)) {
        return Err(DpopError::WrongRequest);
    }
    match jose::numeric_date(&claims, "iat") {
        Some(iat) if (iat - now).abs() <= IAT_WINDOW_SECS => {}
        _ => return Err(DpopError::Stale),
    }
    let jti = s("jti")
        .filter(|j| !j.is_empty() && j.len() <= 256)
        .ok_or(DpopError::MissingJti)?;
    if let Some(token) = access_token {
        if s("ath") != Some(access_token_hash(token).as_str()) {
            return Err(DpopError::WrongAccessToken);
        }
    }
    let jkt = set.keys.first().map(thumbprint).ok_or(DpopError::BadKey)?;
    Ok(DpopProof {
        jkt,
        jti: jti.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jose::base64url::b64;
    use crate::SigningKey;
    use serde_json::json;

    fn proof(key: &SigningKey, claims: Value, typ: &str) -> String {
        let mut jwk = serde_json::to_value(key.public_jwk()).unwrap();
        jwk.as_object_mut().unwrap().remove("kid");
        let header = json!({"typ": typ, "alg": key.alg().as_str(), "jwk": jwk});
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let sig = key.sign(signing_input.as_bytes()).unwrap();
        format!("{signing_input}.{}", b64(&sig))
    }

    #[test]
    fn proofs_bind_request_time_and_token() {
        let key = SigningKey::generate(JwsAlg::ES256, "k").unwrap();
        let now = 1_000_000;
        let url = "https://relais.example/api/v2/userinfo";
        let good = json!({"htm": "GET", "htu": url, "iat": now, "jti": "j1", "ath": access_token_hash("at")});
        let p = proof(&key, good.clone(), "dpop+jwt");
        let ok = verify_proof(&p, "GET", url, Some("at"), now).unwrap();
        assert_eq!(ok.jkt, thumbprint(&key.public_jwk()));
        assert_eq!(
            verify_proof(&p, "POST", url, Some("at"), now),
            Err(DpopError::WrongRequest)
        );
        assert_eq!(
            verify_proof(
                &p,
                "GET",
                "https://relais.example/api/v2/token",
                Some("at"),
                now
            ),
            Err(DpopError::WrongRequest)
        );
        assert_eq!(
            verify_proof(&p, "GET", url, Some("other"), now),
            Err(DpopError::WrongAccessToken)
        );
        assert_eq!(
            verify_proof(&p, "GET", url, Some("at"), now + 120),
            Err(DpopError::Stale)
        );
        // The same URL written another way, and a fractional iat.
        for htu in [
            "HTTPS://Relais.Example/api/v2/userinfo",
            "https://relais.example:443/api/v2/userinfo?x=1#f",
            "https://relais.example/api/v2/./userinfo",
        ] {
            let mut c = good.clone();
            c["htu"] = json!(htu);
            c["jti"] = json!(htu);
            c["iat"] = json!(now as f64 + 0.5);
            let p = proof(&key, c, "dpop+jwt");
            assert!(
                verify_proof(&p, "GET", url, Some("at"), now).is_ok(),
                "{htu}"
            );
        }
        for htu in [
            "https://relais.example:8443/api/v2/userinfo",
            "http://relais.example/api/v2/userinfo",
            "https://relais.example/api/v2/Userinfo",
            "https://user@relais.example/api/v2/userinfo",
            "/api/v2/userinfo",
        ] {
            let mut c = good.clone();
            c["htu"] = json!(htu);
            let p = proof(&key, c, "dpop+jwt");
            assert_eq!(
                verify_proof(&p, "GET", url, Some("at"), now),
                Err(DpopError::WrongRequest),
                "{htu}"
            );
        }
        let mut c = good.clone();
        c["iat"] = json!("1000000");
        let p = proof(&key, c, "dpop+jwt");
        assert_eq!(
            verify_proof(&p, "GET", url, Some("at"), now),
            Err(DpopError::Stale)
        );
        let jwt = proof(&key, good, "JWT");
        assert_eq!(
            verify_proof(&jwt, "GET", url, Some("at"), now),
            Err(DpopError::Malformed)
        );
        let hs = jose::sign(&json!({}), jose::Signer::Secret(b"x"), Some("dpop+jwt")).unwrap();
        assert_eq!(
            verify_proof(&hs, "GET", url, None, now),
            Err(DpopError::BadKey)
        );
    }
}
