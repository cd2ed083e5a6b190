use std::fmt;

use crate::{ResourcePort, Synth, World};

/// A named kind of Synth: its ports, its controls, and how to build one.
///
/// Context: the descriptive methods may be called from any thread; `construct` runs on a
/// non-realtime thread. A SynthDef is shared by every Synth built from it and lives as
/// long as the engine that registered it.
pub trait SynthDef: Send + Sync + 'static {
    /// The name clients use in `/synth/new`.
    fn name(&self) -> &str;
    /// Audio input ports, in index order.
    fn audio_inputs(&self) -> &[AudioPort];
    /// Audio output ports, in index order.
    fn audio_outputs(&self) -> &[AudioPort];
    /// Control ports, in index order.
    fn controls(&self) -> &[ControlSpec];
    /// Resource ports, in index order (numbered after the controls in `/node/set`).
    fn resource_ports(&self) -> &[ResourcePort] {
        &[]
    }
    /// Whether a control change scheduled inside a block should split the Synth's
    /// processing at that frame. Synths that say no see every change at the block start.
    fn sample_accurate_controls(&self) -> bool {
        false
    }
    /// Builds a Synth. `controls` holds the initial value of every control, in index order.
    ///
    /// Context: NRT. May allocate; a failure is reported to the client with its reason.
    fn construct(&self, world: &World, controls: &[f32]) -> Result<Box<dyn Synth>, ConstructError>;
}

/// An audio port of a SynthDef.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AudioPort {
    /// The port's name, for documentation and the node-tree query.
    pub name: &'static str,
}

impl AudioPort {
    /// An audio port named `name`.
    ///
    /// ```
    /// assert_eq!(oscine_plugin_api::AudioPort::new("out").name, "out");
    /// ```
    pub const fn new(name: &'static str) -> Self {
        AudioPort { name }
    }
}

/// A control port of a SynthDef: a name, a default and the range it is clamped to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControlSpec {
    /// The name clients use in `/node/set` and `/synth/new`.
    pub name: &'static str,
    /// The value a new Synth starts with unless the client gives one.
    pub default: f32,
    /// The smallest value the engine passes to the Synth.
    pub min: f32,
    /// The largest value the engine passes to the Synth.
    pub max: f32,
}

impl ControlSpec {
    /// A control named `name` with a default and an inclusive range.
    ///
    /// ```
    /// let c = oscine_plugin_api::ControlSpec::new("freq", 440.0, 0.0, 20_000.0);
    /// assert_eq!(c.clamp(30_000.0), 20_000.0);
    /// ```
    pub const fn new(name: &'static str, default: f32, min: f32, max: f32) -> Self {
        ControlSpec { name, default, min, max }
    }

    /// `value` limited to the range; NaN becomes the default.
    ///
    /// Context: any, including RT.
    pub fn clamp(&self, value: f32) -> f32 {
        if value.is_nan() {
            self.default
        } else {
            value.clamp(self.min, self.max)
        }
    }
}

/// Why a SynthDef could not build a Synth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstructError {
    /// A message for the client who asked.
    pub reason: String,
}

impl ConstructError {
    /// An error with a reason for the client.
    ///
    /// ```
    /// let e = oscine_plugin_api::ConstructError::new("table too large");
    /// assert_eq!(e.to_string(), "table too large");
    /// ```
    pub fn new(reason: impl Into<String>) -> Self {
        ConstructError { reason: reason.into() }
    }
}

impl fmt::Display for ConstructError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for ConstructError {}
