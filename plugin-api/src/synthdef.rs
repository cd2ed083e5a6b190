use std::borrow::Cow;

use crate::{PluginError, ResourcePort, Synth, World};

/// A named kind of Synth: it describes itself once, as [`SynthDefInfo`], and builds
/// Synths.
///
/// Context: `info` is called once, when the SynthDef is registered (NRT); the engine keeps
/// the description and never asks again. `construct` runs on a non-realtime thread. A
/// SynthDef is shared by every Synth built from it and lives as long as the engine that
/// registered it. Register one with [`SynthDefTable::new`](crate::SynthDefTable::new).
pub trait SynthDef: Send + Sync + 'static {
    /// The Synths this SynthDef builds.
    type Synth: Synth;

    /// The SynthDef's name, ports, controls and flags.
    ///
    /// Context: NRT, once.
    fn info(&self) -> SynthDefInfo;

    /// Builds a Synth. `controls` holds the initial value of every control, in index order,
    /// already clamped to each control's range.
    ///
    /// Context: NRT. May allocate; a failure is reported to the client with its reason. The
    /// engine places the returned value in the Synth's one allocation.
    fn construct(&self, world: &World, controls: &[f32]) -> Result<Self::Synth, PluginError>;
}

/// What a SynthDef says about itself: read once at registration and kept by the engine.
///
/// ```
/// use oscine_plugin_api::{AudioPort, ControlSpec, SynthDefInfo};
/// let info = SynthDefInfo::new("dc")
///     .outputs(&[AudioPort::new("out")])
///     .controls(&[ControlSpec::new("level", 0.0, -1.0, 1.0)]);
/// assert_eq!(info.name, "dc");
/// assert_eq!(info.audio_outputs.len(), 1);
/// assert!(!info.sample_accurate_controls);
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SynthDefInfo {
    /// The name clients use in `/synth/new`.
    pub name: Cow<'static, str>,
    /// Audio input ports, in index order.
    pub audio_inputs: Vec<AudioPort>,
    /// Audio output ports, in index order.
    pub audio_outputs: Vec<AudioPort>,
    /// Control ports, in index order.
    pub controls: Vec<ControlSpec>,
    /// Resource ports, in index order (numbered after the controls in `/node/set`).
    pub resource_ports: Vec<ResourcePort>,
    /// Whether a control change scheduled inside a block splits the Synth's processing at
    /// that frame. Synths that say no see every change at the start of their block.
    pub sample_accurate_controls: bool,
    /// Trigger controls, by index: the engine sets each back to 0 after every block, so a
    /// value set once is seen for one block (SuperCollider's `TrigControl`).
    pub trigger_controls: Vec<usize>,
}

impl SynthDefInfo {
    /// A SynthDef named `name` with no ports and no controls.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        SynthDefInfo {
            name: name.into(),
            audio_inputs: Vec::new(),
            audio_outputs: Vec::new(),
            controls: Vec::new(),
            resource_ports: Vec::new(),
            sample_accurate_controls: false,
            trigger_controls: Vec::new(),
        }
    }

    /// With these audio inputs.
    pub fn inputs(mut self, ports: &[AudioPort]) -> Self {
        self.audio_inputs = ports.to_vec();
        self
    }

    /// With these audio outputs.
    pub fn outputs(mut self, ports: &[AudioPort]) -> Self {
        self.audio_outputs = ports.to_vec();
        self
    }

    /// With these controls.
    pub fn controls(mut self, controls: &[ControlSpec]) -> Self {
        self.controls = controls.to_vec();
        self
    }

    /// With these resource ports.
    pub fn resource_ports(mut self, ports: &[ResourcePort]) -> Self {
        self.resource_ports = ports.to_vec();
        self
    }

    /// With these controls as trigger controls (see
    /// [`trigger_controls`](Self::trigger_controls)).
    pub fn with_trigger_controls(mut self, controls: &[usize]) -> Self {
        self.trigger_controls = controls.to_vec();
        self
    }

    /// With sample-accurate controls (see [`sample_accurate_controls`](Self::sample_accurate_controls)).
    pub fn with_sample_accurate_controls(mut self) -> Self {
        self.sample_accurate_controls = true;
        self
    }
}

/// An audio port of a SynthDef.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioPort {
    /// The port's name, for documentation and the node-tree query.
    pub name: Cow<'static, str>,
}

impl AudioPort {
    /// An audio port named `name`.
    ///
    /// ```
    /// assert_eq!(oscine_plugin_api::AudioPort::new("out").name, "out");
    /// ```
    pub const fn new(name: &'static str) -> Self {
        AudioPort { name: Cow::Borrowed(name) }
    }

    /// An audio port whose name is only known at run time.
    pub fn named(name: impl Into<Cow<'static, str>>) -> Self {
        AudioPort { name: name.into() }
    }
}

/// A control port of a SynthDef: a name, a default and the range it is clamped to.
#[derive(Debug, Clone, PartialEq)]
pub struct ControlSpec {
    /// The name clients use in `/node/set` and `/synth/new`.
    pub name: Cow<'static, str>,
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
        ControlSpec { name: Cow::Borrowed(name), default, min, max }
    }

    /// A control whose name is only known at run time.
    pub fn named(name: impl Into<Cow<'static, str>>, default: f32, min: f32, max: f32) -> Self {
        ControlSpec { name: name.into(), default, min, max }
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
