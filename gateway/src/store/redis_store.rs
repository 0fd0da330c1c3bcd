//! The Redis store: several gateways share ownership, per-user counts and liveness.
//!
//! Keys (prefix `ovgw:`): `s:{id}` a hash per stream (`user`, `instance`, `api`,
//! `created`, `renewed`, `lease`, `sockets`, `closed`); `u:{user}` a sorted set of the user's
//! streams (score `+inf`) and reservations (score = expiry, so a gateway that dies
//! mid-create frees the slot later); `streams` the set of every stream id;
//! `c:{user}:{window}` a user's chats in one minute window (expiring with it). Each
//! check-and-change is one Lua script, so two gateways cannot both take the last slot.

use super::{random_hex, Reservation, StoreError, StreamRecord, CHAT_WINDOW_MS, RESERVATION_MS};
use crate::policy::Liveness;
use crate::route::api_name;
use overshoot_protocol::v1beta::endpoints::Generation;
use redis::aio::ConnectionManager;
use redis::Script;
use std::collections::HashMap;

const PREFIX: &str = "ovgw:";
const ALL: &str = "ovgw:streams";

const RESERVE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return 1";

const COUNT_CHAT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n";

const COMMIT: &str = r"
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZADD', KEYS[1], '+inf', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('HSET', KEYS[2], 'user', ARGV[3], 'instance', ARGV[4], 'created', ARGV[5],
  'renewed', ARGV[6], 'lease', ARGV[7], 'sockets', ARGV[8], 'api', ARGV[9])
return 1";

const RENEWED: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'renewed', ARGV[1], 'lease', ARGV[2])
return 1";

const SOCKET: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'sockets', ARGV[1])
if n <= 0 and tonumber(ARGV[1]) < 0 then
  redis.call('HSET', KEYS[1], 'closed', ARGV[2])
else
  redis.call('HDEL', KEYS[1], 'closed')
end
return 1";

const REMOVE: &str = r"
local r = redis.call('HGETALL', KEYS[1])
if #r == 0 then return r end
local user
for i = 1, #r, 2 do if r[i] == 'user' then user = r[i + 1] end end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
if user then redis.call('ZREM', ARGV[2] .. 'u:' .. user, ARGV[1]) end
return r";

/// A connection (reconnecting on its own) to one Redis server.
pub struct RedisStore {
    connection: ConnectionManager,
}

fn err(e: redis::RedisError) -> StoreError {
    StoreError(e.to_string())
}

fn stream_key(id: &str) -> String {
    format!("{PREFIX}s:{id}")
}

fn user_key(user: &str) -> String {
    format!("{PREFIX}u:{user}")
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`).
    pub async fn connect(url: &str) -> Result<RedisStore, StoreError> {
        let client = redis::Client::open(url).map_err(err)?;
        let connection = ConnectionManager::new(client).await.map_err(err)?;
        Ok(RedisStore { connection })
    }

    pub(super) async fn reserve(
        &self,
        user: &str,
        cap: u32,
        now_ms: u64,
    ) -> Result<Option<Reservation>, StoreError> {
        let ticket = format!("pending:{}", random_hex());
        let taken: i64 = Script::new(RESERVE)
            .key(user_key(user))
            .arg(cap)
            .arg(&ticket)
            .arg(now_ms)
            .arg(now_ms + RESERVATION_MS)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok((taken == 1).then(|| Reservation {
            user: user.to_string(),
            ticket,
        }))
    }

    pub(super) async fn count_chat(&self, user: &str, now_ms: u64) -> Result<u32, StoreError> {
        let window = now_ms / CHAT_WINDOW_MS;
        let count: i64 = Script::new(COUNT_CHAT)
            .key(format!("{PREFIX}c:{user}:{window}"))
            .arg(CHAT_WINDOW_MS * 2)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    pub(super) async fn commit(
        &self,
        reservation: &Reservation,
        id: &str,
        record: &StreamRecord,
    ) -> Result<(), StoreError> {
        let l = &record.liveness;
        let _: i64 = Script::new(COMMIT)
            .key(user_key(&reservation.user))
            .key(stream_key(id))
            .key(ALL)
            .arg(&reservation.ticket)
            .arg(id)
            .arg(&record.user)
            .arg(&record.instance)
            .arg(l.created_ms)
            .arg(l.renewed_ms)
            .arg(l.lease_ms)
            .arg(l.sockets_open)
            .arg(api_name(record.api))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok(())
    }

    pub(super) async fn cancel(&self, reservation: &Reservation) -> Result<(), StoreError> {
        redis::cmd("ZREM")
            .arg(user_key(&reservation.user))
            .arg(&reservation.ticket)
            .query_async::<i64>(&mut self.connection.clone())
            .await
            .map(|_| ())
            .map_err(err)
    }

    pub(super) async fn get(&self, id: &str) -> Result<Option<StreamRecord>, StoreError> {
        let fields: HashMap<String, String> = redis::cmd("HGETALL")
            .arg(stream_key(id))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok(record_of(&fields))
    }

    pub(super) async fn renewed(
        &self,
        id: &str,
        now_ms: u64,
        lease_ms: u64,
    ) -> Result<(), StoreError> {
        let _: i64 = Script::new(RENEWED)
            .key(stream_key(id))
            .arg(now_ms)
            .arg(lease_ms)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok(())
    }

    pub(super) async fn socket(&self, id: &str, delta: i64, now_ms: u64) -> Result<(), StoreError> {
        let _: i64 = Script::new(SOCKET)
            .key(stream_key(id))
            .arg(delta)
            .arg(now_ms)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        Ok(())
    }

    pub(super) async fn remove(&self, id: &str) -> Result<Option<StreamRecord>, StoreError> {
        let flat: Vec<String> = Script::new(REMOVE)
            .key(stream_key(id))
            .key(ALL)
            .arg(id)
            .arg(PREFIX)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        let fields: HashMap<String, String> = flat
            .chunks_exact(2)
            .map(|kv| (kv[0].clone(), kv[1].clone()))
            .collect();
        Ok(record_of(&fields))
    }

    pub(super) async fn all(&self) -> Result<Vec<(String, StreamRecord)>, StoreError> {
        let ids: Vec<String> = redis::cmd("SMEMBERS")
            .arg(ALL)
            .query_async(&mut self.connection.clone())
            .await
            .map_err(err)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(record) = self.get(&id).await? {
                out.push((id, record));
            }
        }
        Ok(out)
    }
}

/// A record from a stream hash's fields; `None` when the hash is gone.
fn record_of(fields: &HashMap<String, String>) -> Option<StreamRecord> {
    let user = fields.get("user")?.clone();
    let num = |k: &str| fields.get(k).and_then(|v| v.parse::<u64>().ok());
    Some(StreamRecord {
        user,
        instance: fields.get("instance").cloned().unwrap_or_default(),
        // Absent in records written before v1beta: the streams API.
        api: match fields.get("api").map(String::as_str) {
            Some(name) if name == api_name(Generation::V1beta) => Generation::V1beta,
            _ => Generation::Streams,
        },
        liveness: Liveness {
            created_ms: num("created").unwrap_or(0),
            renewed_ms: num("renewed").unwrap_or(0),
            lease_ms: num("lease").unwrap_or(0),
            sockets_open: fields
                .get("sockets")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            socket_closed_ms: num("closed"),
        },
    })
}

#[cfg(test)]
#[path = "redis_tests.rs"]
mod tests;
