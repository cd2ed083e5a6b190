use std::sync::Arc;

use rtrb::RingBuffer;

use oscine_plugin_api::World;

use super::{Engine, EngineOptions, EngineStatus, OptionsError};
use crate::control::{EngineHandle, Registry};
use crate::workers::WorkerPool;

/// The three parts an engine is made of: the audio thread's state, the non-realtime
/// handle that talks to it, and the worker pool.
pub struct EngineParts {
    /// Give this to a driver.
    pub engine: Engine,
    /// Keep this on the control side (the network thread).
    pub handle: EngineHandle,
    /// Join this after the driver has stopped.
    pub workers: WorkerPool,
}

/// Why an engine could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// An option is out of range.
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// A worker thread could not be started.
    #[error("cannot start worker threads: {0}")]
    Workers(#[from] std::io::Error),
}

/// Allocates everything an engine needs for `options` and connects the parts.
///
/// Context: NRT.
pub fn build(options: EngineOptions, registry: Registry) -> Result<EngineParts, BuildError> {
    options.validate()?;
    let (command_tx, command_rx) = RingBuffer::new(options.command_queue_capacity);
    let (event_tx, event_rx) = RingBuffer::new(options.event_queue_capacity);
    // Each worker queue alone can take back every Synth the tree can hold plus a full
    // command queue's worth, so the audio thread's reserve check rarely has to wait.
    let worker_capacity =
        2 * options.max_nodes + 2 * options.max_resources + options.command_queue_capacity.min(1024) + 64;
    let registry = Arc::new(registry);
    let world = World { sample_rate: options.sample_rate, block_size: options.block_size };
    let (workers, links) = WorkerPool::start(options.workers, worker_capacity, Arc::clone(&registry), world)?;
    let status = Arc::new(EngineStatus::default());
    let def_names = registry.resource_defs().iter().map(|d| d.name().into()).collect();
    let engine = Engine::new(&options, command_rx, event_tx, links, Arc::clone(&status), def_names);
    let handle = EngineHandle::new(options, registry, command_tx, event_rx, status);
    Ok(EngineParts { engine, handle, workers })
}
