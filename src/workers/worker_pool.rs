use std::thread::JoinHandle;
use std::time::Duration;

use rtrb::{Consumer, Producer, RingBuffer};

use super::{Job, WorkerResult};

/// How long an idle worker sleeps before looking at its queue again. The audio thread
/// never wakes a worker (that would be a system call on the audio thread), so this bounds
/// the latency of non-realtime work.
const IDLE_POLL: Duration = Duration::from_micros(500);

/// The worker threads. Each has a job FIFO from the audio thread and a result FIFO back.
///
/// Context: created and joined on NRT threads. A worker exits once the audio thread's
/// end of its FIFO is gone and every job is done, so joining after the engine is dropped
/// drains everything.
pub struct WorkerPool {
    threads: Vec<JoinHandle<()>>,
}

/// The audio thread's ends of the worker FIFOs.
///
/// Context: RT after construction.
pub struct WorkerLinks {
    jobs: Vec<Producer<Job>>,
    results: Vec<Consumer<WorkerResult>>,
    next: usize,
}

impl WorkerPool {
    /// Starts `workers` threads, each with room for `capacity` queued jobs. Context: NRT.
    pub fn start(workers: usize, capacity: usize) -> std::io::Result<(WorkerPool, WorkerLinks)> {
        let mut threads = Vec::with_capacity(workers);
        let mut jobs = Vec::with_capacity(workers);
        let mut results = Vec::with_capacity(workers);
        for index in 0..workers {
            let (job_tx, job_rx) = RingBuffer::<Job>::new(capacity);
            let (result_tx, result_rx) = RingBuffer::<WorkerResult>::new(capacity);
            let thread = std::thread::Builder::new()
                .name(format!("oscine-worker-{index}"))
                .spawn(move || run_worker(job_rx, result_tx))?;
            threads.push(thread);
            jobs.push(job_tx);
            results.push(result_rx);
        }
        Ok((WorkerPool { threads }, WorkerLinks { jobs, results, next: 0 }))
    }

    /// Waits for every worker to finish. Call after the engine (and its links) is dropped.
    /// Context: NRT.
    pub fn join(self) {
        for thread in self.threads {
            if thread.join().is_err() {
                tracing::error!("a worker thread panicked");
            }
        }
    }
}

// Context: NRT (a worker thread).
fn run_worker(mut jobs: Consumer<Job>, mut results: Producer<WorkerResult>) {
    loop {
        match jobs.pop() {
            Ok(job) => {
                let result = match job {
                    Job::Drop(garbage) => {
                        drop(garbage);
                        WorkerResult::Dropped
                    }
                };
                // The result FIFO is as large as the job FIFO, and the audio thread drains
                // it every block; if it is full anyway, wait rather than lose the result.
                let mut pending = result;
                while let Err(rtrb::PushError::Full(back)) = results.push(pending) {
                    if results.is_abandoned() {
                        break;
                    }
                    pending = back;
                    std::thread::sleep(IDLE_POLL);
                }
            }
            Err(_) if jobs.is_abandoned() => return,
            Err(_) => std::thread::sleep(IDLE_POLL),
        }
    }
}

impl WorkerLinks {
    /// Free job slots across all workers. Context: RT.
    pub fn free_slots(&self) -> usize {
        self.jobs.iter().map(|p| p.slots()).sum()
    }

    /// Hands a job to the next worker with room, round robin; gives it back if every
    /// queue is full. Context: RT.
    pub fn dispatch(&mut self, job: Job) -> Result<(), Job> {
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

    /// Takes every result the workers have posted, passing each to `handle`. Context: RT.
    pub fn drain_results(&mut self, mut handle: impl FnMut(WorkerResult)) {
        for results in &mut self.results {
            while let Ok(result) = results.pop() {
                handle(result);
            }
        }
    }
}
