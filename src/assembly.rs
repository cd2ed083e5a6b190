//! Putting an engine together: the one place that wires the audio thread's state, the
//! worker pool, the registry and the control side's handle. Context: NRT.

use std::sync::Arc;

use rtrb::RingBuffer;

use crate::control::{EngineHandle, Registry};
use crate::engine::{report_boxes, worker_queues, Engine, EngineOptions, EngineStatus, EventSignal, OptionsError};
use crate::workers::WorkerPool;

/// The three parts an engine is made of: the audio thread's state, the non-realtime
/// handle that talks to it, and the worker pool.
#[non_exhaustive]
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
#[non_exhaustive]
pub enum BuildError {
    /// An option is out of range.
    #[error(transparent)]
    Options(#[from] OptionsError),
    /// A worker thread could not be started.
    #[error("cannot start worker threads: {0}")]
    Workers(#[from] std::io::Error),
    /// The audio thread's signal to the network thread (an eventfd) could not be opened.
    #[error("cannot open the event signal: {0}")]
    Signal(std::io::Error),
}

/// Allocates everything an engine needs for `options` and connects the parts.
///
/// ```
/// use oscine::control::Registry;
/// use oscine::engine::EngineOptions;
///
/// let parts = oscine::build(EngineOptions::default(), Registry::with_builtins()).unwrap();
/// assert_eq!(parts.engine.world().block_size, 64);
/// drop(parts.engine);
/// parts.workers.join();
/// ```
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
    let world = options.world();
    let signal = Arc::new(EventSignal::new().map_err(BuildError::Signal)?);
    let (mut links, queues) = worker_queues(options.workers, worker_capacity);
    let status = Arc::new(EngineStatus::default());
    let workers = WorkerPool::start(queues, world, options.job_deadline, Arc::clone(&status))?;
    links.attach(workers.threads());
    let (box_supply, boxes) = report_boxes();
    let engine = Engine::new(&options, command_rx, event_tx, Arc::clone(&signal), links, Arc::clone(&status), boxes);
    let handle = EngineHandle::new(options, registry, command_tx, event_rx, signal, status, box_supply);
    Ok(EngineParts { engine, handle, workers })
}
