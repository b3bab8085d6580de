//! The ephemeral tier on PostgreSQL (`storage.ephemeral = "postgres"`):
//! entries with an expiry time, taken atomically with `DELETE … RETURNING`.
//! The queries are the ones SQLite runs too ([`crate::sql`]).

use super::{unavailable, PgStore};

crate::sql::sql_ephemeral!(PgStore);
