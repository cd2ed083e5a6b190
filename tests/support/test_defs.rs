//! SynthDefs whose output is exact, for checking the engine rather than DSP.
use std::sync::Arc;

use oscine_plugin_api::{
    ActivateContext, AudioPort, ControlSpec, PluginError, ProcessContext, ProcessStatus, Registrar, Synth, SynthDef,
    SynthDefInfo, SynthDefTable, World,
};

const OUT: &[AudioPort] = &[AudioPort::new("out")];
const IN: &[AudioPort] = &[AudioPort::new("in")];

/// `test-dc`: writes `level` to its one output.
pub struct Dc;
/// `test-copy`: copies its input to its output, plus `add`.
pub struct CopyAdd;
/// `test-panic`: panics when `boom` is 1.
pub struct Panicker;
/// `test-done`: says done in its `after`-th call (1-based), outputs the call count.
pub struct DoneAfterCalls;

pub struct DcSynth;
pub struct CopySynth;
pub struct PanicSynth;
pub struct DoneSynth(u32);

impl SynthDef for Dc {
    type Synth = DcSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-dc").outputs(OUT).controls(&[ControlSpec::new("level", 1.0, -100.0, 100.0)])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<DcSynth, PluginError> {
        Ok(DcSynth)
    }
}

impl Synth for DcSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let level = ctx.controls[0];
        ctx.outputs.channel(0).fill(level);
        ProcessStatus::Continue
    }
}

impl SynthDef for CopyAdd {
    type Synth = CopySynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-copy").inputs(IN).outputs(OUT).controls(&[ControlSpec::new("add", 0.0, -100.0, 100.0)])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<CopySynth, PluginError> {
        Ok(CopySynth)
    }
}

impl Synth for CopySynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let add = ctx.controls[0];
        let input = ctx.inputs.channel(0);
        for (o, i) in ctx.outputs.channel(0).iter_mut().zip(input) {
            *o = *i + add;
        }
        ProcessStatus::Continue
    }
}

impl SynthDef for Panicker {
    type Synth = PanicSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-panic").outputs(OUT).controls(&[ControlSpec::new("boom", 0.0, 0.0, 1.0)])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<PanicSynth, PluginError> {
        Ok(PanicSynth)
    }
}

impl Synth for PanicSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        if ctx.controls[0] == 1.0 {
            panic!("test-panic asked to panic");
        }
        ctx.outputs.channel(0).fill(0.25);
        ProcessStatus::Continue
    }
}

impl SynthDef for DoneAfterCalls {
    type Synth = DoneSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-done").outputs(OUT).controls(&[ControlSpec::new("after", 1.0, 1.0, 1000.0)])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<DoneSynth, PluginError> {
        Ok(DoneSynth(0))
    }
}

impl Synth for DoneSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        self.0 += 1;
        ctx.outputs.channel(0).fill(self.0 as f32);
        if self.0 as f32 >= ctx.controls[0] {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

/// `test-frame`: writes the engine frame of every sample it renders to `frame`, and the
/// frame its `activate` was told to `started`, so tests see the block's time and the exact
/// start.
pub struct Frame;
pub struct FrameSynth {
    started: Option<u64>,
}

impl SynthDef for Frame {
    type Synth = FrameSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-frame").outputs(&[AudioPort::new("frame"), AudioPort::new("started")])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<FrameSynth, PluginError> {
        Ok(FrameSynth { started: None })
    }
}

impl Synth for FrameSynth {
    fn activate(&mut self, ctx: &ActivateContext<'_>) {
        self.started = Some(ctx.frame);
    }
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let first = ctx.frame;
        let (frames, started) = ctx.outputs.pair(0, 1);
        for (i, x) in frames.iter_mut().enumerate() {
            *x = (first + i as u64) as f32;
        }
        started.fill(self.started.map_or(-1.0, |f| f as f32));
        ProcessStatus::Continue
    }
}

/// `test-untouched`: writes `level` while `write` is 1; otherwise leaves its output
/// untouched and says so, so the engine must write silence for it.
pub struct Untouched;
pub struct UntouchedSynth;

impl SynthDef for Untouched {
    type Synth = UntouchedSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-untouched")
            .outputs(OUT)
            .controls(&[ControlSpec::new("level", 0.5, -100.0, 100.0), ControlSpec::new("write", 1.0, 0.0, 1.0)])
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<UntouchedSynth, PluginError> {
        Ok(UntouchedSynth)
    }
}

impl Synth for UntouchedSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        if ctx.controls[1] == 1.0 {
            let level = ctx.controls[0];
            ctx.outputs.channel(0).fill(level);
            ProcessStatus::Continue
        } else {
            ProcessStatus::OutputsUntouched
        }
    }
}

pub fn register(registrar: &mut dyn Registrar) {
    registrar.register_synthdef(SynthDefTable::new(Dc));
    registrar.register_synthdef(SynthDefTable::new(CopyAdd));
    registrar.register_synthdef(SynthDefTable::new(Panicker));
    registrar.register_synthdef(SynthDefTable::new(DoneAfterCalls));
    registrar.register_synthdef(SynthDefTable::new(Click));
    registrar.register_synthdef(SynthDefTable::new(Step));
    registrar.register_synthdef(SynthDefTable::new(Frame));
    registrar.register_synthdef(SynthDefTable::new(Untouched));
}

/// Counts of what happened to `test-counted` Resources, shared by one test's defs.
#[derive(Default, Debug)]
pub struct Counters {
    pub constructs: std::sync::atomic::AtomicU64,
    pub destroys: std::sync::atomic::AtomicU64,
    pub double_destroys: std::sync::atomic::AtomicU64,
    pub uses_after_destroy: std::sync::atomic::AtomicU64,
    pub performs: std::sync::atomic::AtomicU64,
}

/// A Resource that knows whether it was destroyed, so any later use is caught.
pub struct Counted {
    destroyed: std::sync::atomic::AtomicBool,
    counters: Arc<Counters>,
}

impl oscine_plugin_api::Resource for Counted {}

impl Counted {
    pub fn check_alive(&self) {
        if self.destroyed.load(std::sync::atomic::Ordering::SeqCst) {
            self.counters.uses_after_destroy.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// `test-counted`: construct fails when its first argument is 1; operations `touch`
/// (shared) and `write` (exclusive).
pub struct CountedDef(pub Arc<Counters>);

const COUNTED_OPS: &[oscine_plugin_api::OperationSpec] =
    &[oscine_plugin_api::OperationSpec::new("touch"), oscine_plugin_api::OperationSpec::new("write").exclusive()];

impl oscine_plugin_api::ResourceDef for CountedDef {
    fn info(&self) -> oscine_plugin_api::ResourceDefInfo {
        oscine_plugin_api::ResourceDefInfo::new("test-counted", oscine_plugin_api::Mutability::Mutable)
            .operations(COUNTED_OPS)
    }
    fn construct(
        &self,
        _: &World,
        args: &[oscine_plugin_api::ResourceArg],
    ) -> Result<Arc<dyn oscine_plugin_api::Resource>, oscine_plugin_api::PluginError> {
        if args.first().and_then(|a| a.as_int()) == Some(1) {
            return Err(oscine_plugin_api::PluginError::new("asked to fail"));
        }
        self.0.constructs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(Arc::new(Counted { destroyed: Default::default(), counters: Arc::clone(&self.0) }))
    }
    fn destroy(&self, resource: Arc<dyn oscine_plugin_api::Resource>) {
        let counted = oscine_plugin_api::downcast::<Counted>(&*resource).expect("a test-counted resource");
        if counted.destroyed.swap(true, std::sync::atomic::Ordering::SeqCst) {
            self.0.double_destroys.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        self.0.destroys.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    fn perform(
        &self,
        _: &World,
        _: usize,
        resources: &[Arc<dyn oscine_plugin_api::Resource>],
        _: &[oscine_plugin_api::ResourceArg],
    ) -> Result<Vec<oscine_plugin_api::ResourceArg>, oscine_plugin_api::PluginError> {
        for r in resources {
            oscine_plugin_api::downcast::<Counted>(&**r).expect("a test-counted resource").check_alive();
        }
        self.0.performs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(vec![oscine_plugin_api::ResourceArg::Int(resources.len() as i64)])
    }
}

/// `test-holder`: binds a `test-counted` Resource on port `res` and checks it is alive
/// every block; `pass` (0/1) also acquires resource `pass_id` per pass through a lease.
pub struct Holder;
pub struct HolderSynth;

const HOLDER_PORTS: &[oscine_plugin_api::ResourcePort] =
    &[oscine_plugin_api::ResourcePort::new("res", "test-counted", oscine_plugin_api::PortDirection::Input)];

impl SynthDef for Holder {
    type Synth = HolderSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-holder")
            .outputs(OUT)
            .controls(&[ControlSpec::new("pass_id", -1.0, -1.0, 1e6)])
            .resource_ports(HOLDER_PORTS)
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<HolderSynth, PluginError> {
        Ok(HolderSynth)
    }
}

impl Synth for HolderSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let bound = ctx.resources.get::<Counted>(0);
        if let Some(r) = bound {
            r.check_alive();
        }
        let mut level = if bound.is_some() { 1.0 } else { 0.0 };
        let pass_id = ctx.controls[0];
        if pass_id >= 0.0 {
            if let Some(lease) = oscine_plugin_api::Lease::<Counted>::try_acquire(ctx.access, pass_id as i32) {
                lease.check_alive();
                level += 2.0;
            }
        }
        ctx.outputs.channel(0).fill(level);
        ProcessStatus::Continue
    }
}

pub fn register_counted(registrar: &mut dyn Registrar, counters: Arc<Counters>) {
    registrar.register_resource_def(Arc::new(CountedDef(counters)));
    registrar.register_synthdef(SynthDefTable::new(Holder));
}

/// `test-click`: writes 1.0 on the first frame it ever processes and 0.0 on every other, so
/// its output shows exactly where it started.
pub struct Click;
pub struct ClickSynth {
    fired: bool,
}

impl SynthDef for Click {
    type Synth = ClickSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-click").outputs(OUT)
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<ClickSynth, PluginError> {
        Ok(ClickSynth { fired: false })
    }
}

impl Synth for ClickSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let out = ctx.outputs.channel(0);
        out.fill(0.0);
        if !self.fired && !out.is_empty() {
            out[0] = 1.0;
            self.fired = true;
        }
        ProcessStatus::Continue
    }
}

/// `test-step`: writes its control `level` to its one output, and asks for
/// sample-accurate controls, so a change shows on the exact frame it lands on.
pub struct Step;
pub struct StepSynth;

impl SynthDef for Step {
    type Synth = StepSynth;
    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("test-step")
            .outputs(OUT)
            .controls(&[ControlSpec::new("level", 0.0, -100.0, 100.0)])
            .with_sample_accurate_controls()
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<StepSynth, PluginError> {
        Ok(StepSynth)
    }
}

impl Synth for StepSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let level = ctx.controls[0];
        ctx.outputs.channel(0).fill(level);
        ProcessStatus::Continue
    }
}

/// `test-gated`: a ResourceDef whose construct blocks until the test lets it through, so
/// a test can hold a construct running for as long as it needs, whatever the machine's
/// speed. Its Resource keeps the construct's first argument; operation `value` (shared)
/// returns it.
///
/// Each construct first tells the test it started ([`Gate::wait_entered`]), then waits
/// for one [`Gate::open`]. If the test drops its [`Gate`], every construct waiting or to
/// come fails at once, so a failing test never leaves a worker stuck.
pub struct GatedDef {
    entered: std::sync::Mutex<std::sync::mpsc::Sender<i64>>,
    gate: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
    /// How many `test-gated` Resources were destroyed.
    pub destroys: Arc<std::sync::atomic::AtomicU64>,
}

/// The test's side of a [`GatedDef`].
pub struct Gate {
    entered: std::sync::mpsc::Receiver<i64>,
    open: std::sync::mpsc::Sender<()>,
    /// How many `test-gated` Resources were destroyed.
    pub destroys: Arc<std::sync::atomic::AtomicU64>,
}

/// A `test-gated` Resource.
pub struct Gated {
    pub value: i64,
}

impl oscine_plugin_api::Resource for Gated {}

/// How long [`Gate::wait_entered`] waits for a construct to start on a worker.
pub const GATE_ENTER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// A `test-gated` definition and the gate that controls it.
pub fn gated() -> (GatedDef, Gate) {
    let (entered_tx, entered_rx) = std::sync::mpsc::channel();
    let (open_tx, open_rx) = std::sync::mpsc::channel();
    let destroys = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let def = GatedDef {
        entered: std::sync::Mutex::new(entered_tx),
        gate: std::sync::Mutex::new(open_rx),
        destroys: Arc::clone(&destroys),
    };
    (def, Gate { entered: entered_rx, open: open_tx, destroys })
}

impl Gate {
    /// Waits until a construct is running on a worker (at most [`GATE_ENTER_TIMEOUT`]);
    /// returns its first argument.
    #[track_caller]
    pub fn wait_entered(&self) -> i64 {
        self.entered
            .recv_timeout(GATE_ENTER_TIMEOUT)
            .unwrap_or_else(|e| panic!("no test-gated construct started within {GATE_ENTER_TIMEOUT:?}: {e}"))
    }

    /// Lets one waiting (or the next) construct finish.
    pub fn open(&self) {
        self.open.send(()).expect("the test-gated definition is alive");
    }

    /// How many `test-gated` Resources were destroyed so far.
    pub fn destroyed(&self) -> u64 {
        self.destroys.load(std::sync::atomic::Ordering::SeqCst)
    }
}

const GATED_OPS: &[oscine_plugin_api::OperationSpec] = &[oscine_plugin_api::OperationSpec::new("value")];

impl oscine_plugin_api::ResourceDef for GatedDef {
    fn info(&self) -> oscine_plugin_api::ResourceDefInfo {
        oscine_plugin_api::ResourceDefInfo::new("test-gated", oscine_plugin_api::Mutability::Immutable)
            .operations(GATED_OPS)
    }
    fn construct(
        &self,
        _: &World,
        args: &[oscine_plugin_api::ResourceArg],
    ) -> Result<Arc<dyn oscine_plugin_api::Resource>, oscine_plugin_api::PluginError> {
        let value = args.first().and_then(|a| a.as_int()).unwrap_or(0);
        // The test may be gone already; then the gate below is closed for good too.
        let _ = self.entered.lock().unwrap().send(value);
        match self.gate.lock().unwrap().recv() {
            Ok(()) => Ok(Arc::new(Gated { value })),
            Err(_) => Err(oscine_plugin_api::PluginError::new("the test dropped its gate")),
        }
    }
    fn destroy(&self, resource: Arc<dyn oscine_plugin_api::Resource>) {
        if oscine_plugin_api::downcast::<Gated>(&*resource).is_some() {
            self.destroys.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
    fn perform(
        &self,
        _: &World,
        _: usize,
        resources: &[Arc<dyn oscine_plugin_api::Resource>],
        _: &[oscine_plugin_api::ResourceArg],
    ) -> Result<Vec<oscine_plugin_api::ResourceArg>, oscine_plugin_api::PluginError> {
        let gated = oscine_plugin_api::downcast::<Gated>(&*resources[0]).expect("a test-gated resource");
        Ok(vec![oscine_plugin_api::ResourceArg::Int(gated.value)])
    }
}
