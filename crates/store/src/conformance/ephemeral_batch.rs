//! [`EphemeralStore::batch`]: the same answers and effects as the
//! operations called one by one, on every backend.

use super::Advance;
use crate::{EphemeralOp, EphemeralStore};

pub async fn batch<S: EphemeralStore>(s: &S, time: &Advance<'_>) {
    s.put("b:sess", b"session", 30).await.unwrap();
    s.put("b:csrf", b"grant", 30).await.unwrap();
    let answers = s
        .batch(&[
            EphemeralOp::Get("b:sess"),
            EphemeralOp::Get("b:missing"),
            EphemeralOp::Take("b:csrf"),
        ])
        .await
        .unwrap();
    assert_eq!(
        answers,
        vec![Some(b"session".to_vec()), None, Some(b"grant".to_vec())],
        "one answer per operation, in order"
    );
    assert_eq!(
        s.get("b:csrf").await.unwrap(),
        None,
        "a batched take deletes"
    );
    assert_eq!(
        s.batch(&[EphemeralOp::Take("b:csrf")]).await.unwrap(),
        vec![None],
        "a batched take is single use"
    );

    // Writes apply in order; a later read in the same batch sees them.
    let bin: Vec<u8> = (0..=255u8).collect();
    let answers = s
        .batch(&[
            EphemeralOp::Put {
                key: "b:code",
                value: &bin,
                ttl_secs: 2,
            },
            EphemeralOp::Put {
                key: "b:sess",
                value: b"rotated",
                ttl_secs: 30,
            },
            EphemeralOp::Delete("b:gone"),
            EphemeralOp::Get("b:code"),
        ])
        .await
        .unwrap();
    assert_eq!(answers, vec![None, None, None, Some(bin.clone())]);
    assert_eq!(
        s.get("b:sess").await.unwrap().as_deref(),
        Some(&b"rotated"[..])
    );
    assert!(s.batch(&[]).await.unwrap().is_empty(), "an empty batch");

    // A conditional put writes only beside a live entry.
    let answers = s
        .batch(&[
            EphemeralOp::Get("b:sess"),
            EphemeralOp::PutIfPresent {
                key: "b:form",
                value: &bin,
                ttl_secs: 30,
                if_present: "b:sess",
            },
            EphemeralOp::PutIfPresent {
                key: "b:orphan",
                value: b"x",
                ttl_secs: 30,
                if_present: "b:missing",
            },
            EphemeralOp::Get("b:form"),
        ])
        .await
        .unwrap();
    assert_eq!(
        answers,
        vec![Some(b"rotated".to_vec()), None, None, Some(bin.clone())],
        "written beside a live entry, readable in the same batch"
    );
    assert_eq!(
        s.get("b:orphan").await.unwrap(),
        None,
        "never written beside a missing entry"
    );

    // A required entry guards the writes after it: once.
    s.put("b:ready", b"1", 30).await.unwrap();
    let guarded = [
        EphemeralOp::Require("b:ready"),
        EphemeralOp::Put {
            key: "b:granted",
            value: b"code",
            ttl_secs: 30,
        },
        EphemeralOp::Get("b:granted"),
    ];
    assert_eq!(
        s.batch(&guarded).await.unwrap(),
        vec![Some(b"1".to_vec()), None, Some(b"code".to_vec())],
        "taken, then the writes run"
    );
    s.delete("b:granted").await.unwrap();
    assert_eq!(
        s.batch(&guarded).await.unwrap(),
        vec![None, None, None],
        "already taken: nothing after it runs"
    );
    assert_eq!(s.get("b:granted").await.unwrap(), None, "nothing written");

    // A lock that lives stops the batch; once gone, the writes run.
    // (The suite runs twice on one server: no key left by the last run.)
    for key in ["b:after-lock", "b:token"] {
        s.delete(key).await.unwrap();
    }
    s.put("b:lock", b"until", 30).await.unwrap();
    s.put("b:one-use", b"once", 30).await.unwrap();
    let locked = [
        EphemeralOp::Absent("b:lock"),
        EphemeralOp::Require("b:one-use"),
        EphemeralOp::Put {
            key: "b:after-lock",
            value: b"x",
            ttl_secs: 30,
        },
    ];
    assert_eq!(
        s.batch(&locked).await.unwrap(),
        vec![Some(b"until".to_vec()), None, None],
        "a live lock answers its value and stops the batch"
    );
    assert_eq!(
        s.get("b:one-use").await.unwrap().as_deref(),
        Some(&b"once"[..]),
        "nothing after a live lock is taken"
    );
    assert_eq!(s.get("b:after-lock").await.unwrap(), None);
    s.delete("b:lock").await.unwrap();
    assert_eq!(
        s.batch(&locked).await.unwrap(),
        vec![None, Some(b"once".to_vec()), None],
        "no lock: the batch runs on"
    );
    assert!(s.get("b:after-lock").await.unwrap().is_some());
    s.delete("b:after-lock").await.unwrap();

    // A new entry guards the operations after it, once.
    s.delete("b:jti").await.unwrap();
    s.put("b:code-once", b"c", 30).await.unwrap();
    let once = [
        EphemeralOp::PutNew {
            key: "b:jti",
            value: b"",
            ttl_secs: 30,
        },
        EphemeralOp::Take("b:code-once"),
    ];
    assert_eq!(
        s.batch(&once).await.unwrap(),
        vec![None, Some(b"c".to_vec())],
        "stored: the batch runs on"
    );
    assert!(s.get("b:jti").await.unwrap().is_some(), "stored");
    s.put("b:code-once", b"c", 30).await.unwrap();
    let again = s.batch(&once).await.unwrap();
    assert!(again[0].is_some(), "used already: answered, {again:?}");
    assert_eq!(again[1], None, "and the batch stops");
    assert_eq!(
        s.get("b:code-once").await.unwrap().as_deref(),
        Some(&b"c"[..]),
        "nothing after it ran"
    );
    assert!(
        !s.put_new("b:jti", b"", 30).await.unwrap(),
        "the entry is the one put_new sees"
    );
    s.delete("b:jti").await.unwrap();
    s.delete("b:code-once").await.unwrap();

    // A put of what was taken: the head, then the taken value, byte for
    // byte; nothing when the take found nothing.
    s.put("b:spent", &bin, 30).await.unwrap();
    let exchange = [
        EphemeralOp::Require("b:spent"),
        EphemeralOp::PutTaken {
            key: "b:token",
            head: b"\x00head",
            ttl_secs: 2,
        },
        EphemeralOp::Get("b:token"),
    ];
    let whole: Vec<u8> = [&b"\x00head"[..], &bin].concat();
    assert_eq!(
        s.batch(&exchange).await.unwrap(),
        vec![Some(bin.clone()), None, Some(whole.clone())],
        "written from the taken value, readable in the same batch"
    );
    assert_eq!(s.get("b:spent").await.unwrap(), None, "the code is taken");
    s.delete("b:token").await.unwrap();
    assert_eq!(
        s.batch(&exchange).await.unwrap(),
        vec![None, None, None],
        "taken already: nothing written"
    );
    let unguarded = [
        EphemeralOp::Take("b:spent"),
        EphemeralOp::PutTaken {
            key: "b:token",
            head: b"h",
            ttl_secs: 30,
        },
    ];
    assert_eq!(s.batch(&unguarded).await.unwrap(), vec![None, None]);
    assert_eq!(
        s.get("b:token").await.unwrap(),
        None,
        "a take that found nothing gives nothing to write"
    );
    let no_take = [EphemeralOp::PutTaken {
        key: "b:token",
        head: b"h",
        ttl_secs: 30,
    }];
    s.batch(&no_take).await.unwrap();
    assert_eq!(s.get("b:token").await.unwrap(), None, "no take before it");

    // A batched put keeps its own lifetime.
    time.by_millis(2500).await;
    assert_eq!(
        s.get("b:code").await.unwrap(),
        None,
        "expired after its TTL"
    );
    s.put("b:spent", b"again", 30).await.unwrap();
    s.batch(&exchange).await.unwrap();
    time.by_millis(2500).await;
    assert_eq!(
        s.get("b:token").await.unwrap(),
        None,
        "a put of what was taken keeps its own lifetime"
    );
    assert!(s.get("b:sess").await.unwrap().is_some());
    s.batch(&[EphemeralOp::Delete("b:sess")]).await.unwrap();
    assert_eq!(s.get("b:sess").await.unwrap(), None, "a batched delete");
}
