//! Row types shared by the SQL backends: SQLite and PostgreSQL store the
//! same columns, so one `FromRow` type per table reads both (and SQLite's
//! inline connection fills the account's by hand), and the conversion into
//! records is written once.

use crate::records::Account;
use crate::{StoreError, StoreResult};

/// One row of `accounts`.
#[derive(sqlx::FromRow)]
pub(crate) struct AccountRow {
    pub(crate) id: String,
    pub(crate) active: bool,
    pub(crate) created_at: i64,
    pub(crate) last_connection: i64,
    pub(crate) last_idp: String,
    pub(crate) prefs: String,
}

impl AccountRow {
    pub(crate) fn into_account(self) -> StoreResult<Account> {
        Account::from_columns(
            self.id,
            self.active,
            self.created_at,
            self.last_connection,
            self.last_idp,
            &self.prefs,
        )
        .map_err(|e| StoreError::Corrupt(format!("account prefs: {e}")))
    }
}

/// A configuration document as stored (JSON text).
pub(crate) fn parse_doc(s: &str) -> StoreResult<serde_json::Value> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("config document: {e}")))
}
