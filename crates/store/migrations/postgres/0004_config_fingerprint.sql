-- The registry's poll (ConfigStore::config_fingerprint: count, latest and
-- checksum of write times per kind) reads this index alone, not every
-- document: 100,000 services cost a few milliseconds every 5 s.
CREATE INDEX IF NOT EXISTS config_kind_updated ON config (kind, updated_at);
