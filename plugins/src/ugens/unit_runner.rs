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
        let mut ctx =
            UnitContext::new(SAMPLE_RATE, BLOCK, 0, 0, &[], &mut buses, &NoResources, &mut self.rgen, &mut []);
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

/// Runs `ugen` with `inputs` inputs, every input at each of a set of awkward values in
/// turn (and the signal at another), at audio and control rate: it must never panic.
#[cfg(test)]
pub(crate) fn survives_awkward_inputs<U: UGen>(ugen: &U, inputs: usize) {
    const AWKWARD: [f32; 12] =
        [0.0, 1.0, -1.0, 1e30, -1e30, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, 24000.0, 48000.0, 1e6];
    for rate in [Rate::Audio, Rate::Control] {
        for &control in &AWKWARD {
            for &signal in &AWKWARD[..6] {
                let mut values = vec![control; inputs];
                values[0] = signal;
                let rates: Vec<Rate> = (0..inputs).map(|i| if i == 0 { rate } else { Rate::Control }).collect();
                let Ok(mut unit) = Runner::new(ugen, rate, &rates, &values) else { continue };
                unit.init();
                unit.next(24);
                unit.set(0, 0.5);
                unit.next(64);
                unit.set(inputs - 1, 0.0);
                unit.next(64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::biquad::{Biquad, Bpf, Brf, Hpf, Lpf, Rhpf, Rlpf};
    use super::super::decay::{Decay, Decay2, Integrator, LeakDc};
    use super::super::envelope::{EnvGen, Linen};
    use super::super::filter::Filter;
    use super::super::lag::{Lag, LagUd};
    use super::super::median::Median;
    use super::super::moog::MoogFF;
    use super::super::resonator::{Formlet, Resonz, Ringz};
    use super::super::simple_filter::{Hpz2, Lpz1, OnePole, OneZero, TwoPole, TwoZero};
    use super::super::slew::{Ramp, Slew};
    use super::survives_awkward_inputs;

    #[test]
    fn envelopes_and_filters_survive_awkward_inputs() {
        survives_awkward_inputs(&EnvGen, 13);
        survives_awkward_inputs(&EnvGen, 17);
        survives_awkward_inputs(&Linen, 5);
        survives_awkward_inputs(&Filter::<Biquad<Lpf>>::default(), 2);
        survives_awkward_inputs(&Filter::<Biquad<Hpf>>::default(), 2);
        survives_awkward_inputs(&Filter::<Biquad<Bpf>>::default(), 3);
        survives_awkward_inputs(&Filter::<Biquad<Brf>>::default(), 3);
        survives_awkward_inputs(&Filter::<Biquad<Rlpf>>::default(), 3);
        survives_awkward_inputs(&Filter::<Biquad<Rhpf>>::default(), 3);
        survives_awkward_inputs(&Filter::<OnePole>::default(), 2);
        survives_awkward_inputs(&Filter::<OneZero>::default(), 2);
        survives_awkward_inputs(&Filter::<TwoPole>::default(), 3);
        survives_awkward_inputs(&Filter::<TwoZero>::default(), 3);
        survives_awkward_inputs(&Filter::<Lpz1>::default(), 1);
        survives_awkward_inputs(&Filter::<Hpz2>::default(), 1);
        survives_awkward_inputs(&Filter::<Lag<3>>::default(), 2);
        survives_awkward_inputs(&Filter::<LagUd>::default(), 3);
        survives_awkward_inputs(&Filter::<LeakDc>::default(), 2);
        survives_awkward_inputs(&Filter::<Integrator>::default(), 2);
        survives_awkward_inputs(&Filter::<Decay>::default(), 2);
        survives_awkward_inputs(&Filter::<Decay2>::default(), 3);
        survives_awkward_inputs(&Filter::<Resonz>::default(), 3);
        survives_awkward_inputs(&Filter::<Ringz>::default(), 3);
        survives_awkward_inputs(&Filter::<Formlet>::default(), 4);
        survives_awkward_inputs(&Slew, 3);
        survives_awkward_inputs(&Ramp, 2);
        survives_awkward_inputs(&Median, 2);
        survives_awkward_inputs(&MoogFF, 4);
    }
}
