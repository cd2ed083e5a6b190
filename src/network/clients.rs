use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use slotmap::{new_key_type, Key, KeyData, SlotMap};

use super::return_address::ReturnAddress;
use super::sync_watch::SyncWatch;

use crate::engine::{ClientId, QueryCount};
use crate::osc::Dialect;

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
    return_address: ReturnAddress,
    notify: bool,
    last_seen: Instant,
    /// The dialect the client has shown, once it sent a verb only one dialect has.
    dialect: Option<Dialect>,
    /// The client id a scsynth client logged in with (`/notify 1 id`).
    login: Option<i32>,
    /// Whether failures are answered (scsynth's `/error 0` withholds them).
    errors: bool,
    /// Datagrams received from the client (saturating): after the first, it is a known
    /// client.
    datagrams: u32,
    /// Its queries in flight.
    queries: QueryCount,
    /// Whether its successful commands are acknowledged (`/acks`).
    acks: bool,
    /// Its commands and `/sync`s on their way through the engine.
    syncs: SyncWatch,
    /// Whether it asked for the MIDI events the inputs receive (`/midi/notify`).
    midi: bool,
}

/// Every UDP address that has sent a datagram and every open TCP connection, numbered so
/// the engine can carry a small id instead of an address; and which of them asked for
/// notifications.
///
/// A [`ClientId`] is a generational key: once a client is forgotten, its id names nobody,
/// even after its slot holds a new client, so a reply still in flight for a forgotten
/// client is dropped rather than sent to a stranger.
///
/// Context: NRT (network thread).
#[derive(Default)]
pub struct ClientTable {
    by_return_address: HashMap<ReturnAddress, ClientKey>,
    clients: SlotMap<ClientKey, Client>,
    /// How many clients asked for notifications.
    notified: usize,
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

    /// The id of `return_address`, assigning one on first contact.
    fn id_of(&mut self, return_address: ReturnAddress) -> ClientId {
        let now = Instant::now();
        if let Some(&key) = self.by_return_address.get(&return_address) {
            if let Some(c) = self.clients.get_mut(key) {
                c.last_seen = now;
            }
            return id(key);
        }
        self.add(return_address, now)
    }

    /// The id of the sender of a datagram from `addr` (assigning one on first contact),
    /// counting the datagram: from its second datagram on, the client is known.
    pub fn datagram_from(&mut self, addr: SocketAddr) -> ClientId {
        let client = self.id_of(ReturnAddress::Udp(addr));
        if let Some(c) = self.clients.get_mut(key(client)) {
            c.datagrams = c.datagrams.saturating_add(1);
        }
        client
    }

    /// The id of a new TCP connection's client.
    pub fn connected(&mut self, return_address: ReturnAddress) -> ClientId {
        self.id_of(return_address)
    }

    /// Forgets client `id` (its TCP connection closed): its id names nobody from now on.
    pub fn forget(&mut self, id: ClientId) {
        if let Some(c) = self.clients.remove(key(id)) {
            self.by_return_address.remove(&c.return_address);
            self.notified -= c.notify as usize;
        }
    }

    /// Whether client `id` had sent a datagram before the latest, or is a TCP connection
    /// (whose handshake proved its address): only a known client gets replies that can be
    /// larger than its request ([`ReplySize::Large`]), so a datagram with a forged source
    /// cannot make the server flood that address.
    ///
    /// [`ReplySize::Large`]: crate::osc::ReplySize::Large
    pub fn is_known(&self, id: ClientId) -> bool {
        self.clients.get(key(id)).is_some_and(|c| matches!(c.return_address, ReturnAddress::Tcp(..)) || c.datagrams > 1)
    }

    fn add(&mut self, return_address: ReturnAddress, now: Instant) -> ClientId {
        if self.clients.len() >= MAX_CLIENTS {
            self.forget_silent(now);
        }
        let key = self.clients.insert(Client {
            return_address,
            notify: false,
            last_seen: now,
            dialect: None,
            login: None,
            errors: true,
            datagrams: 0,
            queries: QueryCount::new(),
            acks: true,
            syncs: SyncWatch::default(),
            midi: false,
        });
        self.by_return_address.insert(return_address, key);
        id(key)
    }

    fn forget_silent(&mut self, now: Instant) {
        let by_return_address = &mut self.by_return_address;
        self.clients.retain(|_, c| {
            // A TCP client is forgotten when its connection closes.
            let keep = matches!(c.return_address, ReturnAddress::Tcp(..))
                || c.notify
                || c.midi
                || c.login.is_some()
                || now.duration_since(c.last_seen) <= FORGET_AFTER;
            if !keep {
                by_return_address.remove(&c.return_address);
            }
            keep
        });
    }

    /// Whether client `id`'s successful commands are acknowledged.
    pub fn acks_on(&self, id: ClientId) -> bool {
        self.clients.get(key(id)).is_none_or(|c| c.acks)
    }

    /// Acknowledges client `id`'s successful commands, or not.
    pub fn set_acks(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            c.acks = on;
        }
    }

    /// What the network thread knows of client `id`'s commands in the engine, if still
    /// known.
    pub fn sync_watch(&mut self, id: ClientId) -> Option<&mut SyncWatch> {
        self.clients.get_mut(key(id)).map(|c| &mut c.syncs)
    }

    /// Client `id`'s count of queries in flight, if still known.
    pub fn queries(&self, id: ClientId) -> Option<&QueryCount> {
        self.clients.get(key(id)).map(|c| &c.queries)
    }

    /// The client at `return_address`, if there is one (nothing is assigned).
    pub fn at(&self, return_address: ReturnAddress) -> Option<ClientId> {
        self.by_return_address.get(&return_address).map(|&key| id(key))
    }

    /// Where client `id` is, if still known.
    pub fn return_address(&self, id: ClientId) -> Option<ReturnAddress> {
        self.clients.get(key(id)).map(|c| c.return_address)
    }

    /// Turns notifications on or off for a client.
    pub fn set_notify(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            if c.notify != on {
                self.notified = if on { self.notified + 1 } else { self.notified - 1 };
            }
            c.notify = on;
        }
    }

    /// Whether client `id` is told of its failures.
    pub fn errors_on(&self, id: ClientId) -> bool {
        self.clients.get(key(id)).is_none_or(|c| c.errors)
    }

    /// Tells client `id` of its failures, or not.
    pub fn set_errors(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            c.errors = on;
        }
    }

    /// The dialect client `id` has shown, if it has.
    pub fn dialect(&self, id: ClientId) -> Option<Dialect> {
        self.clients.get(key(id)).and_then(|c| c.dialect)
    }

    /// Takes note of the dialect client `id` used.
    pub fn set_dialect(&mut self, id: ClientId, dialect: Dialect) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            c.dialect = Some(dialect);
        }
    }

    /// Logs client `id` in as a scsynth client, with the client id it asks for when that
    /// one is free (or already its own), else the lowest free one below `max_logins`;
    /// `None` when all are taken.
    pub fn log_in(&mut self, id: ClientId, wanted: Option<i32>, max_logins: i32) -> Option<i32> {
        let own = self.clients.get(key(id))?.login;
        if let Some(own) = own {
            return Some(own);
        }
        let taken: Vec<i32> = self.clients.values().filter_map(|c| c.login).collect();
        let free = |n: &i32| (0..max_logins).contains(n) && !taken.contains(n);
        let login = wanted.filter(free).or_else(|| (0..max_logins).find(free))?;
        self.clients.get_mut(key(id))?.login = Some(login);
        Some(login)
    }

    /// Logs client `id` out; its client id, if it had one.
    pub fn log_out(&mut self, id: ClientId) -> Option<i32> {
        self.clients.get_mut(key(id)).and_then(|c| c.login.take())
    }

    /// Every client that asked for notifications and speaks `dialect` (the clients that
    /// have shown none count as speaking `default`).
    pub fn notified_speaking(&self, dialect: Dialect, default: Dialect) -> impl Iterator<Item = ReturnAddress> + '_ {
        self.clients
            .values()
            .filter(move |c| c.notify && c.dialect.unwrap_or(default) == dialect)
            .map(|c| c.return_address)
    }

    /// Whether any client asked for notifications.
    pub fn any_notified(&self) -> bool {
        self.notified > 0
    }

    /// Every client that asked for notifications.
    pub fn notified(&self) -> impl Iterator<Item = ReturnAddress> + '_ {
        self.clients.values().filter(|c| c.notify).map(|c| c.return_address)
    }

    /// Sends client `id` the MIDI events the inputs receive, or stops.
    pub fn set_midi(&mut self, id: ClientId, on: bool) {
        if let Some(c) = self.clients.get_mut(key(id)) {
            c.midi = on;
        }
    }

    /// Where the clients that asked for MIDI events are.
    pub fn midi_listeners(&self) -> impl Iterator<Item = ReturnAddress> + '_ {
        self.clients.values().filter(|c| c.midi).map(|c| c.return_address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forgotten_clients_id_names_nobody_even_when_its_slot_is_reused() {
        let mut table = ClientTable::new();
        let a = ReturnAddress::Udp("127.0.0.1:1000".parse().unwrap());
        let old = table.id_of(a);
        assert_eq!(table.id_of(a), old);
        assert_eq!(table.return_address(old), Some(a));
        // Forget it as a full table would, then let another client take the slot.
        table.forget_silent(Instant::now() + FORGET_AFTER * 2);
        let b = ReturnAddress::Udp("127.0.0.1:2000".parse().unwrap());
        let new = table.id_of(b);
        assert_ne!(new, old);
        assert_eq!(table.return_address(old), None);
        assert_eq!(table.return_address(new), Some(b));
    }

    #[test]
    fn logins_take_the_id_asked_for_when_it_is_free() {
        let mut table = ClientTable::new();
        let ids: Vec<ClientId> =
            (0..4).map(|k| table.datagram_from(SocketAddr::from(([127, 0, 0, 1], 3000 + k)))).collect();
        assert_eq!(table.log_in(ids[0], Some(0), 3), Some(0));
        assert_eq!(table.log_in(ids[0], Some(2), 3), Some(0), "a client keeps its login");
        assert_eq!(table.log_in(ids[1], Some(0), 3), Some(1), "taken: the lowest free one");
        assert_eq!(table.log_in(ids[2], None, 3), Some(2));
        assert_eq!(table.log_in(ids[3], None, 3), None, "all taken");
        assert_eq!(table.log_out(ids[1]), Some(1));
        assert_eq!(table.log_in(ids[3], Some(7), 3), Some(1));
        table.set_dialect(ids[3], Dialect::Scsynth);
        assert_eq!((table.dialect(ids[3]), table.dialect(ids[0])), (Some(Dialect::Scsynth), None));
    }

    #[test]
    fn a_client_is_known_from_its_second_datagram() {
        let mut table = ClientTable::new();
        let a: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let client = table.datagram_from(a);
        assert!(!table.is_known(client), "a first datagram");
        assert_eq!(table.datagram_from(a), client);
        assert!(table.is_known(client));
        // Forgotten, it is a stranger again.
        table.forget_silent(Instant::now() + FORGET_AFTER * 2);
        let again = table.datagram_from(a);
        assert!(!table.is_known(again));
    }

    #[test]
    fn a_tcp_client_is_known_at_once_and_stays_until_its_connection_closes() {
        use super::super::return_address::ConnectionId;
        let mut table = ClientTable::new();
        let addr: SocketAddr = "127.0.0.1:1000".parse().unwrap();
        let tcp = table.connected(ReturnAddress::Tcp(ConnectionId(1), addr));
        let udp = table.datagram_from(addr);
        assert_ne!(tcp, udp, "one address, two transports: two clients");
        assert!(table.is_known(tcp));
        table.forget_silent(Instant::now() + FORGET_AFTER * 2);
        assert_eq!(table.return_address(tcp), Some(ReturnAddress::Tcp(ConnectionId(1), addr)));
        assert_eq!(table.return_address(udp), None);
        table.forget(tcp);
        assert_eq!(table.return_address(tcp), None);
    }
}
