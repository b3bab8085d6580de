//! The backend conformance suite. Every backend's tests call these functions
//! on a fresh store; a backend is correct when they all pass. They panic
//! (assert) on failure, as tests do.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod accounts;
pub(crate) mod ephemeral_batch;
mod events;

pub use events::{events, stats};

use crate::records::{ConfigKind, StoredKey};
use crate::{ConfigStore, EphemeralStore, KeyStore};
use relais_core::ManualClock;
use serde_json::json;
use std::sync::Arc;

/// Noon in Paris, `days` days after 1 November 2026 (11:00 UTC that day):
/// the instants the statistics tests place logins at, well inside a Paris
/// day and month whatever the offset (winter or summer time).
pub fn paris_noon(days: i64) -> i64 {
    1_793_530_800_000 + days * 86_400_000
}

/// How a test moves time forward: the injected clock, or real time for
/// backends that expire keys on their own clock (Redis).
pub enum Advance<'a> {
    Clock(&'a ManualClock),
    RealTime,
}

impl Advance<'_> {
    pub async fn by_millis(&self, ms: u64) {
        match self {
            Advance::Clock(c) => {
                c.advance_secs(i64::try_from(ms.div_ceil(1000)).unwrap_or(i64::MAX))
            }
            Advance::RealTime => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        }
    }
}

/// TTL, atomic take, overwrite, delete, expiry.
pub async fn ephemeral<S: EphemeralStore>(s: &S, time: &Advance<'_>) {
    s.put("a", b"one", 30).await.unwrap();
    assert_eq!(s.get("a").await.unwrap().as_deref(), Some(&b"one"[..]));
    s.put("a", b"two", 30).await.unwrap();
    assert_eq!(
        s.get("a").await.unwrap().as_deref(),
        Some(&b"two"[..]),
        "put replaces"
    );
    assert_eq!(s.take("a").await.unwrap().as_deref(), Some(&b"two"[..]));
    assert_eq!(s.take("a").await.unwrap(), None, "take is single use");
    assert_eq!(s.get("missing").await.unwrap(), None);

    s.put("short", b"x", 2).await.unwrap();
    s.put("long", b"y", 120).await.unwrap();
    time.by_millis(1000).await;
    assert!(
        s.get("short").await.unwrap().is_some(),
        "alive before its TTL"
    );
    time.by_millis(1500).await;
    assert_eq!(s.get("short").await.unwrap(), None, "expired after its TTL");
    assert_eq!(
        s.take("short").await.unwrap(),
        None,
        "expired entries cannot be taken"
    );
    assert!(s.get("long").await.unwrap().is_some());
    s.purge_expired().await.unwrap();
    assert!(
        s.get("long").await.unwrap().is_some(),
        "purge keeps live entries"
    );
    s.delete("long").await.unwrap();
    assert_eq!(s.get("long").await.unwrap(), None);
    s.delete("never-existed").await.unwrap();

    // put_new writes only where no live entry is.
    assert!(s.put_new("once", b"1", 2).await.unwrap());
    assert!(
        !s.put_new("once", b"2", 2).await.unwrap(),
        "second put_new refused"
    );
    assert_eq!(s.get("once").await.unwrap().as_deref(), Some(&b"1"[..]));
    time.by_millis(2500).await;
    assert!(
        s.put_new("once", b"3", 2).await.unwrap(),
        "an expired entry no longer blocks put_new"
    );
    assert_eq!(s.get("once").await.unwrap().as_deref(), Some(&b"3"[..]));

    // Binary values survive unchanged.
    let bin: Vec<u8> = (0..=255u8).collect();
    s.put("bin", &bin, 10).await.unwrap();
    assert_eq!(s.get("bin").await.unwrap(), Some(bin));

    ephemeral_batch::batch(s, time).await;
}

/// Of many concurrent takers of one key, exactly one wins; of many
/// concurrent `put_new` of one key, exactly one writes.
pub async fn ephemeral_concurrent_take<S: EphemeralStore>(s: Arc<S>) {
    let mut handles = Vec::new();
    for i in 0..16u8 {
        let s = s.clone();
        handles.push(tokio::spawn(async move {
            s.put_new("jti-race", &[i], 30).await.unwrap()
        }));
    }
    let mut writers = 0;
    for h in handles {
        writers += usize::from(h.await.unwrap());
    }
    assert_eq!(writers, 1, "exactly one concurrent put_new writes");
    for round in 0..5 {
        let key = format!("race-{round}");
        s.put(&key, b"v", 30).await.unwrap();
        let mut handles = Vec::new();
        for _ in 0..16 {
            let s = s.clone();
            let key = key.clone();
            handles.push(tokio::spawn(async move {
                s.take(&key).await.unwrap().is_some()
            }));
        }
        let mut winners = 0;
        for h in handles {
            winners += usize::from(h.await.unwrap());
        }
        assert_eq!(winners, 1, "exactly one concurrent take wins");
    }
}

pub async fn config<S: ConfigStore>(s: &S) {
    let kind = ConfigKind::ServiceProvider;
    assert_eq!(s.get_config(kind, "sp1").await.unwrap(), None);
    s.put_config(kind, "sp1", &json!({"name": "Un"}))
        .await
        .unwrap();
    s.put_config(
        kind,
        "sp2",
        &json!({"name": "Deux", "nested": {"a": [1, 2]}}),
    )
    .await
    .unwrap();
    s.put_config(ConfigKind::IdentityProvider, "sp1", &json!({"other": true}))
        .await
        .unwrap();
    s.put_config(kind, "sp1", &json!({"name": "Un bis"}))
        .await
        .unwrap();
    assert_eq!(
        s.get_config(kind, "sp1").await.unwrap(),
        Some(json!({"name": "Un bis"}))
    );
    let list = s.list_config(kind).await.unwrap();
    assert_eq!(list.len(), 2, "kinds are separate namespaces");
    assert_eq!(
        list[1],
        (
            "sp2".to_owned(),
            json!({"name": "Deux", "nested": {"a": [1, 2]}})
        )
    );
    assert!(s.delete_config(kind, "sp2").await.unwrap());
    assert!(!s.delete_config(kind, "sp2").await.unwrap());
    assert_eq!(s.list_config(kind).await.unwrap().len(), 1);
    // The same documents as text, in the same order.
    let listed = s.list_config(kind).await.unwrap();
    let text = s.list_config_text(kind).await.unwrap();
    assert_eq!(listed.len(), text.len());
    for ((id, doc), (tid, ttext)) in listed.iter().zip(&text) {
        assert_eq!(id, tid);
        assert_eq!(
            doc,
            &serde_json::from_str::<serde_json::Value>(ttext).unwrap()
        );
    }
    // The fingerprint moves with every write and delete, and only then.
    let before = s.config_fingerprint(kind).await.unwrap();
    let idps = s
        .config_fingerprint(ConfigKind::IdentityProvider)
        .await
        .unwrap();
    assert_eq!(s.config_fingerprint(kind).await.unwrap(), before);
    s.put_config(kind, "fp", &json!({"name": "Nouveau"}))
        .await
        .unwrap();
    let added = s.config_fingerprint(kind).await.unwrap();
    assert_ne!(added, before);
    assert_eq!(
        s.config_fingerprint(ConfigKind::IdentityProvider)
            .await
            .unwrap(),
        idps,
        "another kind's fingerprint does not move"
    );
    assert!(s.delete_config(kind, "fp").await.unwrap());
    assert_ne!(s.config_fingerprint(kind).await.unwrap(), added);
}

/// What a durable backend stores with a login's account statements
/// itself (answered by [`durable`], for the backend's own test to pin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredWithAccount {
    /// `FC_VERIFIED` with the connection at the callback.
    pub connection: bool,
    /// The data transfer and `FC_REDIRECTED_TO_SP` with the read at consent.
    pub standing: bool,
}

/// The durable tier's whole suite, in order, on a fresh store:
/// configuration, accounts, events, statistics, a login's account
/// statements with their events, keys.
pub async fn durable<S>(s: &S) -> StoredWithAccount
where
    S: ConfigStore + crate::AccountStore + crate::EventStore + crate::StatsStore + KeyStore,
{
    config(s).await;
    accounts::accounts(s).await;
    events(s).await;
    stats(s).await;
    let stored = StoredWithAccount {
        connection: accounts::connect_with_events(s).await,
        standing: accounts::standing_with_events(s).await,
    };
    keys(s).await;
    stored
}

pub async fn keys<S: KeyStore>(s: &S) {
    assert!(s.list_keys().await.unwrap().is_empty());
    let k = StoredKey {
        kid: "k1".into(),
        alg: relais_core::alg::KeyAlg::Sig(relais_core::JwsAlg::ES256),
        public_jwk: "{}".into(),
        sealed_private: vec![1, 2, 3, 0, 255],
        created_at: 1,
        active_from: 1,
        retired_at: None,
    };
    s.put_key(&k).await.unwrap();
    let mut k2 = k.clone();
    k2.kid = "k2".into();
    k2.created_at = 2;
    s.put_key(&k2).await.unwrap();
    let mut retired = k.clone();
    retired.retired_at = Some(99);
    s.put_key(&retired).await.unwrap();
    let list = s.list_keys().await.unwrap();
    assert_eq!(list, vec![retired, k2]);
}

/// Rate-limit counters: each key counts on its own, concurrent hits are all
/// counted (atomic increments), several hits count as many (a lease), and
/// a key lives no longer than its TTL, whether its first hit was one or
/// several.
pub async fn hit_counter<C: crate::HitCounter>(c: Arc<C>, time: &Advance<'_>) {
    assert_eq!(c.hit("rl:a", 1, 60).await.unwrap(), 1);
    assert_eq!(c.hit("rl:a", 1, 60).await.unwrap(), 2);
    assert_eq!(c.hit("rl:b", 1, 60).await.unwrap(), 1);
    assert_eq!(c.hit("rl:a", 10, 60).await.unwrap(), 12, "ten at once");
    assert_eq!(c.hit("rl:a", 1, 60).await.unwrap(), 13);
    let handles: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.hit("rl:c", 1, 60).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for h in handles {
        counts.push(h.await.unwrap());
    }
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u64>>());
    assert_eq!(c.hit("rl:short", 1, 1).await.unwrap(), 1);
    time.by_millis(2100).await;
    assert_eq!(
        c.hit("rl:short", 1, 1).await.unwrap(),
        1,
        "a window ends with its TTL"
    );
    let each = [
        crate::Hits {
            key: "rl:a",
            hits: 2,
            ttl_secs: 60,
        },
        crate::Hits {
            key: "rl:each",
            hits: 3,
            ttl_secs: 1,
        },
    ];
    assert_eq!(
        c.hit_each(&each).await.unwrap(),
        [15, 3],
        "several counters at once, each counted"
    );
    assert_eq!(c.hit_each(&[]).await.unwrap(), Vec::<u64>::new());
    assert_eq!(c.hit("rl:lease", 5, 1).await.unwrap(), 5);
    time.by_millis(2100).await;
    assert_eq!(
        c.hit("rl:lease", 5, 1).await.unwrap(),
        5,
        "a window opened by a lease ends with its TTL too"
    );
    assert_eq!(
        c.hit("rl:each", 1, 1).await.unwrap(),
        1,
        "so does one opened among several counters"
    );
}
