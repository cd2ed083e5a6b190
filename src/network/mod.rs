//! The network layer: UDP OSC in, typed commands to the engine, events back out as OSC.
//!
//! Context: NRT. Everything here runs on the server's network thread (a single-threaded
//! tokio runtime), which owns the engine handle and so is the only producer of commands.

mod args;
mod clients;
mod packet_check;
mod replies;
mod request_error;
mod server;
mod verbs;

pub use clients::ClientTable;
pub use packet_check::{check_packet, PacketError, MAX_BUNDLE_DEPTH, MAX_PACKET_SIZE};
pub use request_error::{ErrorCode, RequestError};
pub use server::{Server, ServerOptions};
pub use verbs::{parse, Request, MAX_IDS_PER_MESSAGE, VERBS};
