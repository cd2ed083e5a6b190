//! The worker threads and the jobs they run.
//!
//! Context: NRT: `WorkerPool`'s methods run on the thread that builds and tears down the
//! engine; `run_worker` and `run_job` on the worker threads; `watch` on the watchdog
//! thread.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use oscine_plugin_api::{Resource, World};

use super::worker_seat::WorkerSeat;
use crate::engine::{EngineStatus, Job, JobTag, ResourceDefRef, WorkerEnds, WorkerResult};

/// The worker threads. Each has a job FIFO from the audio thread and a result FIFO back,
/// and sleeps (parked) while it has nothing to do: the audio thread wakes it at the end of
/// a block that handed it work (`WorkerEnds::next_job`).
///
/// Every job has a deadline. A watchdog thread looks at each worker's seat a few times
/// per deadline; a job that has run longer is answered for (a construct or an operation
/// fails as timed out, so its client hears back and its `/sync` is answered), and a new
/// thread takes the queue over, while the stuck one is left to finish (its late result
/// is dropped, and a Resource it built destroyed) or hang.
///
/// Context: created and joined on NRT threads. A worker exits once the audio thread's
/// end of its FIFO is gone and every job is done, so joining after the engine is dropped
/// drains everything.
///
/// A worker holds no table of definitions: every job that runs a ResourceDef's code
/// carries that ResourceDef, so a ResourceDef registered while the server runs is run
/// like any other, and one the registry no longer offers still serves the Resources it
/// built.
pub struct WorkerPool {
    threads: Vec<Thread>,
    watchdog: JoinHandle<()>,
    stop: Sender<()>,
}

/// What every worker thread and the watchdog share.
#[derive(Clone)]
struct Shared {
    world: World,
    deadline: Duration,
    status: Arc<EngineStatus>,
}

impl WorkerPool {
    /// Starts one thread per pair of FIFO ends, and the watchdog that holds their jobs to
    /// `deadline`, counting in `status` the jobs that overran it. Context: NRT.
    pub fn start(
        queues: Vec<WorkerEnds>,
        world: World,
        deadline: Duration,
        status: Arc<EngineStatus>,
    ) -> std::io::Result<WorkerPool> {
        let shared = Shared { world, deadline, status };
        let epoch = Instant::now();
        let mut seats = Vec::with_capacity(queues.len());
        let mut workers = Vec::with_capacity(queues.len());
        for (index, ends) in queues.into_iter().enumerate() {
            let seat = Arc::new(WorkerSeat::new(epoch));
            workers.push(spawn_worker(index, Box::new(ends), Arc::clone(&seat), shared.clone())?);
            seats.push(seat);
        }
        let threads = workers.iter().map(|w| w.thread().clone()).collect();
        let (stop, stopped) = crossbeam_channel::bounded(1);
        let watchdog = std::thread::Builder::new()
            .name("oscine-watchdog".into())
            .spawn(move || watch(workers, &seats, &shared, &stopped))?;
        Ok(WorkerPool { threads, watchdog, stop })
    }

    /// The worker threads, in the order of the queues given to [`start`](Self::start): for
    /// the audio thread's end of the queues, which wakes them. Context: NRT.
    pub(crate) fn threads(&self) -> impl Iterator<Item = Thread> + '_ {
        self.threads.iter().cloned()
    }

    /// Waits for every worker to finish (one stuck past its deadline is replaced, and the
    /// stuck thread is not waited for). Call after the engine (and its links) is dropped.
    /// Context: NRT.
    pub fn join(self) {
        drop(self.stop);
        if self.watchdog.join().is_err() {
            tracing::error!("the worker watchdog panicked");
        }
    }
}

fn spawn_worker(
    index: usize,
    ends: Box<WorkerEnds>,
    seat: Arc<WorkerSeat>,
    shared: Shared,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new().name(format!("oscine-worker-{index}")).spawn(move || run_worker(ends, &seat, &shared))
}

/// The watchdog: answers for overdue jobs and replaces their threads, until it is told to
/// stop and every worker has finished.
// Context: NRT (the watchdog thread).
fn watch(mut workers: Vec<JoinHandle<()>>, seats: &[Arc<WorkerSeat>], shared: &Shared, stopped: &Receiver<()>) {
    let tick = (shared.deadline / 8).clamp(Duration::from_millis(1), Duration::from_millis(100));
    let mut stopping = false;
    loop {
        if !stopping {
            stopping = !matches!(stopped.recv_timeout(tick), Err(crossbeam_channel::RecvTimeoutError::Timeout));
        } else {
            std::thread::sleep(tick.min(Duration::from_millis(5)));
        }
        for (index, seat) in seats.iter().enumerate() {
            let Some((mut ends, job)) = seat.take_overdue(shared.deadline) else { continue };
            shared.status.add_job_timed_out();
            tracing::error!(
                "worker {index}: {job} did not finish within {:?}; it is answered as timed out and a new thread \
                 takes over the worker's queue",
                shared.deadline
            );
            ends.post(job.timed_out(shared.deadline));
            match spawn_worker(index, ends, Arc::clone(seat), shared.clone()) {
                // The stuck thread is detached: it ends when its job does, if ever.
                Ok(handle) => workers[index] = handle,
                Err(e) => tracing::error!("worker {index}: cannot start a new thread: {e}"),
            }
        }
        if stopping && workers.iter().all(JoinHandle::is_finished) {
            for worker in workers {
                if worker.join().is_err() {
                    tracing::error!("a worker thread panicked");
                }
            }
            return;
        }
    }
}

// Context: NRT (a worker thread).
fn run_worker(mut ends: Box<WorkerEnds>, seat: &WorkerSeat, shared: &Shared) {
    ends.serve_from(std::thread::current());
    // Parks while there is no job; returns once the engine is gone and the queue is empty.
    while let Some(job) = ends.next_job() {
        let tag = job.tag();
        seat.leave(ends, tag);
        let (result, constructed_by) = run_job(job, &shared.world);
        let Some(back) = seat.take() else {
            // The watchdog answered for this job and gave the queue to another thread.
            discard_late(tag, result, constructed_by);
            return;
        };
        if let Some(def) = constructed_by {
            drop_def(def);
        }
        ends = back;
        // Parks while the result FIFO is full, rather than lose the result.
        ends.post(result);
    }
}

/// A result the watchdog already answered for, as timed out: nobody will take it. A
/// Resource built that late is destroyed by its ResourceDef, as any Resource is at its
/// end, and the rest is dropped.
// Context: NRT (a worker thread).
fn discard_late(tag: JobTag, result: WorkerResult, constructed_by: Option<ResourceDefRef>) {
    match (result, constructed_by) {
        (WorkerResult::Constructed { id, result: Ok(resource) }, Some(def)) => {
            match catch_unwind(AssertUnwindSafe(|| def.code.destroy(resource))) {
                Ok(()) => tracing::warn!("{tag} finished after its deadline; the Resource it built was destroyed"),
                Err(payload) => {
                    tracing::error!("destroying resource {id}, built after its deadline: {}", panic_reason(payload))
                }
            }
            drop_def(def);
        }
        (result, def) => {
            tracing::warn!("{tag} finished after its deadline; its result is dropped");
            drop(result);
            if let Some(def) = def {
                drop_def(def);
            }
        }
    }
}

/// Runs one job, with the ResourceDef it carries, which is dropped here once the job is
/// done, except a construct's: that one comes back with the result, for the caller to
/// drop once the result is on its way (or to destroy a Resource nobody waits for any
/// more). Plugin callbacks that panic become failures with a reason, so the worker lives
/// on and the audio thread always hears back.
// Context: NRT (a worker thread).
fn run_job(job: Job, world: &World) -> (WorkerResult, Option<ResourceDefRef>) {
    match job {
        Job::Drop(garbage) => {
            // The last reference to a Resource (or a Synth's state) may run a plugin's
            // `Drop`; a panic there is logged and the worker lives on.
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(garbage))) {
                tracing::error!("dropping what the audio thread let go of: {}", panic_reason(payload));
            }
            (WorkerResult::Dropped, None)
        }
        Job::Construct { id, def, args } => {
            let result = catch_unwind(AssertUnwindSafe(|| def.code.construct(world, &args)))
                .map_err(panic_reason)
                .and_then(|r| r.map_err(|e| e.reason().into()));
            (WorkerResult::Constructed { id, result }, Some(def))
        }
        Job::Destroy { id, def, resource } => {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| def.code.destroy(resource))) {
                tracing::error!("destroying resource {id}: {}", panic_reason(payload));
            }
            drop_def(def);
            (WorkerResult::Destroyed { id }, None)
        }
        Job::Perform { slot, def, operation, resources, args } => {
            let held: Vec<Arc<dyn Resource>> = resources.into_iter().flatten().collect();
            let result =
                catch_unwind(AssertUnwindSafe(|| def.code.perform(world, usize::from(operation), &held, &args)))
                    .map_err(panic_reason)
                    .and_then(|r| r.map(Vec::into_boxed_slice).map_err(|e| e.reason().into()));
            // The references are dropped here, on the worker; the audio thread only
            // releases its holder counts.
            drop(held);
            drop_def(def);
            (WorkerResult::Performed { slot, result }, None)
        }
    }
}

/// Drops a job's reference to its ResourceDef. The last one runs the ResourceDef's own
/// destructor, a plugin's code: a panic there is logged and the worker lives on.
// Context: NRT (a worker thread).
fn drop_def(def: ResourceDefRef) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(def))) {
        tracing::error!("dropping a resource definition: {}", panic_reason(payload));
    }
}

fn panic_reason(payload: Box<dyn std::any::Any + Send>) -> Box<str> {
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    format!("plugin panicked: {text}").into()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::{Duration, Instant};

    use std::sync::Mutex;

    use oscine_plugin_api::{PluginError, Resource, ResourceArg, ResourceDef, ResourceDefInfo};

    use super::*;
    use crate::engine::{worker_queues, Garbage, ResourceDefId, ResourceIds, WorkerLinks};

    /// Plays the audio thread until one result comes back.
    fn next_result(links: &mut WorkerLinks) -> WorkerResult {
        links.wake();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(result) = links.pop_result() {
                return result;
            }
            assert!(Instant::now() < deadline, "no result from the worker");
            links.wake();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// A ResourceDef that is in no table: it logs what it runs, and the thread that drops
    /// it.
    struct Carried(Arc<Mutex<Vec<String>>>);
    struct Built;
    impl Resource for Built {}
    impl ResourceDef for Carried {
        fn info(&self) -> ResourceDefInfo {
            ResourceDefInfo::new("carried", oscine_plugin_api::Mutability::Mutable)
        }
        fn construct(&self, _: &World, _: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
            self.0.lock().unwrap().push("construct".into());
            Ok(Arc::new(Built))
        }
        fn destroy(&self, _: Arc<dyn Resource>) {
            self.0.lock().unwrap().push("destroy".into());
        }
        fn perform(
            &self,
            _: &World,
            operation: usize,
            resources: &[Arc<dyn Resource>],
            _: &[ResourceArg],
        ) -> Result<Vec<ResourceArg>, PluginError> {
            self.0.lock().unwrap().push(format!("perform {operation} on {}", resources.len()));
            Ok(vec![ResourceArg::Int(42)])
        }
    }
    impl Drop for Carried {
        fn drop(&mut self) {
            let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
            self.0.lock().unwrap().push(format!("dropped on {thread}"));
        }
    }

    #[test]
    fn jobs_run_the_resource_def_they_carry_and_a_worker_drops_it() {
        let (mut links, queues) = worker_queues(1, 8);
        let world = World::new(48_000.0, 64);
        let pool = WorkerPool::start(queues, world, Duration::from_secs(60), Arc::default()).unwrap();
        links.attach(pool.threads());
        let log = Arc::new(Mutex::new(Vec::new()));
        // No registry, no table: an id nothing else knows.
        let def = ResourceDefRef::new(ResourceDefId(u32::MAX), Arc::new(Carried(Arc::clone(&log))));

        assert!(links.dispatch(Job::Construct { id: 7, def: def.clone(), args: Box::new([]) }).is_ok());
        let WorkerResult::Constructed { id: 7, result: Ok(resource) } = next_result(&mut links) else {
            panic!("the construct failed");
        };
        let mut resources: [Option<Arc<dyn Resource>>; ResourceIds::CAPACITY] = Default::default();
        resources[0] = Some(Arc::clone(&resource));
        let perform = Job::Perform { slot: 3, def: def.clone(), operation: 1, resources, args: Box::new([]) };
        assert!(links.dispatch(perform).is_ok());
        let WorkerResult::Performed { slot: 3, result: Ok(values) } = next_result(&mut links) else {
            panic!("the operation failed");
        };
        assert_eq!(values.len(), 1);
        assert_eq!(values[0].as_int(), Some(42));
        // The last reference goes with the destroy.
        assert!(links.dispatch(Job::Destroy { id: 7, def, resource }).is_ok());
        assert!(matches!(next_result(&mut links), WorkerResult::Destroyed { id: 7 }));
        assert_eq!(
            *log.lock().unwrap(),
            ["construct", "perform 1 on 1", "destroy", "dropped on oscine-worker-0"],
            "each job ran the ResourceDef it carried, and the worker dropped the last reference"
        );
        drop(links);
        pool.join();
    }

    struct PanicsOnDrop;
    impl Resource for PanicsOnDrop {}
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("a Resource that panics when dropped");
        }
    }

    static DROPPED: AtomicU32 = AtomicU32::new(0);
    struct Counted;
    impl Resource for Counted {}
    impl Drop for Counted {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn a_panic_while_dropping_garbage_leaves_the_worker_running() {
        let (mut links, queues) = worker_queues(1, 8);
        let world = World::new(48_000.0, 64);
        let pool = WorkerPool::start(queues, world, Duration::from_secs(60), Arc::default()).unwrap();
        links.attach(pool.threads());
        let panics: Arc<dyn Resource> = Arc::new(PanicsOnDrop);
        let counted: Arc<dyn Resource> = Arc::new(Counted);
        assert!(links.dispatch(Job::Drop(Garbage::Resource(panics))).is_ok());
        assert!(links.dispatch(Job::Drop(Garbage::Resource(counted))).is_ok());
        links.wake();
        let mut results = 0;
        let deadline = Instant::now() + Duration::from_secs(10);
        while results < 2 && Instant::now() < deadline {
            while let Some(result) = links.pop_result() {
                assert!(matches!(result, WorkerResult::Dropped));
                results += 1;
            }
            links.wake();
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(results, 2, "both drops are reported");
        assert_eq!(DROPPED.load(Ordering::SeqCst), 1, "the job after the panic ran");
        drop(links);
        pool.join();
    }
}
