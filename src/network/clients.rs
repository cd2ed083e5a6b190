use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use slotmap::{new_key_type, Key, KeyData, SlotMap};

use crate::engine::ClientId;

/// How many clients the server remembers; past this, the longest-silent client that did
/// not ask for notifications is forgotten.
const MAX_CLIENTS: usize = 4096;

/// A client silent this long may be forgotten when the table is full.
const FORGET_AFTER: Duration = Duration::from_secs(60);

new_key_type! {
    /// A client's slot in the table, with the generation that makes a reused slot a
    /// different key.
    struct ClientKey;
}

struct Client {
    addr: SocketAddr,
    notify: bool,
    last_seen: Instant,
}

/// Every UDP peer that has sent a datagram, numbered so the engine can carry a small id
/// instead of an address; and which of them asked for notifications.
///
/// A [`ClientId`] is a generational key: once a client is forgotten, its id names nobody,
/// even after its slot holds a new client, so a reply still in flight for a forgotten
/// client is dropped rather than sent to a stranger.
///
/// Context: NRT (network thread).
#[derive(Default)]
pub struct ClientTable {
    by_addr: HashMap<SocketAddr, ClientKey>,
    clients: SlotMap<ClientKey, Client>,
}

fn id(key: ClientKey) -> ClientId {
    ClientId(key.data().as_ffi())
}

fn key(id: ClientId) -> ClientKey {
    KeyData::from_ffi(id.0).into()
}

impl ClientTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `addr`, assigning one on first contact.
    pub fn id_of(&mut self, addr: SocketAddr) -> ClientId {
        let now = Instant::now();
        if let Some(&key) = self.by_addr.get(&addr) {
            if let Some(c) = self.clients.get_mut(key) {
                c.last_seen = now;
            }
            return id(key);
        }
        if self.clients.len() >= MAX_CLIENTS {
            self.forget_silent(now);
        }
        let key = self.clients.insert(Client { addr, notify: false, last_seen: now });
        self.by_addr.insert(addr, key);
        id(key)
    }

    fn forget_silent(&mut self, now: Instant) {
        let by_addr = &mut self.by_addr;
        self.clients.retain(|_, c| {
            let keep = c.notify || now.duration_since(c.last_seen) <= FORGET_AFTER;
            if !keep {
                by_addr.remove(&c.addr);
            }
            keep
        });
    }

    /// The address of client `id`, if still known.
    pub fn addr(&self, id: ClientId) -> Option<SocketAddr> {
        self.clients.get(key(id)).map(|c| c.addr)
    }

    /// Turns notifications on or off for a client.
    pub fn set_notify(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            c.notify = on;
        }
    }

    /// Addresses of every client that asked for notifications.
    pub fn notified(&self) -> impl Iterator<Item = SocketAddr> + '_ {
        self.clients.values().filter(|c| c.notify).map(|c| c.addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_clients_id_names_nobody_even_when_its_slot_is_reused() {
        let mut table = ClientTable::new();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let old = table.id_of(a);
        assert_eq!(table.id_of(a), old);
        assert_eq!(table.addr(old), Some(a));
        // Forget it as a full table would, then let another peer take the slot.
        table.forget_silent(Instant::now() + FORGET_AFTER * 2);
        let b: SocketAddr = "127.0.0.1:2000".parse().unwrap();
        let new = table.id_of(b);
        assert_ne!(new, old);
        assert_eq!(table.addr(old), None);
        assert_eq!(table.addr(new), Some(b));
    }
}
