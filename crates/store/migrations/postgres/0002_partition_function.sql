-- Creates one monthly partition of `events` if missing. Nodes call it at
-- start and every day; the advisory lock serialises nodes doing it at the
-- same moment (PostgreSQL's catalog refuses a concurrent second CREATE even
-- with IF NOT EXISTS).
CREATE OR REPLACE FUNCTION relais_ensure_partition(part TEXT, from_ms BIGINT, to_ms BIGINT)
RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(4242001);
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF events FOR VALUES FROM (%s) TO (%s)',
        part, from_ms, to_ms);
END
$$;
