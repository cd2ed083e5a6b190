//! Runs one unit the way a graph Synth does, for the UGens' tests: `init` with one frame,
//! then `next` a block at a time, its inputs fed from per-block values.

use oscine_plugin_api::{
    DoneAction, InputSpec, NoBuses, NoResources, Rate, Rgen, UGen, Unit, UnitContext, UnitIo, UnitSpec, Wire, WireMut,
};

/// The tests' sample rate and block size.
pub(crate) const SAMPLE_RATE: f64 = 48000.0;
pub(crate) const BLOCK: usize = 64;

/// One input of the unit under test.
pub(crate) enum Input {
    /// A constant of the graph.
    Constant(f32),
    /// A wire of `rate` whose value in block `k` is `f(k)` at control or scalar rate (and
    /// `f(0)` at `init`), or whose frame `n` of the whole run is `f(n)` at audio rate.
    Wire(Rate, Box<dyn Fn(usize) -> f32>),
}

/// An input at `rate` following `f`.
pub(crate) fn wire(rate: Rate, f: impl Fn(usize) -> f32 + 'static) -> Input {
    Input::Wire(rate, Box::new(f))
}

/// Builds `ugen` at `rate` with `special_index` on `inputs`, one output at `rate`, and
/// runs it for `blocks` blocks. Returns the output's value at `init` and its values after,
/// one a block at control rate, a block of frames at audio rate.
pub(crate) fn run<U: UGen>(
    ugen: &U,
    rate: Rate,
    special_index: i16,
    inputs: &[Input],
    blocks: usize,
) -> Result<(f32, Vec<f32>), oscine_plugin_api::PluginError> {
    run_until_done(ugen, rate, special_index, inputs, blocks).map(|(first, values, _)| (first, values))
}

/// The output at `init`, the values after, and the first done action asked for, with its
/// block.
pub(crate) type RunUntilDone = (f32, Vec<f32>, Option<(usize, DoneAction)>);

/// [`run`], also giving the first block in which the unit asked for a done action, and
/// the action.
pub(crate) fn run_until_done<U: UGen>(
    ugen: &U,
    rate: Rate,
    special_index: i16,
    inputs: &[Input],
    blocks: usize,
) -> Result<RunUntilDone, oscine_plugin_api::PluginError> {
    let specs: Vec<InputSpec> = inputs
        .iter()
        .map(|i| match i {
            Input::Constant(c) => InputSpec { rate: Rate::Scalar, constant: Some(*c) },
            Input::Wire(rate, _) => InputSpec { rate: *rate, constant: None },
        })
        .collect();
    let outputs = [rate];
    let spec = UnitSpec {
        name: "Test",
        rate,
        special_index,
        inputs: &specs,
        outputs: &outputs,
        sample_rate: SAMPLE_RATE,
        block_size: BLOCK,
    };
    let mut unit = ugen.build(&spec)?;
    let mut buffers: Vec<Vec<f32>> = vec![vec![0.0; BLOCK]; inputs.len()];
    let mut out = vec![0.0f32; BLOCK];
    let mut rgen = Rgen::new(0);
    let controls = [];
    let fill = |buffers: &mut Vec<Vec<f32>>, block: Option<usize>| {
        for (buffer, input) in buffers.iter_mut().zip(inputs) {
            match input {
                Input::Constant(c) => buffer[0] = *c,
                Input::Wire(Rate::Audio, f) => match block {
                    Some(k) => buffer.iter_mut().enumerate().for_each(|(i, x)| *x = f(k * BLOCK + i)),
                    None => buffer[0] = f(0),
                },
                Input::Wire(_, f) => buffer[0] = f(block.unwrap_or(0)),
            }
        }
    };
    let call = |unit: &mut U::Unit,
                buffers: &Vec<Vec<f32>>,
                out: &mut Vec<f32>,
                rgen: &mut Rgen,
                init: bool|
     -> Option<DoneAction> {
        let wires: Vec<Wire> = buffers
            .iter()
            .zip(&specs)
            // SAFETY: each buffer holds a block and outlives the call.
            .map(|(b, s)| unsafe { Wire::new(b.as_ptr(), s.rate) })
            .collect();
        // SAFETY: as above; the output is its own buffer.
        let outs = [unsafe { WireMut::new(out.as_mut_ptr(), rate) }];
        let mut buses = NoBuses;
        let mut ctx = UnitContext::new(SAMPLE_RATE, BLOCK, 0, 0, &controls, &mut buses, &NoResources, rgen, &mut []);
        let frames = if init || rate != Rate::Audio { 1 } else { BLOCK };
        // SAFETY: every wire holds a block; none overlaps another.
        let mut io = unsafe { UnitIo::new(frames, &wires, &outs, &mut ctx) };
        if init {
            unit.init(&mut io);
        } else {
            unit.next(&mut io);
        }
        ctx.done_action()
    };
    fill(&mut buffers, None);
    call(&mut unit, &buffers, &mut out, &mut rgen, true);
    let first = out[0];
    let mut values = Vec::new();
    let mut done = None;
    if rate != Rate::Scalar {
        for k in 0..blocks {
            fill(&mut buffers, Some(k));
            if let Some(action) = call(&mut unit, &buffers, &mut out, &mut rgen, false) {
                done = done.or(Some((k, action)));
            }
            values.extend_from_slice(if rate == Rate::Audio { &out[..] } else { &out[..1] });
        }
    }
    Ok((first, values, done))
}
