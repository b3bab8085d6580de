//! `[limits]`: rate limits, lockouts and connection bounds. Every key has a
//! default sized for a national service (see `relais_web::abuse::policy`
//! and `relais_web::server::ServerLimits`); an operator changes only what
//! differs.

use super::error::err;
use super::error::ConfigError;
use relais_web::abuse::{AbusePolicy, Budget, LockoutPolicy};
use relais_web::server::ServerLimits;
use serde::Deserialize;
use std::net::IpAddr;
use std::time::Duration;

/// `hits` per `per_secs`, written `{ hits = 600, per_secs = 60 }`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    pub hits: u32,
    pub per_secs: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsConfig {
    pub rate_limits: Option<bool>,
    pub pages_per_ip: Option<BudgetConfig>,
    pub flows_per_ip: Option<BudgetConfig>,
    pub backchannel_per_ip: Option<BudgetConfig>,
    pub backchannel_per_client: Option<BudgetConfig>,
    pub auth_failures_slow_after: Option<u32>,
    pub auth_failures_lock_after: Option<u32>,
    pub auth_failures_window_secs: Option<u64>,
    pub lockout_secs: Option<u64>,
    pub auth_failure_delay_ms: Option<u64>,
    /// Proxies (exact addresses) whose `X-Forwarded-For` is believed.
    #[serde(default)]
    pub trusted_proxies: Vec<String>,
    pub max_in_flight: Option<usize>,
    pub max_uri_bytes: Option<usize>,
    pub max_header_bytes: Option<usize>,
    pub max_connections: Option<usize>,
    pub header_read_timeout_secs: Option<u64>,
    pub idle_timeout_secs: Option<u64>,
    pub body_timeout_secs: Option<u64>,
}

fn budget(field: &str, b: Option<BudgetConfig>, default: Budget) -> Result<Budget, ConfigError> {
    match b {
        None => Ok(default),
        Some(b) if b.hits == 0 || b.per_secs == 0 => Err(err(
            format!("limits.{field}"),
            "hits and per_secs must both be at least 1",
        )),
        Some(b) => Ok(Budget {
            hits: b.hits,
            per_secs: b.per_secs,
        }),
    }
}

fn positive<T: Copy + PartialOrd + Default>(
    field: &str,
    v: Option<T>,
    default: T,
) -> Result<T, ConfigError> {
    match v {
        Some(x) if x <= T::default() => Err(err(format!("limits.{field}"), "must be at least 1")),
        Some(x) => Ok(x),
        None => Ok(default),
    }
}

impl LimitsConfig {
    pub fn abuse_policy(&self) -> Result<AbusePolicy, ConfigError> {
        let d = AbusePolicy::default();
        let mut proxies = Vec::new();
        for p in &self.trusted_proxies {
            let ip: IpAddr = p.parse().map_err(|_| {
                err(
                    "limits.trusted_proxies",
                    format!("{p:?} is not an IP address"),
                )
            })?;
            proxies.push(ip);
        }
        let lockout = LockoutPolicy {
            slow_after: self
                .auth_failures_slow_after
                .unwrap_or(d.lockout.slow_after),
            lock_after: positive(
                "auth_failures_lock_after",
                self.auth_failures_lock_after,
                d.lockout.lock_after,
            )?,
            window_secs: positive(
                "auth_failures_window_secs",
                self.auth_failures_window_secs,
                d.lockout.window_secs,
            )?,
            lock_secs: positive("lockout_secs", self.lockout_secs, d.lockout.lock_secs)?,
            delay_ms: self.auth_failure_delay_ms.unwrap_or(d.lockout.delay_ms),
        };
        Ok(AbusePolicy {
            rate_limits: self.rate_limits.unwrap_or(d.rate_limits),
            pages_per_ip: budget("pages_per_ip", self.pages_per_ip, d.pages_per_ip)?,
            flows_per_ip: budget("flows_per_ip", self.flows_per_ip, d.flows_per_ip)?,
            backchannel_per_ip: budget(
                "backchannel_per_ip",
                self.backchannel_per_ip,
                d.backchannel_per_ip,
            )?,
            backchannel_per_client: budget(
                "backchannel_per_client",
                self.backchannel_per_client,
                d.backchannel_per_client,
            )?,
            lockout,
            trusted_proxies: proxies,
            max_in_flight: positive("max_in_flight", self.max_in_flight, d.max_in_flight)?,
            max_uri_bytes: positive("max_uri_bytes", self.max_uri_bytes, d.max_uri_bytes)?,
            max_header_bytes: positive(
                "max_header_bytes",
                self.max_header_bytes,
                d.max_header_bytes,
            )?,
            body_timeout: Duration::from_secs(positive(
                "body_timeout_secs",
                self.body_timeout_secs,
                d.body_timeout.as_secs(),
            )?),
        })
    }

    pub fn server_limits(&self) -> Result<ServerLimits, ConfigError> {
        let d = ServerLimits::default();
        Ok(ServerLimits {
            max_connections: positive("max_connections", self.max_connections, d.max_connections)?,
            header_read_timeout: Duration::from_secs(positive(
                "header_read_timeout_secs",
                self.header_read_timeout_secs,
                d.header_read_timeout.as_secs(),
            )?),
            idle_timeout: Duration::from_secs(positive(
                "idle_timeout_secs",
                self.idle_timeout_secs,
                d.idle_timeout.as_secs(),
            )?),
            drain_within: d.drain_within,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(toml_text: &str) -> LimitsConfig {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn defaults_apply_and_bad_values_name_their_field() {
        let d = parse("").abuse_policy().unwrap();
        assert_eq!(d, AbusePolicy::default());
        let p =
            parse("pages_per_ip = { hits = 10, per_secs = 1 }\ntrusted_proxies = [\"10.0.0.1\"]")
                .abuse_policy()
                .unwrap();
        assert_eq!(
            p.pages_per_ip,
            Budget {
                hits: 10,
                per_secs: 1
            }
        );
        assert_eq!(
            p.trusted_proxies,
            vec!["10.0.0.1".parse::<IpAddr>().unwrap()]
        );
        let e = parse("flows_per_ip = { hits = 0, per_secs = 60 }")
            .abuse_policy()
            .unwrap_err();
        assert!(e.0.starts_with("limits.flows_per_ip:"), "{e}");
        let e = parse("trusted_proxies = [\"proxy.example\"]")
            .abuse_policy()
            .unwrap_err();
        assert!(e.0.contains("limits.trusted_proxies"), "{e}");
        let e = parse("max_connections = 0").server_limits().unwrap_err();
        assert!(e.0.contains("limits.max_connections"), "{e}");
        assert!(toml::from_str::<LimitsConfig>("max_conections = 3").is_err());
    }
}
