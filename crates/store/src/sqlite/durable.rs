//! The durable tier in SQLite: configuration documents, accounts, business
//! events and signing keys, with the queries PostgreSQL runs too
//! ([`crate::sql`]). A single node has no one to announce changes to.

use super::{unavailable, SqliteStore};

crate::sql::sql_durable!(SqliteStore);
crate::sql_stats::sql_stats!(SqliteStore);
crate::sql_accounts::sql_accounts!(SqliteStore);
