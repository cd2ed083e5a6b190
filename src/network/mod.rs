//! The network layer: the UDP socket, the TCP connections, who may use them, and the
//! clients behind them. Packets are read here and handed to the [`osc`](crate::osc)
//! protocol layer; what it makes of them goes to the engine, and the engine's events go
//! back out as OSC.
//!
//! Context: NRT. Everything here runs on the server's network thread (a single-threaded
//! tokio runtime), which owns the engine handle and so is the only producer of commands.

mod allow_list;
mod clients;
mod completions;
mod event_wait;
mod manual_server;
mod midi_service;
mod outgoing;
mod reply_datagrams;
mod report_log;
mod return_address;
mod server;
mod sync_watch;
mod tcp_connection;
mod tcp_connections;
mod udp_receiver;

pub use allow_list::{AddressRange, AddressRangeError, AllowList};
pub use clients::ClientTable;
pub use manual_server::{ManualServer, ManualServerError};
pub use midi_service::MidiService;
pub use report_log::REPORT_LINES_PER_SECOND;
pub use server::{PluginService, Server, ServerOptions, DEFAULT_MAX_QUERIES_PER_CLIENT, DEFAULT_UDP_RECEIVE_BUFFER};
pub use tcp_connection::TcpLimits;
