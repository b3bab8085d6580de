-- Statistics rollup, maintained with the events in one transaction
-- (relais_core::stats): connections per Paris day, platform, service and IdP,
-- the same per month (what the month queries read: a few thousand rows a
-- month whatever the traffic); distinct and new users per month.
CREATE TABLE IF NOT EXISTS stats_daily (day TEXT NOT NULL, platform TEXT NOT NULL, sp_id TEXT NOT NULL,
    idp_id TEXT NOT NULL, connections BIGINT NOT NULL, PRIMARY KEY (day, platform, sp_id, idp_id));
CREATE TABLE IF NOT EXISTS stats_monthly_keys (month TEXT NOT NULL, platform TEXT NOT NULL, sp_id TEXT NOT NULL,
    idp_id TEXT NOT NULL, connections BIGINT NOT NULL, PRIMARY KEY (month, platform, sp_id, idp_id));
CREATE TABLE IF NOT EXISTS stats_monthly (month TEXT PRIMARY KEY, users BIGINT NOT NULL, new_users BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS stats_month_users (month TEXT NOT NULL, account_id TEXT NOT NULL, PRIMARY KEY (month, account_id));
CREATE TABLE IF NOT EXISTS stats_users (account_id TEXT PRIMARY KEY, first_month TEXT NOT NULL);
