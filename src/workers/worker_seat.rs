//! A worker seat: where a worker's queue ends wait while the worker runs a job, with
//! which job it runs and since when, so that the watchdog can hand the queue to a new
//! thread when the job overruns its deadline.
//!
//! Context: NRT: the worker thread that sits in the seat, and the watchdog thread.

use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::engine::{JobTag, WorkerEnds};

/// One worker queue's seat. The ends are either held by the thread serving the queue
/// (while it waits for a job, and between taking a job's result and posting it) or left
/// here (while it runs a job). Whoever takes them from here owns them: the worker, when
/// its job is done; or the watchdog, when the job is overdue, and then the worker, when
/// it comes back, finds the seat taken and ends.
pub(super) struct WorkerSeat {
    ends: AtomicPtr<WorkerEnds>,
    /// The running job's [`JobTag`], encoded; 0 while none runs.
    running: AtomicU64,
    /// When it started, in microseconds since `epoch`.
    started: AtomicU64,
    epoch: Instant,
}

impl WorkerSeat {
    pub(super) fn new(epoch: Instant) -> WorkerSeat {
        WorkerSeat {
            ends: AtomicPtr::new(ptr::null_mut()),
            running: AtomicU64::new(0),
            started: AtomicU64::new(0),
            epoch,
        }
    }

    /// Leaves the ends here while the caller runs `job`.
    pub(super) fn leave(&self, ends: Box<WorkerEnds>, job: JobTag) {
        self.running.store(encode(job), Ordering::Relaxed);
        self.started.store(self.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
        // Publishes the two stores above to whoever takes the ends.
        let before = self.ends.swap(Box::into_raw(ends), Ordering::Release);
        debug_assert!(before.is_null(), "one thread serves a queue at a time");
    }

    /// The ends, if they are here: the worker's own, back after its job (`None`: the
    /// watchdog took them over, and this worker is done). While the watchdog looks at the
    /// seat (a few loads), this waits.
    pub(super) fn take(&self) -> Option<Box<WorkerEnds>> {
        loop {
            let ends = self.ends.load(Ordering::Acquire);
            if ends.is_null() {
                return None;
            }
            if ends == inspecting() {
                std::hint::spin_loop();
                continue;
            }
            if self.ends.compare_exchange(ends, ptr::null_mut(), Ordering::Acquire, Ordering::Relaxed).is_ok() {
                // SAFETY: only `leave` stores a real pointer, from `Box::into_raw`, and
                // the exchange gives it to one taker.
                return Some(unsafe { Box::from_raw(ends) });
            }
        }
    }

    /// The job running and its start, when the ends are here.
    fn running(&self) -> Option<(JobTag, Duration)> {
        let job = decode(self.running.load(Ordering::Relaxed))?;
        Some((job, Duration::from_micros(self.started.load(Ordering::Relaxed))))
    }

    fn overdue(&self, deadline: Duration) -> Option<JobTag> {
        let (job, started) = self.running()?;
        (self.epoch.elapsed() > started + deadline).then_some(job)
    }

    /// The ends and the job, when a job has run longer than `deadline`: the watchdog's.
    /// The seat is marked while it looks, so the worker cannot take the ends and leave
    /// them again (with another job) in between.
    pub(super) fn take_overdue(&self, deadline: Duration) -> Option<(Box<WorkerEnds>, JobTag)> {
        self.overdue(deadline)?;
        let ends = self.ends.load(Ordering::Relaxed);
        if ends.is_null() || ends == inspecting() {
            return None;
        }
        self.ends.compare_exchange(ends, inspecting(), Ordering::Acquire, Ordering::Relaxed).ok()?;
        // The exchange acquired the worker's stores from when it left these ends.
        match self.overdue(deadline) {
            Some(job) => {
                self.running.store(0, Ordering::Relaxed);
                self.ends.store(ptr::null_mut(), Ordering::Release);
                // SAFETY: as in `take`: the exchange gave this pointer to this caller.
                Some((unsafe { Box::from_raw(ends) }, job))
            }
            None => {
                self.ends.store(ends, Ordering::Release);
                None
            }
        }
    }
}

/// The mark the watchdog leaves in a seat while it looks: an address no `Box` has.
fn inspecting() -> *mut WorkerEnds {
    ptr::dangling_mut::<u8>() as *mut WorkerEnds
}

impl Drop for WorkerSeat {
    fn drop(&mut self) {
        drop(self.take());
    }
}

fn encode(job: JobTag) -> u64 {
    let (kind, value) = match job {
        JobTag::Drop => (1, 0),
        JobTag::Construct(id) => (2, id as u32),
        JobTag::Destroy(id) => (3, id as u32),
        JobTag::Perform(slot) => (4, slot),
    };
    (kind << 32) | u64::from(value)
}

fn decode(bits: u64) -> Option<JobTag> {
    let value = bits as u32;
    match bits >> 32 {
        1 => Some(JobTag::Drop),
        2 => Some(JobTag::Construct(value as i32)),
        3 => Some(JobTag::Destroy(value as i32)),
        4 => Some(JobTag::Perform(value)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_tag_survives_its_encoding() {
        for job in [JobTag::Drop, JobTag::Construct(-5), JobTag::Destroy(i32::MAX), JobTag::Perform(u32::MAX)] {
            assert_eq!(decode(encode(job)), Some(job));
        }
        assert_eq!(decode(0), None);
    }
}
