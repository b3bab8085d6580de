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

    // A batched put keeps its own lifetime.
    time.by_millis(2500).await;
    assert_eq!(
        s.get("b:code").await.unwrap(),
        None,
        "expired after its TTL"
    );
    assert!(s.get("b:sess").await.unwrap().is_some());
    s.batch(&[EphemeralOp::Delete("b:sess")]).await.unwrap();
    assert_eq!(s.get("b:sess").await.unwrap(), None, "a batched delete");
}
