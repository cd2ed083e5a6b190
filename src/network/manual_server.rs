//! The server stepped from the caller's thread, for fuzzing and tests: datagrams go
//! through exactly what the socket loop does with them, against an engine on the
//! [`ManualDriver`], and the replies are handed back instead of sent.

use std::net::SocketAddr;

use rosc::OscPacket;

use super::{Server, ServerOptions};
use crate::control::Registry;
use crate::drivers::ManualDriver;
use crate::engine::{EngineOptions, StatusSnapshot};
use crate::workers::WorkerPool;
use crate::{build, BuildError};

/// Why a [`ManualServer`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManualServerError {
    /// The engine could not be built.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// The socket could not be bound, or its runtime started.
    #[error("cannot bind the server's socket: {0}")]
    Bind(#[from] std::io::Error),
}

/// The network server without its socket loop: each [`datagram`](Self::datagram) is
/// handled as one read from the socket is (the allow list, the packet checks, command
/// numbers, decoding, parsing, queuing the commands, completion messages), then the engine
/// renders one block on the calling thread and its events become replies, which are
/// returned rather than sent. Worker jobs (constructs, operations) run on the worker pool
/// as in the server, so their answers come with a later call.
///
/// The server still binds its UDP socket (to `ServerOptions::bind`), but nothing reads it
/// or sends on it. It has no plugin loader: `/plugin/load` and `/plugin/reload` answer that
/// the server has none.
///
/// ```
/// use oscine::control::Registry;
/// use oscine::engine::EngineOptions;
/// use oscine::network::{ManualServer, ServerOptions};
///
/// let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
/// let mut server = ManualServer::new(EngineOptions::default(), Registry::with_builtins(), &bind).unwrap();
/// let client = "127.0.0.1:9".parse().unwrap();
/// let status = rosc::encoder::encode(&rosc::OscPacket::Message(rosc::OscMessage {
///     addr: "/status".into(),
///     args: vec![],
/// }))
/// .unwrap();
/// let replies = server.datagram(&status, client);
/// assert!(matches!(&replies[..], [(to, rosc::OscPacket::Message(m))] if *to == client && m.addr == "/status/reply"));
/// server.shutdown();
/// ```
///
/// Context: NRT. The calling thread plays the network thread's part and the audio thread's.
pub struct ManualServer {
    // Dropped before the runtime its socket is registered with.
    server: Server,
    driver: ManualDriver,
    workers: Option<WorkerPool>,
    _runtime: tokio::runtime::Runtime,
}

impl ManualServer {
    /// An engine of `engine`'s options with `registry`'s definitions, served as `server`
    /// says (its dialect, logins, allow list; its socket is bound but never used).
    pub fn new(
        engine: EngineOptions,
        registry: Registry,
        server: &ServerOptions,
    ) -> Result<ManualServer, ManualServerError> {
        let parts = build(engine, registry)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_io().build()?;
        let served = runtime.block_on(Server::bind(server, parts.handle));
        let server = match served {
            Ok(server) => server,
            Err(e) => {
                drop(parts.engine);
                parts.workers.join();
                return Err(e.into());
            }
        };
        Ok(ManualServer {
            server,
            driver: ManualDriver::with_engine(parts.engine),
            workers: Some(parts.workers),
            _runtime: runtime,
        })
    }

    /// Handles one datagram from `from`, renders one block and returns what the server
    /// would send now: the replies and notifications, each with its destination, in order.
    pub fn datagram(&mut self, bytes: &[u8], from: SocketAddr) -> Vec<(SocketAddr, OscPacket)> {
        self.server.receive_datagram(bytes, from);
        self.render(1)
    }

    /// Handles one datagram from `from` without rendering a block, and returns what the
    /// server would send now: the replies the network thread gives without the engine.
    pub fn receive(&mut self, bytes: &[u8], from: SocketAddr) -> Vec<(SocketAddr, OscPacket)> {
        self.server.receive_datagram(bytes, from);
        self.server.take_outgoing()
    }

    /// Renders `blocks` blocks, turning the events of each into replies, and returns them:
    /// to wait for worker jobs, timed commands or a `/sync`.
    pub fn render(&mut self, blocks: usize) -> Vec<(SocketAddr, OscPacket)> {
        self.render_taking(blocks, Server::take_outgoing)
    }

    /// Renders `blocks` blocks, taking what waits to be sent with `take` before the first
    /// and after each.
    fn render_taking<T>(&mut self, blocks: usize, take: fn(&mut Server) -> Vec<T>) -> Vec<T> {
        let mut sent = take(&mut self.server);
        for _ in 0..blocks {
            self.driver.render_block();
            self.server.pump_events();
            sent.append(&mut take(&mut self.server));
        }
        sent
    }

    /// Handles one datagram from `from` without rendering a block, and returns the UDP
    /// datagrams the server would send now, encoded and packed as the socket loop packs
    /// them (TCP clients have none here).
    pub fn receive_encoded(&mut self, bytes: &[u8], from: SocketAddr) -> Vec<(SocketAddr, Vec<u8>)> {
        self.server.receive_datagram(bytes, from);
        self.server.take_udp_datagrams()
    }

    /// Renders `blocks` blocks, as [`render`](Self::render) does, and returns the UDP
    /// datagrams that carry the replies, as [`receive_encoded`](Self::receive_encoded).
    pub fn render_encoded(&mut self, blocks: usize) -> Vec<(SocketAddr, Vec<u8>)> {
        self.render_taking(blocks, Server::take_udp_datagrams)
    }

    /// The engine's counters, as `/status` reads them.
    pub fn status(&self) -> StatusSnapshot {
        self.server.handle().status()
    }

    /// Stops the engine and waits for the workers to finish their jobs.
    pub fn shutdown(mut self) {
        if let Some(workers) = self.workers.take() {
            drop(self.driver);
            workers.join();
        }
    }
}
