//! Who owns which stream, how many each user has open, and how alive each stream is:
//! in memory for one gateway, in Redis (`--redis URL`) for several behind one load
//! balancer, so the cap holds across instances and any instance serves any stream.

mod memory;
mod redis_store;

use crate::policy::Liveness;
pub use memory::MemoryStore;
use overshoot_protocol::v1beta::endpoints::Generation;
pub use redis_store::RedisStore;

/// One stream the gateway created upstream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamRecord {
    /// The `sub` that created it.
    pub user: String,
    /// The gateway instance that created it (SIGTERM deletes its own).
    pub instance: String,
    /// The API generation it was created in: its calls and its upstream DELETE go there.
    pub api: Generation,
    /// Timing the reaper judges it by.
    pub liveness: Liveness,
}

/// A place held in a user's cap while the upstream creates the stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reservation {
    /// The user.
    pub user: String,
    /// The placeholder taking the slot.
    pub ticket: String,
}

/// The store could not be reached or answered nonsense.
#[derive(Debug)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "store: {}", self.0)
    }
}

/// How long a reservation holds a slot if its gateway dies before committing it.
pub const RESERVATION_MS: u64 = 60_000;

/// The window of the per-user chat rate: a calendar minute.
pub const CHAT_WINDOW_MS: u64 = 60_000;

/// The gateway's shared state.
pub enum Store {
    /// One instance.
    Memory(MemoryStore),
    /// Shared through Redis.
    Redis(RedisStore),
}

impl Store {
    /// Takes one of `user`'s `cap` slots; `None` when all are taken.
    pub async fn reserve(
        &self,
        user: &str,
        cap: u32,
        now_ms: u64,
    ) -> Result<Option<Reservation>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.reserve(user, cap, now_ms)),
            Store::Redis(s) => s.reserve(user, cap, now_ms).await,
        }
    }

    /// Counts one chat of `user` at `now_ms`; `Some(seconds)` to wait when that makes
    /// more than `per_minute` in the current minute window (the chat must be refused).
    pub async fn chat_allowed(
        &self,
        user: &str,
        per_minute: u32,
        now_ms: u64,
    ) -> Result<Option<u64>, StoreError> {
        if per_minute == 0 {
            return Ok(None);
        }
        let count = match self {
            Store::Memory(s) => s.count_chat(user, now_ms),
            Store::Redis(s) => s.count_chat(user, now_ms).await?,
        };
        let left_ms = CHAT_WINDOW_MS - now_ms % CHAT_WINDOW_MS;
        Ok((count > per_minute).then(|| left_ms.div_ceil(1000)))
    }

    /// Turns a reservation into stream `id`.
    pub async fn commit(
        &self,
        reservation: &Reservation,
        id: &str,
        record: &StreamRecord,
    ) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.commit(reservation, id, record);
                Ok(())
            }
            Store::Redis(s) => s.commit(reservation, id, record).await,
        }
    }

    /// Gives a reservation's slot back (the upstream refused the stream).
    pub async fn cancel(&self, reservation: &Reservation) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.cancel(reservation);
                Ok(())
            }
            Store::Redis(s) => s.cancel(reservation).await,
        }
    }

    /// Stream `id`, if the gateway holds it.
    pub async fn get(&self, id: &str) -> Result<Option<StreamRecord>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.get(id)),
            Store::Redis(s) => s.get(id).await,
        }
    }

    /// Records a successful keepalive and the lease it granted.
    pub async fn renewed(&self, id: &str, now_ms: u64, lease_ms: u64) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.renewed(id, now_ms, lease_ms);
                Ok(())
            }
            Store::Redis(s) => s.renewed(id, now_ms, lease_ms).await,
        }
    }

    /// A results socket of stream `id` opened (`+1`) or closed (`-1`) at `now_ms`.
    pub async fn socket(&self, id: &str, delta: i64, now_ms: u64) -> Result<(), StoreError> {
        match self {
            Store::Memory(s) => {
                s.socket(id, delta, now_ms);
                Ok(())
            }
            Store::Redis(s) => s.socket(id, delta, now_ms).await,
        }
    }

    /// Forgets stream `id` and frees its slot; the record if this call removed it
    /// (so of several reapers exactly one deletes it upstream).
    pub async fn remove(&self, id: &str) -> Result<Option<StreamRecord>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.remove(id)),
            Store::Redis(s) => s.remove(id).await,
        }
    }

    /// Every stream held, with its record.
    pub async fn all(&self) -> Result<Vec<(String, StreamRecord)>, StoreError> {
        match self {
            Store::Memory(s) => Ok(s.all()),
            Store::Redis(s) => s.all().await,
        }
    }
}

/// A random hex id (tickets, instance ids, request ids), from the OS-seeded hasher.
pub fn random_hex() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", hasher.finish())
}

/// The chat rate as every store must keep it: `a` and `b` are one store (or two
/// gateways sharing one).
#[cfg(test)]
pub(crate) async fn check_chat_rate(a: &Store, b: &Store) {
    let minute = 1_000 * CHAT_WINDOW_MS;
    for i in 0..3u64 {
        let store = if i % 2 == 0 { a } else { b };
        assert_eq!(store.chat_allowed("u", 3, minute + i).await.unwrap(), None);
    }
    // The fourth in the same minute: refused, to retry when the next one starts.
    assert_eq!(
        b.chat_allowed("u", 3, minute + 20_500).await.unwrap(),
        Some(40)
    );
    assert_eq!(a.chat_allowed("v", 3, minute + 20_500).await.unwrap(), None);
    assert_eq!(
        a.chat_allowed("u", 3, minute + CHAT_WINDOW_MS)
            .await
            .unwrap(),
        None
    );
    // 0: no limit.
    for _ in 0..10 {
        assert_eq!(a.chat_allowed("w", 0, minute).await.unwrap(), None);
    }
}
