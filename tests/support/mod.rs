//! Shared test harness: an engine on the manual driver with a few exact test SynthDefs.
#![allow(dead_code)]

pub mod alloc_counter;
pub mod in_process;
#[cfg(feature = "jack")]
pub mod jackd;
pub mod plugin_build;
pub mod scgf;
pub mod scsynth_nrt;
pub mod server;
pub mod tcp_client;
pub mod temp_dir;
pub mod test_defs;

use oscine::build;
use oscine::control::{ControlKey, EngineHandle, Registry};
use oscine::drivers::ManualDriver;
use oscine::engine::{AddAction, ClientId, Command, EngineOptions, Event, NodeId};
use oscine::workers::WorkerPool;
use oscine_plugin_api::Registrar;

pub const CLIENT: ClientId = ClientId(7);

/// An engine stepped block by block from the test thread.
pub struct TestEngine {
    pub handle: EngineHandle,
    pub driver: ManualDriver,
    pub workers: Option<WorkerPool>,
    pub events: Vec<Event>,
}

impl TestEngine {
    pub fn new(options: EngineOptions) -> Self {
        Self::with_registry(options, |_| {})
    }

    /// An engine whose registry also gets what `extra` registers.
    pub fn with_registry(options: EngineOptions, extra: impl FnOnce(&mut Registry)) -> Self {
        let mut registry = Registry::with_builtins();
        test_defs::register(&mut registry);
        extra(&mut registry);
        let parts = build(options, registry).expect("engine builds");
        TestEngine {
            handle: parts.handle,
            driver: ManualDriver::with_engine(parts.engine),
            workers: Some(parts.workers),
            events: Vec::new(),
        }
    }

    pub fn small() -> Self {
        Self::new(EngineOptions {
            block_size: 8,
            outputs: 2,
            inputs: 1,
            max_audio_buses: 8,
            max_nodes: 16,
            ..Default::default()
        })
    }

    pub fn send(&mut self, command: Command) {
        self.handle.send(command).expect("command queue has room");
    }

    pub fn group(&mut self, id: NodeId, target: NodeId, action: AddAction) {
        self.send(Command::GroupNew { client: CLIENT, id, target, action });
    }

    pub fn synth(&mut self, def: &str, id: NodeId, target: NodeId, action: AddAction, controls: &[(&str, f32)]) {
        let initial: Vec<_> = controls.iter().map(|(n, v)| (ControlKey::Name(n), *v)).collect();
        let synth = self.handle.build_synth(def, &initial).expect("synth builds");
        self.send(Command::SynthNew { client: CLIENT, id, target, action, activate: true, synth });
    }

    /// Renders blocks and collects events; returns every output channel.
    pub fn render(&mut self, blocks: usize) -> Vec<Vec<f32>> {
        let out = self.driver.render(blocks);
        self.collect_events();
        out
    }

    pub fn collect_events(&mut self) {
        while let Some(e) = self.handle.poll_event() {
            self.events.push(e);
        }
    }

    pub fn take_events(&mut self) -> Vec<Event> {
        self.collect_events();
        std::mem::take(&mut self.events)
    }

    pub fn errors(&mut self) -> Vec<oscine::engine::EngineError> {
        self.take_events()
            .into_iter()
            .filter_map(|e| match e {
                Event::Error { error, .. } => Some(error),
                _ => None,
            })
            .collect()
    }

    /// Stops the driver and drains the workers.
    pub fn shutdown(mut self) {
        self.driver = ManualDriver::new(self.driver_config());
        if let Some(w) = self.workers.take() {
            w.join();
        }
    }

    fn driver_config(&self) -> oscine::drivers::DriverConfig {
        use oscine::drivers::Driver;
        self.driver.config()
    }
}

pub fn registrar_names(registry: &Registry) -> Vec<String> {
    registry.entries().iter().map(|e| e.name().to_owned()).collect()
}

pub fn _assert_registrar<R: Registrar>() {}
