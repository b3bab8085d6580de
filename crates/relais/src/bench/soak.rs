//! Soak mode: the federation's resident memory over time while logins pile
//! up live sessions.
//!
//! A completed login leaves a browser session (and a few smaller records)
//! in the ephemeral store for the session's lifetime (30 minutes on
//! Standard), so under a steady rate memory grows with the logins of the
//! last half hour. `relais bench --soak` samples the federation's current
//! RSS (`VmRSS`) and, when it can read them, the ephemeral store's own
//! figures from `/metrics` at a fixed interval during the measured window;
//! the report gives the timeline and the growth per completed login, which
//! is what one live session costs the node.
//!
//! In scale-out the sessions live in Redis, not in the node: with a
//! `redis://` ephemeral store the bench also samples the server's memory
//! and its database's keys ([`relais_store::redis_footprint::RedisFootprint`]), so the
//! report gives what a live session costs Redis the same way.

use serde::Serialize;

/// One sample of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct RssSample {
    pub seconds: f64,
    /// Logins completed since the window opened.
    pub logins: u64,
    pub rss_kib: u64,
    /// Entries and bytes (keys + values) in the in-memory ephemeral store.
    pub store_entries: Option<u64>,
    pub store_bytes: Option<u64>,
    /// The Redis server's `used_memory`, and its database's keys, when
    /// the ephemeral store is Redis.
    pub redis_used_bytes: Option<u64>,
    pub redis_keys: Option<u64>,
}

/// The timeline and what it says per live session.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SoakReport {
    pub samples: Vec<RssSample>,
    /// RSS growth between the first and last samples per login completed
    /// between them.
    pub rss_bytes_per_login: Option<f64>,
    /// Growth of the ephemeral store's bytes per login, likewise.
    pub store_bytes_per_login: Option<f64>,
    /// Growth of Redis's memory, and of its keys, per login, likewise.
    pub redis_bytes_per_login: Option<f64>,
    pub redis_keys_per_login: Option<f64>,
}

impl SoakReport {
    pub fn push(&mut self, sample: RssSample) {
        self.samples.push(sample);
        self.rss_bytes_per_login = self.per_login(|s| Some(s.rss_kib * 1024));
        self.store_bytes_per_login = self.per_login(|s| s.store_bytes);
        self.redis_bytes_per_login = self.per_login(|s| s.redis_used_bytes);
        self.redis_keys_per_login = self.per_login(|s| s.redis_keys);
    }

    fn per_login(&self, value: impl Fn(&RssSample) -> Option<u64>) -> Option<f64> {
        let (first, last) = (self.samples.first()?, self.samples.last()?);
        let logins = last.logins.checked_sub(first.logins).filter(|n| *n > 0)?;
        let grown = value(last)? as f64 - value(first)? as f64;
        Some(grown / logins as f64)
    }

    pub fn print_table(&self) {
        if self.samples.is_empty() {
            return;
        }
        let redis = self.samples.iter().any(|s| s.redis_used_bytes.is_some());
        let opt = |v: Option<u64>, div: u64| {
            v.map(|v| (v / div).to_string())
                .unwrap_or_else(|| "-".into())
        };
        say!();
        let mut head = format!(
            "{:>8} {:>9} {:>10} {:>14} {:>14}",
            "soak s", "logins", "RSS MiB", "store entries", "store KiB"
        );
        if redis {
            head.push_str(&format!(" {:>10} {:>11}", "Redis MiB", "Redis keys"));
        }
        say!("{head}");
        for s in &self.samples {
            let mut row = format!(
                "{:>8.0} {:>9} {:>10.1} {:>14} {:>14}",
                s.seconds,
                s.logins,
                s.rss_kib as f64 / 1024.0,
                opt(s.store_entries, 1),
                opt(s.store_bytes, 1024)
            );
            if redis {
                let mib = s
                    .redis_used_bytes
                    .map(|b| format!("{:.1}", b as f64 / 1_048_576.0))
                    .unwrap_or_else(|| "-".into());
                row.push_str(&format!(" {mib:>10} {:>11}", opt(s.redis_keys, 1)));
            }
            say!("{row}");
        }
        if let Some(b) = self.rss_bytes_per_login {
            say!("RSS growth per completed login (live session): {b:.0} bytes");
        }
        if let Some(b) = self.store_bytes_per_login {
            say!("ephemeral store growth per completed login: {b:.0} bytes");
        }
        if let (Some(b), Some(k)) = (self.redis_bytes_per_login, self.redis_keys_per_login) {
            say!("Redis growth per completed login (live session): {b:.0} bytes, {k:.2} keys");
        }
    }
}

/// One soak sample: the federation's RSS, its ephemeral store's figures,
/// and Redis's when the sessions live there.
pub async fn sample(
    base: &str,
    pid: Option<u32>,
    redis: Option<&relais_store::redis::RedisEphemeral>,
    seconds: f64,
    logins: u64,
) -> Option<RssSample> {
    let text = super::metrics_text(base).await;
    let read = |name: &str| text.as_deref().and_then(|t| metric(t, name));
    let footprint = match redis {
        Some(r) => r.footprint().await.ok(),
        None => None,
    };
    Some(RssSample {
        seconds,
        logins,
        rss_kib: super::procstat::rss_kib(pid?)?,
        store_entries: read("relais_ephemeral_entries"),
        store_bytes: read("relais_ephemeral_bytes"),
        redis_used_bytes: footprint.map(|f| f.used_memory),
        redis_keys: footprint.map(|f| f.keys),
    })
}

/// Reads `name value` from a Prometheus text exposition.
pub fn metric(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|l| {
        let v = l.strip_prefix(name)?.strip_prefix(' ')?;
        v.trim().parse::<f64>().ok().map(|f| f as u64)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seconds: f64, logins: u64, rss_kib: u64, store: u64) -> RssSample {
        RssSample {
            seconds,
            logins,
            rss_kib,
            store_entries: Some(logins * 2),
            store_bytes: Some(store),
            redis_used_bytes: None,
            redis_keys: None,
        }
    }

    #[test]
    fn growth_per_login_is_measured_between_first_and_last_samples() {
        let mut r = SoakReport::default();
        r.push(sample(0.0, 100, 20_000, 50_000));
        assert_eq!(r.rss_bytes_per_login, None);
        r.push(sample(5.0, 1100, 21_000, 650_000));
        assert_eq!(r.rss_bytes_per_login, Some(1024.0 * 1000.0 / 1000.0));
        assert_eq!(r.store_bytes_per_login, Some(600.0));
        assert_eq!(r.redis_bytes_per_login, None);
    }

    #[test]
    fn redis_growth_per_login_comes_from_the_servers_figures() {
        let mut r = SoakReport::default();
        let redis = |logins: u64, bytes: u64, keys: u64| RssSample {
            redis_used_bytes: Some(bytes),
            redis_keys: Some(keys),
            store_entries: None,
            store_bytes: None,
            ..sample(0.0, logins, 20_000, 0)
        };
        r.push(redis(0, 1_000_000, 10));
        r.push(redis(500, 1_900_000, 2_010));
        assert_eq!(r.redis_bytes_per_login, Some(1_800.0));
        assert_eq!(r.redis_keys_per_login, Some(4.0));
        assert_eq!(r.store_bytes_per_login, None);
    }

    #[test]
    fn reads_prometheus_values() {
        let text = "# HELP x\nrelais_ephemeral_bytes 1234\nrelais_ephemeral_bytes_total 9\n";
        assert_eq!(metric(text, "relais_ephemeral_bytes"), Some(1234));
        assert_eq!(metric(text, "relais_missing"), None);
    }
}
