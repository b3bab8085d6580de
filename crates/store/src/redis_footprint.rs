//! What a Redis server holds and has done, read beside the login path
//! rather than on it: its memory (`INFO`'s `used_memory`), its CPU time
//! (`used_cpu_sys` + `used_cpu_user`) and the commands it has run
//! (`total_commands_processed`, those scripts run included), all
//! server-wide, and the keys of the URL's own database (`DBSIZE`).
//!
//! At the national peak Redis holds every live session of a scale-out
//! deployment, as the node does in memory mode; `relais bench --soak`
//! samples this beside the node's RSS, so what a live session costs Redis
//! is measured the same way (bytes and keys per completed login), and
//! every scale-out bench reports Redis's CPU and commands per login: the
//! figures an operator sizes the server with.

use crate::redis::{unavailable, unexpected, Link, RedisEphemeral};
use crate::redis_wire::Reply;
use crate::{StoreError, StoreResult};
use fred::prelude::*;

/// One reading of a Redis server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RedisFootprint {
    /// Bytes the server has allocated for its data (`used_memory`).
    pub used_memory: u64,
    /// Keys in the connection's database.
    pub keys: u64,
    /// CPU seconds the server has used since its start, system and user.
    pub cpu_seconds: f64,
    /// Commands the server has run since its start, those a script runs
    /// included: each of a login's ten round trips is one script whose
    /// operations count too (42 commands a login).
    pub commands: u64,
}

impl RedisEphemeral {
    /// Reads the server's figures and the database's keys: two commands,
    /// `INFO` then `DBSIZE`. Through Sentinel it reads the primary;
    /// in a cluster, whichever node answers, so only one node's share.
    pub async fn footprint(&self) -> StoreResult<RedisFootprint> {
        let (info, keys) = match &self.link {
            Link::Direct(d) => {
                let info = match d.call(&[b"INFO"]).await? {
                    Reply::Bulk(text) => String::from_utf8_lossy(&text).into_owned(),
                    other => return Err(unexpected(&other)),
                };
                let keys = match d.call(&[b"DBSIZE"]).await? {
                    Reply::Integer(n) => n,
                    other => return Err(unexpected(&other)),
                };
                (info, keys)
            }
            Link::Routed(r) => {
                let client = r.pool.next();
                let info: String = client.info(None).await.map_err(unavailable)?;
                let keys: i64 = client.dbsize().await.map_err(unavailable)?;
                (info, keys)
            }
        };
        let number = |name: &str| -> StoreResult<f64> {
            info_field(&info, name)
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| StoreError::Corrupt(format!("redis: INFO has no {name} line")))
        };
        Ok(RedisFootprint {
            used_memory: number("used_memory")? as u64,
            keys: u64::try_from(keys).unwrap_or(0),
            cpu_seconds: number("used_cpu_sys")? + number("used_cpu_user")?,
            commands: number("total_commands_processed")? as u64,
        })
    }
}

/// The value of `name` in an `INFO` text: `name:value` lines (CRLF-ended)
/// under `# Section` headers. Other fields share prefixes
/// (`used_memory_rss`, `used_cpu_sys_children`…) and are not it.
fn info_field<'a>(info: &'a str, name: &str) -> Option<&'a str> {
    info.lines().find_map(|line| {
        let (field, value) = line.trim_end().split_once(':')?;
        (field == name).then_some(value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_is_read_from_its_own_line_only() {
        let info = "# Memory\r\nused_memory_human:1.05M\r\nused_memory:1098752\r\nused_memory_rss:9461760\r\n\r\n# CPU\r\nused_cpu_sys:14.62\r\nused_cpu_sys_children:0.01\r\n";
        assert_eq!(info_field(info, "used_memory"), Some("1098752"));
        assert_eq!(info_field(info, "used_cpu_sys"), Some("14.62"));
        assert_eq!(info_field(info, "used_memory_peak"), None);
        assert_eq!(info_field("", "used_memory"), None);
    }

    #[tokio::test]
    async fn a_server_reports_its_memory_and_the_keys_of_its_database() {
        use crate::test_backends::{available, redis_url_in_db, Backend};
        use crate::EphemeralStore;
        if !available(
            "a_server_reports_its_memory_and_the_keys_of_its_database",
            &[Backend::Redis],
        )
        .await
        {
            return;
        }
        // A database of its own, so that its key count is this test's.
        let url = redis_url_in_db(13);
        let prefix = format!("footprint-{}:", std::process::id());
        let store = RedisEphemeral::connect(&url, &prefix).await.unwrap();
        let before = store.footprint().await.unwrap();
        assert!(before.used_memory > 0);
        let value = vec![7u8; 4096];
        for i in 0..20 {
            store.put(&format!("k{i}"), &value, 30).await.unwrap();
        }
        let after = store.footprint().await.unwrap();
        assert!(after.keys >= 20, "{after:?}");
        // Those 20 commands and the first footprint's two, at least.
        assert!(
            after.commands >= before.commands + 22,
            "{before:?} → {after:?}"
        );
        assert!(
            after.cpu_seconds >= before.cpu_seconds,
            "{before:?} → {after:?}"
        );
        for i in 0..20 {
            store.delete(&format!("k{i}")).await.unwrap();
        }
        // Through fred's pool too (Sentinel and cluster deployments).
        let routed = RedisEphemeral::connect_routed(&url, &prefix).await.unwrap();
        assert!(routed.footprint().await.unwrap().used_memory > 0);
    }
}
