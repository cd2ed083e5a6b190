//! The worker pool: non-realtime threads that take jobs from the audio thread and report
//! back, each through its own pair of FIFOs. It knows only the engine's worker protocol
//! (`Job`, `WorkerResult`, the FIFO ends); each job carries the ResourceDef it runs.
//! Context: NRT (the worker threads).

mod worker_pool;
mod worker_seat;

pub use worker_pool::WorkerPool;
