use crate::{AudioInputs, AudioOutputs, NoResources, ResourceAccess, ResourcePorts};

/// What a Synth sees during one `process` call.
///
/// Context: RT. Built by the engine for each call; the Synth reads its controls and
/// inputs, writes its outputs, and may say it is done.
#[derive(Debug)]
pub struct ProcessContext<'a> {
    /// Frames per second.
    pub sample_rate: f64,
    /// Frames to render in this call; every input and output channel is this long.
    pub frames: usize,
    /// Current control values, in the SynthDef's control order, already clamped.
    pub controls: &'a [f32],
    /// Audio inputs, in the SynthDef's input order.
    pub inputs: AudioInputs<'a>,
    /// Audio outputs, in the SynthDef's output order.
    pub outputs: AudioOutputs<'a>,
    /// Resources bound to the resource ports, in the SynthDef's resource port order.
    pub resources: ResourcePorts<'a>,
    /// The engine's resource pool, for Synths that acquire per pass.
    pub access: &'a dyn ResourceAccess,
    done: bool,
}

impl std::fmt::Debug for dyn ResourceAccess + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ResourceAccess")
    }
}

impl<'a> ProcessContext<'a> {
    /// A context for one call. Used by the engine and by plugin tests.
    ///
    /// ```
    /// use oscine_plugin_api::{AudioInputs, AudioOutputs, ProcessContext};
    /// let mut out = [0.0; 8];
    /// let mut ctx = ProcessContext::new(
    ///     48_000.0,
    ///     8,
    ///     &[],
    ///     AudioInputs::new(&[], 0, 8, 0, 8),
    ///     AudioOutputs::new(&mut out, 1, 8, 0, 8),
    /// );
    /// assert!(!ctx.is_done());
    /// ctx.set_done();
    /// assert!(ctx.is_done());
    /// ```
    pub fn new(
        sample_rate: f64,
        frames: usize,
        controls: &'a [f32],
        inputs: AudioInputs<'a>,
        outputs: AudioOutputs<'a>,
    ) -> Self {
        ProcessContext {
            sample_rate,
            frames,
            controls,
            inputs,
            outputs,
            resources: ResourcePorts::default(),
            access: &NoResources,
            done: false,
        }
    }

    /// The same context with resource ports and pool access. Used by the engine.
    pub fn with_resources(mut self, resources: ResourcePorts<'a>, access: &'a dyn ResourceAccess) -> Self {
        self.resources = resources;
        self.access = access;
        self
    }

    /// Says the Synth has finished its work (an envelope ended, a duration passed). The
    /// engine then applies the Synth's done flags after this block.
    pub fn set_done(&mut self) {
        self.done = true;
    }

    /// Whether [`set_done`](Self::set_done) was called during this call.
    pub fn is_done(&self) -> bool {
        self.done
    }
}
