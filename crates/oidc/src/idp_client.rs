//! Relais as a client of an upstream identity provider.
//!
//! One login attempt is: [`authorization_url`] (Relais' own state, nonce and
//! PKCE) → the citizen authenticates → [`IdpClient::exchange_code`] →
//! [`IdpClient::verify_id_token`] (signature with the IdP's JWKS and the
//! algorithm pinned in its configuration, `iss`, `aud`, `exp`, `nonce`) →
//! [`IdpClient::userinfo`] (JSON or a signed JWT). Every outbound call has the
//! IdP's timeout and a response size cap; nothing here panics on a hostile
//! answer, it returns an [`IdpError`] naming what was wrong.

use crate::jose::{self, JwkSet, JwsAlg, Verifier};
use relais_core::acr::AcrLevel;
use relais_core::partner::{IdentityProvider, IdpClientAuth, IdpEndpoints};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

const MAX_BODY: usize = 256 * 1024;
/// Minimum time between two JWKS refreshes caused by an unknown `kid`.
const JWKS_REFRESH_MILLIS: i64 = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdpError {
    #[error("discovery failed: {0}")]
    Discovery(String),
    #[error("token request failed: {0}")]
    Token(String),
    #[error("ID token rejected: {0}")]
    IdToken(String),
    #[error("userinfo request failed: {0}")]
    Userinfo(String),
    #[error("userinfo sub differs from the ID token's")]
    SubMismatch,
}

/// What a verified ID token tells Relais.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedIdToken {
    pub sub: String,
    pub acr: Option<String>,
    pub amr: Option<Vec<String>>,
    pub raw: String,
}

#[derive(Deserialize)]
struct IdpTokenAnswer {
    access_token: Option<String>,
    id_token: Option<String>,
}

/// Tokens returned by an IdP's token endpoint.
#[derive(Debug, Clone)]
pub struct IdpTokens {
    pub access_token: String,
    pub id_token: String,
}

struct CachedJwks {
    set: JwkSet,
    fetched_at: i64,
}

/// HTTP client for upstream IdPs, with a JWKS cache per IdP.
pub struct IdpClient {
    http: reqwest::Client,
    jwks: RwLock<HashMap<String, Arc<CachedJwks>>>,
}

impl IdpClient {
    pub fn new() -> Result<IdpClient, IdpError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(64)
            .user_agent("relais")
            .build()
            .map_err(|e| IdpError::Discovery(format!("HTTP client: {e}")))?;
        Ok(IdpClient {
            http,
            jwks: RwLock::new(HashMap::new()),
        })
    }

    async fn read_body(resp: reqwest::Response) -> Result<(u16, Option<String>, Vec<u8>), String> {
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let mut resp = resp;
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| short(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err("answer too large".into());
            }
            body.extend_from_slice(&chunk);
        }
        Ok((status, ctype, body))
    }

    /// Reads an OpenID provider's discovery document.
    pub async fn discover(&self, url: &str, timeout: Duration) -> Result<IdpEndpoints, IdpError> {
        let resp = self
            .http
            .get(url)
            .timeout(timeout)
            .send()
            .await
            .map_err(|e| IdpError::Discovery(short(&e)))?;
        let (status, _, body) = Self::read_body(resp).await.map_err(IdpError::Discovery)?;
        if status != 200 {
            return Err(IdpError::Discovery(format!("HTTP {status}")));
        }
        #[derive(Deserialize)]
        struct Doc {
            issuer: String,
            authorization_endpoint: String,
            token_endpoint: String,
            userinfo_endpoint: String,
            jwks_uri: String,
            end_session_endpoint: Option<String>,
        }
        let d: Doc = serde_json::from_slice(&body)
            .map_err(|e| IdpError::Discovery(format!("invalid document: {e}")))?;
        Ok(IdpEndpoints {
            issuer: d.issuer,
            authorization_endpoint: d.authorization_endpoint,
            token_endpoint: d.token_endpoint,
            userinfo_endpoint: d.userinfo_endpoint,
            jwks_uri: d.jwks_uri,
            end_session_endpoint: d.end_session_endpoint,
        })
    }

    /// Exchanges the authorization code for tokens.
    pub async fn exchange_code(
        &self,
        idp: &IdentityProvider,
        code: &str,
        redirect_uri: &str,
        code_verifier: &str,
    ) -> Result<IdpTokens, IdpError> {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", code_verifier),
        ];
        let mut req = self
            .http
            .post(&idp.endpoints.token_endpoint)
            .timeout(timeout_of(idp));
        match idp.token_endpoint_auth_method {
            IdpClientAuth::ClientSecretPost => {
                form.push(("client_id", &idp.client_id));
                form.push(("client_secret", &idp.client_secret));
            }
            IdpClientAuth::ClientSecretBasic => {
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                req = req.basic_auth(enc(&idp.client_id), Some(enc(&idp.client_secret)));
            }
        }
        let resp = req
            .form(&form)
            .send()
            .await
            .map_err(|e| IdpError::Token(short(&e)))?;
        let (status, _, body) = Self::read_body(resp).await.map_err(IdpError::Token)?;
        if status != 200 {
            return Err(IdpError::Token(format!("HTTP {status}")));
        }
        let answer: IdpTokenAnswer = serde_json::from_slice(&body)
            .map_err(|_| IdpError::Token("answer is not a token response".into()))?;
        match (answer.access_token, answer.id_token) {
            (Some(a), Some(i)) if !a.is_empty() && !i.is_empty() => Ok(IdpTokens {
                access_token: a,
                id_token: i,
            }),
            (_, None) => Err(IdpError::Token("no id_token in the answer".into())),
            _ => Err(IdpError::Token("no access_token in the answer".into())),
        }
    }

    async fn fetch_jwks(
        &self,
        idp: &IdentityProvider,
        now_millis: i64,
    ) -> Result<Arc<CachedJwks>, IdpError> {
        let resp = self
            .http
            .get(&idp.endpoints.jwks_uri)
            .timeout(timeout_of(idp))
            .send()
            .await
            .map_err(|e| IdpError::IdToken(format!("JWKS: {}", short(&e))))?;
        let (status, _, body) = Self::read_body(resp)
            .await
            .map_err(|e| IdpError::IdToken(format!("JWKS: {e}")))?;
        if status != 200 {
            return Err(IdpError::IdToken(format!("JWKS: HTTP {status}")));
        }
        let set: JwkSet = serde_json::from_slice(&body)
            .map_err(|_| IdpError::IdToken("JWKS is not a key set".into()))?;
        let cached = Arc::new(CachedJwks {
            set,
            fetched_at: now_millis,
        });
        if let Ok(mut map) = self.jwks.write() {
            map.insert(idp.id.clone(), cached.clone());
        }
        Ok(cached)
    }

    /// A key set published by a partner (e.g. a data provider's encryption
    /// keys), cached for a minute.
    pub async fn partner_key_set(&self, url: &str, now_millis: i64) -> Result<JwkSet, IdpError> {
        let cache_key = format!("url:{url}");
        if let Some(c) = self
            .cached_jwks(&cache_key)
            .filter(|c| now_millis - c.fetched_at < 60_000)
        {
            return Ok(c.set.clone());
        }
        let resp = self
            .http
            .get(url)
            .timeout(Duration::from_secs(6))
            .send()
            .await
            .map_err(|e| IdpError::Discovery(format!("JWKS: {}", short(&e))))?;
        let (status, _, body) = Self::read_body(resp).await.map_err(IdpError::Discovery)?;
        if status != 200 {
            return Err(IdpError::Discovery(format!("JWKS: HTTP {status}")));
        }
        let set: JwkSet = serde_json::from_slice(&body)
            .map_err(|_| IdpError::Discovery("JWKS is not a key set".into()))?;
        if let Ok(mut map) = self.jwks.write() {
            map.insert(
                cache_key,
                Arc::new(CachedJwks {
                    set: set.clone(),
                    fetched_at: now_millis,
                }),
            );
        }
        Ok(set)
    }

    fn cached_jwks(&self, idp_id: &str) -> Option<Arc<CachedJwks>> {
        self.jwks.read().ok().and_then(|m| m.get(idp_id).cloned())
    }

    /// Forgets cached keys (e.g. after an IdP's configuration changed).
    pub fn forget_keys(&self, idp_id: &str) {
        if let Ok(mut map) = self.jwks.write() {
            map.remove(idp_id);
        }
    }

    async fn verify_jws(
        &self,
        idp: &IdentityProvider,
        token: &str,
        alg: JwsAlg,
        now_millis: i64,
    ) -> Result<Map<String, Value>, jose::JoseError> {
        if alg == JwsAlg::HS256 {
            return jose::verify(token, alg, Verifier::Secret(idp.client_secret.as_bytes()));
        }
        let keys = match self.cached_jwks(&idp.id) {
            Some(k) => k,
            None => self
                .fetch_jwks(idp, now_millis)
                .await
                .map_err(|_| jose::JoseError::UnknownKey)?,
        };
        match jose::verify(token, alg, Verifier::Keys(&keys.set)) {
            Err(jose::JoseError::UnknownKey)
                if now_millis - keys.fetched_at > JWKS_REFRESH_MILLIS =>
            {
                // The IdP may have rotated its keys: refresh once, then retry.
                let fresh = self
                    .fetch_jwks(idp, now_millis)
                    .await
                    .map_err(|_| jose::JoseError::UnknownKey)?;
                jose::verify(token, alg, Verifier::Keys(&fresh.set))
            }
            other => other,
        }
    }

    /// Verifies an IdP ID token: pinned algorithm and signature, `iss`, `aud`,
    /// `exp` (with 60 s leeway), `iat`, `nonce`, and a non-empty `sub`.
    pub async fn verify_id_token(
        &self,
        idp: &IdentityProvider,
        id_token: &str,
        expected_nonce: &str,
        now_millis: i64,
    ) -> Result<VerifiedIdToken, IdpError> {
        let alg = idp.id_token_signed_response_alg;
        let claims = self
            .verify_jws(idp, id_token, alg, now_millis)
            .await
            .map_err(|e| IdpError::IdToken(e.to_string()))?;
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
        match claims.get("exp").and_then(Value::as_i64) {
            Some(exp) if exp + 60 >= now => {}
            Some(_) => return Err(IdpError::IdToken("expired".into())),
            None => return Err(IdpError::IdToken("no exp".into())),
        }
        if claims
            .get("iat")
            .and_then(Value::as_i64)
            .is_some_and(|iat| iat > now + 60)
        {
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

    /// Fetches userinfo (JSON, or a JWT signed with the IdP's pinned alg).
    pub async fn userinfo(
        &self,
        idp: &IdentityProvider,
        access_token: &str,
        now_millis: i64,
    ) -> Result<Map<String, Value>, IdpError> {
        let resp = self
            .http
            .get(&idp.endpoints.userinfo_endpoint)
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
                let claims = self
                    .verify_jws(idp, text.trim(), alg, now_millis)
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
            (None, _) => match serde_json::from_slice(&body) {
                Ok(Value::Object(m)) => Ok(m),
                _ => Err(IdpError::Userinfo("answer is not a JSON object".into())),
            },
        }
    }
}

fn timeout_of(idp: &IdentityProvider) -> Duration {
    Duration::from_millis(if idp.timeout_ms == 0 {
        6000
    } else {
        idp.timeout_ms
    })
}

/// A reqwest error without URLs (they may carry codes or tokens).
fn short(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_body() || e.is_decode() {
        "bad answer body".into()
    } else {
        "request failed".into()
    }
}

/// Parameters of the redirect to the IdP's authorization endpoint.
pub struct AuthorizationRequest<'a> {
    pub redirect_uri: &'a str,
    pub state: &'a str,
    pub nonce: &'a str,
    pub code_challenge: &'a str,
    pub acr: AcrLevel,
}

/// The URL the citizen's browser is sent to.
pub fn authorization_url(idp: &IdentityProvider, r: &AuthorizationRequest<'_>) -> String {
    let scope = if idp.scopes.is_empty() {
        "openid given_name family_name birthdate gender birthplace birthcountry email preferred_username".to_owned()
    } else {
        idp.scopes.join(" ")
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("response_type", "code")
        .append_pair("client_id", &idp.client_id)
        .append_pair("redirect_uri", r.redirect_uri)
        .append_pair("scope", &scope)
        .append_pair("state", r.state)
        .append_pair("nonce", r.nonce)
        .append_pair("acr_values", r.acr.as_str())
        .append_pair("prompt", "login")
        .append_pair("code_challenge", r.code_challenge)
        .append_pair("code_challenge_method", "S256")
        .finish();
    let sep = if idp.endpoints.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    format!("{}{sep}{query}", idp.endpoints.authorization_endpoint)
}

/// The URL that ends the citizen's session at the IdP.
pub fn end_session_url(
    idp: &IdentityProvider,
    id_token_hint: &str,
    post_logout_redirect_uri: &str,
    state: &str,
) -> Option<String> {
    let endpoint = idp.endpoints.end_session_endpoint.as_deref()?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("id_token_hint", id_token_hint)
        .append_pair("post_logout_redirect_uri", post_logout_redirect_uri)
        .append_pair("state", state)
        .finish();
    let sep = if endpoint.contains('?') { '&' } else { '?' };
    Some(format!("{endpoint}{sep}{query}"))
}
