//! Partners of the federation as the domain sees them: services (SPs) and
//! identity providers (IdPs). Parsed once at the boundary (config file, CLI,
//! store), so the login journey works on values that are already valid.

use crate::acr::{AcrLevel, Platform};
use crate::alg::{JweAlg, JweEnc, JwsAlg};
use crate::profile::IntegrationProfile;
use crate::registered_scopes::RegisteredScopes;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SpType {
    #[default]
    Public,
    Private,
}

/// Which IdPs a service accepts: everything except a list, or only a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", content = "idps", rename_all = "lowercase")]
pub enum IdpFilter {
    Deny(Vec<String>),
    Allow(Vec<String>),
}

impl Default for IdpFilter {
    fn default() -> Self {
        IdpFilter::Deny(Vec::new())
    }
}

impl IdpFilter {
    pub fn accepts(&self, idp_id: &str) -> bool {
        match self {
            IdpFilter::Deny(list) => !list.iter().any(|i| i == idp_id),
            IdpFilter::Allow(list) => list.iter().any(|i| i == idp_id),
        }
    }
}

/// How a service authenticates at the token, revocation and PAR endpoints
/// (OpenID client metadata `token_endpoint_auth_method`). A service
/// registered with a secret may present it in the body or as Basic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SpAuthMethod {
    #[default]
    ClientSecretPost,
    ClientSecretBasic,
    /// RFC 7523 assertion signed with a key of the service's JWKS.
    PrivateKeyJwt,
}

impl SpAuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            SpAuthMethod::ClientSecretPost => "client_secret_post",
            SpAuthMethod::ClientSecretBasic => "client_secret_basic",
            SpAuthMethod::PrivateKeyJwt => "private_key_jwt",
        }
    }

    pub fn uses_secret(self) -> bool {
        self != SpAuthMethod::PrivateKeyJwt
    }
}

/// Encryption of an answer (ID token or userinfo) to the service's key:
/// key management `alg`, content `enc`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerEncryption {
    pub alg: JweAlg,
    #[serde(default)]
    pub enc: JweEnc,
}

/// A service provider: one OIDC client of the federation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceProvider {
    pub client_id: String,
    /// Groups the clients of one organisation: they see the same `sub`.
    pub entity_id: String,
    pub name: String,
    pub active: bool,
    #[serde(rename = "type")]
    pub sp_type: SpType,
    /// Private services with this flag need an explicit consent checkbox.
    pub identity_consent: bool,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// Scopes the service is registered for (identity and data).
    pub scopes: RegisteredScopes,
    /// `prompt` values the service may send; without `consent` the consent
    /// page is skipped ("auto-login").
    pub allowed_prompts: Vec<String>,
    /// Entitled to request the `amr` claim.
    pub amr_entitled: bool,
    /// `idp_hint` values the service may send; empty = the platform's list.
    pub idp_hints: Vec<String>,
    pub idp_filter: IdpFilter,
    pub id_token_signed_response_alg: JwsAlg,
    /// `None`: userinfo answers plain JSON (only on the `oidc` profile).
    pub userinfo_signed_response_alg: Option<JwsAlg>,
    #[serde(default)]
    pub token_endpoint_auth_method: SpAuthMethod,
    /// FranceConnect's exact conventions (default) or standard OpenID
    /// Connect defaults for off-the-shelf clients.
    #[serde(default)]
    pub profile: IntegrationProfile,
    /// Access-token lifetime in seconds; `None`: the profile's.
    #[serde(default)]
    pub access_token_ttl_secs: Option<u32>,
    /// A sandbox client of the partner space: reaches only the sandbox's
    /// test IdPs, and its logins are traced for "test my integration".
    #[serde(default)]
    pub sandbox: bool,
    /// The previous secret after a rotation, accepted until
    /// `retiring_until` (Unix ms) so the service can switch without a cut.
    #[serde(default)]
    pub retiring_client_secret: Option<String>,
    #[serde(default)]
    pub retiring_until: Option<i64>,
    /// The service's public keys, inline (a JWKS document)…
    #[serde(default)]
    pub jwks: Option<serde_json::Value>,
    /// …or published at this URL: signing keys for `private_key_jwt`,
    /// `use=enc` keys for encrypted answers.
    #[serde(default)]
    pub jwks_uri: Option<String>,
    /// `None`: the ID token is a plain signed JWT.
    #[serde(default)]
    pub id_token_encryption: Option<AnswerEncryption>,
    /// `None`: userinfo is a plain signed JWT.
    #[serde(default)]
    pub userinfo_encryption: Option<AnswerEncryption>,
    /// Authorization requests must be pushed first (RFC 9126).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// Access tokens are bound to a DPoP key (RFC 9449).
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
}

impl ServiceProvider {
    /// A public service with the platform's defaults: information page
    /// shown (prompts login and consent allowed), every IdP accepted, ES256.
    pub fn public(
        client_id: &str,
        entity_id: &str,
        name: &str,
        client_secret: &str,
        redirect_uris: Vec<String>,
        scopes: &[&str],
    ) -> Self {
        ServiceProvider {
            client_id: client_id.to_owned(),
            entity_id: entity_id.to_owned(),
            name: name.to_owned(),
            active: true,
            sp_type: SpType::Public,
            identity_consent: false,
            client_secret: client_secret.to_owned(),
            redirect_uris,
            post_logout_redirect_uris: Vec::new(),
            scopes: scopes.iter().collect(),
            allowed_prompts: vec!["login".into(), "consent".into()],
            amr_entitled: false,
            idp_hints: Vec::new(),
            idp_filter: IdpFilter::default(),
            id_token_signed_response_alg: JwsAlg::ES256,
            userinfo_signed_response_alg: Some(JwsAlg::ES256),
            token_endpoint_auth_method: SpAuthMethod::default(),
            profile: IntegrationProfile::FranceConnect,
            access_token_ttl_secs: None,
            sandbox: false,
            retiring_client_secret: None,
            retiring_until: None,
            jwks: None,
            jwks_uri: None,
            id_token_encryption: None,
            userinfo_encryption: None,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
        }
    }

    /// How long this service's access tokens live, in seconds.
    pub fn access_token_ttl(&self) -> u64 {
        u64::from(
            self.access_token_ttl_secs
                .unwrap_or_else(|| self.profile.default_access_token_ttl()),
        )
    }

    pub fn allows_scope(&self, scope: &str) -> bool {
        scope == "openid" || self.scopes.contains(scope)
    }

    pub fn allows_prompt(&self, prompt: &str) -> bool {
        self.allowed_prompts.iter().any(|p| p == prompt)
    }

    /// Whether the citizen must tick the consent box: on a private service
    /// that registered for it, and on every service of Plus (as on
    /// FranceConnect+).
    pub fn consent_required(&self, platform: Platform) -> bool {
        platform == Platform::Plus || (self.sp_type == SpType::Private && self.identity_consent)
    }
}

/// How an IdP is authenticated at its token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IdpClientAuth {
    #[default]
    ClientSecretPost,
    ClientSecretBasic,
    /// An RFC 7523 assertion signed with Relais' ES256 key (the IdP reads
    /// Relais' JWKS).
    PrivateKeyJwt,
}

/// Endpoints of an upstream OpenID provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct IdpEndpoints {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: String,
    pub jwks_uri: String,
    pub end_session_endpoint: Option<String>,
}

/// An identity provider: an upstream OpenID provider Relais is a client of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityProvider {
    pub id: String,
    pub title: String,
    pub active: bool,
    pub display: bool,
    pub allowed_acr: Vec<AcrLevel>,
    pub amr: Vec<String>,
    /// Discovery URL; when set, endpoints are read from it at start.
    pub discovery_url: Option<String>,
    pub endpoints: IdpEndpoints,
    pub client_id: String,
    pub client_secret: String,
    pub token_endpoint_auth_method: IdpClientAuth,
    /// The one algorithm accepted on its ID tokens.
    pub id_token_signed_response_alg: JwsAlg,
    /// `None`: userinfo is plain JSON; otherwise a JWT signed with this alg.
    pub userinfo_signed_response_alg: Option<JwsAlg>,
    /// Whether Relais chains logout to its end_session endpoint.
    pub end_session: bool,
    pub timeout_ms: u64,
    /// Scopes Relais asks the IdP for.
    pub scopes: Vec<String>,
    /// For standard providers that do not speak eIDAS levels: the level
    /// assumed when the ID token carries no known `acr`. `None` (the
    /// default) requires a known `acr`, as FranceConnect does.
    #[serde(default)]
    pub assumed_acr: Option<AcrLevel>,
    /// The IdP encrypts its ID token to Relais' `use=enc` key with this
    /// algorithm (A256GCM); `None`: signed only. Pinned: an answer in the
    /// other form is refused.
    #[serde(default)]
    pub id_token_encrypted_response_alg: Option<JweAlg>,
    /// The same for a (signed) userinfo answer.
    #[serde(default)]
    pub userinfo_encrypted_response_alg: Option<JweAlg>,
}

impl IdentityProvider {
    pub fn max_acr(&self) -> Option<AcrLevel> {
        self.allowed_acr.iter().copied().max()
    }

    pub fn has_end_session(&self) -> bool {
        self.end_session && self.endpoints.end_session_endpoint.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idp_filter() {
        assert!(IdpFilter::Deny(vec!["a".into()]).accepts("b"));
        assert!(!IdpFilter::Deny(vec!["a".into()]).accepts("a"));
        assert!(IdpFilter::Allow(vec!["a".into()]).accepts("a"));
        assert!(!IdpFilter::Allow(vec![]).accepts("a"));
    }
}

/// A data provider ("API FranceConnectée"): releases data only against a
/// valid federation access token, checked through `/checktoken`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataProvider {
    pub id: String,
    /// Shown to citizens on the consent page.
    pub title: String,
    pub client_id: String,
    pub client_secret: String,
    /// Data scopes it serves.
    pub scopes: Vec<String>,
    pub active: bool,
    /// Signature of the checktoken answer (ES256 or RS256).
    pub checktoken_signed_response_alg: JwsAlg,
    /// `RSA-OAEP-256` or `ECDH-ES` (with `A256GCM`); `None`: signed only.
    pub checktoken_encrypted_response_alg: Option<JweAlg>,
    /// Its public encryption key, inline (a JWK)…
    pub encryption_jwk: Option<serde_json::Value>,
    /// …or published at this URL (a JWKS).
    pub jwks_uri: Option<String>,
}

impl DataProvider {
    pub fn serves(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}
