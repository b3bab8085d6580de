-- Relais in one SQLite file. IF NOT EXISTS everywhere, so files created by
-- the earlier hand-written runner are adopted as is.
CREATE TABLE IF NOT EXISTS ephemeral (key TEXT PRIMARY KEY, value BLOB NOT NULL, expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS ephemeral_expiry ON ephemeral (expires_at);
CREATE TABLE IF NOT EXISTS config (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, active INTEGER NOT NULL, created_at INTEGER NOT NULL,
    last_connection INTEGER NOT NULL, last_idp TEXT NOT NULL, prefs TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, event TEXT NOT NULL,
    account_id TEXT, sp_id TEXT, idp_id TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS events_account ON events (account_id, time);
CREATE INDEX IF NOT EXISTS events_kind ON events (event, time);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
    sealed_private BLOB NOT NULL, created_at INTEGER NOT NULL, active_from INTEGER NOT NULL, retired_at INTEGER);
