//! The ephemeral tier in the SQLite file (`storage.ephemeral = "sqlite"`):
//! entries with an expiry time, taken atomically with `DELETE … RETURNING`.
//! The queries are the ones PostgreSQL runs too ([`crate::sql`]).

use super::{unavailable, SqliteStore};

crate::sql::sql_ephemeral!(SqliteStore);
