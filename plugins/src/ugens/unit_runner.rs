//! Runs one unit the way a graph Synth does, for the UGens' unit tests: `init` with one
//! frame, then calls of any number of frames, every input held at a value the test sets.

use oscine_plugin_api::{
    DoneAction, InputSpec, NoBuses, NoResources, PluginError, Rate, Rgen, UGen, Unit, UnitContext, UnitIo, UnitSpec,
    Wire, WireMut,
};

pub(crate) const SAMPLE_RATE: f64 = 48000.0;
pub(crate) const BLOCK: usize = 64;

/// A unit of `U` at `rate` with one output, its inputs at `rates`.
pub(crate) struct Runner<U: UGen> {
    unit: U::Unit,
    rate: Rate,
    rates: Vec<Rate>,
    /// Each input's values: a block of the same value.
    inputs: Vec<Vec<f32>>,
    out: Vec<f32>,
    rgen: Rgen,
}

impl<U: UGen> Runner<U> {
    /// Builds the unit for inputs holding `values` at `rates`.
    pub(crate) fn new(ugen: &U, rate: Rate, rates: &[Rate], values: &[f32]) -> Result<Self, PluginError> {
        let specs: Vec<InputSpec> = rates.iter().map(|&rate| InputSpec { rate, constant: None }).collect();
        let outputs = [rate];
        let spec = UnitSpec {
            name: "Test",
            rate,
            special_index: 0,
            inputs: &specs,
            outputs: &outputs,
            sample_rate: SAMPLE_RATE,
            block_size: BLOCK,
        };
        let unit = ugen.build(&spec)?;
        Ok(Runner {
            unit,
            rate,
            rates: rates.to_vec(),
            inputs: values.iter().map(|&v| vec![v; BLOCK]).collect(),
            out: vec![0.0; BLOCK],
            rgen: Rgen::new(0),
        })
    }

    /// Sets input `i` to `value` from the next call on.
    pub(crate) fn set(&mut self, i: usize, value: f32) {
        self.inputs[i].fill(value);
    }

    fn call(&mut self, frames: usize, init: bool) -> (Vec<f32>, Option<DoneAction>) {
        let wires: Vec<Wire> = self
            .inputs
            .iter()
            .zip(&self.rates)
            // SAFETY: each buffer holds a block and outlives the call.
            .map(|(b, &rate)| unsafe { Wire::new(b.as_ptr(), rate) })
            .collect();
        // SAFETY: the output is its own buffer of a block.
        let outs = [unsafe { WireMut::new(self.out.as_mut_ptr(), self.rate) }];
        let mut buses = NoBuses;
        let mut ctx = UnitContext::new(SAMPLE_RATE, BLOCK, 0, 0, &[], &mut buses, &NoResources, &mut self.rgen);
        let frames = if self.rate == Rate::Audio { frames } else { 1 };
        // SAFETY: every wire holds a block; none overlaps another.
        let mut io = unsafe { UnitIo::new(frames, &wires, &outs, &mut ctx) };
        if init {
            self.unit.init(&mut io);
        } else {
            self.unit.next(&mut io);
        }
        let done = ctx.done_action();
        (self.out[..frames].to_vec(), done)
    }

    /// The unit's `init`: its first output value.
    pub(crate) fn init(&mut self) -> f32 {
        self.call(1, true).0[0]
    }

    /// One call of `frames` frames (one at control rate): the output and the done action
    /// asked for.
    pub(crate) fn next(&mut self, frames: usize) -> (Vec<f32>, Option<DoneAction>) {
        self.call(frames, false)
    }
}
