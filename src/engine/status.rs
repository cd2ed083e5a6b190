//! The status counters the audio thread publishes through atomics.
//!
//! Context: any: every function here is one atomic load or store (relaxed, but for the
//! settled command count's release and acquire), which never blocks or allocates. Each counter has one writer: the `pub(crate)` setters run on the
//! audio thread (RT); the public ones name their thread; `snapshot` runs anywhere.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering, Ordering::Relaxed};

/// Counters the audio thread publishes through atomics, so anyone can read the engine's
/// state without waiting for a block. Each counter has one writer thread.
///
/// Context: written by the audio thread (and by the driver thread for `xruns`, by the
/// network side for `commands_rejected`); read anywhere.
#[derive(Debug, Default)]
pub struct EngineStatus {
    synths: AtomicU32,
    units: AtomicU64,
    groups: AtomicU32,
    load_average: AtomicU32,
    load_peak: AtomicU32,
    xruns: AtomicU64,
    blocks: AtomicU64,
    commands_processed: AtomicU64,
    commands_rejected: AtomicU64,
    events_dropped: AtomicU64,
    reports_dropped: AtomicU64,
    nonfinite_samples: AtomicU64,
    command_stalls: AtomicU64,
    synth_faults: AtomicU64,
    garbage_leaked: AtomicU64,
    pending_drops: AtomicU64,
    sample_rate: AtomicU64,
    resources: AtomicU32,
    performs: AtomicU32,
    late: AtomicU64,
    scheduled: AtomicU32,
    rate_estimate: AtomicU64,
    jobs_timed_out: AtomicU64,
    commands_deferred: AtomicU64,
    /// Commands taken from the command queue as of the end of the last block or service.
    commands_settled: AtomicU64,
    realtime: AtomicBool,
    memory_locked: AtomicBool,
    failed: AtomicBool,
    device_lost: AtomicBool,
}

/// One reading of every [`EngineStatus`] counter.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub struct StatusSnapshot {
    /// Synths in the tree.
    pub synths: u32,
    /// Unit generators the Synths run (a graph Synth's units; 1 for a plugin's Synth).
    pub units: u64,
    /// Groups in the tree, without the root.
    pub groups: u32,
    /// Average DSP load over the last measuring window (1.0 = the whole block duration).
    pub load_average: f32,
    /// Highest single-block DSP load over the last measuring window.
    pub load_peak: f32,
    /// Device under- and overruns and late driver callbacks.
    pub xruns: u64,
    /// Blocks rendered since the start.
    pub blocks: u64,
    /// Commands applied by the audio thread.
    pub commands_processed: u64,
    /// Commands refused because the command queue was full.
    pub commands_rejected: u64,
    /// Events lost because the event queue was full (0 in normal use).
    pub events_dropped: u64,
    /// Synths' reports (`Poll` values) lost because more were made in one block than
    /// [`MAX_REPORTS_PER_BLOCK`](crate::engine::MAX_REPORTS_PER_BLOCK), or because the
    /// network side had not yet put back the boxes reports travel in
    /// ([`REPORT_BOXES`](crate::engine::REPORT_BOXES) wait for the audio thread).
    pub reports_dropped: u64,
    /// Output samples that were NaN or infinite and went to the device (or the render's
    /// file) as 0 instead.
    pub nonfinite_samples: u64,
    /// Blocks in which the audio thread left commands queued because the worker queues
    /// could not yet take what those commands might free.
    pub command_stalls: u64,
    /// Synths whose process panicked.
    pub synth_faults: u64,
    /// Objects the audio thread could not hand to a worker and leaked rather than free.
    pub garbage_leaked: u64,
    /// Objects handed to workers and not yet dropped.
    pub pending_drops: u64,
    /// The rate the driver runs at.
    pub sample_rate: f64,
    /// Live Resources.
    pub resources: u32,
    /// Resource operations running on workers.
    pub performs: u32,
    /// Timed commands that arrived after their time.
    pub late: u64,
    /// Timed commands waiting in the scheduler.
    pub scheduled: u32,
    /// The sample clock's estimate of the device's real rate.
    pub rate_estimate: f64,
    /// Worker jobs that overran their deadline and were answered for as timed out.
    pub jobs_timed_out: u64,
    /// Blocks that left whole datagrams of commands waiting for the next block because
    /// they had taken as many as they may (`max_commands_per_block`, or past
    /// `min_commands_per_block` all their time allows).
    pub commands_deferred: u64,
    /// Whether the thread that runs blocks got realtime scheduling.
    pub realtime: bool,
    /// Whether the process's memory is locked in RAM.
    pub memory_locked: bool,
    /// Whether the engine stopped processing after an internal panic.
    pub failed: bool,
    /// Whether the driver lost its audio device (the engine is no longer called).
    pub device_lost: bool,
}

fn f32_bits(v: f32) -> u32 {
    v.to_bits()
}

impl EngineStatus {
    /// Reads every counter. Context: any.
    pub fn snapshot(&self) -> StatusSnapshot {
        StatusSnapshot {
            synths: self.synths.load(Relaxed),
            units: self.units.load(Relaxed),
            groups: self.groups.load(Relaxed),
            load_average: f32::from_bits(self.load_average.load(Relaxed)),
            load_peak: f32::from_bits(self.load_peak.load(Relaxed)),
            xruns: self.xruns.load(Relaxed),
            blocks: self.blocks.load(Relaxed),
            commands_processed: self.commands_processed.load(Relaxed),
            commands_rejected: self.commands_rejected.load(Relaxed),
            events_dropped: self.events_dropped.load(Relaxed),
            reports_dropped: self.reports_dropped.load(Relaxed),
            nonfinite_samples: self.nonfinite_samples.load(Relaxed),
            command_stalls: self.command_stalls.load(Relaxed),
            synth_faults: self.synth_faults.load(Relaxed),
            garbage_leaked: self.garbage_leaked.load(Relaxed),
            pending_drops: self.pending_drops.load(Relaxed),
            sample_rate: f64::from_bits(self.sample_rate.load(Relaxed)),
            resources: self.resources.load(Relaxed),
            performs: self.performs.load(Relaxed),
            late: self.late.load(Relaxed),
            scheduled: self.scheduled.load(Relaxed),
            rate_estimate: f64::from_bits(self.rate_estimate.load(Relaxed)),
            jobs_timed_out: self.jobs_timed_out.load(Relaxed),
            commands_deferred: self.commands_deferred.load(Relaxed),
            realtime: self.realtime.load(Relaxed),
            memory_locked: self.memory_locked.load(Relaxed),
            failed: self.failed.load(Relaxed),
            device_lost: self.device_lost.load(Relaxed),
        }
    }

    pub(crate) fn set_counts(&self, synths: usize, groups: usize, units: usize) {
        self.synths.store(synths as u32, Relaxed);
        self.groups.store(groups as u32, Relaxed);
        self.units.store(units as u64, Relaxed);
    }
    pub(crate) fn set_resources(&self, live: usize, performs: usize) {
        self.resources.store(live as u32, Relaxed);
        self.performs.store(performs as u32, Relaxed);
    }
    pub(crate) fn add_late(&self) {
        self.late.fetch_add(1, Relaxed);
    }
    pub(crate) fn set_clock(&self, scheduled: usize, rate: f64) {
        self.scheduled.store(scheduled as u32, Relaxed);
        self.rate_estimate.store(rate.to_bits(), Relaxed);
    }
    pub(crate) fn set_load(&self, average: f32, peak: f32) {
        self.load_average.store(f32_bits(average), Relaxed);
        self.load_peak.store(f32_bits(peak), Relaxed);
    }
    /// Counts a device xrun or late callback. Context: the driver's thread.
    pub fn add_xrun(&self) {
        self.xruns.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_block(&self) {
        self.blocks.fetch_add(1, Relaxed);
    }
    /// Publishes how many commands the audio thread has taken in all, once the block that
    /// took them has published everything else (release: whoever reads it sees the rest).
    pub(crate) fn set_commands_settled(&self, n: u64) {
        self.commands_settled.store(n, Ordering::Release);
    }

    /// How many commands the audio thread had taken when it last finished a block.
    /// Context: any.
    pub fn commands_settled(&self) -> u64 {
        self.commands_settled.load(Ordering::Acquire)
    }

    pub(crate) fn add_commands_processed(&self, n: u64) {
        self.commands_processed.fetch_add(n, Relaxed);
    }
    /// Counts a command refused for a full queue. Context: the network side.
    pub fn add_command_rejected(&self) {
        self.commands_rejected.fetch_add(1, Relaxed);
    }
    /// Records whether the thread that runs blocks got realtime scheduling. Context: the
    /// audio thread, before its first block.
    pub fn set_realtime(&self, granted: bool) {
        self.realtime.store(granted, Relaxed);
    }
    /// Records whether the process's memory is locked. Context: NRT, at start-up.
    pub fn set_memory_locked(&self, locked: bool) {
        self.memory_locked.store(locked, Relaxed);
    }
    /// Counts a worker job answered for as timed out. Context: the worker watchdog.
    pub fn add_job_timed_out(&self) {
        self.jobs_timed_out.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_event_dropped(&self) {
        self.events_dropped.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_reports_dropped(&self, n: u64) {
        self.reports_dropped.fetch_add(n, Relaxed);
    }
    pub(crate) fn add_nonfinite_samples(&self, n: u64) {
        self.nonfinite_samples.fetch_add(n, Relaxed);
    }
    pub(crate) fn add_commands_deferred(&self) {
        self.commands_deferred.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_command_stall(&self) {
        self.command_stalls.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_synth_fault(&self) {
        self.synth_faults.fetch_add(1, Relaxed);
    }
    pub(crate) fn add_garbage_leaked(&self) {
        self.garbage_leaked.fetch_add(1, Relaxed);
    }
    pub(crate) fn set_pending_drops(&self, n: u64) {
        self.pending_drops.store(n, Relaxed);
    }
    /// Records the rate the engine runs at. Context: NRT (`Engine::new`, when the engine is
    /// built).
    pub fn set_sample_rate(&self, rate: f64) {
        self.sample_rate.store(rate.to_bits(), Relaxed);
    }
    /// Whether the engine stopped after a panic escaped a block. Context: any thread.
    pub fn is_failed(&self) -> bool {
        self.failed.load(Relaxed)
    }
    /// Whether the audio device was lost. Context: any thread.
    pub fn is_device_lost(&self) -> bool {
        self.device_lost.load(Relaxed)
    }
    /// Records that the driver lost its device: no more blocks will be rendered.
    /// Context: cpal's error callback, or the network thread when no block has come for
    /// 2 s.
    pub fn set_device_lost(&self) {
        self.device_lost.store(true, Relaxed);
    }
    /// Marks the engine as failed after a panic escaped a block. Context: the driver's thread.
    pub fn set_failed(&self) {
        self.failed.store(true, Relaxed);
    }
}
