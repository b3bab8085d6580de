//! Rate counters on Redis, each charge in one command.
//!
//! A counter's window starts with its first hit, which must also set its
//! lifetime: `INCRBY` then `EXPIRE` were two round trips whenever a window
//! opened, which for a citizen's budgets is nearly every time (a new
//! address, a new window), and a request that charges two budgets (a new
//! login: its pages and its flows) made two more. One small script does
//! every counter of a request: `INCRBY`, and `EXPIRE` when that opened
//! the window, atomically since Redis runs a script without interleaving.
//! One command, one round trip. A cluster cannot run it (the keys may live
//! on different nodes): there, and with Sentinel, the counters stay on
//! fred, one after the other.

use crate::redis::{unexpected, RedisEphemeral};
use crate::redis_direct::{DirectLink, LuaScript};
use crate::redis_wire::Reply;
use crate::{Hits, StoreError, StoreResult};

/// `KEYS` the counters, `ARGV` each one's hits then lifetime in seconds.
/// Answers the counts, in order.
const HITS_LUA: &str = r"
local out = {}
for i = 1, #KEYS do
  local by = tonumber(ARGV[2 * i - 1])
  local n = redis.call('INCRBY', KEYS[i], by)
  if n == by then
    redis.call('EXPIRE', KEYS[i], ARGV[2 * i])
  end
  out[i] = n
end
return out
";

static HITS: LuaScript = LuaScript::new(HITS_LUA);

impl RedisEphemeral {
    /// The counters as one script call on a direct link.
    pub(crate) async fn hits_direct(
        &self,
        link: &DirectLink,
        each: &[Hits<'_>],
    ) -> StoreResult<Vec<u64>> {
        let keys: Vec<String> = each.iter().map(|h| self.key(h.key)).collect();
        let numbers: Vec<[String; 2]> = each
            .iter()
            .map(|h| [h.hits.max(1).to_string(), h.ttl_secs.max(1).to_string()])
            .collect();
        let key_count = keys.len().to_string();
        let mut rest: Vec<&[u8]> = Vec::with_capacity(1 + 3 * each.len());
        rest.push(key_count.as_bytes());
        rest.extend(keys.iter().map(|k| k.as_bytes()));
        rest.extend(numbers.iter().flatten().map(|n| n.as_bytes()));
        let reply = link.eval(&HITS, &rest).await?;
        let Reply::Array(counts) = reply else {
            return Err(unexpected(&reply));
        };
        if counts.len() != each.len() {
            return Err(StoreError::Corrupt(format!(
                "redis: {} counts for {} counters",
                counts.len(),
                each.len()
            )));
        }
        counts
            .into_iter()
            .map(|c| match c {
                Reply::Integer(n) => Ok(u64::try_from(n).unwrap_or(0)),
                other => Err(unexpected(&other)),
            })
            .collect()
    }
}
