//! The worker pool: non-realtime threads that take jobs from the audio thread and report
//! back, each through its own pair of FIFOs.

mod job;
mod worker_pool;

pub use job::{Job, WorkerResult};
pub use worker_pool::{WorkerLinks, WorkerPool};
