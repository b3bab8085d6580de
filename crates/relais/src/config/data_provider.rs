//! `[[data_providers]]`: the APIs that release data against a federation
//! access token checked at `/checktoken`.

use super::error::{broken, yes, ConfigError};
use super::jose_fields::{encryption, json_document};
use relais_core::partner::DataProvider;
use relais_core::registration::RegistrationContext;
use relais_core::JwsAlg;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DpConfig {
    pub id: String,
    pub title: String,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default)]
    pub checktoken_signed_response_alg: JwsAlg,
    /// `RSA-OAEP-256` or `ECDH-ES`; unset = signed only.
    pub checktoken_encrypted_response_alg: Option<String>,
    /// `A256GCM` (the only content encryption).
    pub checktoken_encrypted_response_enc: Option<String>,
    /// Inline public JWK (a TOML table or a JSON string).
    pub encryption_jwk: Option<toml::Value>,
    pub jwks_uri: Option<String>,
}

impl DpConfig {
    /// The domain value, checked by the registration rules.
    pub fn to_domain(
        &self,
        i: usize,
        ctx: RegistrationContext,
    ) -> Result<DataProvider, ConfigError> {
        let at = format!("data_providers[{i}]");
        let f = |k: &str| format!("{at}.{k}");
        let encrypted = encryption(
            &f("checktoken_encrypted_response_alg"),
            self.checktoken_encrypted_response_alg.as_deref(),
            &f("checktoken_encrypted_response_enc"),
            self.checktoken_encrypted_response_enc.as_deref(),
        )?;
        let encryption_jwk = json_document(&f("encryption_jwk"), self.encryption_jwk.as_ref())?;
        let dp = DataProvider {
            id: self.id.clone(),
            title: self.title.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scopes: self.scopes.clone(),
            active: self.active,
            checktoken_signed_response_alg: self.checktoken_signed_response_alg,
            checktoken_encrypted_response_alg: encrypted.map(|e| e.alg),
            encryption_jwk,
            jwks_uri: self.jwks_uri.clone(),
        };
        dp.check(ctx).map_err(|v| broken(&at, v))?;
        Ok(dp)
    }
}
