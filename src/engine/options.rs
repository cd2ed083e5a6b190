//! The sizes an engine is built with.
//!
//! Context: NRT: options are made and checked before an engine is built.

use std::time::Duration;

use oscine_plugin_api::{FileAccess, MemoryBudget, World};

use super::ClockMode;

/// The sizes an engine is built with. Every capacity is allocated once, when the engine is
/// created; reaching one is a client-visible error, never an allocation on the audio thread.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Frames per second.
    pub sample_rate: f64,
    /// Frames the engine renders per block, whatever the device's buffer size.
    pub block_size: usize,
    /// Hardware input channels (external input AudioBuses).
    pub inputs: usize,
    /// Hardware output channels (external output AudioBuses).
    pub outputs: usize,
    /// Internal AudioBuses.
    pub max_audio_buses: usize,
    /// Control buses (scsynth's `c` buses).
    pub max_control_buses: usize,
    /// Groups and Synths, not counting the root Group.
    pub max_nodes: usize,
    /// Resource ids (`0..max_resources`).
    pub max_resources: usize,
    /// Timed commands the scheduler holds.
    pub max_scheduled: usize,
    /// How timetags map to frames (wall clock, or seconds from a score's start).
    pub clock: ClockMode,
    /// Worker threads for non-realtime work.
    pub workers: usize,
    /// Commands the network side may queue ahead of the audio thread.
    pub command_queue_capacity: usize,
    /// The commands one block takes from the command queue whatever the time they take, in
    /// whole datagrams; past them, a block takes more only while its commands and the
    /// previous block's rendering fit in three quarters of its period (the wall clock
    /// only: a score's commands never wait). A flood of commands then cannot make a block
    /// late.
    pub min_commands_per_block: usize,
    /// The most commands one block takes from the command queue, in whole datagrams: once
    /// a block has taken this many, the datagrams after wait for the next block (one
    /// datagram larger than this is still taken whole).
    pub max_commands_per_block: usize,
    /// Events the audio thread may queue ahead of the network side.
    pub event_queue_capacity: usize,
    /// How long one worker job (a construct, destroy or operation) may run before it is
    /// answered for as timed out and its worker's queue goes to a new thread.
    pub job_deadline: Duration,
    /// Whether the thread a driver runs blocks on asks for realtime scheduling
    /// (`SCHED_FIFO`) before its first block (off by default; the server asks unless
    /// `--no-realtime`).
    pub realtime: bool,
    /// The memory Resources may take together (unlimited by default; the server sets
    /// `--max-resource-memory`).
    pub memory: MemoryBudget,
    /// The files clients' paths may lead to (any, by default; the server confines them to
    /// its file roots).
    pub files: FileAccess,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            sample_rate: 48_000.0,
            block_size: 64,
            inputs: 2,
            outputs: 2,
            max_audio_buses: 1024,
            max_control_buses: 16384,
            max_nodes: 1024,
            max_resources: 1024,
            max_scheduled: 8192,
            clock: ClockMode::Wall,
            workers: 2,
            command_queue_capacity: 4096,
            min_commands_per_block: 1024,
            max_commands_per_block: 4096,
            event_queue_capacity: 8192,
            job_deadline: Duration::from_secs(60),
            realtime: false,
            memory: MemoryBudget::UNLIMITED,
            files: FileAccess::UNCONFINED,
        }
    }
}

impl EngineOptions {
    /// What plugins see of these options.
    pub fn world(&self) -> World {
        World { sample_rate: self.sample_rate, block_size: self.block_size, files: self.files, memory: self.memory }
    }
}

/// Why options cannot make an engine.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A size that must be positive is zero.
    #[error("{name} must be at least 1")]
    Zero {
        /// The option's name.
        name: &'static str,
    },
    /// A size beyond what the engine supports.
    #[error("{name} must be at most {max}, got {value}")]
    TooLarge {
        /// The option's name.
        name: &'static str,
        /// The largest allowed value.
        max: usize,
        /// The value given.
        value: usize,
    },
    /// The sample rate is not a positive finite number.
    #[error("sample rate must be a positive number of frames per second, got {0}")]
    SampleRate(f64),
}

impl EngineOptions {
    /// Checks every size. Context: NRT.
    pub fn validate(&self) -> Result<(), OptionsError> {
        if !(self.sample_rate.is_finite() && self.sample_rate >= 1.0) {
            return Err(OptionsError::SampleRate(self.sample_rate));
        }
        for (name, value, max) in [
            ("block size", self.block_size, 8192),
            ("max nodes", self.max_nodes, 1 << 20),
            ("max resources", self.max_resources, 1 << 20),
            ("max scheduled", self.max_scheduled, 1 << 22),
            ("workers", self.workers, 64),
            ("command queue capacity", self.command_queue_capacity, 1 << 20),
            ("min commands per block", self.min_commands_per_block, usize::MAX),
            ("max commands per block", self.max_commands_per_block, usize::MAX),
            ("event queue capacity", self.event_queue_capacity, 1 << 20),
        ] {
            if value == 0 {
                return Err(OptionsError::Zero { name });
            }
            if value > max {
                return Err(OptionsError::TooLarge { name, max, value });
            }
        }
        for (name, value, max) in [
            ("inputs", self.inputs, 1024),
            ("outputs", self.outputs, 1024),
            ("max audio buses", self.max_audio_buses, 1 << 16),
            ("max control buses", self.max_control_buses, 1 << 20),
        ] {
            if value > max {
                return Err(OptionsError::TooLarge { name, max, value });
            }
        }
        if self.job_deadline.is_zero() {
            return Err(OptionsError::Zero { name: "job deadline" });
        }
        Ok(())
    }
}
