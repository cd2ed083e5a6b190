use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use oscine_plugin_api::{Resource, World};
use rtrb::{Consumer, Producer, RingBuffer};

use super::{Job, WorkerResult};
use crate::control::Registry;

/// How long a worker that just finished a job sleeps before looking at its queue again.
/// The audio thread never wakes a worker (that would be a system call on the audio
/// thread), so workers poll; each empty look doubles the sleep up to [`IDLE_POLL_MAX`],
/// which bounds how late an idle worker notices new work while keeping an idle server
/// nearly asleep.
const IDLE_POLL: Duration = Duration::from_micros(100);

/// The longest sleep between looks at an empty queue.
const IDLE_POLL_MAX: Duration = Duration::from_millis(2);

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
    pub fn start(
        workers: usize,
        capacity: usize,
        registry: Arc<Registry>,
        world: World,
    ) -> std::io::Result<(WorkerPool, WorkerLinks)> {
        let mut threads = Vec::with_capacity(workers);
        let mut jobs = Vec::with_capacity(workers);
        let mut results = Vec::with_capacity(workers);
        for index in 0..workers {
            let (job_tx, job_rx) = RingBuffer::<Job>::new(capacity);
            let (result_tx, result_rx) = RingBuffer::<WorkerResult>::new(capacity);
            let thread = std::thread::Builder::new().name(format!("oscine-worker-{index}")).spawn({
                let registry = Arc::clone(&registry);
                move || run_worker(job_rx, result_tx, &registry, &world)
            })?;
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
fn run_worker(mut jobs: Consumer<Job>, mut results: Producer<WorkerResult>, registry: &Registry, world: &World) {
    let mut idle = IDLE_POLL;
    loop {
        match jobs.pop() {
            Ok(job) => {
                idle = IDLE_POLL;
                let result = run_job(job, registry, world);
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
            // Seeing the audio side gone also shows every job it pushed before (rtrb 0.4),
            // so one pushed between the failed pop and this check is still run.
            Err(_) if jobs.is_abandoned() => {
                if jobs.is_empty() {
                    return;
                }
            }
            Err(_) => {
                std::thread::sleep(idle);
                idle = (idle * 2).min(IDLE_POLL_MAX);
            }
        }
    }
}

/// Runs one job. Plugin callbacks that panic become failures with a reason, so the
/// worker lives on and the audio thread always hears back.
// Context: NRT (a worker thread).
fn run_job(job: Job, registry: &Registry, world: &World) -> WorkerResult {
    fn panic_reason(payload: Box<dyn std::any::Any + Send>) -> Box<str> {
        let text = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        format!("plugin panicked: {text}").into()
    }
    match job {
        Job::Drop(garbage) => {
            drop(garbage);
            WorkerResult::Dropped
        }
        Job::Construct { id, def, args } => {
            let result = match registry.resource_def(def) {
                Some(def) => catch_unwind(AssertUnwindSafe(|| def.construct(world, &args)))
                    .map_err(panic_reason)
                    .and_then(|r| r.map_err(|e| e.reason.into())),
                None => Err("unknown resource definition".into()),
            };
            WorkerResult::Constructed { id, result }
        }
        Job::Destroy { id, def, resource } => {
            if let Some(def) = registry.resource_def(def) {
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| def.destroy(resource))) {
                    tracing::error!("destroying resource {id}: {}", panic_reason(payload));
                }
            }
            WorkerResult::Destroyed { id }
        }
        Job::Perform { slot, def, operation, resources, args } => {
            let held: Vec<Arc<dyn Resource>> = resources.into_iter().flatten().collect();
            let result = match registry.resource_def(def) {
                Some(d) => match d.operations().get(operation as usize) {
                    Some(op) => catch_unwind(AssertUnwindSafe(|| d.perform(world, op.name, &held, &args)))
                        .map_err(panic_reason)
                        .and_then(|r| r.map(Vec::into_boxed_slice).map_err(|e| e.reason.into())),
                    None => Err("unknown operation".into()),
                },
                None => Err("unknown resource definition".into()),
            };
            // The references are dropped here, on the worker; the audio thread only
            // releases its holder counts.
            drop(held);
            WorkerResult::Performed { slot, result }
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

    /// The next result any worker has posted. Context: RT.
    pub fn pop_result(&mut self) -> Option<WorkerResult> {
        self.results.iter_mut().find_map(|r| r.pop().ok())
    }
}
