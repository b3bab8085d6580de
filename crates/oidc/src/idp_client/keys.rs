//! The IdPs' signing keys: each IdP's JWKS fetched and cached for an hour at
//! most (an IdP may replace a key under the same `kid`), refreshed at once
//! when the IdP's `jwks_uri` changes and when a token names an unknown `kid`
//! (at most every few seconds), and the pinned-algorithm JWS verification
//! every IdP answer goes through.

use super::client::{short, timeout_of, CachedJwks, IdpClient, IdpError, JWKS_REFRESH_MILLIS};
use crate::jose::{self, JwkSet, JwsAlg, Verifier};
use relais_core::partner::IdentityProvider;
use serde_json::{Map, Value};
use std::sync::Arc;
use std::time::Duration;

/// Longest time an IdP's key set is used without fetching it again.
const JWKS_TTL_MILLIS: i64 = 3_600_000;

impl IdpClient {
    async fn fetch_jwks(
        &self,
        idp: &IdentityProvider,
        now_millis: i64,
    ) -> Result<Arc<CachedJwks>, IdpError> {
        let url = self
            .endpoint_url(&idp.endpoints.jwks_uri)
            .map_err(|e| IdpError::IdToken(format!("JWKS: {e}")))?;
        let resp = self
            .http
            .get(url)
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
        let cached = Arc::new(CachedJwks::new(set, now_millis, &idp.endpoints.jwks_uri));
        self.idp_keys.insert(&idp.id, cached.clone());
        Ok(cached)
    }

    /// A key set published by a partner (a data provider's or a service's
    /// keys), cached for a minute; `refresh` fetches it again at once (a
    /// token names a `kid` the cached set lacks), at most every few seconds.
    pub async fn partner_key_set(
        &self,
        url: &str,
        now_millis: i64,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, IdpError> {
        if let Some(c) = self.partner_keys.get(url).filter(|c| {
            let age = now_millis - c.fetched_at;
            age < 60_000 && (!refresh || age <= JWKS_REFRESH_MILLIS)
        }) {
            return Ok(c.shared_set.clone());
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
        let cached = Arc::new(CachedJwks::new(set, now_millis, url));
        self.partner_keys.insert(url, cached.clone());
        Ok(cached.shared_set.clone())
    }

    /// Forgets cached keys (e.g. after an IdP's configuration changed).
    pub fn forget_keys(&self, idp_id: &str) {
        self.idp_keys.remove(idp_id);
    }

    pub(super) async fn verify_jws(
        &self,
        idp: &IdentityProvider,
        token: &str,
        alg: JwsAlg,
        now_millis: i64,
    ) -> Result<Map<String, Value>, jose::JoseError> {
        if alg == JwsAlg::HS256 {
            return jose::verify(token, alg, Verifier::Secret(idp.client_secret.as_bytes()));
        }
        let fresh_enough = |k: &Arc<CachedJwks>| {
            now_millis - k.fetched_at < JWKS_TTL_MILLIS && k.uri == idp.endpoints.jwks_uri
        };
        let keys = match self.idp_keys.get(&idp.id).filter(fresh_enough) {
            Some(k) => k,
            None => self
                .fetch_jwks(idp, now_millis)
                .await
                .map_err(|_| jose::JoseError::UnknownKey)?,
        };
        match jose::verify(token, alg, Verifier::Keys(&keys.shared_set)) {
            Err(jose::JoseError::UnknownKey)
                if now_millis - keys.fetched_at > JWKS_REFRESH_MILLIS =>
            {
                // The IdP may have rotated its keys: refresh once, then retry.
                let fresh = self
                    .fetch_jwks(idp, now_millis)
                    .await
                    .map_err(|_| jose::JoseError::UnknownKey)?;
                jose::verify(token, alg, Verifier::Keys(&fresh.shared_set))
            }
            other => other,
        }
    }
}
