//! What a Redis server holds, read beside the login path rather than on
//! it: its memory (`INFO memory`'s `used_memory`, every database of the
//! server) and the keys of the URL's own database (`DBSIZE`).
//!
//! At the national peak Redis holds every live session of a scale-out
//! deployment, as the node does in memory mode; `relais bench --soak`
//! samples this beside the node's RSS, so what a live session costs Redis
//! is measured the same way (bytes and keys per completed login) and an
//! operator can size the server from it.

use crate::redis::{unavailable, unexpected, Link, RedisEphemeral};
use crate::redis_wire::Reply;
use crate::{StoreError, StoreResult};
use fred::prelude::*;
use fred::types::InfoKind;

/// One reading of a Redis server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedisFootprint {
    /// Bytes the server has allocated for its data (`used_memory`).
    pub used_memory: u64,
    /// Keys in the connection's database.
    pub keys: u64,
}

impl RedisEphemeral {
    /// Reads the server's memory and the database's keys: two commands,
    /// `INFO memory` then `DBSIZE`. Through Sentinel it reads the primary;
    /// in a cluster, whichever node answers, so only one node's share.
    pub async fn footprint(&self) -> StoreResult<RedisFootprint> {
        let (info, keys) = match &self.link {
            Link::Direct(d) => {
                let info = match d.call(&[b"INFO", b"memory"]).await? {
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
                let info: String = client
                    .info(Some(InfoKind::Memory))
                    .await
                    .map_err(unavailable)?;
                let keys: i64 = client.dbsize().await.map_err(unavailable)?;
                (info, keys)
            }
        };
        Ok(RedisFootprint {
            used_memory: used_memory(&info).ok_or_else(|| {
                StoreError::Corrupt("redis: INFO memory has no used_memory line".into())
            })?,
            keys: u64::try_from(keys).unwrap_or(0),
        })
    }
}

/// `used_memory` of an `INFO` text: `name:value` lines (CRLF-ended),
/// `# Section` headers, and other fields that share the prefix
/// (`used_memory_rss`, `used_memory_human`…), which are not it.
fn used_memory(info: &str) -> Option<u64> {
    info.lines()
        .find_map(|line| line.trim_end().strip_prefix("used_memory:"))
        .and_then(|value| value.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn used_memory_is_read_from_its_own_line_only() {
        let info = "# Memory\r\nused_memory_human:1.05M\r\nused_memory:1098752\r\nused_memory_rss:9461760\r\n";
        assert_eq!(used_memory(info), Some(1_098_752));
        assert_eq!(used_memory("# Memory\r\nused_memory_rss:9461760\r\n"), None);
        assert_eq!(used_memory("used_memory:lots\r\n"), None);
        assert_eq!(used_memory(""), None);
    }

    #[tokio::test]
    async fn a_server_reports_its_memory_and_the_keys_of_its_database() {
        use crate::test_backends::{available, redis_url, Backend};
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
        let base = redis_url();
        let url = format!(
            "{}/13",
            base.split('/').take(3).collect::<Vec<_>>().join("/")
        );
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
        for i in 0..20 {
            store.delete(&format!("k{i}")).await.unwrap();
        }
        // Through fred's pool too (Sentinel and cluster deployments).
        let routed = RedisEphemeral::connect_routed(&url, &prefix).await.unwrap();
        assert!(routed.footprint().await.unwrap().used_memory > 0);
    }
}
