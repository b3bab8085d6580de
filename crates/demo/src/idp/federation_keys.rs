//! What a Plus demo IdP needs of the federation's published keys, read
//! from its JWKS over HTTP as a real IdP would (cached for a minute): the
//! signing keys that verify Relais' `private_key_jwt` assertions, and the
//! `use=enc` key its ID token and userinfo are encrypted to.

use super::DemoIdp;
use relais_core::alg::JweAlg;
use relais_oidc::client_assertion;
use relais_oidc::jose::{self, Jwk, JwkSet, JwsAlg};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// The federation's key set, as last fetched, and the client that fetches it.
#[derive(Default)]
pub struct FederationKeys {
    cached: std::sync::RwLock<Option<(i64, Arc<JwkSet>)>>,
    http: reqwest::Client,
}

impl DemoIdp {
    async fn federation_jwks(&self) -> Result<Arc<JwkSet>, String> {
        let now = self.clock.now_millis();
        if let Ok(c) = self.federation_keys.cached.read() {
            if let Some((_, set)) = c.as_ref().filter(|(at, _)| now - at < 60_000) {
                return Ok(set.clone());
            }
        }
        let url = format!("{}/api/v2/jwks", self.federation_url);
        let set: JwkSet = self
            .federation_keys
            .http
            .get(&url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .map_err(|e| format!("federation JWKS: {e}"))?
            .json()
            .await
            .map_err(|e| format!("federation JWKS: {e}"))?;
        let set = Arc::new(set);
        if let Ok(mut c) = self.federation_keys.cached.write() {
            *c = Some((now, set.clone()));
        }
        Ok(set)
    }

    /// Checks the federation's client assertion at this IdP's token endpoint
    /// (signature, iss = sub = its client id, aud, lifetime, single-use jti).
    pub(super) async fn client_assertion_ok(&self, form: &HashMap<String, String>) -> bool {
        if form.get("client_assertion_type").map(String::as_str)
            != Some(client_assertion::JWT_BEARER)
        {
            return false;
        }
        let Some(assertion) = form.get("client_assertion") else {
            return false;
        };
        let Ok(keys) = self.federation_jwks().await else {
            return false;
        };
        let Ok(claims) = client_assertion::verify_signature(assertion, &keys, &[JwsAlg::ES256])
        else {
            return false;
        };
        let token_endpoint = format!("{}/token", self.issuer);
        let now = self.clock.now_secs();
        let Ok(checked) =
            client_assertion::check_claims(&claims, &self.client_id, &[&token_endpoint], now)
        else {
            return false;
        };
        let ttl = u64::try_from(checked.exp - now).unwrap_or(1).max(1);
        relais_store::EphemeralStore::put_new(
            &self.store,
            &format!("jti:{}", checked.jti),
            b"",
            ttl,
        )
        .await
        .unwrap_or(false)
    }

    /// Nests a signed answer in a JWE to the federation's `use=enc` key
    /// when this IdP encrypts; returns it unchanged otherwise.
    pub(super) async fn seal_for_federation(&self, signed: String) -> Result<String, String> {
        let Some(alg) = self.spec.encrypts_to_relais else {
            return Ok(signed);
        };
        let keys = self.federation_jwks().await?;
        let key = encryption_key(&keys, alg).ok_or("the federation publishes no fitting key")?;
        jose::encrypt(signed.as_bytes(), key, alg, Some("JWT")).map_err(|e| e.to_string())
    }
}

fn encryption_key(keys: &JwkSet, alg: JweAlg) -> Option<&Jwk> {
    keys.keys.iter().find(|k| {
        k.use_.as_deref() == Some("enc")
            && k.kty == alg.key_type()
            && k.alg.as_deref().is_none_or(|a| a == alg.as_str())
    })
}
