-- The statistics rows every login shares (a day's and a month's connections
-- per service and IdP, a month's totals) spread over slots
-- (relais_store::sql_stats::STATS_SLOTS): a login's statement holds the
-- lock of the rows it adds to until its commit, and with commits that take
-- milliseconds (a synchronous standby) the logins of one service and IdP
-- queued behind each other. The existing rows become slot 0; the queries
-- sum the slots.
ALTER TABLE stats_daily ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE stats_daily DROP CONSTRAINT stats_daily_pkey, ADD PRIMARY KEY (day, platform, sp_id, idp_id, slot);
ALTER TABLE stats_monthly_keys ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE stats_monthly_keys DROP CONSTRAINT stats_monthly_keys_pkey, ADD PRIMARY KEY (month, platform, sp_id, idp_id, slot);
ALTER TABLE stats_monthly ADD COLUMN slot SMALLINT NOT NULL DEFAULT 0;
ALTER TABLE stats_monthly DROP CONSTRAINT stats_monthly_pkey, ADD PRIMARY KEY (month, slot);
