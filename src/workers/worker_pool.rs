use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use oscine_plugin_api::{Resource, World};

use crate::engine::{Job, ResourceDefs, WorkerEnds, WorkerResult};

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

impl WorkerPool {
    /// Starts one thread per pair of FIFO ends. Context: NRT.
    pub fn start(queues: Vec<WorkerEnds>, defs: ResourceDefs, world: World) -> std::io::Result<WorkerPool> {
        let mut threads = Vec::with_capacity(queues.len());
        for (index, ends) in queues.into_iter().enumerate() {
            let thread = std::thread::Builder::new().name(format!("oscine-worker-{index}")).spawn({
                let defs = defs.clone();
                move || run_worker(ends, &defs, &world)
            })?;
            threads.push(thread);
        }
        Ok(WorkerPool { threads })
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
fn run_worker(ends: WorkerEnds, defs: &ResourceDefs, world: &World) {
    let WorkerEnds { mut jobs, mut results } = ends;
    let mut idle = IDLE_POLL;
    loop {
        match jobs.pop() {
            Ok(job) => {
                idle = IDLE_POLL;
                let result = run_job(job, defs, world);
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
fn run_job(job: Job, defs: &ResourceDefs, world: &World) -> WorkerResult {
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
            let result = match defs.get(def) {
                Some(def) => catch_unwind(AssertUnwindSafe(|| def.construct(world, &args)))
                    .map_err(panic_reason)
                    .and_then(|r| r.map_err(|e| e.reason().into())),
                None => Err("unknown resource definition".into()),
            };
            WorkerResult::Constructed { id, result }
        }
        Job::Destroy { id, def, resource } => {
            if let Some(def) = defs.get(def) {
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| def.destroy(resource))) {
                    tracing::error!("destroying resource {id}: {}", panic_reason(payload));
                }
            }
            WorkerResult::Destroyed { id }
        }
        Job::Perform { slot, def, operation, resources, args } => {
            let held: Vec<Arc<dyn Resource>> = resources.into_iter().flatten().collect();
            let result = match defs.get(def) {
                Some(d) => catch_unwind(AssertUnwindSafe(|| d.perform(world, usize::from(operation), &held, &args)))
                    .map_err(panic_reason)
                    .and_then(|r| r.map(Vec::into_boxed_slice).map_err(|e| e.reason().into())),
                None => Err("unknown resource definition".into()),
            };
            // The references are dropped here, on the worker; the audio thread only
            // releases its holder counts.
            drop(held);
            WorkerResult::Performed { slot, result }
        }
    }
}
