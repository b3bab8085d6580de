//! What an IdP says about the citizen: the ID token (signature with the
//! pinned algorithm, `iss`, `aud`, `exp`, `iat`, `nonce`, `sub`, `acr`) and
//! userinfo (JSON, or a JWT signed with the pinned algorithm, same `sub`).

use super::client::{short, timeout_of, IdpClient, IdpError};
use super::own_keys::{open_answer, OwnKeys};
use crate::jose::numeric_date;
use relais_core::partner::IdentityProvider;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedIdToken {
    pub sub: String,
    pub acr: Option<String>,
    pub amr: Option<Vec<String>>,
    pub raw: String,
}

impl IdpClient {
    /// Verifies an IdP ID token: pinned algorithm and signature, `iss`, `aud`,
    /// `exp` (with 60 s leeway), `iat`, `nonce`, and a non-empty `sub`.
    pub async fn verify_id_token(
        &self,
        idp: &IdentityProvider,
        id_token: &str,
        expected_nonce: &str,
        now_millis: i64,
        own: OwnKeys<'_>,
    ) -> Result<VerifiedIdToken, IdpError> {
        let alg = idp.id_token_signed_response_alg;
        let signed = open_answer(
            id_token,
            idp.id_token_encrypted_response_alg,
            own.decryption,
        )
        .map_err(IdpError::IdToken)?;
        let claims = self
            .verify_jws(idp, &signed, alg, now_millis)
            .await
            .map_err(|e| IdpError::IdToken(e.to_string()))?;
        check_id_token_claims(idp, &claims, &signed, expected_nonce, now_millis)
    }

    /// Fetches userinfo (JSON, or a JWT signed with the IdP's pinned alg).
    pub async fn userinfo(
        &self,
        idp: &IdentityProvider,
        access_token: &str,
        now_millis: i64,
        own: OwnKeys<'_>,
    ) -> Result<Map<String, Value>, IdpError> {
        let url = self
            .endpoint_url(&idp.endpoints.userinfo_endpoint)
            .map_err(IdpError::Userinfo)?;
        let resp = self
            .http
            .get(url)
            .bearer_auth(access_token)
            .timeout(timeout_of(idp))
            .send()
            .await
            .map_err(|e| IdpError::Userinfo(short(&e)))?;
        let (status, ctype, body) = Self::read_body(resp).await.map_err(IdpError::Userinfo)?;
        if status != 200 {
            return Err(IdpError::Userinfo(format!("HTTP {status}")));
        }
        let is_jwt = ctype
            .as_deref()
            .is_some_and(|c| c.starts_with("application/jwt"));
        match (&idp.userinfo_signed_response_alg, is_jwt) {
            (Some(alg), true) => {
                let alg = *alg;
                let text = std::str::from_utf8(&body)
                    .map_err(|_| IdpError::Userinfo("not text".into()))?;
                let signed = open_answer(
                    text.trim(),
                    idp.userinfo_encrypted_response_alg,
                    own.decryption,
                )
                .map_err(|e| IdpError::Userinfo(format!("userinfo: {e}")))?;
                let claims = self
                    .verify_jws(idp, &signed, alg, now_millis)
                    .await
                    .map_err(|e| IdpError::Userinfo(format!("signed userinfo: {e}")))?;
                if let Some(iss) = claims.get("iss").and_then(Value::as_str) {
                    if iss != idp.endpoints.issuer {
                        return Err(IdpError::Userinfo("signed userinfo: wrong iss".into()));
                    }
                }
                Ok(claims)
            }
            (Some(_), false) => Err(IdpError::Userinfo("expected a signed userinfo".into())),
            (None, _) => parse_userinfo_json(&body),
        }
    }
}

/// The claim checks of an IdP ID token whose signature has been verified:
/// `iss`, `aud` (and `azp`), `exp` (60 s leeway), `iat`, `nonce` (constant
/// time), a `sub` of 1 to 255 characters.
pub fn check_id_token_claims(
    idp: &IdentityProvider,
    claims: &Map<String, Value>,
    id_token: &str,
    expected_nonce: &str,
    now_millis: i64,
) -> Result<VerifiedIdToken, IdpError> {
    let now = now_millis / 1000;
    let str_claim = |k: &str| claims.get(k).and_then(Value::as_str);
    if str_claim("iss") != Some(idp.endpoints.issuer.as_str()) {
        return Err(IdpError::IdToken("wrong iss".into()));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => *a == idp.client_id,
        Some(Value::Array(list)) => {
            list.iter()
                .any(|a| a.as_str() == Some(idp.client_id.as_str()))
                && (list.len() == 1 || str_claim("azp") == Some(idp.client_id.as_str()))
        }
        _ => false,
    };
    if !aud_ok {
        return Err(IdpError::IdToken("wrong aud".into()));
    }
    match numeric_date(claims, "exp") {
        Some(exp) if exp + 60 >= now => {}
        Some(_) => return Err(IdpError::IdToken("expired".into())),
        None => return Err(IdpError::IdToken("no exp".into())),
    }
    if numeric_date(claims, "iat").is_some_and(|iat| iat > now + 60) {
        return Err(IdpError::IdToken("issued in the future".into()));
    }
    let nonce_ok = str_claim("nonce").is_some_and(|n| {
        bool::from(subtle::ConstantTimeEq::ct_eq(
            n.as_bytes(),
            expected_nonce.as_bytes(),
        ))
    });
    if !nonce_ok {
        return Err(IdpError::IdToken("wrong nonce".into()));
    }
    let sub = str_claim("sub")
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| IdpError::IdToken("no sub".into()))?;
    let amr = claims.get("amr").and_then(Value::as_array).map(|a| {
        a.iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect::<Vec<_>>()
    });
    Ok(VerifiedIdToken {
        sub: sub.to_owned(),
        acr: str_claim("acr").map(str::to_owned),
        amr,
        raw: id_token.to_owned(),
    })
}

/// A userinfo answer sent as plain JSON: an object, nothing else.
pub fn parse_userinfo_json(body: &[u8]) -> Result<Map<String, Value>, IdpError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(IdpError::Userinfo("answer is not a JSON object".into())),
    }
}
