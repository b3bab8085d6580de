//! The SQLite connections the node opens itself, beside sqlx's pool: the
//! login's account statements ([`super::inline`]) and the event writer's
//! batches ([`super::event_batch`]). Both are set as sqlx's connections
//! are, and report errors as sqlx's are reported.

use crate::StoreError;
use std::time::Duration;

/// Whether connections the node opens itself reach the database sqlx's
/// pool holds: a file, not a database in memory nor a URI with options.
pub(super) fn shares_sqlx_database(path: &str) -> bool {
    !(path.is_empty() || path.starts_with(':') || path.contains('?') || path.starts_with("file:"))
}

/// A connection of the node's own to the database file at `path`, which
/// exists and is migrated, set as sqlx's are (write-ahead log flushed at
/// checkpoints only, foreign keys, temporary data in memory), waiting at
/// most `busy_timeout` for SQLite's write lock.
pub(super) fn open(path: &str, busy_timeout: Duration) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy_timeout)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// A failed statement on one of those connections, as sqlx's are reported.
pub(super) fn unavailable(e: &rusqlite::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "sqlite: {}",
        e.to_string().chars().take(200).collect::<String>()
    ))
}
