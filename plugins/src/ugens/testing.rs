//! Runs one unit the way a graph Synth does, for the UGens' tests: `init` with one frame,
//! then calls of a block (or any number of frames), its inputs fed from constants, from
//! functions of the frame or block, or from values the test sets between calls. A unit
//! is built from a UGen value ([`Runner::new`]) or by the class name it is registered
//! under ([`Runner::named`], through its [`UGenTable`], as the host runs it).

use std::alloc::Layout;
use std::ptr::NonNull;
use std::rc::Rc;
use std::sync::Arc;

use oscine_plugin_api::{
    DoneAction, InputSpec, NoBuses, NoResources, PluginError, Rate, Registrar, Report, Reports, ResourceDef, Rgen,
    SynthDefTable, UGen, UGenTable, Unit, UnitContext, UnitIo, UnitSpec, Wire, WireMut,
};

/// The tests' sample rate and block size.
pub(crate) const SAMPLE_RATE: f64 = 48000.0;
pub(crate) const BLOCK: usize = 64;

/// The state of scsynth's generator just after `RandSeed.ir(1, 1234)`: recovered from
/// a seeded `WhiteNoise` render, each sample of which shows 23 bits of one draw. The
/// generator is linear over GF(2), so a dozen samples pin down its 88 bits of state.
pub(crate) const SEEDED: (u32, u32, u32) = (0xa900_3852, 0x5b7d_86e0, 0x8f87_9a30);

/// One input of the unit under test.
#[derive(Clone)]
pub(crate) enum Input {
    /// A constant of the graph (its spec says so).
    Constant(f32),
    /// A wire of `rate` whose value in call `k` is `f(k)` at control or scalar rate (and
    /// `f(0)` at `init`), or whose frame `n` of the whole run is `f(n)` at audio rate.
    Wire(Rate, Rc<dyn Fn(usize) -> f32>),
}

/// An input at `rate` following `f`.
pub(crate) fn wire(rate: Rate, f: impl Fn(usize) -> f32 + 'static) -> Input {
    Input::Wire(rate, Rc::new(f))
}

/// An input at `rate` holding `value` (until [`Runner::set`] changes it).
pub(crate) fn held(rate: Rate, value: f32) -> Input {
    wire(rate, move |_| value)
}

/// Inputs at `rates` holding `values` (until [`Runner::set`] changes them).
pub(crate) fn held_inputs(rates: &[Rate], values: &[f32]) -> Vec<Input> {
    rates.iter().zip(values).map(|(&rate, &value)| held(rate, value)).collect()
}

/// The built-in UGen registered as `name`.
pub(crate) fn table(name: &str) -> UGenTable {
    struct Collect(Vec<UGenTable>);
    impl Registrar for Collect {
        fn register_synthdef(&mut self, _: SynthDefTable) {}
        fn register_resource_def(&mut self, _: Arc<dyn ResourceDef>) {}
        fn register_ugen(&mut self, ugen: UGenTable) {
            self.0.push(ugen);
        }
    }
    let mut all = Collect(Vec::new());
    super::register(&mut all);
    all.0.into_iter().find(|t| t.name() == name).unwrap_or_else(|| panic!("no UGen {name}"))
}

/// A unit built through its UGen's table, in its own allocation.
struct TableUnit {
    table: UGenTable,
    place: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the unit is built for one runner and used by it alone.
unsafe impl Send for TableUnit {}

impl TableUnit {
    fn build(table: UGenTable, spec: &UnitSpec<'_>) -> Result<TableUnit, PluginError> {
        let layout = table.state_layout();
        let layout = Layout::from_size_align(layout.size().max(1), layout.align()).expect("a unit's layout");
        // SAFETY: a non-zero size.
        let place = NonNull::new(unsafe { std::alloc::alloc(layout) }).expect("memory");
        // SAFETY: laid out for the unit, holding nothing.
        match unsafe { table.build(spec, place) } {
            Ok(()) => Ok(TableUnit { table, place, layout }),
            Err(e) => {
                // SAFETY: allocated above with `layout`; nothing was built there.
                unsafe { std::alloc::dealloc(place.as_ptr(), layout) };
                Err(e)
            }
        }
    }
}

impl Unit for TableUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        // SAFETY: `place` holds the unit built in `build`, used only here.
        assert!(unsafe { self.table.init(self.place, io) }.is_ok(), "{} panicked", self.table.name());
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        // SAFETY: as for `init`.
        assert!(unsafe { self.table.next(self.place, io) }.is_ok(), "{} panicked", self.table.name());
    }
}

impl Drop for TableUnit {
    fn drop(&mut self) {
        // SAFETY: built in `build` and never used again; allocated with `layout`.
        unsafe {
            self.table.drop_unit(self.place).expect("drop");
            std::alloc::dealloc(self.place.as_ptr(), self.layout);
        }
    }
}

/// The reports a unit made.
struct Collected(Vec<Report>);

impl Reports for Collected {
    fn report(&mut self, report: Report) {
        self.0.push(report);
    }
}

/// One unit with outputs at its rate (one, unless built with
/// [`with_outputs`](Runner::with_outputs)), and its inputs.
pub(crate) struct Runner {
    unit: Box<dyn Unit>,
    rate: Rate,
    inputs: Vec<Input>,
    specs: Vec<InputSpec>,
    /// Values set by [`set`](Self::set), in place of the inputs' own.
    overrides: Vec<Option<f32>>,
    buffers: Vec<Vec<f32>>,
    outs: Vec<Vec<f32>>,
    rgen: Rgen,
    reports: Collected,
    /// Frames (a block a call at control rate) and calls of `next` so far.
    frame: usize,
    calls: usize,
}

fn specs(inputs: &[Input]) -> Vec<InputSpec> {
    inputs
        .iter()
        .map(|i| match i {
            Input::Constant(c) => InputSpec { rate: Rate::Scalar, constant: Some(*c) },
            Input::Wire(rate, _) => InputSpec { rate: *rate, constant: None },
        })
        .collect()
}

fn spec<'a>(
    name: &'a str,
    rate: Rate,
    special_index: i16,
    inputs: &'a [InputSpec],
    outputs: &'a [Rate],
) -> UnitSpec<'a> {
    UnitSpec {
        name,
        rate,
        special_index,
        inputs,
        outputs,
        sample_rate: SAMPLE_RATE,
        block_size: BLOCK,
        scale: None,
        smooth_readers: false,
    }
}

impl Runner {
    /// Builds `ugen`'s unit at `rate` with `special_index` on `inputs`.
    pub(crate) fn new<U: UGen>(
        ugen: &U,
        rate: Rate,
        special_index: i16,
        inputs: &[Input],
    ) -> Result<Self, PluginError> {
        Self::with_outputs(ugen, rate, special_index, inputs, 1)
    }

    /// [`new`](Self::new), for a unit with `outputs` outputs.
    pub(crate) fn with_outputs<U: UGen>(
        ugen: &U,
        rate: Rate,
        special_index: i16,
        inputs: &[Input],
        outputs: usize,
    ) -> Result<Self, PluginError> {
        let specs = specs(inputs);
        let unit = ugen.build(&spec("Test", rate, special_index, &specs, &vec![rate; outputs]))?;
        let mut runner = Self::from_unit(Box::new(unit), rate, inputs, specs);
        runner.outs = vec![vec![0.0; BLOCK]; outputs];
        Ok(runner)
    }

    /// [`new`](Self::new), for a unit whose readers are smooth
    /// ([`UnitSpec::smooth_readers`]).
    pub(crate) fn with_smooth_readers<U: UGen>(ugen: &U, rate: Rate, inputs: &[Input]) -> Result<Self, PluginError> {
        let specs = specs(inputs);
        let outputs = [rate];
        let spec = UnitSpec { smooth_readers: true, ..spec("Test", rate, 0, &specs, &outputs) };
        let unit = ugen.build(&spec)?;
        Ok(Self::from_unit(Box::new(unit), rate, inputs, specs))
    }

    /// Builds the built-in UGen registered as `name` at `rate`, every input a constant.
    pub(crate) fn named(name: &str, rate: Rate, constants: &[f32]) -> Self {
        let inputs: Vec<Input> = constants.iter().map(|&c| Input::Constant(c)).collect();
        let specs = specs(&inputs);
        let unit = TableUnit::build(table(name), &spec(name, rate, 0, &specs, &[rate]))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        Self::from_unit(Box::new(unit), rate, &inputs, specs)
    }

    fn from_unit(unit: Box<dyn Unit>, rate: Rate, inputs: &[Input], specs: Vec<InputSpec>) -> Self {
        Runner {
            unit,
            rate,
            inputs: inputs.to_vec(),
            specs,
            overrides: vec![None; inputs.len()],
            buffers: vec![vec![0.0; BLOCK]; inputs.len()],
            outs: vec![vec![0.0; BLOCK]],
            rgen: Rgen::new(0),
            reports: Collected(Vec::new()),
            frame: 0,
            calls: 0,
        }
    }

    /// Draws from `rgen` rather than a generator seeded with 0.
    pub(crate) fn with_rgen(mut self, rgen: Rgen) -> Self {
        self.rgen = rgen;
        self
    }

    /// The generator, as the unit left it.
    pub(crate) fn rgen(&self) -> &Rgen {
        &self.rgen
    }

    /// The reports the unit made so far (`Poll`'s).
    pub(crate) fn reports(&self) -> &[Report] {
        &self.reports.0
    }

    /// Input `i` holds `value` from the next call on.
    pub(crate) fn set(&mut self, i: usize, value: f32) {
        self.overrides[i] = Some(value);
    }

    fn fill(&mut self, init: bool) {
        for ((buffer, input), held) in self.buffers.iter_mut().zip(&self.inputs).zip(&self.overrides) {
            match (input, held) {
                (_, Some(v)) => buffer.fill(*v),
                (Input::Constant(c), None) => buffer[0] = *c,
                (Input::Wire(Rate::Audio, f), None) if !init => {
                    for (i, x) in buffer.iter_mut().enumerate() {
                        *x = f(self.frame + i);
                    }
                }
                (Input::Wire(_, f), None) => buffer[0] = f(if init { 0 } else { self.calls }),
            }
        }
    }

    fn call(&mut self, frames: usize, init: bool) -> (Vec<f32>, Option<DoneAction>) {
        let audio_frames = if init { 1 } else { frames };
        let frames = if self.rate != Rate::Audio { 1 } else { audio_frames };
        assert!(frames <= BLOCK, "at most a block a call");
        self.fill(init);
        let wires: Vec<Wire> = self
            .buffers
            .iter()
            .zip(&self.specs)
            // SAFETY: each buffer holds a block and outlives the call.
            .map(|(b, s)| unsafe { Wire::new(b.as_ptr(), s.rate) })
            .collect();
        let rate = self.rate;
        // SAFETY: each output is its own buffer of a block.
        let outs: Vec<WireMut> = self.outs.iter_mut().map(|o| unsafe { WireMut::new(o.as_mut_ptr(), rate) }).collect();
        let mut buses = NoBuses;
        let mut ctx = UnitContext::new(
            SAMPLE_RATE,
            BLOCK,
            0,
            0,
            audio_frames,
            &[],
            &mut buses,
            &NoResources,
            &mut self.rgen,
            &mut [],
        )
        .with_reports(&mut self.reports);
        // SAFETY: every wire holds a block; none overlaps another.
        let mut io = unsafe { UnitIo::new(frames, &wires, &outs, &mut ctx) };
        if init {
            self.unit.init(&mut io);
        } else {
            self.unit.next(&mut io);
            // A call at control rate is a block.
            self.frame += if self.rate == Rate::Audio { frames } else { BLOCK };
            self.calls += 1;
        }
        let done = ctx.done_action();
        (self.outs.first().map_or_else(Vec::new, |o| o[..frames].to_vec()), done)
    }

    /// Output `k` of the last call.
    pub(crate) fn output(&self, k: usize, frames: usize) -> &[f32] {
        &self.outs[k][..frames]
    }

    /// The unit's `init`: its first output value.
    pub(crate) fn init(&mut self) -> f32 {
        self.call(1, true).0.first().copied().unwrap_or(0.0)
    }

    /// One call of `frames` frames (one at control rate): the output and the done action
    /// asked for.
    pub(crate) fn next(&mut self, frames: usize) -> (Vec<f32>, Option<DoneAction>) {
        self.call(frames, false)
    }

    /// `init`, then `blocks` calls of a block (none at scalar rate): the first value, the
    /// values after (one a call at control rate), and the first done action asked for,
    /// with its call.
    pub(crate) fn run(&mut self, blocks: usize) -> RunUntilDone {
        let first = self.init();
        let mut values = Vec::new();
        let mut done = None;
        if self.rate != Rate::Scalar {
            for k in 0..blocks {
                let (out, action) = self.next(BLOCK);
                done = done.or(action.map(|a| (k, a)));
                values.extend_from_slice(&out);
            }
        }
        (first, values, done)
    }
}

/// The output at `init`, the values after, and the first done action asked for, with its
/// block.
pub(crate) type RunUntilDone = (f32, Vec<f32>, Option<(usize, DoneAction)>);

/// Builds `ugen` at `rate` with `special_index` on `inputs` and runs it for `blocks`
/// blocks: its output at `init` and its values after.
pub(crate) fn run<U: UGen>(
    ugen: &U,
    rate: Rate,
    special_index: i16,
    inputs: &[Input],
    blocks: usize,
) -> Result<(f32, Vec<f32>), PluginError> {
    run_until_done(ugen, rate, special_index, inputs, blocks).map(|(first, values, _)| (first, values))
}

/// [`run`], also giving the first block in which the unit asked for a done action, and
/// the action.
pub(crate) fn run_until_done<U: UGen>(
    ugen: &U,
    rate: Rate,
    special_index: i16,
    inputs: &[Input],
    blocks: usize,
) -> Result<RunUntilDone, PluginError> {
    Ok(Runner::new(ugen, rate, special_index, inputs)?.run(blocks))
}

/// Values no input should make a unit panic on.
pub(crate) const AWKWARD: [f32; 12] =
    [0.0, 1.0, -1.0, 1e30, -1e30, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-30, 24000.0, 48000.0, 1e6];

/// Runs `ugen` with `inputs` inputs, every input at each of a set of awkward values in
/// turn (and the signal at another), at audio and control rate: it must never panic.
pub(crate) fn survives_awkward_inputs<U: UGen>(ugen: &U, inputs: usize) {
    for rate in [Rate::Audio, Rate::Control] {
        for &control in &AWKWARD {
            for &signal in &AWKWARD[..6] {
                let all: Vec<Input> = (0..inputs)
                    .map(|i| if i == 0 { held(rate, signal) } else { held(Rate::Control, control) })
                    .collect();
                let Ok(mut unit) = Runner::new(ugen, rate, 0, &all) else { continue };
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

    #[test]
    fn effects_survive_awkward_inputs() {
        survives_awkward_inputs(&super::super::formant::Formant, 3);
        survives_awkward_inputs(&super::super::free_verb::FreeVerb, 4);
    }
}
