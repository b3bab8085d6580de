//! `[[service_providers]]`: the services (OIDC clients) of the federation.

use super::error::{broken, yes, ConfigError};
use relais_core::partner::{IdpFilter, ServiceProvider, SpType};
use relais_core::JwsAlg;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpConfig {
    pub client_id: String,
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
    #[serde(default)]
    pub id_token_signed_response_alg: JwsAlg,
    #[serde(default)]
    pub userinfo_signed_response_alg: JwsAlg,
}

fn default_prompts() -> Vec<String> {
    vec!["login".into(), "consent".into()]
}

impl SpConfig {
    /// The domain value, checked by the registration rules.
    pub fn to_domain(&self, i: usize, sandbox: bool) -> Result<ServiceProvider, ConfigError> {
        let at = format!("service_providers[{i}]");
        let idp_filter = IdpFilter::from_lists(self.idp_allow.clone(), self.idp_deny.clone())
            .map_err(|v| broken(&at, v))?;
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
            scopes: self.scopes.clone(),
            allowed_prompts: self.allowed_prompts.clone(),
            amr_entitled: self.amr_entitled,
            idp_hints: self.idp_hints.clone(),
            idp_filter,
            id_token_signed_response_alg: self.id_token_signed_response_alg,
            userinfo_signed_response_alg: self.userinfo_signed_response_alg,
        };
        sp.check(sandbox).map_err(|v| broken(&at, v))?;
        Ok(sp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            id_token_signed_response_alg: JwsAlg::ES256,
            userinfo_signed_response_alg: JwsAlg::ES256,
        };
        assert!(sp.to_domain(0, true).is_ok());
        let e = sp
            .to_domain(3, false)
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
            both.to_domain(1, true).err().map(|e| e.0),
            Some("service_providers[1].idp_allow: cannot be combined with idp_deny".into())
        );
    }
}
