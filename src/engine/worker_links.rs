//! The worker queues: one job FIFO and one result FIFO per worker, made here so the engine
//! owns both ends of its worker protocol, and how each side waits for the other.
//!
//! A worker with nothing to do parks ([`std::thread::park`]). The audio thread unparks
//! it at the end of a block in which it pushed a job to it, once per block however many
//! jobs it pushed. `Thread::unpark` never blocks and never allocates: on Linux (and the
//! BSDs and Windows) it is an atomic swap plus, only if the worker is actually parked, one
//! futex wake; on Apple systems it posts a dispatch semaphore. A worker whose result FIFO
//! is full parks too, after raising its `wants_room` flag; the audio thread unparks it at
//! the end of a block in which it took results from it.
//!
//! Context: each function is marked: the audio thread's end (`WorkerLinks`) is RT once the
//! workers are attached, and NRT to make (`worker_queues`), attach and drop; the workers'
//! end (`WorkerEnds`) is NRT, on the worker threads.

use std::sync::atomic::{fence, AtomicBool, AtomicPtr, Ordering};
use std::sync::Arc;
use std::thread::Thread;

use rtrb::{Consumer, Producer, RingBuffer};

use super::{Job, WorkerResult};

/// The audio thread's ends of the worker FIFOs.
///
/// Context: RT after construction (and after [`attach`](Self::attach)); dropped NRT.
pub(crate) struct WorkerLinks {
    links: Vec<Link>,
    next: usize,
}

/// The audio thread's end of one worker.
struct Link {
    jobs: Producer<Job>,
    results: Consumer<WorkerResult>,
    wants_room: Arc<AtomicBool>,
    /// The thread serving the worker's queue, to unpark.
    serving: Arc<ServingThread>,
    /// A job was pushed since the last wake.
    pushed: bool,
    /// A result was taken since the last wake.
    drained: bool,
    /// Jobs handed to the worker whose results have not come back: what it has queued
    /// and what it is running.
    outstanding: usize,
    /// Blocks in a row that ended with jobs outstanding and no result back: a worker
    /// stuck in a long job.
    stalled_blocks: u32,
}

/// Blocks without a result after which a worker with outstanding jobs counts as busy
/// whatever its count.
const STALLED_AFTER_BLOCKS: u32 = 2;

/// One worker's ends of its FIFOs: jobs from the audio thread, results back to it.
///
/// Context: NRT (the worker thread that owns it).
pub struct WorkerEnds {
    jobs: Consumer<Job>,
    results: Producer<WorkerResult>,
    /// Raised by the worker while it waits for room in `results`; lowered by the audio
    /// thread when it wakes the worker.
    wants_room: Arc<AtomicBool>,
    /// The thread the audio thread wakes for this queue.
    serving: Arc<ServingThread>,
}

/// The thread that serves one worker queue, which the audio thread unparks: set once the
/// pool has started it, and again when a new thread takes the queue over from one stuck
/// in a job.
///
/// Context: read on the audio thread (RT: one atomic load); set NRT.
#[derive(Debug, Default)]
struct ServingThread(AtomicPtr<Thread>);

impl ServingThread {
    /// Unparks the serving thread, if there is one yet. Context: RT.
    fn unpark(&self) {
        let thread = self.0.load(Ordering::Acquire);
        if !thread.is_null() {
            // SAFETY: set from `Box::into_raw` and never freed while the links may read it
            // (a replaced handle is leaked; the last one is freed with the slot).
            super::realtime_sanitizer::nonblocking_wake(|| unsafe { (*thread).unpark() });
        }
    }

    /// Makes `thread` the one woken. The handle replaced, if any, is leaked: the audio
    /// thread may be unparking it at this moment. So nothing is replaced when `thread` is
    /// the one woken already: every worker names itself when it starts, after the pool was
    /// attached, and a pool replaces a thread only when a job overruns its deadline.
    /// Context: NRT.
    ///
    /// The worker and the pool may name the same thread at once: the slot changes only
    /// from the handle each saw, so the second sees the first's and replaces nothing.
    fn set(&self, thread: Thread) {
        let mut current = self.0.load(Ordering::Acquire);
        let mut made: Option<*mut Thread> = None;
        loop {
            // SAFETY: from `Box::into_raw`, and never freed while the slot is alive.
            if !current.is_null() && unsafe { (*current).id() } == thread.id() {
                if let Some(unused) = made {
                    // SAFETY: made below and never published.
                    drop(unsafe { Box::from_raw(unused) });
                }
                return;
            }
            let new = *made.get_or_insert_with(|| Box::into_raw(Box::new(thread.clone())));
            match self.0.compare_exchange(current, new, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(seen) => current = seen,
            }
        }
    }
}

impl Drop for ServingThread {
    fn drop(&mut self) {
        let thread = *self.0.get_mut();
        if !thread.is_null() {
            // SAFETY: from `Box::into_raw`; nobody else holds the slot any more.
            drop(unsafe { Box::from_raw(thread) });
        }
    }
}

/// Makes the FIFOs for `workers` workers, each with room for `capacity` jobs and as many
/// results. Context: NRT (allocates).
pub(crate) fn worker_queues(workers: usize, capacity: usize) -> (WorkerLinks, Vec<WorkerEnds>) {
    let mut links = WorkerLinks { links: Vec::with_capacity(workers), next: 0 };
    let mut ends = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (job_tx, job_rx) = RingBuffer::<Job>::new(capacity);
        let (result_tx, result_rx) = RingBuffer::<WorkerResult>::new(capacity);
        let wants_room = Arc::new(AtomicBool::new(false));
        let serving = Arc::new(ServingThread::default());
        links.links.push(Link {
            jobs: job_tx,
            results: result_rx,
            wants_room: Arc::clone(&wants_room),
            serving: Arc::clone(&serving),
            pushed: false,
            drained: false,
            outstanding: 0,
            stalled_blocks: 0,
        });
        ends.push(WorkerEnds { jobs: job_rx, results: result_tx, wants_room, serving });
    }
    (links, ends)
}

impl WorkerLinks {
    /// Gives the links the worker threads to wake, in the order of the
    /// [`WorkerEnds`] that [`worker_queues`] returned. Context: NRT, before the audio
    /// thread starts.
    pub(crate) fn attach(&mut self, threads: impl IntoIterator<Item = Thread>) {
        for (link, thread) in self.links.iter_mut().zip(threads) {
            link.serving.set(thread);
        }
    }

    /// Free job slots across all workers. Context: RT.
    pub(crate) fn free_slots(&self) -> usize {
        self.links.iter().map(|l| l.jobs.slots()).sum()
    }

    /// Hands a job to the least busy worker with room: one that is making progress
    /// before one that has returned nothing for a few blocks, and among those the one
    /// silent for the fewest blocks (a worker only slow to be scheduled before one stuck
    /// in a plugin since earlier), then the fewest jobs whose results have not come back,
    /// then round robin; so a job stuck in a plugin holds up no other while another
    /// worker makes progress. Gives the job back if every queue is full. The worker is
    /// woken by the next [`wake`](Self::wake). Context: RT.
    pub(crate) fn dispatch(&mut self, job: Job) -> Result<(), Job> {
        let n = self.links.len();
        let least_busy =
            (0..n).map(|i| (self.next + i) % n).filter(|&w| self.links[w].jobs.slots() > 0).min_by_key(|&w| {
                let link = &self.links[w];
                let stalled = (link.stalled_blocks >= STALLED_AFTER_BLOCKS).then_some(link.stalled_blocks);
                (stalled, link.outstanding)
            });
        let Some(w) = least_busy else { return Err(job) };
        let link = &mut self.links[w];
        match link.jobs.push(job) {
            Ok(()) => {
                link.pushed = true;
                link.outstanding += 1;
                self.next = (w + 1) % n;
                Ok(())
            }
            Err(rtrb::PushError::Full(back)) => Err(back),
        }
    }

    /// The next result any worker has posted. Context: RT.
    pub(crate) fn pop_result(&mut self) -> Option<WorkerResult> {
        self.links.iter_mut().find_map(|link| {
            let result = link.results.pop().ok()?;
            link.drained = true;
            link.outstanding = link.outstanding.saturating_sub(1);
            Some(result)
        })
    }

    /// Wakes every worker that was handed a job since the last call, and every worker
    /// waiting for room in a result FIFO that has been drained since: at most one
    /// `Thread::unpark` per worker, which never blocks and costs a system call only if
    /// the worker is parked. Call once at the end of each block. Context: RT.
    pub(crate) fn wake(&mut self) {
        let mut fenced = false;
        for link in &mut self.links {
            let mut wake = link.pushed;
            if link.drained {
                if !fenced {
                    // Pairs with the worker's fence between raising `wants_room` and looking
                    // for room: either it sees the results taken, or this sees its flag.
                    fence(Ordering::SeqCst);
                    fenced = true;
                }
                wake |= link.wants_room.swap(false, Ordering::Relaxed);
            }
            if wake {
                link.serving.unpark();
            }
            link.pushed = false;
            link.stalled_blocks =
                if link.outstanding > 0 && !link.drained { link.stalled_blocks.saturating_add(1) } else { 0 };
            link.drained = false;
        }
    }
}

impl Drop for WorkerLinks {
    /// Lets go of every FIFO end, then wakes each worker so that it notices, finishes its
    /// queue and exits. Context: NRT (the engine is dropped once the driver has stopped).
    fn drop(&mut self) {
        for link in self.links.drain(..) {
            let serving = Arc::clone(&link.serving);
            drop(link);
            serving.unpark();
        }
    }
}

impl WorkerEnds {
    /// Makes `thread` the one the audio thread wakes for this queue, and wakes it once:
    /// for a thread taking the queue over from another. Context: NRT.
    pub fn serve_from(&self, thread: Thread) {
        self.serving.set(thread.clone());
        thread.unpark();
    }

    /// Whether the audio thread's end of the queues is gone. Context: NRT.
    pub fn is_abandoned(&self) -> bool {
        self.jobs.is_abandoned()
    }

    /// The next job, in the order the audio thread dispatched them; parks the calling
    /// worker while there is none. `None` once the audio thread's end is gone and every
    /// job is taken. Context: NRT (the worker thread).
    pub fn next_job(&mut self) -> Option<Job> {
        loop {
            if let Ok(job) = self.jobs.pop() {
                return Some(job);
            }
            if self.jobs.is_abandoned() {
                fence(Ordering::Acquire);
                return self.jobs.pop().ok();
            }
            // The audio thread unparks after every block that pushed to this worker, and
            // once more when it lets go of the FIFOs; a wake that came since the look
            // above makes `park` return at once, and a spurious return just looks again.
            std::thread::park();
        }
    }

    /// The next job if there is one, without waiting: for tests that play the worker.
    #[cfg(test)]
    pub(crate) fn try_next_job(&mut self) -> Option<Job> {
        self.jobs.pop().ok()
    }

    /// Hands a result to the audio thread. While the result FIFO is full (the audio
    /// thread takes every result at the start of each block, so only a burst within one
    /// block can fill it), the worker parks until the audio thread has taken some; the
    /// result is never lost, unless the audio thread's end is gone, when it is dropped.
    /// Context: NRT (the worker thread).
    pub fn post(&mut self, result: WorkerResult) {
        let mut pending = result;
        while let Err(rtrb::PushError::Full(back)) = self.results.push(pending) {
            if self.results.is_abandoned() {
                return;
            }
            pending = back;
            self.wants_room.store(true, Ordering::Relaxed);
            // Pairs with the fence in `WorkerLinks::wake`.
            fence(Ordering::SeqCst);
            if self.results.slots() == 0 && !self.results.is_abandoned() {
                std::thread::park();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::engine::Garbage;

    fn job() -> Job {
        Job::Drop(Garbage::Text("x".into()))
    }

    /// A worker thread: each job becomes a `Dropped` result.
    fn start(ends: WorkerEnds) -> std::thread::JoinHandle<usize> {
        std::thread::spawn(move || {
            let mut ends = ends;
            let mut done = 0;
            while let Some(job) = ends.next_job() {
                drop(job);
                ends.post(WorkerResult::Dropped);
                done += 1;
            }
            done
        })
    }

    /// Plays the audio thread: takes results and wakes, block after block, until `n` came.
    fn collect(links: &mut WorkerLinks, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut got = 0;
        while got < n {
            assert!(Instant::now() < deadline, "{got} of {n} results");
            while links.pop_result().is_some() {
                got += 1;
            }
            links.wake();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn naming_the_thread_served_already_keeps_its_handle() {
        // Each replaced handle is leaked, so a worker naming itself after the pool was
        // attached (as every worker does when it starts) must replace nothing.
        let serving = ServingThread::default();
        let me = std::thread::current();
        serving.set(me.clone());
        let first = serving.0.load(Ordering::Acquire);
        serving.set(me);
        assert_eq!(serving.0.load(Ordering::Acquire), first, "the handle was replaced (and the old one leaked)");
        let other = std::thread::spawn(|| ()).thread().clone();
        serving.set(other);
        assert_ne!(serving.0.load(Ordering::Acquire), first, "another thread takes over");
    }

    #[test]
    fn a_parked_worker_runs_the_jobs_of_a_block_after_one_wake() {
        let (mut links, mut ends) = worker_queues(1, 64);
        let worker = start(ends.pop().unwrap());
        links.attach([worker.thread().clone()]);
        for round in 0..20 {
            for _ in 0..round % 5 + 1 {
                assert!(links.dispatch(job()).is_ok());
            }
            links.wake();
            collect(&mut links, round % 5 + 1);
        }
        drop(links);
        assert_eq!(worker.join().unwrap(), (0..20).map(|r| r % 5 + 1).sum::<usize>());
    }

    #[test]
    fn a_worker_with_a_full_result_fifo_waits_and_loses_nothing() {
        // Room for 4 jobs and 4 results. Nine jobs handed over without taking a result
        // means the worker has taken at least five, and found the result FIFO full.
        let (mut links, mut ends) = worker_queues(1, 4);
        let worker = start(ends.pop().unwrap());
        links.attach([worker.thread().clone()]);
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut sent = 0;
        while sent < 9 {
            assert!(Instant::now() < deadline, "{sent} jobs taken");
            while sent < 9 && links.dispatch(job()).is_ok() {
                sent += 1;
            }
            links.wake();
            std::thread::sleep(Duration::from_millis(1));
        }
        collect(&mut links, 9);
        drop(links);
        assert_eq!(worker.join().unwrap(), 9);
    }

    #[test]
    fn a_job_goes_to_the_worker_silent_for_fewer_blocks_when_both_are_silent() {
        // No threads: the test plays both workers, so every block is one `wake`.
        let (mut links, mut ends) = worker_queues(2, 16);
        // Worker 0 takes a job and never answers (stuck in a plugin).
        assert!(links.dispatch(job()).is_ok());
        assert!(ends[0].try_next_job().is_some());
        for _ in 0..4 {
            links.wake();
        }
        // Worker 1 takes two jobs and is slow to answer, for long enough to count as
        // silent too, but it has been silent for fewer blocks than worker 0.
        for _ in 0..2 {
            assert!(links.dispatch(job()).is_ok());
        }
        assert_eq!(ends[1].jobs.slots(), 2, "both jobs went to the worker making progress");
        for _ in 0..STALLED_AFTER_BLOCKS {
            links.wake();
        }
        assert!(links.dispatch(job()).is_ok());
        assert_eq!(ends[0].jobs.slots(), 0, "no job behind the one that is stuck");
        assert_eq!(ends[1].jobs.slots(), 3);
    }

    #[test]
    fn dropping_the_links_wakes_a_parked_worker_which_then_exits() {
        let (links, mut ends) = worker_queues(1, 4);
        let worker = start(ends.pop().unwrap());
        let mut links = links;
        links.attach([worker.thread().clone()]);
        assert!(links.dispatch(job()).is_ok());
        links.wake();
        collect(&mut links, 1);
        drop(links);
        assert_eq!(worker.join().unwrap(), 1);
    }
}
