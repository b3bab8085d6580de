//! The federation's keys: loaded from the key store (private parts
//! sealed), generated on first start — signing keys (one ES256, one RS256)
//! and encryption keys that IdPs encrypt their answers to (one
//! RSA-OAEP-256, one ECDH-ES, `use=enc`) — parsed once, and published as a
//! JWKS document rendered once. Both kinds rotate together.

use arc_swap::ArcSwap;
use relais_core::alg::KeyAlg;
use relais_core::{Clock, JweAlg};
use relais_oidc::jose::{DecryptionKey, JwkSet, JwsAlg};
use relais_oidc::sealer::Sealer;
use relais_oidc::SigningKey;
use relais_store::{KeyStore, StoreError, StoreResult, StoredKey};
use std::collections::HashMap;
use std::sync::Arc;

pub struct KeySet {
    signing: HashMap<JwsAlg, Arc<SigningKey>, foldhash::quality::RandomState>,
    /// Every published encryption key, newest first: an IdP may encrypt
    /// to any key it read from the JWKS.
    pub decryption: Vec<Arc<DecryptionKey>>,
    pub jwks: JwkSet,
    pub jwks_json: String,
    /// What the set was built from: a refresh that reads the same keys in
    /// the same states keeps this set.
    built_from: Vec<KeyState>,
}

/// A stored key as [`KeyRing::build`] sees it at one moment. A key's
/// material never changes under its kid; its dates do (a rotation retires
/// it), and with time it becomes usable, then retired, then unpublished.
#[derive(Debug, PartialEq, Eq)]
struct KeyState {
    kid: String,
    alg: KeyAlg,
    created_at: i64,
    active_from: i64,
    retired_at: Option<i64>,
    /// In the JWKS: a retired key stays published while tokens it signed
    /// may still be checked.
    published: bool,
    /// Signs (or, for encryption keys, is current).
    usable: bool,
}

impl KeyState {
    fn of(k: &StoredKey, now: i64) -> KeyState {
        KeyState {
            kid: k.kid.clone(),
            alg: k.alg,
            created_at: k.created_at,
            active_from: k.active_from,
            retired_at: k.retired_at,
            published: k
                .retired_at
                .is_none_or(|r| r.saturating_add(PUBLISH_AFTER_RETIREMENT_MS) > now),
            usable: k.active_from <= now && k.retired_at.is_none_or(|r| r > now),
        }
    }

    /// Every stored key's state, in kid order: the store lists keys in an
    /// order of its own, and two reads are compared as they are kept.
    fn all(stored: &[StoredKey], now: i64) -> Vec<KeyState> {
        let mut states: Vec<KeyState> = stored.iter().map(|k| KeyState::of(k, now)).collect();
        states.sort_by(|a, b| a.kid.cmp(&b.kid));
        states
    }
}

/// How long a retired key stays in the JWKS.
pub const PUBLISH_AFTER_RETIREMENT_MS: i64 = 10 * 60 * 1000;

/// The keys every node has one current of.
const KEY_ALGS: [KeyAlg; 4] = [
    KeyAlg::Sig(JwsAlg::ES256),
    KeyAlg::Sig(JwsAlg::RS256),
    KeyAlg::Enc(JweAlg::RsaOaep256),
    KeyAlg::Enc(JweAlg::EcdhEs),
];

/// A fresh key of `alg`, its private part sealed, ready to store.
fn new_key(alg: KeyAlg, sealer: &Sealer, now: i64, active_from: i64) -> StoreResult<StoredKey> {
    let (kid, public, pkcs8) = match alg {
        KeyAlg::Sig(a) => {
            let k = SigningKey::generate(a, "").map_err(corrupt)?;
            (k.kid().to_owned(), k.public_jwk(), k.pkcs8().to_vec())
        }
        KeyAlg::Enc(a) => {
            let k = DecryptionKey::generate(a, "").map_err(corrupt)?;
            let mut public = k.public_jwk();
            let kid = format!("enc-{}", &relais_oidc::keys::thumbprint(&public)[..16]);
            public.kid = Some(kid.clone());
            // The RSA key opens RSA-OAEP-256 and RSA-OAEP (FranceConnect+'s
            // own choice): published without `alg`, so an IdP may use either.
            if public.kty == "RSA" {
                public.alg = None;
            }
            (kid, public, k.pkcs8().to_vec())
        }
    };
    Ok(StoredKey {
        public_jwk: serde_json::to_string(&public).map_err(corrupt)?,
        sealed_private: sealer
            .seal(&format!("key:{kid}"), &pkcs8)
            .map_err(corrupt)?,
        kid,
        alg,
        created_at: now,
        active_from,
        retired_at: None,
    })
}

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
        for alg in KEY_ALGS {
            if !stored
                .iter()
                .any(|k| k.alg == alg && k.retired_at.is_none())
            {
                let now = clock.now_millis();
                let record = new_key(alg, sealer, now, now)?;
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
        let mut signing: HashMap<JwsAlg, Arc<SigningKey>, _> = HashMap::default();
        let mut decryption: Vec<(i64, Arc<DecryptionKey>)> = Vec::new();
        let mut jwks = JwkSet::default();
        for k in stored {
            let KeyState {
                published, usable, ..
            } = KeyState::of(k, now);
            if published {
                let jwk = serde_json::from_str(&k.public_jwk).map_err(corrupt)?;
                jwks.keys.push(jwk);
            }
            let open = || {
                sealer.open(&format!("key:{}", k.kid), &k.sealed_private).map_err(|_| {
                    StoreError::Corrupt(format!(
                        "key {} was sealed with another master key: every node needs the same secrets.master_key",
                        k.kid
                    ))
                })
            };
            match k.alg {
                KeyAlg::Sig(alg) if usable => {
                    let key = SigningKey::from_pkcs8(alg, &k.kid, open()?).map_err(corrupt)?;
                    // The newest usable key of each algorithm signs.
                    signing.insert(alg, Arc::new(key));
                }
                KeyAlg::Enc(alg) if published => {
                    let key = DecryptionKey::from_pkcs8(alg, &k.kid, open()?).map_err(corrupt)?;
                    decryption.push((k.created_at, Arc::new(key)));
                }
                _ => {}
            }
        }
        decryption.sort_by_key(|(created, _)| std::cmp::Reverse(*created));
        let jwks_json = serde_json::to_string(&jwks).map_err(corrupt)?;
        Ok(KeySet {
            signing,
            decryption: decryption.into_iter().map(|(_, k)| k).collect(),
            jwks,
            jwks_json,
            built_from: KeyState::all(stored, now),
        })
    }

    /// Re-reads the keys (another node may have rotated them), every few
    /// seconds. The set is rebuilt only when a key or its state moved: a
    /// rebuild opens every sealed key and parses two RSA keys (≈ 4 million
    /// instructions), for nothing on all but a rotation's few refreshes.
    pub async fn refresh(
        &self,
        store: &dyn KeyStore,
        sealer: &Sealer,
        now: i64,
    ) -> StoreResult<()> {
        let stored = store.list_keys().await?;
        if KeyState::all(&stored, now) != self.current.load().built_from {
            self.current
                .store(Arc::new(Self::build(&stored, sealer, now)?));
        }
        Ok(())
    }

    /// Introduces new keys (ES256, RS256 and the two encryption keys)
    /// published at once and used `delay_ms` later, when the current keys
    /// retire. Returns the new kids.
    pub async fn rotate(
        store: &dyn KeyStore,
        sealer: &Sealer,
        now: i64,
        delay_ms: i64,
    ) -> StoreResult<Vec<String>> {
        let stored = store.list_keys().await?;
        let switch_at = now + delay_ms.max(0);
        let mut kids = Vec::new();
        for alg in KEY_ALGS {
            let record = new_key(alg, sealer, now, switch_at)?;
            store.put_key(&record).await?;
            kids.push(record.kid);
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

#[cfg(test)]
mod tests {
    use super::*;
    use relais_core::ManualClock;
    use relais_store::sqlite::SqliteStore;
    use relais_store::test_backends::TempDb;

    /// A store on a new file, and the file (removed when dropped).
    async fn store(clock: &ManualClock) -> (SqliteStore, TempDb) {
        let path = TempDb::new("keyring");
        let store = SqliteStore::open(&path, Arc::new(clock.clone()))
            .await
            .unwrap();
        (store, path)
    }

    /// The refresh every few seconds keeps the set while nothing moved,
    /// and follows a rotation: the new keys published at once, signing
    /// when the old ones retire.
    #[tokio::test]
    async fn a_refresh_rebuilds_the_set_only_when_a_key_moved() {
        let clock = ManualClock::starting_now();
        let (store, _file) = store(&clock).await;
        let sealer = Sealer::from_master_secret(b"a master secret for the keyring test").unwrap();
        let ring = KeyRing::load_or_create(&store, &sealer, &clock)
            .await
            .unwrap();
        let now = clock.now_millis();
        let first = ring.current();
        let es256 = ring.signing_key(JwsAlg::ES256).unwrap().kid().to_owned();

        ring.refresh(&store, &sealer, now + 5_000).await.unwrap();
        assert!(Arc::ptr_eq(&first, &ring.current()), "rebuilt for nothing");

        let kids = KeyRing::rotate(&store, &sealer, now + 5_000, 60_000)
            .await
            .unwrap();
        ring.refresh(&store, &sealer, now + 10_000).await.unwrap();
        let published = ring.current();
        assert!(
            !Arc::ptr_eq(&first, &published),
            "the new keys are not published"
        );
        assert_eq!(published.jwks.keys.len(), 8);
        assert_eq!(ring.signing_key(JwsAlg::ES256).unwrap().kid(), es256);

        ring.refresh(&store, &sealer, now + 15_000).await.unwrap();
        assert!(
            Arc::ptr_eq(&published, &ring.current()),
            "rebuilt for nothing"
        );

        ring.refresh(&store, &sealer, now + 65_001).await.unwrap();
        let es256_now = ring.signing_key(JwsAlg::ES256).unwrap().kid().to_owned();
        assert_ne!(es256_now, es256);
        assert!(kids.contains(&es256_now));
    }
}
