//! The server's TCP side (`--tcp-port`): the listening socket, the open connections and
//! what was refused or cut off, counted for `/status/reply`.
//!
//! Context: NRT (network thread).

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::return_address::ConnectionId;
use super::tcp_connection::{ConnectionLink, OutputFull, TcpEvent, TcpLimits, LINGER};
use crate::engine::ClientId;

/// How many messages the connections may have read and not yet handed over, together:
/// past this their readers wait, and so do their clients.
const MESSAGES_WAITING: usize = 64;

/// Why a reply could not be queued on a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendError {
    /// The connection is gone.
    Gone,
    /// Its client has left more replies unread than the bound; it has been disconnected.
    Disconnected(ClientId),
}

/// The counters of the TCP side, for `/status/reply`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpCounts {
    /// Connections open now.
    pub open: usize,
    /// Connections refused because `max_connections` were open.
    pub refused: u64,
    /// Connections closed because their client sent a message over `max_message`.
    pub oversize: u64,
    /// Connections closed because their client left more than `max_output` bytes of
    /// replies unread.
    pub slow: u64,
    /// Messages whose commands waited for room in the command queue.
    pub waits: u64,
}

/// The listener and every open connection, each with its client.
pub struct TcpConnections {
    listener: TcpListener,
    limits: TcpLimits,
    links: HashMap<ConnectionId, (ConnectionLink, ClientId)>,
    events: mpsc::Sender<TcpEvent>,
    next: u64,
    counts: TcpCounts,
}

impl TcpConnections {
    /// Listens on `addr`; the connections' events come out of the receiver.
    pub async fn bind(addr: SocketAddr, limits: TcpLimits) -> io::Result<(TcpConnections, mpsc::Receiver<TcpEvent>)> {
        let listener = TcpListener::bind(addr).await?;
        let (events, received) = mpsc::channel(MESSAGES_WAITING);
        let tcp =
            TcpConnections { listener, limits, links: HashMap::new(), events, next: 0, counts: TcpCounts::default() };
        Ok((tcp, received))
    }

    /// The address listened on.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The limits connections work within.
    pub fn limits(&self) -> &TcpLimits {
        &self.limits
    }

    /// The next connection a client opens.
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        self.listener.accept().await
    }

    /// Whether another connection may open.
    pub fn has_room(&self) -> bool {
        self.links.len() < self.limits.max_connections
    }

    /// Counts a message whose commands wait for room in the command queue.
    pub fn count_wait(&mut self) {
        self.counts.waits += 1;
    }

    /// Counts a connection refused for want of room.
    pub fn count_refused(&mut self) {
        self.counts.refused += 1;
    }

    /// The number the next connection gets.
    pub fn next_id(&mut self) -> ConnectionId {
        self.next += 1;
        ConnectionId(self.next)
    }

    /// Starts serving an accepted connection for `client`.
    pub fn open(&mut self, stream: TcpStream, conn: ConnectionId, addr: SocketAddr, client: ClientId) {
        let link = ConnectionLink::start(stream, conn, addr, &self.limits, self.events.clone());
        self.links.insert(conn, (link, client));
    }

    /// The client of connection `conn`, while it is open.
    pub fn client(&self, conn: ConnectionId) -> Option<ClientId> {
        self.links.get(&conn).map(|(_, client)| *client)
    }

    /// Queues a reply on `conn`. A client over its output bound is disconnected here,
    /// counted, and named in the error so that it can be forgotten.
    pub fn send(&mut self, conn: ConnectionId, packet: &[u8]) -> Result<(), SendError> {
        let Some((link, _)) = self.links.get(&conn) else { return Err(SendError::Gone) };
        match link.send(packet) {
            Ok(()) => Ok(()),
            Err(OutputFull) => {
                let Some((link, client)) = self.links.remove(&conn) else { return Err(SendError::Gone) };
                tracing::warn!(
                    "tcp {}: disconnected: it left more than {} bytes of replies unread (--tcp-max-output)",
                    link.addr,
                    self.limits.max_output
                );
                link.abort();
                self.counts.slow += 1;
                Err(SendError::Disconnected(client))
            }
        }
    }

    /// Closes `conn` once its queued replies are written (its client closed its side,
    /// or sent an oversize message, counted when `oversize`); its client, if it was open.
    pub fn close(&mut self, conn: ConnectionId, oversize: bool) -> Option<ClientId> {
        let (link, client) = self.links.remove(&conn)?;
        if oversize {
            self.counts.oversize += 1;
        }
        link.close_after_replies();
        Some(client)
    }

    /// Writes every connection's queued replies (waiting a moment at most), then closes
    /// them all: the server is stopping.
    pub async fn finish(mut self) {
        let finishing: Vec<_> = self.links.drain().map(|(_, (link, _))| link.finish()).collect();
        let deadline = tokio::time::Instant::now() + LINGER;
        for f in finishing {
            f.wait(deadline).await;
        }
    }

    /// The counters, with the connections open now.
    pub fn counts(&self) -> TcpCounts {
        TcpCounts { open: self.links.len(), ..self.counts }
    }
}
