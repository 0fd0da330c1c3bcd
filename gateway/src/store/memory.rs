//! The in-memory store of a single gateway.

use super::{random_hex, Reservation, StreamRecord, CHAT_WINDOW_MS, RESERVATION_MS};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Default)]
struct Inner {
    streams: HashMap<String, StreamRecord>,
    /// Reservations per user: ticket → expiry (ms).
    pending: HashMap<String, HashMap<String, u64>>,
    /// The minute window `chats` counts.
    chat_window: u64,
    /// Chats per user in `chat_window`.
    chats: HashMap<String, u32>,
}

/// Streams and reservations behind one mutex.
#[derive(Default)]
pub struct MemoryStore(Mutex<Inner>);

impl MemoryStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere must not take the whole gateway down with a poisoned lock.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn reserve(&self, user: &str, cap: u32, now_ms: u64) -> Option<Reservation> {
        let mut inner = self.lock();
        let open = inner.streams.values().filter(|r| r.user == user).count();
        let pending = inner.pending.entry(user.to_string()).or_default();
        pending.retain(|_, expiry| *expiry > now_ms);
        if open + pending.len() >= cap as usize {
            return None;
        }
        let ticket = random_hex();
        pending.insert(ticket.clone(), now_ms + RESERVATION_MS);
        Some(Reservation {
            user: user.to_string(),
            ticket,
        })
    }

    pub(super) fn count_chat(&self, user: &str, now_ms: u64) -> u32 {
        let window = now_ms / CHAT_WINDOW_MS;
        let mut inner = self.lock();
        if inner.chat_window != window {
            inner.chat_window = window;
            inner.chats.clear();
        }
        let count = inner.chats.entry(user.to_string()).or_insert(0);
        *count = count.saturating_add(1);
        *count
    }

    pub(super) fn commit(&self, reservation: &Reservation, id: &str, record: &StreamRecord) {
        let mut inner = self.lock();
        Self::drop_ticket(&mut inner, reservation);
        inner.streams.insert(id.to_string(), record.clone());
    }

    pub(super) fn cancel(&self, reservation: &Reservation) {
        Self::drop_ticket(&mut self.lock(), reservation);
    }

    fn drop_ticket(inner: &mut Inner, reservation: &Reservation) {
        if let Some(pending) = inner.pending.get_mut(&reservation.user) {
            pending.remove(&reservation.ticket);
            if pending.is_empty() {
                inner.pending.remove(&reservation.user);
            }
        }
    }

    pub(super) fn get(&self, id: &str) -> Option<StreamRecord> {
        self.lock().streams.get(id).cloned()
    }

    pub(super) fn renewed(&self, id: &str, now_ms: u64, lease_ms: u64) {
        if let Some(r) = self.lock().streams.get_mut(id) {
            r.liveness.renewed_ms = now_ms;
            r.liveness.lease_ms = lease_ms;
        }
    }

    pub(super) fn socket(&self, id: &str, delta: i64, now_ms: u64) {
        if let Some(r) = self.lock().streams.get_mut(id) {
            let l = &mut r.liveness;
            l.sockets_open += delta;
            l.socket_closed_ms = (l.sockets_open <= 0 && delta < 0).then_some(now_ms);
        }
    }

    pub(super) fn remove(&self, id: &str) -> Option<StreamRecord> {
        self.lock().streams.remove(id)
    }

    pub(super) fn all(&self) -> Vec<(String, StreamRecord)> {
        let inner = self.lock();
        inner
            .streams
            .iter()
            .map(|(id, r)| (id.clone(), r.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Liveness;

    fn record(user: &str) -> StreamRecord {
        StreamRecord {
            user: user.into(),
            instance: "i1".into(),
            api: overshoot_protocol::v1beta::endpoints::Generation::Streams,
            liveness: Liveness::default(),
        }
    }

    #[tokio::test]
    async fn chats_are_counted_per_user_and_minute() {
        let store = crate::store::Store::Memory(MemoryStore::default());
        crate::store::check_chat_rate(&store, &store).await;
    }

    #[test]
    fn the_cap_counts_open_streams_and_pending_creates() {
        let store = MemoryStore::default();
        let first = store.reserve("u", 2, 0).unwrap();
        let second = store.reserve("u", 2, 0).unwrap();
        assert_eq!(
            store.reserve("u", 2, 0),
            None,
            "two creates in flight fill the cap"
        );
        assert!(store.reserve("other", 2, 0).is_some(), "per user");
        store.commit(&first, "s1", &record("u"));
        store.cancel(&second);
        assert!(
            store.reserve("u", 2, 0).is_some(),
            "a cancelled create frees its slot"
        );
        assert_eq!(store.reserve("u", 2, 0), None);
        assert_eq!(store.remove("s1").map(|r| r.user), Some("u".into()));
        assert_eq!(store.remove("s1"), None, "only one remover wins");
        assert!(
            store.reserve("u", 2, 0).is_some(),
            "a removed stream frees its slot"
        );
    }

    #[test]
    fn a_reservation_of_a_dead_create_expires() {
        let store = MemoryStore::default();
        store.reserve("u", 1, 0).unwrap();
        assert_eq!(store.reserve("u", 1, RESERVATION_MS - 1), None);
        assert!(store.reserve("u", 1, RESERVATION_MS).is_some());
    }

    #[test]
    fn sockets_record_when_the_last_one_closed() {
        let store = MemoryStore::default();
        let r = store.reserve("u", 1, 0).unwrap();
        store.commit(&r, "s1", &record("u"));
        store.socket("s1", 1, 10);
        store.socket("s1", 1, 20);
        store.socket("s1", -1, 30);
        assert_eq!(store.get("s1").unwrap().liveness.socket_closed_ms, None);
        store.socket("s1", -1, 40);
        assert_eq!(store.get("s1").unwrap().liveness.socket_closed_ms, Some(40));
        store.socket("s1", 1, 50);
        assert_eq!(store.get("s1").unwrap().liveness.socket_closed_ms, None);
        store.renewed("s1", 60, 2000);
        let l = store.get("s1").unwrap().liveness;
        assert_eq!((l.renewed_ms, l.lease_ms, l.sockets_open), (60, 2000, 1));
    }
}
