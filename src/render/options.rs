use std::time::Duration;

use crate::engine::{ClockMode, EngineOptions};

/// How the output file stores samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OutputFormat {
    /// 32-bit IEEE float: the engine's samples exactly, beyond full scale included.
    #[default]
    Float,
    /// 16-bit integer PCM.
    Int16,
    /// 24-bit integer PCM.
    Int24,
}

impl OutputFormat {
    /// Bits per sample.
    pub fn bits(self) -> u16 {
        match self {
            OutputFormat::Float => 32,
            OutputFormat::Int16 => 16,
            OutputFormat::Int24 => 24,
        }
    }

    /// The integer a sample becomes in an integer format: `round(x × 2^(bits−1))`,
    /// clamped to the format's range (so full scale is `[-1, 1)`, the inverse of how
    /// `audio-buffer` reads integer files); NaN becomes 0. No dither, so renders stay
    /// bit-identical.
    pub fn quantize(self, x: f32) -> i32 {
        let scale = (1i64 << (self.bits() - 1)) as f64;
        (x as f64 * scale).round().clamp(-scale, scale - 1.0) as i32
    }
}

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
    /// Worker threads for resource work.
    pub workers: usize,
    /// How long to wait for one resource construct, destroy or operation before giving
    /// up (a plugin loading a file may hang).
    pub resource_timeout: Duration,
    /// Show a progress bar on stderr, if stderr is a terminal.
    pub progress: bool,
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
            workers: engine.workers,
            resource_timeout: Duration::from_secs(60),
            progress: false,
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
            max_nodes: self.max_nodes,
            max_resources: self.max_resources,
            // Commands are queued just before the block they fall in and applied at once,
            // so the scheduler holds nothing; its default size is ample.
            max_scheduled: defaults.max_scheduled,
            clock: ClockMode::Score,
            workers: self.workers,
            command_queue_capacity: defaults.command_queue_capacity,
            // Every node may end in one block, each with a notification.
            event_queue_capacity: (2 * self.max_nodes + defaults.event_queue_capacity).min(1 << 20),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantizes_to_the_integer_grid_with_clamping() {
        assert_eq!(OutputFormat::Int16.quantize(0.5), 16_384);
        assert_eq!(OutputFormat::Int16.quantize(1.0), 32_767);
        assert_eq!(OutputFormat::Int16.quantize(-1.0), -32_768);
        assert_eq!(OutputFormat::Int16.quantize(-3.0), -32_768);
        assert_eq!(OutputFormat::Int24.quantize(0.25), 1 << 21);
        assert_eq!(OutputFormat::Int24.quantize(f32::NAN), 0);
        assert_eq!(OutputFormat::Int24.quantize(2.0), (1 << 23) - 1);
    }
}
