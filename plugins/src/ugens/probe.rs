//! Runs one registered UGen by class name, the way a graph Synth runs its units, for the
//! UGens' tests: `init` with one frame, then `next` a block at a time, every input a
//! constant of the graph, from a given generator state.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;

use oscine_plugin_api::{
    InputSpec, NoBuses, NoResources, Rate, Registrar, ResourceDef, Rgen, SynthDefTable, UGenTable, UnitContext, UnitIo,
    UnitSpec, Wire, WireMut,
};

/// The tests' sample rate and block size.
pub(crate) const SAMPLE_RATE: f64 = 48000.0;
pub(crate) const BLOCK: usize = 64;

/// The state of scsynth's generator just after `RandSeed.ir(1, 1234)`: recovered from
/// a seeded `WhiteNoise` render, each sample of which shows 23 bits of one draw. The
/// generator is linear over GF(2), so a dozen samples pin down its 88 bits of state.
pub(crate) const SEEDED: (u32, u32, u32) = (0xa900_3852, 0x5b7d_86e0, 0x8f87_9a30);

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

/// What a run produced: the value `init` wrote, and the output's frames after it (one a
/// block at control rate).
pub(crate) struct Run {
    pub(crate) first: f32,
    pub(crate) frames: Vec<f32>,
}

/// Runs UGen `name` at `rate` on constant `inputs` for `blocks` blocks, drawing from
/// `rgen`.
pub(crate) fn run(name: &str, rate: Rate, inputs: &[f32], blocks: usize, rgen: &mut Rgen) -> Run {
    let table = table(name);
    let specs: Vec<InputSpec> = inputs.iter().map(|&c| InputSpec { rate: Rate::Scalar, constant: Some(c) }).collect();
    let outputs = [rate];
    let spec = UnitSpec {
        name,
        rate,
        special_index: 0,
        inputs: &specs,
        outputs: &outputs,
        sample_rate: SAMPLE_RATE,
        block_size: BLOCK,
    };
    let layout = table.state_layout();
    let layout = Layout::from_size_align(layout.size().max(1), layout.align()).unwrap();
    // SAFETY: a non-zero size.
    let place = NonNull::new(unsafe { std::alloc::alloc(layout) }).expect("memory");
    // SAFETY: laid out for the unit, holding nothing.
    unsafe { table.build(&spec, place) }.unwrap_or_else(|e| panic!("{name}: {e:?}"));
    let constants: Vec<f32> = inputs.to_vec();
    let mut out = vec![0.0f32; BLOCK];
    // SAFETY: each constant outlives the calls below.
    let wires: Vec<Wire> = constants.iter().map(|c| unsafe { Wire::new(c, Rate::Scalar) }).collect();
    let call = |init: bool, out: &mut Vec<f32>, rgen: &mut Rgen| {
        // SAFETY: the output buffer holds a block and is nobody else's.
        let outs = [unsafe { WireMut::new(out.as_mut_ptr(), rate) }];
        let mut buses = NoBuses;
        let controls = [];
        let mut ctx = UnitContext::new(SAMPLE_RATE, BLOCK, 0, 0, &controls, &mut buses, &NoResources, rgen, &mut []);
        let frames = if init || rate != Rate::Audio { 1 } else { BLOCK };
        // SAFETY: every wire is valid for its rate; the output overlaps nothing.
        let mut io = unsafe { UnitIo::new(frames, &wires, &outs, &mut ctx) };
        // SAFETY: `place` holds the unit built above, used only here.
        let ran = unsafe {
            if init {
                table.init(place, &mut io)
            } else {
                table.next(place, &mut io)
            }
        };
        assert!(ran.is_ok(), "{name} panicked");
    };
    call(true, &mut out, rgen);
    let first = out[0];
    let mut frames = Vec::new();
    if rate != Rate::Scalar {
        for _ in 0..blocks {
            call(false, &mut out, rgen);
            frames.extend_from_slice(if rate == Rate::Audio { &out[..] } else { &out[..1] });
        }
    }
    // SAFETY: built above and never used again; allocated with `layout`.
    unsafe {
        table.drop_unit(place).expect("drop");
        std::alloc::dealloc(place.as_ptr(), layout);
    }
    Run { first, frames }
}
