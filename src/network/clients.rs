use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::engine::ClientId;

/// How many clients the server remembers; past this, the longest-silent client that did
/// not ask for notifications is forgotten.
const MAX_CLIENTS: usize = 4096;

/// A client silent this long may be forgotten when the table is full.
const FORGET_AFTER: Duration = Duration::from_secs(60);

struct Client {
    addr: SocketAddr,
    notify: bool,
    last_seen: Instant,
}

/// Every UDP peer that has sent a datagram, numbered so the engine can carry a small id
/// instead of an address; and which of them asked for notifications.
///
/// Context: NRT (network thread).
#[derive(Default)]
pub struct ClientTable {
    by_addr: HashMap<SocketAddr, ClientId>,
    clients: HashMap<ClientId, Client>,
    next: u32,
}

impl ClientTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `addr`, assigning one on first contact.
    pub fn id_of(&mut self, addr: SocketAddr) -> ClientId {
        let now = Instant::now();
        if let Some(id) = self.by_addr.get(&addr) {
            if let Some(c) = self.clients.get_mut(id) {
                c.last_seen = now;
            }
            return *id;
        }
        if self.clients.len() >= MAX_CLIENTS {
            self.forget_silent(now);
        }
        let id = ClientId(self.next);
        self.next = self.next.wrapping_add(1);
        self.by_addr.insert(addr, id);
        self.clients.insert(id, Client { addr, notify: false, last_seen: now });
        id
    }

    fn forget_silent(&mut self, now: Instant) {
        let stale: Vec<ClientId> = self
            .clients
            .iter()
            .filter(|(_, c)| !c.notify && now.duration_since(c.last_seen) > FORGET_AFTER)
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            if let Some(c) = self.clients.remove(&id) {
                self.by_addr.remove(&c.addr);
            }
        }
    }

    /// The address of client `id`, if still known.
    pub fn addr(&self, id: ClientId) -> Option<SocketAddr> {
        self.clients.get(&id).map(|c| c.addr)
    }

    /// Turns notifications on or off for a client.
    pub fn set_notify(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(&id) {
            c.notify = on;
        }
    }

    /// Addresses of every client that asked for notifications.
    pub fn notified(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.clients.values().filter(|c| c.notify).map(|c| c.addr)
    }
}
