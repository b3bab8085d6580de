-- Relais durable and ephemeral tiers on PostgreSQL. IF NOT EXISTS everywhere,
-- so databases created by the earlier hand-written runner are adopted as is.
CREATE TABLE IF NOT EXISTS ephemeral (key TEXT PRIMARY KEY, value BYTEA NOT NULL, expires_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS ephemeral_expiry ON ephemeral (expires_at);
CREATE TABLE IF NOT EXISTS config (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id));
CREATE TABLE IF NOT EXISTS accounts (id TEXT PRIMARY KEY, active BOOLEAN NOT NULL, created_at BIGINT NOT NULL,
    last_connection BIGINT NOT NULL, last_idp TEXT NOT NULL, prefs TEXT NOT NULL);
-- Events are partitioned by month (partitions are created ahead by the node).
CREATE TABLE IF NOT EXISTS events (seq BIGSERIAL, time BIGINT NOT NULL, event TEXT NOT NULL,
    account_id TEXT, sp_id TEXT, idp_id TEXT, body TEXT NOT NULL) PARTITION BY RANGE (time);
CREATE TABLE IF NOT EXISTS events_default PARTITION OF events DEFAULT;
CREATE INDEX IF NOT EXISTS events_account ON events (account_id, time);
CREATE INDEX IF NOT EXISTS events_kind ON events (event, time);
CREATE TABLE IF NOT EXISTS signing_keys (kid TEXT PRIMARY KEY, alg TEXT NOT NULL, public_jwk TEXT NOT NULL,
    sealed_private BYTEA NOT NULL, created_at BIGINT NOT NULL, active_from BIGINT NOT NULL, retired_at BIGINT);
