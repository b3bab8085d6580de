//! The federation's signing keys: loaded from the key store (private parts
//! sealed), generated on first start (one ES256, one RS256), parsed once,
//! and published as a JWKS document rendered once.

use arc_swap::ArcSwap;
use relais_core::Clock;
use relais_oidc::jose::{JwkSet, JwsAlg};
use relais_oidc::sealer::Sealer;
use relais_oidc::SigningKey;
use relais_store::{KeyStore, StoreError, StoreResult, StoredKey};
use std::collections::HashMap;
use std::sync::Arc;

pub struct KeySet {
    signing: HashMap<JwsAlg, Arc<SigningKey>>,
    pub jwks: JwkSet,
    pub jwks_json: String,
}

/// How long a retired key stays in the JWKS.
pub const PUBLISH_AFTER_RETIREMENT_MS: i64 = 10 * 60 * 1000;

pub struct KeyRing {
    current: ArcSwap<KeySet>,
}

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

impl KeyRing {
    /// Loads keys, generating and storing the missing algorithms.
    pub async fn load_or_create(
        store: &dyn KeyStore,
        sealer: &Sealer,
        clock: &dyn Clock,
    ) -> StoreResult<KeyRing> {
        let mut stored = store.list_keys().await?;
        for alg in [JwsAlg::ES256, JwsAlg::RS256] {
            if !stored
                .iter()
                .any(|k| k.alg == alg && k.retired_at.is_none())
            {
                let key = SigningKey::generate(alg, "").map_err(corrupt)?;
                let now = clock.now_millis();
                let record = StoredKey {
                    kid: key.kid().to_owned(),
                    alg,
                    public_jwk: serde_json::to_string(&key.public_jwk()).map_err(corrupt)?,
                    sealed_private: sealer
                        .seal(&format!("key:{}", key.kid()), key.pkcs8())
                        .map_err(corrupt)?,
                    created_at: now,
                    active_from: now,
                    retired_at: None,
                };
                store.put_key(&record).await?;
                stored.push(record);
            }
        }
        let set = Self::build(&stored, sealer, clock.now_millis())?;
        Ok(KeyRing {
            current: ArcSwap::from_pointee(set),
        })
    }

    fn build(stored: &[StoredKey], sealer: &Sealer, now: i64) -> StoreResult<KeySet> {
        let mut signing: HashMap<JwsAlg, Arc<SigningKey>> = HashMap::new();
        let mut jwks = JwkSet::default();
        for k in stored {
            let alg = k.alg;
            // A retired key stays published while tokens it signed may still
            // be checked, then leaves the JWKS.
            let published = k
                .retired_at
                .is_none_or(|r| r.saturating_add(PUBLISH_AFTER_RETIREMENT_MS) > now);
            if published {
                let jwk = serde_json::from_str(&k.public_jwk).map_err(corrupt)?;
                jwks.keys.push(jwk);
            }
            let usable = k.active_from <= now && k.retired_at.is_none_or(|r| r > now);
            if usable {
                let der = sealer.open(&format!("key:{}", k.kid), &k.sealed_private).map_err(|_| {
                    StoreError::Corrupt(format!(
                        "signing key {} was sealed with another master key: every node needs the same secrets.master_key",
                        k.kid
                    ))
                })?;
                let key = SigningKey::from_pkcs8(alg, &k.kid, der).map_err(corrupt)?;
                // The newest usable key of each algorithm signs.
                signing.insert(alg, Arc::new(key));
            }
        }
        let jwks_json = serde_json::to_string(&jwks).map_err(corrupt)?;
        Ok(KeySet {
            signing,
            jwks,
            jwks_json,
        })
    }

    /// Re-reads the keys (another node may have rotated them).
    pub async fn refresh(
        &self,
        store: &dyn KeyStore,
        sealer: &Sealer,
        now: i64,
    ) -> StoreResult<()> {
        let stored = store.list_keys().await?;
        self.current
            .store(Arc::new(Self::build(&stored, sealer, now)?));
        Ok(())
    }

    /// Introduces new keys (ES256 and RS256) published at once and used to
    /// sign `delay_ms` later, when the current keys retire. Returns the new kids.
    pub async fn rotate(
        store: &dyn KeyStore,
        sealer: &Sealer,
        now: i64,
        delay_ms: i64,
    ) -> StoreResult<Vec<String>> {
        let stored = store.list_keys().await?;
        let switch_at = now + delay_ms.max(0);
        let mut kids = Vec::new();
        for alg in [JwsAlg::ES256, JwsAlg::RS256] {
            let key = SigningKey::generate(alg, "").map_err(corrupt)?;
            store
                .put_key(&StoredKey {
                    kid: key.kid().to_owned(),
                    alg,
                    public_jwk: serde_json::to_string(&key.public_jwk()).map_err(corrupt)?,
                    sealed_private: sealer
                        .seal(&format!("key:{}", key.kid()), key.pkcs8())
                        .map_err(corrupt)?,
                    created_at: now,
                    active_from: switch_at,
                    retired_at: None,
                })
                .await?;
            kids.push(key.kid().to_owned());
            for old in stored
                .iter()
                .filter(|k| k.alg == alg && k.retired_at.is_none())
            {
                let mut retired = old.clone();
                retired.retired_at = Some(switch_at);
                store.put_key(&retired).await?;
            }
        }
        Ok(kids)
    }

    pub fn current(&self) -> Arc<KeySet> {
        self.current.load_full()
    }

    pub fn signing_key(&self, alg: JwsAlg) -> Option<Arc<SigningKey>> {
        self.current.load().signing.get(&alg).cloned()
    }
}
