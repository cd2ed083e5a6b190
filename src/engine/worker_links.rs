//! The worker queues: one job FIFO and one result FIFO per worker, made here so the engine
//! owns both ends of its worker protocol.

use rtrb::{Consumer, Producer, RingBuffer};

use super::{Job, WorkerResult};

/// The audio thread's ends of the worker FIFOs.
///
/// Context: RT after construction.
pub(crate) struct WorkerLinks {
    jobs: Vec<Producer<Job>>,
    results: Vec<Consumer<WorkerResult>>,
    next: usize,
}

/// One worker's ends of its FIFOs: jobs from the audio thread, results back to it.
///
/// Context: NRT (the worker thread that owns it).
pub struct WorkerEnds {
    /// Jobs from the audio thread, in the order it dispatched them.
    pub jobs: Consumer<Job>,
    /// Results for the audio thread, collected at the start of every block.
    pub results: Producer<WorkerResult>,
}

/// Makes the FIFOs for `workers` workers, each with room for `capacity` jobs and as many
/// results. Context: NRT (allocates).
pub(crate) fn worker_queues(workers: usize, capacity: usize) -> (WorkerLinks, Vec<WorkerEnds>) {
    let mut links = WorkerLinks { jobs: Vec::with_capacity(workers), results: Vec::with_capacity(workers), next: 0 };
    let mut ends = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (job_tx, job_rx) = RingBuffer::<Job>::new(capacity);
        let (result_tx, result_rx) = RingBuffer::<WorkerResult>::new(capacity);
        links.jobs.push(job_tx);
        links.results.push(result_rx);
        ends.push(WorkerEnds { jobs: job_rx, results: result_tx });
    }
    (links, ends)
}

impl WorkerLinks {
    /// Free job slots across all workers. Context: RT.
    pub(crate) fn free_slots(&self) -> usize {
        self.jobs.iter().map(|p| p.slots()).sum()
    }

    /// Hands a job to the next worker with room, round robin; gives it back if every
    /// queue is full. Context: RT.
    pub(crate) fn dispatch(&mut self, job: Job) -> Result<(), Job> {
        let n = self.jobs.len();
        let mut job = job;
        for i in 0..n {
            let w = (self.next + i) % n;
            match self.jobs[w].push(job) {
                Ok(()) => {
                    self.next = (w + 1) % n;
                    return Ok(());
                }
                Err(rtrb::PushError::Full(back)) => job = back,
            }
        }
        Err(job)
    }

    /// The next result any worker has posted. Context: RT.
    pub(crate) fn pop_result(&mut self) -> Option<WorkerResult> {
        self.results.iter_mut().find_map(|r| r.pop().ok())
    }
}
