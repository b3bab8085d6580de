//! `[[data_providers]]`: the APIs that release data against a federation
//! access token checked at `/checktoken`.

use super::error::{broken, err, yes, ConfigError};
use relais_core::partner::DataProvider;
use relais_core::{JweAlg, JwsAlg};
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
    pub fn to_domain(&self, i: usize, sandbox: bool) -> Result<DataProvider, ConfigError> {
        let at = format!("data_providers[{i}]");
        let f = |k: &str| format!("{at}.{k}");
        if let Some(enc) = &self.checktoken_encrypted_response_enc {
            if enc != "A256GCM" {
                return Err(err(
                    f("checktoken_encrypted_response_enc"),
                    "only A256GCM is supported",
                ));
            }
        }
        let encrypted_alg = self
            .checktoken_encrypted_response_alg
            .as_deref()
            .map(|a| {
                JweAlg::parse(a).ok_or_else(|| {
                    err(
                        f("checktoken_encrypted_response_alg"),
                        "must be RSA-OAEP-256 or ECDH-ES",
                    )
                })
            })
            .transpose()?;
        let encryption_jwk = match &self.encryption_jwk {
            None => None,
            Some(toml::Value::String(s)) => Some(
                serde_json::from_str(s)
                    .map_err(|e| err(f("encryption_jwk"), format!("not JSON: {e}")))?,
            ),
            Some(v) => Some(serde_json::to_value(v).map_err(|e| err(f("encryption_jwk"), e))?),
        };
        let dp = DataProvider {
            id: self.id.clone(),
            title: self.title.clone(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            scopes: self.scopes.clone(),
            active: self.active,
            checktoken_signed_response_alg: self.checktoken_signed_response_alg,
            checktoken_encrypted_response_alg: encrypted_alg,
            encryption_jwk,
            jwks_uri: self.jwks_uri.clone(),
        };
        dp.check(sandbox).map_err(|v| broken(&at, v))?;
        Ok(dp)
    }
}
