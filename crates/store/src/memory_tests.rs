//! The memory store against the conformance suite, and what only it has:
//! its bound, its figures and its compact entries.

use super::*;
use crate::conformance;
use relais_core::ManualClock;

#[tokio::test]
async fn memory_passes_the_ephemeral_conformance_suite() {
    let clock = ManualClock::starting_now();
    let s = MemoryEphemeral::new(Arc::new(clock.clone()));
    conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
    let s = Arc::new(s);
    conformance::hit_counter(s.clone(), &conformance::Advance::Clock(&clock)).await;
    conformance::ephemeral_concurrent_take(s).await;
}

#[tokio::test]
async fn a_full_store_evicts_the_entries_closest_to_expiry_and_counts_them() {
    let clock = ManualClock::starting_now();
    let figures = Arc::new(MemoryFigures::default());
    let s = MemoryEphemeral::bounded(Arc::new(clock.clone()), 64 * SHARDS, figures.clone());
    let evicted = &figures.evicted;
    s.put("keep", b"v", 3600).await.unwrap();
    for i in 0..20_000 {
        s.put(&format!("flood-{i}"), b"x", 60).await.unwrap();
    }
    assert!(s.len() <= 64 * SHARDS, "{} entries", s.len());
    assert!(evicted.load(Ordering::Relaxed) >= 20_000 - 64 * SHARDS as u64);
    // The long-lived entry outlives the short-lived flood.
    assert_eq!(s.get("keep").await.unwrap().as_deref(), Some(&b"v"[..]));
    // Expired entries make room before any live one is evicted.
    let before = evicted.load(Ordering::Relaxed);
    clock.advance_secs(61);
    for i in 0..64 {
        s.put(&format!("after-{i}"), b"y", 60).await.unwrap();
    }
    assert_eq!(evicted.load(Ordering::Relaxed), before);
    assert_eq!(
        figures.entries.load(Ordering::Relaxed),
        s.len() as u64,
        "entries counted as held"
    );
}

#[tokio::test]
async fn figures_follow_what_the_store_holds() {
    let clock = ManualClock::starting_now();
    let figures = Arc::new(MemoryFigures::default());
    let s = MemoryEphemeral::bounded(Arc::new(clock.clone()), 1000, figures.clone());
    let held = || {
        (
            figures.entries.load(Ordering::Relaxed),
            figures.bytes.load(Ordering::Relaxed),
        )
    };
    s.put("sess:a", b"12345", 60).await.unwrap();
    s.put("sess:b", b"123", 10).await.unwrap();
    assert_eq!(held(), (2, 6 + 5 + 6 + 3));
    s.put("sess:a", b"1", 60).await.unwrap();
    assert_eq!(
        held(),
        (2, 6 + 1 + 6 + 3),
        "a replaced value is counted once"
    );
    assert!(!s.put_new("sess:a", b"zz", 60).await.unwrap());
    s.take("sess:a").await.unwrap();
    assert_eq!(held(), (1, 9));
    s.hit("hits", 1, 60).await.unwrap();
    s.hit("hits", 1, 60).await.unwrap();
    assert_eq!(held(), (2, 9 + 4 + 8));
    clock.advance_secs(11);
    assert_eq!(s.purge_expired().await.unwrap(), 1);
    assert_eq!(held(), (1, 12));
    s.delete("hits").await.unwrap();
    s.delete("hits").await.unwrap();
    assert_eq!(held(), (0, 0));
}

#[test]
fn an_entry_is_one_allocation_in_a_32_byte_slot() {
    assert!(std::mem::size_of::<Entry>() <= 32);
    let e = Entry::new("sess:abc", b"value", 7);
    assert_eq!(
        (e.key(), e.value(), e.bytes()),
        (&b"sess:abc"[..], &b"value"[..], 13)
    );
    assert_eq!(e.into_value(), b"value");
}

#[tokio::test]
async fn keys_spread_over_every_shard() {
    let clock = ManualClock::starting_now();
    let s = MemoryEphemeral::new(Arc::new(clock));
    for i in 0..64 * SHARDS {
        s.put(&format!("sess:{i}"), b"v", 60).await.unwrap();
    }
    for shard in &s.shards {
        let held = shard.lock().unwrap().len();
        assert!(
            (16..=192).contains(&held),
            "a shard holds {held} of {}",
            64 * SHARDS
        );
    }
}

#[tokio::test]
async fn a_hit_on_a_value_that_is_no_counter_counts_afresh_within_its_lifetime() {
    let clock = ManualClock::starting_now();
    let s = MemoryEphemeral::new(Arc::new(clock.clone()));
    s.put("k", b"not a counter", 10).await.unwrap();
    assert_eq!(s.hit("k", 1, 3600).await.unwrap(), 1);
    assert_eq!(s.hit("k", 2, 3600).await.unwrap(), 3);
    clock.advance_secs(11);
    assert_eq!(
        s.hit("k", 1, 3600).await.unwrap(),
        1,
        "the first value's lifetime"
    );
}
