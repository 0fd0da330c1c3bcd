//! The rooms the emulator hosts: each has one frame sink that every publisher of
//! the room decodes into (the streams watching the room read it), and its
//! participants, each with the media session of its publisher connection and a
//! line to its signalling socket (for server-side leaves and injected drops).

use crate::peer::{FrameSink, PeerHandle};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedSender;

use super::signal::Participant;

/// What the server tells a participant's socket task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Control {
    /// Drop the socket without a close frame (injected fault: the client resumes).
    DropSignal,
    /// Send a leave (DISCONNECT, room deleted) and close: the room has ended.
    EndRoom,
    /// Send this token as `refresh_token` (a v1beta keepalive's fresh publish token).
    RefreshToken(String),
}

/// One participant as the room keeps it between sockets (a resume picks it up).
struct Member {
    participant: Participant,
    peer: Option<Arc<PeerHandle>>,
    socket: Option<(u32, UnboundedSender<Control>)>,
}

/// One room.
pub struct Room {
    /// Where its publishers' decoded frames go.
    pub sink: Arc<FrameSink>,
    members: Mutex<HashMap<String, Member>>,
    sockets: AtomicU32,
}

impl Room {
    fn new() -> Self {
        Room {
            sink: Arc::new(FrameSink::default()),
            members: Mutex::new(HashMap::new()),
            sockets: AtomicU32::new(0),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, Member>) -> T) -> T {
        let mut members = self.members.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut members)
    }

    /// Adds a participant whose socket listens on `control`; returns the socket's number.
    pub fn join(&self, participant: Participant, control: UnboundedSender<Control>) -> u32 {
        let n = self.sockets.fetch_add(1, Ordering::Relaxed);
        let sid = participant.sid.clone();
        let member = Member {
            participant,
            peer: None,
            socket: Some((n, control)),
        };
        self.with(|m| m.insert(sid, member));
        n
    }

    /// Attaches a new socket to participant `sid` (a resume) for a token granted to
    /// `identity`: its state and media session, or `None` when the room does not
    /// know it or it is someone else's.
    pub fn resume(
        &self,
        sid: &str,
        identity: &str,
        control: UnboundedSender<Control>,
    ) -> Option<(Participant, Option<Arc<PeerHandle>>, u32)> {
        let n = self.sockets.fetch_add(1, Ordering::Relaxed);
        self.with(|m| {
            let member = m
                .get_mut(sid)
                .filter(|member| member.participant.identity == identity)?;
            member.socket = Some((n, control));
            Some((member.participant.clone(), member.peer.clone(), n))
        })
    }

    /// Keeps the participant's latest signalling state and media session.
    pub fn update(&self, participant: &Participant, peer: Option<&Arc<PeerHandle>>) {
        self.with(|m| {
            if let Some(member) = m.get_mut(&participant.sid) {
                member.participant = participant.clone();
                member.peer = peer.cloned();
            }
        });
    }

    /// The socket numbered `socket` of `sid` went away without a leave; the
    /// participant stays for a resume unless a newer socket took over meanwhile.
    /// Returns whether it still has no socket.
    pub fn detach(&self, sid: &str, socket: u32) -> bool {
        self.with(|m| match m.get_mut(sid) {
            Some(member) if member.socket.as_ref().map(|(n, _)| *n) == Some(socket) => {
                member.socket = None;
                true
            }
            _ => false,
        })
    }

    /// Whether `sid` is still without a socket (after a grace period: then removed).
    pub fn still_detached(&self, sid: &str) -> bool {
        self.with(|m| m.get(sid).is_some_and(|member| member.socket.is_none()))
    }

    /// Removes participant `sid` and closes its media session (without blocking
    /// the async runtime it is called from).
    pub fn remove(&self, sid: &str) {
        let gone = self.with(|m| m.remove(sid));
        if let Some(peer) = gone.and_then(|g| g.peer) {
            peer.close_in_background();
        }
    }

    /// Tells every connected socket `control`; returns how many were told.
    pub fn tell_all(&self, control: Control) -> usize {
        self.with(|m| {
            m.values()
                .filter_map(|member| member.socket.as_ref())
                .filter(|(_, tx)| tx.send(control.clone()).is_ok())
                .count()
        })
    }

    /// Number of participants (connected or awaiting a resume).
    #[cfg(test)]
    pub fn participant_count(&self) -> usize {
        self.with(|m| m.len())
    }
}

/// Every room, by name.
#[derive(Default)]
pub struct Rooms {
    rooms: Mutex<HashMap<String, Arc<Room>>>,
    next_sid: AtomicU32,
}

impl Rooms {
    /// Room `name`, made on first use.
    pub fn room(&self, name: &str) -> Arc<Room> {
        let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            rooms
                .entry(name.to_string())
                .or_insert_with(|| Arc::new(Room::new())),
        )
    }

    /// A fresh participant id.
    pub fn new_sid(&self) -> String {
        format!("PA_{}", self.next_sid.fetch_add(1, Ordering::Relaxed) + 1)
    }

    /// Ends room `name`: its sockets get a leave and its media sessions close.
    /// `forget` also drops the room itself (its stream has ended); otherwise a later
    /// join finds the same room, and the streams watching it get its frames again.
    /// Returns how many sockets were told.
    pub fn end(&self, name: &str, forget: bool) -> usize {
        let room = {
            let mut rooms = self.rooms.lock().unwrap_or_else(|p| p.into_inner());
            if forget {
                rooms.remove(name)
            } else {
                rooms.get(name).cloned()
            }
        };
        let Some(room) = room else { return 0 };
        let told = room.tell_all(Control::EndRoom);
        let members: Vec<String> = room.with(|m| m.keys().cloned().collect());
        for sid in members {
            room.remove(&sid);
        }
        told
    }

    /// Drops every signalling socket of room `name` (injected fault).
    pub fn drop_signal(&self, name: &str) -> usize {
        self.tell(name, Control::DropSignal)
    }

    /// Hands `token` to every connected participant of room `name` as a
    /// `refresh_token`, as a LiveKit server refreshes tokens; returns how many.
    pub fn refresh_token(&self, name: &str, token: &str) -> usize {
        self.tell(name, Control::RefreshToken(token.to_string()))
    }

    /// Tells every connected socket of room `name` (if it exists) `control`.
    fn tell(&self, name: &str, control: Control) -> usize {
        let room = self
            .rooms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned();
        room.map_or(0, |r| r.tell_all(control))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_detach_resume_and_end() {
        let rooms = Rooms::default();
        let room = rooms.room("r");
        assert!(Arc::ptr_eq(&room, &rooms.room("r")));
        let sid = rooms.new_sid();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let first = room.join(Participant::new(sid.clone(), "i".into(), "r".into()), tx);
        assert_eq!(room.participant_count(), 1);
        assert_eq!(rooms.drop_signal("r"), 1);
        assert_eq!(rx.try_recv(), Ok(Control::DropSignal));
        assert!(room.detach(&sid, first));
        assert!(room.still_detached(&sid));
        let (tx2, mut rx2) = tokio::sync::mpsc::unbounded_channel();
        let (p, peer, second) = room.resume(&sid, "i", tx2).unwrap();
        assert_eq!(rooms.refresh_token("r", "t2"), 1);
        assert_eq!(rx2.try_recv(), Ok(Control::RefreshToken("t2".into())));
        assert_eq!(rooms.refresh_token("no-such-room", "t"), 0);
        assert_eq!((p.sid.as_str(), peer.is_none()), (sid.as_str(), true));
        // The old socket's late detach does not detach the resumed one.
        assert!(!room.detach(&sid, first));
        assert!(!room.still_detached(&sid));
        assert!(room
            .resume("PA_unknown", "i", tokio::sync::mpsc::unbounded_channel().0)
            .is_none());
        assert_eq!(rooms.end("r", false), 1);
        assert_eq!(rx2.try_recv(), Ok(Control::EndRoom));
        assert_eq!(room.participant_count(), 0);
        assert_ne!(first, second);
        // Not forgotten: the same room (and sink) for the next join.
        assert!(Arc::ptr_eq(&room, &rooms.room("r")));
        assert_eq!(rooms.end("r", true), 0);
        assert!(!Arc::ptr_eq(&room, &rooms.room("r")));
    }

    #[test]
    fn only_the_same_identity_resumes() {
        let rooms = Rooms::default();
        let room = rooms.room("r");
        let sid = rooms.new_sid();
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let first = room.join(
            Participant::new(sid.clone(), "alice".into(), "r".into()),
            tx,
        );
        assert!(room.detach(&sid, first));
        let (mallory, _rx2) = tokio::sync::mpsc::unbounded_channel();
        assert!(room.resume(&sid, "mallory", mallory).is_none());
        // Refused without taking the participant over: it still awaits its own resume.
        assert!(room.still_detached(&sid));
        let (alice, _rx3) = tokio::sync::mpsc::unbounded_channel();
        let (p, _, _) = room.resume(&sid, "alice", alice).unwrap();
        assert_eq!(p.identity, "alice");
        assert!(!room.still_detached(&sid));
    }
}
