//! A batch of ephemeral operations on Redis ([`EphemeralStore::batch`]).
//!
//! fred writes each command of a pipeline with its own flush: a step's
//! three or four operations still cost three or four `writev` calls, three
//! or four answers routed back one by one. One `EVALSHA` of a small script
//! carries the whole batch in one command: one write, one answer. The
//! script only replays the operations in order (`GET`, `GETDEL`, `SET … PX`,
//! `DEL`), so each keeps its own guarantee; Redis runs a script without
//! interleaving, which is stronger than a pipeline and changes no answer.
//! A cluster cannot run it (a script's keys must live on one node), so
//! there a batch stays a pipeline.
//!
//! [`EphemeralStore::batch`]: crate::EphemeralStore::batch

use crate::redis::{
    direct_entry, entry, ttl_millis, unavailable, unexpected, RedisEphemeral, RoutedLink,
};
use crate::redis_direct::{DirectLink, LuaScript};
use crate::redis_wire::Reply;
use crate::{EphemeralOp, StoreError, StoreResult};
use fred::prelude::*;
use fred::types::scripts::Script;

/// `ARGV[1]` names the operations, one letter each (`g`et, `t`ake, `p`ut,
/// `c`onditional put, `d`elete, `r`equire: a take that stops the batch
/// when there was nothing to take, `a`bsent: a read that stops it when
/// there was something, `n`: a put of a new entry that stops it when the
/// entry lived, `k`: a put of a head and the latest take's value).
/// Each takes its key from the next `KEYS` (a conditional put, then the key
/// that must exist), and each put its value (or head) and lifetime in
/// milliseconds from the next two `ARGV`. Answers one entry per operation:
/// the value read, or `false` (nil) for none and for writes.
const BATCH_LUA: &str = r"
local ops = ARGV[1]
local key = 1
local arg = 2
local out = {}
local taken = false
for i = 1, #ops do
  local op = string.sub(ops, i, i)
  out[i] = false
  if op == 'g' then
    out[i] = redis.call('GET', KEYS[key])
  elseif op == 't' then
    out[i] = redis.call('GETDEL', KEYS[key])
    taken = out[i]
  elseif op == 'r' or op == 'a' then
    local stop
    if op == 'r' then
      out[i] = redis.call('GETDEL', KEYS[key])
      taken = out[i]
      stop = not out[i]
    else
      out[i] = redis.call('GET', KEYS[key])
      stop = out[i] ~= false
    end
    if stop then
      for j = i + 1, #ops do
        out[j] = false
      end
      break
    end
  elseif op == 'n' then
    if not redis.call('SET', KEYS[key], ARGV[arg], 'NX', 'PX', ARGV[arg + 1]) then
      out[i] = redis.call('GET', KEYS[key]) or ''
      for j = i + 1, #ops do
        out[j] = false
      end
      break
    end
    arg = arg + 2
  elseif op == 'k' then
    if taken then
      redis.call('SET', KEYS[key], ARGV[arg] .. taken, 'PX', ARGV[arg + 1])
    end
    arg = arg + 2
  elseif op == 'p' then
    redis.call('SET', KEYS[key], ARGV[arg], 'PX', ARGV[arg + 1])
    arg = arg + 2
  elseif op == 'c' then
    if redis.call('EXISTS', KEYS[key + 1]) == 1 then
      redis.call('SET', KEYS[key], ARGV[arg], 'PX', ARGV[arg + 1])
    end
    key = key + 1
    arg = arg + 2
  else
    redis.call('DEL', KEYS[key])
  end
  key = key + 1
end
return out
";

pub(crate) fn script() -> Script {
    Script::from_lua(BATCH_LUA)
}

/// The script's answers as entries, exactly one per operation.
fn one_answer_each<T>(
    entries: Vec<T>,
    ops: &[EphemeralOp<'_>],
    as_entry: fn(T) -> StoreResult<Option<Vec<u8>>>,
) -> StoreResult<Vec<Option<Vec<u8>>>> {
    if entries.len() != ops.len() {
        return Err(StoreError::Corrupt(format!(
            "redis: {} answers to a batch of {}",
            entries.len(),
            ops.len()
        )));
    }
    entries.into_iter().map(as_entry).collect()
}

static BATCH: LuaScript = LuaScript::new(BATCH_LUA);

/// A batch as the script's call: the operations' letters, their keys, and
/// each put's value and lifetime in milliseconds.
struct ScriptCall<'a> {
    letters: String,
    keys: Vec<String>,
    puts: Vec<(&'a [u8], i64)>,
}

impl RedisEphemeral {
    fn script_call<'a>(&self, ops: &[EphemeralOp<'a>]) -> ScriptCall<'a> {
        let mut call = ScriptCall {
            letters: String::with_capacity(ops.len()),
            keys: Vec::with_capacity(ops.len() + 1),
            puts: Vec::with_capacity(ops.len()),
        };
        for op in ops {
            let (letter, key) = match *op {
                EphemeralOp::Get(key) => ('g', key),
                EphemeralOp::Take(key) => ('t', key),
                EphemeralOp::Require(key) => ('r', key),
                EphemeralOp::Put {
                    key,
                    value,
                    ttl_secs,
                } => {
                    call.puts.push((value, ttl_millis(ttl_secs)));
                    ('p', key)
                }
                EphemeralOp::PutIfPresent {
                    key,
                    value,
                    ttl_secs,
                    if_present,
                } => {
                    call.puts.push((value, ttl_millis(ttl_secs)));
                    call.keys.push(self.key(key));
                    ('c', if_present)
                }
                EphemeralOp::Absent(key) => ('a', key),
                EphemeralOp::PutNew {
                    key,
                    value,
                    ttl_secs,
                } => {
                    call.puts.push((value, ttl_millis(ttl_secs)));
                    ('n', key)
                }
                EphemeralOp::PutTaken {
                    key,
                    head,
                    ttl_secs,
                } => {
                    call.puts.push((head, ttl_millis(ttl_secs)));
                    ('k', key)
                }
                EphemeralOp::Delete(key) => ('d', key),
            };
            call.letters.push(letter);
            call.keys.push(self.key(key));
        }
        call
    }

    /// The batch as one script call on a direct link: by its hash, or
    /// whole when the server does not know it yet (which also loads it).
    pub(crate) async fn batch_direct(
        &self,
        link: &DirectLink,
        ops: &[EphemeralOp<'_>],
    ) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let call = self.script_call(ops);
        let key_count = call.keys.len().to_string();
        let millis: Vec<String> = call.puts.iter().map(|(_, ms)| ms.to_string()).collect();
        let mut rest: Vec<&[u8]> = Vec::with_capacity(2 + call.keys.len() + 2 * call.puts.len());
        rest.push(key_count.as_bytes());
        rest.extend(call.keys.iter().map(|k| k.as_bytes()));
        rest.push(call.letters.as_bytes());
        for ((value, _), ms) in call.puts.iter().zip(&millis) {
            rest.extend([*value, ms.as_bytes()]);
        }
        let reply = link.eval(&BATCH, &rest).await?;
        let Reply::Array(entries) = reply else {
            return Err(unexpected(&reply));
        };
        one_answer_each(entries, ops, direct_entry)
    }

    /// The batch as one script call (loaded once per server, then called
    /// by its hash).
    pub(crate) async fn batch_scripted(
        &self,
        link: &RoutedLink,
        ops: &[EphemeralOp<'_>],
    ) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let call = self.script_call(ops);
        let mut args: Vec<Value> = Vec::with_capacity(1 + 2 * call.puts.len());
        args.push(Value::from(call.letters));
        for (value, ms) in call.puts {
            args.push(Value::Bytes(fred::bytes::Bytes::copy_from_slice(value)));
            args.push(Value::Integer(ms));
        }
        let answer: Value = link
            .batch_script
            .evalsha_with_reload(link.pool.next(), call.keys, args)
            .await
            .map_err(unavailable)?;
        let Value::Array(entries) = answer else {
            return Err(StoreError::Corrupt(format!(
                "redis: a batch answered as {:?}",
                answer.kind()
            )));
        };
        one_answer_each(entries, ops, entry)
    }

    /// The batch as one pipeline on one connection: the commands are queued
    /// together and their answers read together, in order. Not for a
    /// conditional put (see [`RedisEphemeral::batch`]).
    ///
    /// [`RedisEphemeral::batch`]: crate::EphemeralStore::batch
    pub(crate) async fn batch_pipelined(
        &self,
        link: &RoutedLink,
        ops: &[EphemeralOp<'_>],
    ) -> StoreResult<Vec<Option<Vec<u8>>>> {
        let pipeline = link.pool.next().pipeline();
        for op in ops {
            // Queuing only buffers the command: nothing is sent yet.
            let queued: Result<(), _> = match *op {
                EphemeralOp::Get(key) => pipeline.get(self.key(key)).await,
                EphemeralOp::Take(key) => pipeline.getdel(self.key(key)).await,
                EphemeralOp::Put {
                    key,
                    value,
                    ttl_secs,
                } => {
                    pipeline
                        .set(
                            self.key(key),
                            value,
                            Some(Expiration::PX(ttl_millis(ttl_secs))),
                            None,
                            false,
                        )
                        .await
                }
                EphemeralOp::Delete(key) => pipeline.del(self.key(key)).await,
                EphemeralOp::PutIfPresent { .. }
                | EphemeralOp::Require(_)
                | EphemeralOp::Absent(_)
                | EphemeralOp::PutNew { .. }
                | EphemeralOp::PutTaken { .. } => {
                    return Err(StoreError::Unavailable(
                        "redis: a conditional operation cannot be pipelined".into(),
                    ))
                }
            };
            queued.map_err(unavailable)?;
        }
        let answers = pipeline.try_all::<Value>().await;
        ops.iter()
            .zip(answers)
            .map(|(op, answer)| {
                let value = answer.map_err(unavailable)?;
                Ok(match op {
                    EphemeralOp::Get(_)
                    | EphemeralOp::Take(_)
                    | EphemeralOp::Require(_)
                    | EphemeralOp::Absent(_)
                    | EphemeralOp::PutNew { .. } => entry(value)?,
                    EphemeralOp::Put { .. }
                    | EphemeralOp::PutIfPresent { .. }
                    | EphemeralOp::PutTaken { .. }
                    | EphemeralOp::Delete(_) => None,
                })
            })
            .collect()
    }
}
