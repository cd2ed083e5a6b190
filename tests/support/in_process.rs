//! The real server run inside the test process, for tests that need definitions the
//! `oscine` binary does not have (a ResourceDef whose construct waits on the test, say).
//!
//! It is wired the way `oscine serve` wires the daemon (src/cli/serve.rs): an engine from
//! `oscine::engine::build` with the built-ins, the test SynthDefs and whatever the test
//! registers; the wall-clock-paced dummy driver; `oscine::network::Server` on a
//! current-thread tokio runtime, listening on UDP 127.0.0.1, port 0. Tests talk to it with
//! the same [`Client`] as to the binary.
//!
//! Start-up waits at most [`START_TIMEOUT`]; dropping the server shuts it down and waits
//! at most [`STOP_TIMEOUT`] for the engine, the driver and the workers to stop (a test
//! must open every gate it holds a construct on before it ends).

use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use oscine::build;
use oscine::control::Registry;
use oscine::drivers::{Driver, DummyDriver};
use oscine::engine::EngineOptions;
use oscine::midi::{MidiFeed, MidiInputs};
use oscine::network::{MidiService, Server, ServerOptions};

use super::server::{Client, START_TIMEOUT};
use super::test_defs;

/// How long dropping the server waits for the engine, the driver and the workers to stop.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Frames per dummy-driver period, as the daemon's default.
const DUMMY_BUFFER: usize = 256;

/// A server running on its own thread in this process.
pub struct InProcessServer {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stopped: mpsc::Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl InProcessServer {
    /// A server with the daemon's default engine options (no inputs, two outputs), whose
    /// registry also gets what `register` registers.
    pub fn start(register: impl FnOnce(&mut Registry) + Send + 'static) -> InProcessServer {
        InProcessServer::start_with(EngineOptions { inputs: 0, outputs: 2, ..EngineOptions::default() }, register)
    }

    /// A server with these engine options.
    pub fn start_with(
        options: EngineOptions,
        register: impl FnOnce(&mut Registry) + Send + 'static,
    ) -> InProcessServer {
        InProcessServer::start_serving(options, register, 0).0
    }

    /// A server with the daemon's default engine options that reads MIDI, with `inputs`
    /// device inputs the test feeds (device numbers 0, 1, ...), given in that order.
    pub fn start_with_midi(inputs: usize) -> (InProcessServer, Vec<MidiFeed>) {
        let options = EngineOptions { inputs: 0, outputs: 2, ..EngineOptions::default() };
        InProcessServer::start_serving(options, |_| {}, inputs)
    }

    fn start_serving(
        options: EngineOptions,
        register: impl FnOnce(&mut Registry) + Send + 'static,
        midi_inputs: usize,
    ) -> (InProcessServer, Vec<MidiFeed>) {
        let (addr_tx, addr_rx) = mpsc::channel::<(SocketAddr, Vec<MidiFeed>)>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let (stopped_tx, stopped_rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("oscine-network".into())
            .spawn(move || {
                let mut registry = Registry::with_builtins();
                test_defs::register(&mut registry);
                register(&mut registry);
                let mut driver = DummyDriver::new(options.sample_rate, options.inputs, options.outputs, DUMMY_BUFFER);
                let parts = build(options, registry).expect("the engine builds");
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the network runtime starts");
                let bind = ServerOptions::new("127.0.0.1:0".parse().unwrap());
                let mut server = runtime.block_on(Server::bind(&bind, parts.handle)).expect("bind 127.0.0.1:0");
                let mut feeds = Vec::new();
                if midi_inputs > 0 {
                    let mut inputs = MidiInputs::new().expect("an eventfd for MIDI");
                    feeds = (0..midi_inputs).map(|k| inputs.open_fed(&format!("test input {k}")).1).collect();
                    server = server.with_midi(MidiService::with_default_latency(inputs));
                }
                let addr = server.local_addr().expect("a bound address");
                driver.start(parts.engine).expect("the dummy driver starts");
                addr_tx.send((addr, feeds)).expect("the test waits for the address");
                // Serves until /quit, or until the test drops the server (and the sender).
                let handle = runtime.block_on(server.run(async {
                    let _ = stop_rx.await;
                }));
                driver.stop();
                drop(handle);
                parts.workers.join();
                let _ = stopped_tx.send(());
            })
            .expect("cannot start the server thread");
        let (addr, feeds) = match addr_rx.recv_timeout(START_TIMEOUT) {
            Ok(started) => started,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("the in-process server did not start within {START_TIMEOUT:?}")
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = thread.join().err().map(|e| panic_text(&*e)).unwrap_or_default();
                panic!("the in-process server failed to start: {why}")
            }
        };
        (InProcessServer { addr, stop: Some(stop_tx), stopped: stopped_rx, thread: Some(thread) }, feeds)
    }

    /// A new client with its own socket (so its own client id on the server).
    pub fn client(&self) -> Client {
        Client::new(self.addr)
    }
}

impl Drop for InProcessServer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if std::thread::panicking() {
            // A failing test may still hold a gate a worker waits on; it is dropped after
            // the server, and the thread then finishes on its own.
            return;
        }
        match self.stopped.recv_timeout(STOP_TIMEOUT) {
            Ok(()) => {
                if let Some(thread) = self.thread.take() {
                    thread.join().expect("the server thread ends");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let why = self.thread.take().and_then(|t| t.join().err()).map(|e| panic_text(&*e));
                panic!("the in-process server thread panicked: {}", why.unwrap_or_default());
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("the in-process server did not stop within {STOP_TIMEOUT:?} (a construct still waiting?)")
            }
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}
