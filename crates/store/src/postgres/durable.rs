//! The durable tier on PostgreSQL: configuration documents, accounts,
//! business events (partitioned by month, see [`super::migrate`]) and
//! signing keys, with the queries SQLite runs too ([`crate::sql`]). Every
//! configuration or key change is announced with `pg_notify` in its own
//! transaction, which [`PgStore::listen_config`] turns into a reload on
//! every node.

use super::{unavailable, PgStore};

crate::sql::sql_durable!(PgStore, notify = "SELECT pg_notify('relais_config', $1)");
crate::sql_stats::sql_stats!(PgStore);
crate::sql_accounts::sql_accounts!(PgStore);
