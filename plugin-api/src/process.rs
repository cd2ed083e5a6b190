use crate::{AudioInputs, AudioOutputs, Buses, ControlMaps, Reports, ResourceAccess, ResourcePorts};

/// What a Synth sees during one `process` call.
///
/// Context: RT. Built by the host for each call; the Synth reads its controls and inputs
/// and writes its outputs.
#[derive(Debug)]
#[non_exhaustive]
pub struct ProcessContext<'a> {
    /// Frames per second.
    pub sample_rate: f64,
    /// The engine's frame of this call's first frame: the sample clock, counted from the
    /// engine's start. A Synth started or split inside a block sees the frame it starts at.
    pub frame: u64,
    /// Frames to render in this call; every input and output channel is this long.
    pub frames: usize,
    /// Current control values, in the SynthDef's control order, already clamped.
    pub controls: &'a [f32],
    /// Which controls read a bus (scsynth's `/n_map`, `/n_mapa`); their values in
    /// `controls` are already what they read at the start of this block.
    pub control_maps: ControlMaps<'a>,
    /// Audio inputs, in the SynthDef's input order.
    pub inputs: AudioInputs<'a>,
    /// Audio outputs, in the SynthDef's output order.
    pub outputs: AudioOutputs<'a>,
    /// Resources bound to the resource ports, in the SynthDef's resource port order.
    pub resources: ResourcePorts<'a>,
    /// The engine's resource pool, for Synths that acquire per pass.
    pub access: &'a dyn ResourceAccess,
    /// The engine's buses by number, for Synths that address buses themselves (graph
    /// Synths' `In` and `Out`) rather than through mapped ports. Frame `i` of this call is
    /// frame `offset + i` of the engine's block.
    pub buses: &'a mut dyn Buses,
    /// Where in the engine's block this call's first frame is.
    pub offset: usize,
    /// Where the Synth's [`Report`](crate::Report)s go (a graph Synth's `Poll`).
    pub reports: &'a mut dyn Reports,
    /// The engine's wire buffers, lent for this call: scratch memory shared by every
    /// Synth, which holds nothing from one call to the next (a graph Synth's audio-rate
    /// wires). May be empty.
    pub wire_buffers: &'a mut [f32],
}

impl std::fmt::Debug for dyn ResourceAccess + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResourceAccess")
    }
}

impl std::fmt::Debug for dyn Reports + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reports")
    }
}

impl ProcessContext<'_> {
    /// The time of this call's first frame, in seconds from the engine's start.
    pub fn seconds(&self) -> f64 {
        self.frame as f64 / self.sample_rate
    }
}
