use std::time::Duration;

use oscine_plugin_api::FileAccess;

use crate::engine::{ClockMode, EngineOptions};

/// What an offline render runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Frames per second.
    pub sample_rate: u32,
    /// Frames per engine block.
    pub block_size: usize,
    /// Hardware output channels: the channels of the output file.
    pub outputs: usize,
    /// Hardware input channels (fed from the input, if any; silent otherwise).
    pub inputs: usize,
    /// Groups and Synths at once.
    pub max_nodes: usize,
    /// Resource ids.
    pub max_resources: usize,
    /// Internal AudioBuses.
    pub max_audio_buses: usize,
    /// Control buses.
    pub max_control_buses: usize,
    /// Worker threads for resource work.
    pub workers: usize,
    /// How long to wait for one resource construct, destroy or operation before giving
    /// up (a plugin loading a file may hang).
    pub resource_timeout: Duration,
    /// Show a progress bar on stderr, if stderr is a terminal.
    pub progress: bool,
    /// The files the score's paths may lead to (any, by default: a score is the user's
    /// own).
    pub files: FileAccess,
}

impl Default for RenderOptions {
    fn default() -> Self {
        let engine = EngineOptions::default();
        RenderOptions {
            sample_rate: 48_000,
            block_size: engine.block_size,
            outputs: 2,
            inputs: 0,
            max_nodes: engine.max_nodes,
            max_resources: engine.max_resources,
            max_audio_buses: engine.max_audio_buses,
            max_control_buses: engine.max_control_buses,
            workers: engine.workers,
            resource_timeout: Duration::from_secs(60),
            progress: false,
            files: FileAccess::UNCONFINED,
        }
    }
}

impl RenderOptions {
    /// The engine these options build: score clock, and queues large enough that one
    /// block's commands and events always fit.
    pub fn engine_options(&self) -> EngineOptions {
        let defaults = EngineOptions::default();
        EngineOptions {
            sample_rate: self.sample_rate as f64,
            block_size: self.block_size,
            inputs: self.inputs,
            outputs: self.outputs,
            max_audio_buses: self.max_audio_buses,
            max_control_buses: self.max_control_buses,
            max_nodes: self.max_nodes,
            max_resources: self.max_resources,
            // Commands are queued just before the block they fall in and applied at once,
            // so the scheduler holds nothing; its default size is ample.
            max_scheduled: defaults.max_scheduled,
            clock: ClockMode::Score,
            workers: self.workers,
            command_queue_capacity: defaults.command_queue_capacity,
            // A score's commands all apply in the block they fall in.
            max_commands_per_block: usize::MAX,
            // Every node may end in one block, each with a notification.
            event_queue_capacity: (2 * self.max_nodes + defaults.event_queue_capacity).min(1 << 20),
            // A job stuck past the render's patience fails the render anyway.
            job_deadline: self.resource_timeout,
            files: self.files,
            ..defaults
        }
    }
}
