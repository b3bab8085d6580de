//! `[[service_providers]]`: the services (OIDC clients) of the federation.

use super::error::{broken, yes, ConfigError};
use super::jose_fields::{answer_encryptions, json_document};
use relais_core::partner::{IdpFilter, ServiceProvider, SpAuthMethod, SpType};
use relais_core::profile::IntegrationProfile;
use relais_core::registration::RegistrationContext;
use relais_core::JwsAlg;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpConfig {
    pub client_id: String,
    /// Required unless `token_endpoint_auth_method = "private_key_jwt"`.
    #[serde(default)]
    pub client_secret: String,
    pub name: String,
    pub entity_id: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default, rename = "type")]
    pub sp_type: SpType,
    #[serde(default)]
    pub identity_consent: bool,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
    #[serde(default = "default_prompts")]
    pub allowed_prompts: Vec<String>,
    #[serde(default)]
    pub amr_entitled: bool,
    #[serde(default)]
    pub idp_hints: Vec<String>,
    /// Only these IdPs (exclusive with `idp_deny`).
    pub idp_allow: Option<Vec<String>>,
    #[serde(default)]
    pub idp_deny: Vec<String>,
    /// `franceconnect` (default) or `oidc` (standard defaults for
    /// off-the-shelf clients; see docs/configuration.md).
    #[serde(default)]
    pub profile: IntegrationProfile,
    /// Default: the profile's (ES256 for franceconnect, RS256 for oidc).
    pub id_token_signed_response_alg: Option<JwsAlg>,
    /// Default: the profile's (ES256 for franceconnect, JSON for oidc).
    pub userinfo_signed_response_alg: Option<JwsAlg>,
    /// Default: the profile's (60 s for franceconnect, 600 s for oidc).
    pub access_token_ttl_secs: Option<u32>,
    #[serde(default)]
    pub token_endpoint_auth_method: SpAuthMethod,
    /// The service's public keys inline (a JWKS, as a TOML table or JSON text)…
    pub jwks: Option<toml::Value>,
    /// …or where it publishes them.
    pub jwks_uri: Option<String>,
    pub id_token_encrypted_response_alg: Option<String>,
    pub id_token_encrypted_response_enc: Option<String>,
    pub userinfo_encrypted_response_alg: Option<String>,
    pub userinfo_encrypted_response_enc: Option<String>,
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
}

fn default_prompts() -> Vec<String> {
    vec!["login".into(), "consent".into()]
}

impl SpConfig {
    /// The domain value, checked by the registration rules.
    pub fn to_domain(
        &self,
        i: usize,
        ctx: RegistrationContext,
    ) -> Result<ServiceProvider, ConfigError> {
        let at = format!("service_providers[{i}]");
        let f = |k: &str| format!("{at}.{k}");
        let idp_filter = IdpFilter::from_lists(self.idp_allow.clone(), self.idp_deny.clone())
            .map_err(|v| broken(&at, v))?;
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
        let sp = ServiceProvider {
            client_id: self.client_id.clone(),
            entity_id: self
                .entity_id
                .clone()
                .unwrap_or_else(|| self.client_id.clone()),
            name: self.name.clone(),
            active: self.active,
            sp_type: self.sp_type,
            identity_consent: self.identity_consent,
            client_secret: self.client_secret.clone(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            scopes: self.scopes.iter().collect(),
            allowed_prompts: self.allowed_prompts.clone(),
            amr_entitled: self.amr_entitled,
            idp_hints: self.idp_hints.clone(),
            idp_filter,
            id_token_signed_response_alg: self
                .id_token_signed_response_alg
                .unwrap_or_else(|| self.profile.default_id_token_alg()),
            userinfo_signed_response_alg: self
                .userinfo_signed_response_alg
                .or_else(|| self.profile.default_userinfo_alg()),
            token_endpoint_auth_method: self.token_endpoint_auth_method,
            profile: self.profile,
            access_token_ttl_secs: self.access_token_ttl_secs,
            sandbox: false,
            retiring_client_secret: None,
            retiring_until: None,
            jwks: json_document(&f("jwks"), self.jwks.as_ref())?,
            jwks_uri: self.jwks_uri.clone(),
            id_token_encryption,
            userinfo_encryption,
            require_pushed_authorization_requests: self.require_pushed_authorization_requests,
            dpop_bound_access_tokens: self.dpop_bound_access_tokens,
        };
        sp.check(ctx).map_err(|v| broken(&at, v))?;
        Ok(sp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SANDBOX: RegistrationContext = RegistrationContext {
        platform: relais_core::Platform::Standard,
        sandbox: true,
    };

    #[test]
    fn sp_validation_names_the_field() {
        let sp = SpConfig {
            client_id: "c".into(),
            client_secret: "0123456789abcdef".into(),
            name: "S".into(),
            entity_id: None,
            active: true,
            sp_type: SpType::Public,
            identity_consent: false,
            redirect_uris: vec!["http://sp.example/cb".into()],
            post_logout_redirect_uris: vec![],
            scopes: vec!["openid".into()],
            allowed_prompts: default_prompts(),
            amr_entitled: false,
            idp_hints: vec![],
            idp_allow: None,
            idp_deny: vec![],
            profile: IntegrationProfile::FranceConnect,
            id_token_signed_response_alg: Some(JwsAlg::ES256),
            userinfo_signed_response_alg: None,
            access_token_ttl_secs: None,
            token_endpoint_auth_method: SpAuthMethod::ClientSecretPost,
            jwks: None,
            jwks_uri: None,
            id_token_encrypted_response_alg: None,
            id_token_encrypted_response_enc: None,
            userinfo_encrypted_response_alg: None,
            userinfo_encrypted_response_enc: None,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
        };
        assert!(sp.to_domain(0, SANDBOX).is_ok());
        let e = sp
            .to_domain(
                3,
                RegistrationContext {
                    platform: relais_core::Platform::Standard,
                    sandbox: false,
                },
            )
            .err()
            .map(|e| e.0)
            .unwrap_or_default();
        assert_eq!(
            e,
            "service_providers[3].redirect_uris[0]: must use https outside sandbox mode"
        );
        let both = SpConfig {
            idp_allow: Some(vec!["a".into()]),
            idp_deny: vec!["b".into()],
            ..sp
        };
        assert_eq!(
            both.to_domain(1, SANDBOX).err().map(|e| e.0),
            Some("service_providers[1].idp_allow: cannot be combined with idp_deny".into())
        );
    }
}
