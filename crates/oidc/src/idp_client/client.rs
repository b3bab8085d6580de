//! The HTTP client Relais uses towards IdPs: discovery, the code exchange,
//! and the shared error type, timeouts and size cap of every call.

use super::own_keys::{client_assertion, OwnKeys};
use super::read_mostly::ReadMostly;
use crate::client_assertion::JWT_BEARER;
use crate::jose::JwkSet;
use relais_core::form_encoding::{push_form_encoded, FormQuery};
use relais_core::partner::{IdentityProvider, IdpClientAuth, IdpEndpoints};
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;

pub(super) const MAX_BODY: usize = 256 * 1024;
/// Minimum time between two JWKS refreshes caused by an unknown `kid`.
pub(super) const JWKS_REFRESH_MILLIS: i64 = 10_000;

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

#[derive(Deserialize)]
struct IdpTokenAnswer {
    access_token: Option<String>,
    id_token: Option<String>,
}

/// One code exchange: what the callback brought and Relais kept, plus a
/// fresh `jti` and the time for a client assertion.
#[derive(Debug, Clone, Copy)]
pub struct CodeExchange<'a> {
    pub code: &'a str,
    pub redirect_uri: &'a str,
    pub code_verifier: &'a str,
    pub assertion_jti: &'a str,
    pub now_secs: i64,
}

/// Tokens returned by an IdP's token endpoint.
#[derive(Debug, Clone)]
pub struct IdpTokens {
    pub access_token: String,
    pub id_token: String,
}

pub(crate) struct CachedJwks {
    pub(super) shared_set: Arc<JwkSet>,
    pub(super) fetched_at: i64,
    /// Where it was fetched from: a changed `jwks_uri` is not served stale.
    pub(super) uri: String,
}

impl CachedJwks {
    pub(super) fn new(set: JwkSet, fetched_at: i64, uri: &str) -> CachedJwks {
        CachedJwks {
            shared_set: Arc::new(set),
            fetched_at,
            uri: uri.to_owned(),
        }
    }
}

/// HTTP client for upstream IdPs, with a JWKS cache per IdP.
pub struct IdpClient {
    pub(super) http: reqwest::Client,
    /// Each IdP's key set, by IdP id.
    pub(super) idp_keys: ReadMostly<Arc<CachedJwks>>,
    /// Partners' published key sets (data providers, services), by URL.
    pub(super) partner_keys: ReadMostly<Arc<CachedJwks>>,
    /// The IdPs' endpoints, parsed: reqwest parses a `&str` URL on each
    /// call (about 6,000 instructions, three times a login).
    endpoint_urls: ReadMostly<reqwest::Url>,
}

/// Bounds of the caches above: IdPs are tens, partners with keys thousands.
const MAX_IDPS: usize = 1024;
const MAX_PARTNER_KEY_SETS: usize = 8192;

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
            idp_keys: ReadMostly::new(MAX_IDPS),
            partner_keys: ReadMostly::new(MAX_PARTNER_KEY_SETS),
            endpoint_urls: ReadMostly::new(MAX_IDPS * 3),
        })
    }

    /// An IdP's `endpoint` as a URL, parsed the first time only. The
    /// error names no part of it: an endpoint may be a partner's secret.
    pub(super) fn endpoint_url(&self, endpoint: &str) -> Result<reqwest::Url, String> {
        if let Some(url) = self.endpoint_urls.get(endpoint) {
            return Ok(url);
        }
        let url = reqwest::Url::parse(endpoint).map_err(|_| "the endpoint is not a URL")?;
        self.endpoint_urls.insert(endpoint, url.clone());
        Ok(url)
    }

    pub(crate) async fn read_body(
        resp: reqwest::Response,
    ) -> Result<(u16, Option<String>, Vec<u8>), String> {
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
        x: CodeExchange<'_>,
        own: OwnKeys<'_>,
    ) -> Result<IdpTokens, IdpError> {
        // The body is written once, in place, rather than collected as
        // pairs for reqwest's `form` to serialise (issue 13).
        let mut form = FormQuery::with_capacity(
            256 + x.code.len() + 2 * x.redirect_uri.len() + x.code_verifier.len(),
        )
        .pair("grant_type", "authorization_code")
        .pair("code", x.code)
        .pair("redirect_uri", x.redirect_uri)
        .pair("code_verifier", x.code_verifier);
        let url = self
            .endpoint_url(&idp.endpoints.token_endpoint)
            .map_err(IdpError::Token)?;
        let mut req = self.http.post(url).timeout(timeout_of(idp));
        match idp.token_endpoint_auth_method {
            IdpClientAuth::ClientSecretPost => {
                form = form
                    .pair("client_id", &idp.client_id)
                    .pair("client_secret", &idp.client_secret);
            }
            IdpClientAuth::ClientSecretBasic => {
                // RFC 6749 §2.3.1: both are form-encoded before Basic.
                let enc = |s: &str| {
                    let mut encoded = String::with_capacity(s.len());
                    push_form_encoded(&mut encoded, s);
                    encoded
                };
                req = req.basic_auth(enc(&idp.client_id), Some(enc(&idp.client_secret)));
            }
            IdpClientAuth::PrivateKeyJwt => {
                let key = own
                    .signing
                    .ok_or_else(|| IdpError::Token("no ES256 key to sign the assertion".into()))?;
                let assertion = client_assertion(idp, key, x.assertion_jti, x.now_secs)
                    .map_err(|e| IdpError::Token(format!("client assertion: {e}")))?;
                form = form
                    .pair("client_id", &idp.client_id)
                    .pair("client_assertion_type", JWT_BEARER)
                    .pair("client_assertion", &assertion);
            }
        }
        let resp = req
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form.finish())
            .send()
            .await
            .map_err(|e| IdpError::Token(short(&e)))?;
        let (status, _, body) = Self::read_body(resp).await.map_err(IdpError::Token)?;
        if status != 200 {
            return Err(IdpError::Token(format!("HTTP {status}")));
        }
        parse_token_answer(&body)
    }
}

/// The tokens in an IdP's token-endpoint answer (both required).
pub fn parse_token_answer(body: &[u8]) -> Result<IdpTokens, IdpError> {
    let answer: IdpTokenAnswer = serde_json::from_slice(body)
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

pub(crate) fn timeout_of(idp: &IdentityProvider) -> Duration {
    Duration::from_millis(if idp.timeout_ms == 0 {
        6000
    } else {
        idp.timeout_ms
    })
}

/// A reqwest error without URLs (they may carry codes or tokens).
pub(crate) fn short(e: &reqwest::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::IdpClient;

    #[test]
    fn an_endpoint_is_parsed_once_and_a_changed_one_is_parsed_again() {
        let client = IdpClient::new().unwrap();
        let token = client.endpoint_url("https://idp.example/token").unwrap();
        assert_eq!(token.as_str(), "https://idp.example/token");
        assert_eq!(client.endpoint_urls.len(), 1);
        assert_eq!(
            client.endpoint_url("https://idp.example/token").unwrap(),
            token
        );
        assert_eq!(client.endpoint_urls.len(), 1);
        let moved = client.endpoint_url("https://idp.example/v2/token").unwrap();
        assert_eq!(moved.path(), "/v2/token");
        assert_eq!(client.endpoint_urls.len(), 2);
    }

    #[test]
    fn an_endpoint_that_is_not_a_url_is_refused_without_being_named_or_kept() {
        let client = IdpClient::new().unwrap();
        let err = client.endpoint_url("secret-code not a url").unwrap_err();
        assert!(!err.contains("secret"), "{err}");
        assert_eq!(client.endpoint_urls.len(), 0);
    }
}
