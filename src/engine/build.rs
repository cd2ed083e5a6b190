use std::sync::Arc;

use rtrb::RingBuffer;

use super::{Engine, EngineOptions, EngineStatus, OptionsError};
use crate::control::{EngineHandle, SynthDefRegistry};
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
pub fn build(options: EngineOptions, registry: SynthDefRegistry) -> Result<EngineParts, BuildError> {
    options.validate()?;
    let (command_tx, command_rx) = RingBuffer::new(options.command_queue_capacity);
    let (event_tx, event_rx) = RingBuffer::new(options.event_queue_capacity);
    // Each worker queue alone can take back every Synth the tree can hold plus a full
    // command queue's worth, so the audio thread's reserve check rarely has to wait.
    let worker_capacity = 2 * options.max_nodes + options.command_queue_capacity.min(1024) + 64;
    let (workers, links) = WorkerPool::start(options.workers, worker_capacity)?;
    let status = Arc::new(EngineStatus::default());
    let engine = Engine::new(&options, command_rx, event_tx, links, Arc::clone(&status));
    let handle = EngineHandle::new(options, Arc::new(registry), command_tx, event_rx, status);
    Ok(EngineParts { engine, handle, workers })
}
