//! The SQLite store's own tests: the conformance suite on a file, and
//! what only SQLite does (its own connections, its locks, its write-ahead
//! log, its pragmas).

use super::*;
use crate::conformance;
use crate::test_backends::TempDb;
#[allow(unused_imports)]
use crate::*;
use relais_core::ManualClock;

/// A store on a new file, and the file (removed when dropped).
async fn fresh(clock: &ManualClock) -> (SqliteStore, TempDb) {
    let path = TempDb::new("conformance");
    match SqliteStore::open(&path, Arc::new(clock.clone())).await {
        Ok(s) => (s, path),
        Err(e) => panic!("cannot open {}: {e}", &*path),
    }
}

#[tokio::test]
async fn sqlite_passes_the_conformance_suite() {
    let clock = ManualClock::starting_now();
    let (s, _file) = fresh(&clock).await;
    conformance::ephemeral(&s, &conformance::Advance::Clock(&clock)).await;
    assert_eq!(
        conformance::durable(&s).await,
        conformance::StoredWithAccount {
            connection: false,
            standing: false
        },
        "SQLite stores a login's events with the group commit, apart from its account"
    );
    conformance::ephemeral_concurrent_take(Arc::new(s)).await;
}

#[tokio::test]
async fn reopening_a_file_keeps_data_and_migrations_are_idempotent() {
    let clock = ManualClock::starting_now();
    let p = TempDb::new("reopen");
    let s = SqliteStore::open(&p, Arc::new(clock.clone()))
        .await
        .unwrap();
    s.put_config(
        ConfigKind::ServiceProvider,
        "a",
        &serde_json::json!({"x": 1}),
    )
    .await
    .unwrap();
    s.close().await;
    let s = SqliteStore::open(&p, Arc::new(clock)).await.unwrap();
    assert!(s
        .get_config(ConfigKind::ServiceProvider, "a")
        .await
        .ok()
        .flatten()
        .is_some());
}

#[tokio::test]
async fn event_batches_are_not_kept_prepared() {
    let (s, _file) = fresh(&ManualClock::starting_now()).await;
    crate::hot_pool::event_batches_are_not_kept_prepared(&s, &s.hot).await;
}

/// A batch of events spilled its statement journals into files
/// created and unlinked in /var/tmp, about once per batch, with the
/// default `temp_store`; every connection keeps them in memory.
#[tokio::test]
async fn statement_journals_stay_in_memory_on_every_connection() {
    let (s, _file) = fresh(&ManualClock::starting_now()).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut conn = s.pool.acquire().await.unwrap();
        let store: i64 = sqlx::query_scalar("PRAGMA temp_store")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!(store, 2, "temp_store MEMORY");
        held.push(conn);
    }
}

/// A batch of events like the event writer's: `n` logins' events.
fn login_events(n: usize, start: i64) -> Vec<relais_core::event::BusinessEvent> {
    use relais_core::event::{BusinessEvent, EventKind};
    (0..n)
        .flat_map(|i| {
            let at = start + i64::try_from(i).unwrap();
            [EventKind::FcVerified, EventKind::FcRedirectedToSp].map(|kind| {
                let mut e = BusinessEvent::new(kind, at);
                e.account_id = Some(format!("account-{at:08}-{}", "x".repeat(40)));
                e.sp_id = Some("sp".into());
                e.idp_id = Some("idp".into());
                e
            })
        })
        .collect()
}

/// The event writer's batches run on a connection of their own: one
/// is stored, with its statistics, while every connection of sqlx's
/// hot pool is taken (its path would wait for one).
#[tokio::test]
async fn an_event_batch_is_stored_without_sqlx() {
    let clock = ManualClock::starting_now();
    let (s, _file) = fresh(&clock).await;
    let taken: Vec<_> = vec![
        s.hot.acquire().await.unwrap(),
        s.hot.acquire().await.unwrap(),
    ];
    let batch = login_events(3, clock.now_millis());
    tokio::time::timeout(Duration::from_secs(5), s.append_events(&batch))
        .await
        .expect("stored without a connection from sqlx")
        .unwrap();
    drop(taken);
    assert_eq!(s.count_events("FC_VERIFIED").await.unwrap(), 3);
    let month = relais_core::stats::paris_day(clock.now_millis())[..7].to_owned();
    let figures = s.stats_months(&month, &month).await.unwrap();
    assert_eq!(
        figures
            .iter()
            .map(|f| (f.connections, f.users, f.new_users, f.active_services))
            .collect::<Vec<_>>(),
        vec![(3, 3, 3, 1)]
    );
}

/// A connection of the pool holding SQLite's write lock.
async fn write_lock_held(s: &SqliteStore) -> sqlx::pool::PoolConnection<Sqlite> {
    let mut holder = s.pool.acquire().await.unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut *holder)
        .await
        .unwrap();
    holder
}

/// While another connection holds SQLite's write lock, a batch waits
/// for it (on the blocking pool), neither failing nor skipping, and
/// is stored once the other writer commits.
#[tokio::test]
async fn an_event_batch_waits_for_a_writer_holding_the_lock_then_is_stored() {
    let clock = ManualClock::starting_now();
    let (s, _file) = fresh(&clock).await;
    let mut holder = write_lock_held(&s).await;
    let batch = login_events(2, clock.now_millis());
    let mut stored = s.append_events(&batch);
    assert!(
        tokio::time::timeout(Duration::from_millis(200), &mut stored)
            .await
            .is_err(),
        "the batch waits while the lock is held"
    );
    sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
    stored.await.unwrap();
    assert_eq!(s.count_events("FC_REDIRECTED_TO_SP").await.unwrap(), 2);
}

/// While another connection holds SQLite's write lock, a login's
/// account statement cannot run on the calling thread: it goes through
/// sqlx, which waits for the lock, and the connection is recorded once
/// the other writer commits.
#[tokio::test]
async fn a_login_waits_for_a_writer_holding_the_lock_then_is_recorded() {
    let clock = ManualClock::starting_now();
    let (s, _file) = fresh(&clock).await;
    let mut holder = write_lock_held(&s).await;
    let (connected, ()) = tokio::join!(s.connect("citizen", "idp1", 5_000), async {
        tokio::task::yield_now().await;
        sqlx::query("COMMIT").execute(&mut *holder).await.unwrap();
    });
    assert!(matches!(connected.unwrap(), Connection::Recorded(a) if a.last_connection == 5_000));
    let stored = s.get_account("citizen").await.unwrap().unwrap();
    assert_eq!(
        (stored.last_connection, stored.last_idp.as_str()),
        (5_000, "idp1")
    );
}

/// Logins write through `INSERT … RETURNING` and takes through
/// `DELETE … RETURNING`: left open after their row, those statements
/// kept a read mark and the write-ahead log never restarted (9.5 GB for
/// a million accounts). It must stay near SQLite's 1000-page checkpoint.
#[tokio::test]
async fn the_write_ahead_log_stays_bounded_under_logins() {
    let clock = ManualClock::starting_now();
    let path = std::env::temp_dir().join(format!(
        "relais-wal-{}-{}.db",
        std::process::id(),
        relais_core::Randomness::hex(&relais_core::SystemRandomness, 8)
    ));
    let s = SqliteStore::open(&path.to_string_lossy(), Arc::new(clock.clone()))
        .await
        .unwrap();
    let wal = || {
        std::fs::metadata(format!("{}-wal", path.to_string_lossy()))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    for i in 0..4000 {
        let id = format!("account-{i:06}-{}", "x".repeat(30));
        s.record_connection(&id, "idp", i).await.unwrap();
    }
    assert!(
        wal() < 8 * 1024 * 1024,
        "after accounts: write-ahead log of {} bytes",
        wal()
    );
    for i in 0..4000 {
        s.put(&format!("code:{i}"), &[7u8; 300], 60).await.unwrap();
        s.take(&format!("code:{i}")).await.unwrap();
    }
    assert!(
        wal() < 8 * 1024 * 1024,
        "after takes: write-ahead log of {} bytes",
        wal()
    );
    // Event batches run on a connection of their own, which
    // checkpoints as sqlx's do (about 16 MiB of events and their
    // indexes are written here).
    for i in 0..1500 {
        s.append_events(&login_events(8, i * 8)).await.unwrap();
    }
    assert!(
        wal() < 8 * 1024 * 1024,
        "after event batches: write-ahead log of {} bytes",
        wal()
    );
    s.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.to_string_lossy()));
    }
}
