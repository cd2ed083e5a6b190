use crate::engine::Garbage;

/// Work the audio thread hands to a worker.
#[derive(Debug)]
pub enum Job {
    /// Drop something the audio thread must not free itself.
    Drop(Garbage),
}

/// What a worker reports back to the audio thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerResult {
    /// A [`Job::Drop`] finished.
    Dropped,
}
