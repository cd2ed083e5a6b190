//! Where a client is: the UDP address its datagrams come from, or the TCP connection its
//! messages come on.
//!
//! Context: NRT (network thread).

use std::net::SocketAddr;

/// The number of a TCP connection, unique for the server's lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u64);

/// A client's transport and address: replies go back the way its requests came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReturnAddress {
    /// A UDP socket, by its address and port.
    Udp(SocketAddr),
    /// A TCP connection, and the address it came from.
    Tcp(ConnectionId, SocketAddr),
}
