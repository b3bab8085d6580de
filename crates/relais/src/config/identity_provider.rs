//! `[[identity_providers]]`: the upstream OpenID providers citizens log in
//! with. Endpoints come from `discovery_url` (read by the node at start) or
//! from explicit keys.

use super::error::{broken, err, yes, ConfigError};
use super::jose_fields::answer_encryptions;
use relais_core::acr::AcrLevel;
use relais_core::partner::{IdentityProvider, IdpClientAuth, IdpEndpoints};
use relais_core::registration::RegistrationContext;
use relais_core::JwsAlg;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdpConfig {
    pub id: String,
    pub title: String,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default = "yes")]
    pub display: bool,
    pub allowed_acr: Vec<String>,
    #[serde(default)]
    pub amr: Vec<String>,
    pub discovery_url: Option<String>,
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: Option<String>,
    pub end_session_endpoint: Option<String>,
    pub client_id: String,
    /// Unused with `token_endpoint_auth_method = "private_key_jwt"`.
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub token_endpoint_auth_method: IdpClientAuth,
    #[serde(default = "default_idp_alg")]
    pub id_token_signed_response_alg: String,
    pub userinfo_signed_response_alg: Option<String>,
    /// Chain logout to the IdP (needs an end_session endpoint).
    #[serde(default = "yes")]
    pub end_session: bool,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Level assumed when the IdP's ID token has no known eIDAS `acr`.
    pub assumed_acr: Option<String>,
    /// The IdP encrypts its ID token / userinfo to Relais' `use=enc` key.
    pub id_token_encrypted_response_alg: Option<String>,
    pub id_token_encrypted_response_enc: Option<String>,
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
}

fn default_idp_alg() -> String {
    "ES256".into()
}
fn default_timeout() -> u64 {
    6000
}

fn level(field: String, a: &str) -> Result<AcrLevel, ConfigError> {
    AcrLevel::parse(a).ok_or_else(|| err(field, format!("{a} is not eidas1, eidas2 or eidas3")))
}

fn alg(field: String, a: &str) -> Result<JwsAlg, ConfigError> {
    JwsAlg::parse(a).ok_or_else(|| err(field, format!("{a} is not ES256, RS256 or HS256")))
}

impl IdpConfig {
    /// The domain value, checked by the registration rules. `discovered`
    /// holds the endpoints read from `discovery_url` by the caller.
    pub fn to_domain(
        &self,
        i: usize,
        ctx: RegistrationContext,
        discovered: Option<IdpEndpoints>,
    ) -> Result<IdentityProvider, ConfigError> {
        let at = format!("identity_providers[{i}]");
        let f = |k: &str| format!("{at}.{k}");
        let allowed_acr = self
            .allowed_acr
            .iter()
            .map(|a| level(f("allowed_acr"), a))
            .collect::<Result<Vec<_>, _>>()?;
        let assumed_acr = self
            .assumed_acr
            .as_deref()
            .map(|a| level(f("assumed_acr"), a))
            .transpose()?;
        let id_token_alg = alg(
            f("id_token_signed_response_alg"),
            &self.id_token_signed_response_alg,
        )?;
        let userinfo_alg = self
            .userinfo_signed_response_alg
            .as_deref()
            .map(|a| alg(f("userinfo_signed_response_alg"), a))
            .transpose()?;
        let endpoints = match (discovered, &self.discovery_url) {
            (Some(e), discovery_url) => {
                // The discovered issuer is the one configured, or else the
                // discovery URL's own prefix (OpenID Connect Discovery §4.3):
                // a document naming another issuer is not this IdP's.
                let expected = self.issuer.clone().or_else(|| {
                    discovery_url.as_deref().map(|u| {
                        u.trim_end_matches("/.well-known/openid-configuration")
                            .to_owned()
                    })
                });
                if let Some(expected) = expected {
                    if e.issuer != expected {
                        return Err(err(
                            f("issuer"),
                            format!(
                                "the discovery document names issuer {}, not {expected}",
                                e.issuer
                            ),
                        ));
                    }
                }
                e
            }
            (None, Some(_)) => {
                return Err(err(
                    f("discovery_url"),
                    "discovery document could not be read",
                ))
            }
            (None, None) => {
                let need = |k: &str, v: &Option<String>| {
                    v.clone()
                        .ok_or_else(|| err(f(k), "required without discovery_url"))
                };
                IdpEndpoints {
                    issuer: need("issuer", &self.issuer)?,
                    authorization_endpoint: need(
                        "authorization_endpoint",
                        &self.authorization_endpoint,
                    )?,
                    token_endpoint: need("token_endpoint", &self.token_endpoint)?,
                    userinfo_endpoint: need("userinfo_endpoint", &self.userinfo_endpoint)?,
                    jwks_uri: need("jwks_uri", &self.jwks_uri)?,
                    end_session_endpoint: self.end_session_endpoint.clone(),
                }
            }
        };
        let (id_token_encryption, userinfo_encryption) = answer_encryptions(
            &at,
            [
                self.id_token_encrypted_response_alg.as_deref(),
                self.id_token_encrypted_response_enc.as_deref(),
            ],
            [
                self.userinfo_encrypted_response_alg.as_deref(),
                self.userinfo_encrypted_response_enc.as_deref(),
            ],
        )?;
        let idp = IdentityProvider {
            id: self.id.clone(),
            title: self.title.clone(),
            active: self.active,
            display: self.display,
            allowed_acr,
            amr: self.amr.clone(),
            discovery_url: self.discovery_url.clone(),
            end_session: self.end_session && endpoints.end_session_endpoint.is_some(),
            endpoints,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            id_token_signed_response_alg: id_token_alg,
            userinfo_signed_response_alg: userinfo_alg,
            timeout_ms: self.timeout_ms.clamp(100, 60_000),
            scopes: self.scopes.clone(),
            assumed_acr,
            id_token_encrypted_response_alg: id_token_encryption.map(|e| e.alg),
            userinfo_encrypted_response_alg: userinfo_encryption.map(|e| e.alg),
        };
        idp.check(ctx).map_err(|v| broken(&at, v))?;
        Ok(idp)
    }
}
