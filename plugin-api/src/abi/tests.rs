//! The C table exercised end to end on a static entry, exactly as a host would call a
//! plugin library's: every definition crosses through the `extern "C"` functions.

use std::any::Any;
use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Weak};

use super::{header, register, PluginEntry, ABI_VERSION_SYMBOL, ENTRY_SYMBOL};
use crate::{
    AcquireError, ActivateContext, AudioPort, ControlSpec, Lease, Mutability, OperationSpec, PluginDescriptor,
    PluginError, PortDirection, ProcessContext, ProcessStatus, Registrar, Resource, ResourceAccess, ResourceArg,
    ResourceDef, ResourceDefInfo, ResourceId, ResourcePort, Synth, SynthDef, SynthDefInfo, SynthDefTable, World,
    ABI_VERSION, API_VERSION,
};

/// A level, read by Synths and written by operations.
struct Level(AtomicU32);

impl Resource for Level {}

impl Level {
    fn new(value: f32) -> Self {
        Level(AtomicU32::new(value.to_bits()))
    }
    fn get(&self) -> f32 {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }
}

/// `level`: operations `get`, `set` (exclusive), `copy` (from an extra Resource), `echo`
/// (its arguments back), `fail` and `panic`.
struct LevelDef;

impl ResourceDef for LevelDef {
    fn info(&self) -> ResourceDefInfo {
        ResourceDefInfo::new("level", Mutability::Mutable).operations(&[
            OperationSpec::new("get"),
            OperationSpec::new("set").exclusive(),
            OperationSpec::new("copy").exclusive().with_extra_resources(1),
            OperationSpec::new("echo"),
            OperationSpec::new("fail"),
            OperationSpec::new("panic"),
        ])
    }

    fn construct(&self, _: &World, args: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
        match args.first() {
            Some(ResourceArg::Int(-1)) => panic!("construct asked to panic"),
            Some(arg) => match arg.as_float() {
                Some(value) => Ok(Arc::new(Level::new(value as f32))),
                None => Err(PluginError::new("level takes a number")),
            },
            None => Ok(Arc::new(Level::new(0.0))),
        }
    }

    fn perform(
        &self,
        _: &World,
        operation: usize,
        resources: &[Arc<dyn Resource>],
        args: &[ResourceArg],
    ) -> Result<Vec<ResourceArg>, PluginError> {
        let level = |i: usize| crate::downcast::<Level>(&*resources[i]).ok_or_else(|| PluginError::new("not a level"));
        match operation {
            0 => Ok(vec![ResourceArg::Float(f64::from(level(0)?.get()))]),
            1 => {
                let value = args.first().and_then(ResourceArg::as_float).ok_or_else(|| PluginError::new("a number"))?;
                level(0)?.0.store((value as f32).to_bits(), Ordering::Relaxed);
                Ok(Vec::new())
            }
            2 => {
                let value = level(1)?.get();
                level(0)?.0.store(value.to_bits(), Ordering::Relaxed);
                Ok(vec![ResourceArg::Float(f64::from(value))])
            }
            3 => Ok(args.to_vec()),
            4 => Err(PluginError::new("fail always fails")),
            _ => panic!("perform asked to panic"),
        }
    }
}

/// `tone`: every kind of port, and a state with alignment. `out` = `in` × `gain` plus a
/// ramp over frames, plus the bound level; `count` counts frames since `activate`.
struct Tone;

#[repr(align(32))]
struct ToneSynth {
    start: u64,
    calls: u64,
    panic_in_process: bool,
}

const TONE_CONTROLS: &[ControlSpec] = &[
    ControlSpec::new("gain", 0.5, 0.0, 2.0),
    ControlSpec::new("slope", 0.001, -1.0, 1.0),
    ControlSpec::new("mode", 0.0, 0.0, 3.0),
];

impl SynthDef for Tone {
    type Synth = ToneSynth;

    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("tone")
            .inputs(&[AudioPort::new("in")])
            .outputs(&[AudioPort::new("out"), AudioPort::named(String::from("count"))])
            .controls(TONE_CONTROLS)
            .resource_ports(&[
                ResourcePort::new("level", "level", PortDirection::Input),
                ResourcePort::new("sink", "level", PortDirection::Output),
            ])
            .with_sample_accurate_controls()
    }

    fn construct(&self, _: &World, controls: &[f32]) -> Result<ToneSynth, PluginError> {
        match controls[2] {
            1.0 => Err(PluginError::new("mode 1 is refused")),
            2.0 => panic!("mode 2 panics in construct"),
            mode => Ok(ToneSynth { start: 0, calls: 0, panic_in_process: mode == 3.0 }),
        }
    }
}

impl Synth for ToneSynth {
    fn activate(&mut self, ctx: &ActivateContext<'_>) {
        self.start = ctx.frame;
    }

    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        self.calls += 1;
        if self.panic_in_process && self.calls == 2 {
            panic!("tone panics in its second call");
        }
        let (gain, slope) = (ctx.controls[0], ctx.controls[1]);
        let level = ctx.resources.get::<Level>(0).map_or(0.0, Level::get);
        let input = ctx.inputs.channel(0);
        let (out, count) = ctx.outputs.pair(0, 1);
        for i in 0..ctx.frames {
            let t = (ctx.frame + i as u64 - self.start) as f32;
            out[i] = input[i] * gain + slope * t + level;
            count[i] = t;
        }
        if ctx.frame + ctx.frames as u64 >= 200 {
            ProcessStatus::Done
        } else {
            ProcessStatus::Continue
        }
    }
}

/// `reader`: outputs the `level` bound to its port, or the one its `lease` control names;
/// -1 if a Resource is bound but is no `Level`, -2 if the lease is refused as another
/// type, -3 for other refusals; untouched with neither.
struct Reader;
struct ReaderSynth;

impl SynthDef for Reader {
    type Synth = ReaderSynth;

    fn info(&self) -> SynthDefInfo {
        SynthDefInfo::new("reader")
            .outputs(&[AudioPort::new("out")])
            .controls(&[ControlSpec::new("lease", -1.0, -1.0, 1023.0)])
            .resource_ports(&[ResourcePort::new("source", "level", PortDirection::Input)])
    }

    fn construct(&self, _: &World, _: &[f32]) -> Result<ReaderSynth, PluginError> {
        Ok(ReaderSynth)
    }
}

impl Synth for ReaderSynth {
    fn process(&mut self, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let value = if ctx.resources.id(0).is_some() {
            ctx.resources.get::<Level>(0).map_or(-1.0, Level::get)
        } else if ctx.controls[0] >= 0.0 {
            match Lease::<Level>::acquire(ctx.access, ctx.controls[0] as ResourceId) {
                Ok(lease) => lease.get(),
                Err(AcquireError::WrongType) => -2.0,
                Err(_) => -3.0,
            }
        } else {
            return ProcessStatus::OutputsUntouched;
        };
        ctx.outputs.channel(0).fill(value);
        ProcessStatus::Continue
    }
}

fn register_test_plugin(registrar: &mut dyn Registrar) {
    registrar.register_synthdef(SynthDefTable::new(Tone));
    registrar.register_resource_def(Arc::new(LevelDef));
    registrar.register_synthdef(SynthDefTable::new(Reader));
}

const DESCRIPTOR: PluginDescriptor =
    PluginDescriptor { name: "test-plugin", version: "1.2.3", register: register_test_plugin };

static ENTRY: PluginEntry = PluginEntry::new(&DESCRIPTOR);

fn register_and_panic(registrar: &mut dyn Registrar) {
    registrar.register_synthdef(SynthDefTable::new(Reader));
    panic!("registration went wrong");
}

const PANICKING: PluginDescriptor =
    PluginDescriptor { name: "panicking", version: "0.0.1", register: register_and_panic };

/// A SynthDef whose `info` panics.
struct BadInfo;

impl SynthDef for BadInfo {
    type Synth = ReaderSynth;
    fn info(&self) -> SynthDefInfo {
        panic!("no info today")
    }
    fn construct(&self, _: &World, _: &[f32]) -> Result<ReaderSynth, PluginError> {
        Ok(ReaderSynth)
    }
}

const BAD_INFO: PluginDescriptor = PluginDescriptor {
    name: "bad-info",
    version: "0.0.1",
    register: |registrar| registrar.register_synthdef(SynthDefTable::new(BadInfo)),
};

mod exported {
    crate::export_plugin!(super::DESCRIPTOR);
}

/// What a registration produced, by name.
#[derive(Default)]
struct Defs {
    synthdefs: Vec<SynthDefTable>,
    resource_defs: Vec<Arc<dyn ResourceDef>>,
}

impl Registrar for Defs {
    fn register_synthdef(&mut self, def: SynthDefTable) {
        self.synthdefs.push(def);
    }
    fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
        self.resource_defs.push(def);
    }
    fn register_ugen(&mut self, ugen: crate::UGenTable) {
        panic!("no test plugin registers a UGen, got {}", ugen.name());
    }
}

impl Defs {
    fn native() -> Defs {
        let mut defs = Defs::default();
        (DESCRIPTOR.register)(&mut defs);
        defs
    }

    fn foreign(keep_alive: Arc<dyn Any + Send + Sync>) -> Defs {
        let mut defs = Defs::default();
        // SAFETY: a valid entry, whose code is the test binary's.
        unsafe { register(&ENTRY, keep_alive, &mut defs) }.expect("the test plugin registers");
        defs
    }

    fn synthdef(&mut self, name: &str) -> SynthDefTable {
        let i = self.synthdefs.iter().position(|t| t.info().name == name).expect("registered");
        self.synthdefs.remove(i)
    }

    fn level_def(&self) -> Arc<dyn ResourceDef> {
        self.resource_defs[0].clone()
    }
}

fn library() -> Arc<dyn Any + Send + Sync> {
    Arc::new(())
}

#[test]
fn the_header_names_the_plugin_and_its_versions() {
    // SAFETY: a valid entry.
    let header = unsafe { header(&ENTRY) }.unwrap();
    assert_eq!(header.abi_version, ABI_VERSION);
    assert_eq!(header.api_version, API_VERSION);
    assert_eq!(header.name, "test-plugin");
    assert_eq!(header.version, "1.2.3");
    // SAFETY: null is allowed.
    assert!(unsafe { super::header(std::ptr::null()) }.is_err());
}

#[test]
fn the_macro_exports_both_symbols() {
    assert_eq!(exported::oscine_plugin_abi_version(), ABI_VERSION);
    // SAFETY: the exported entry is valid.
    assert_eq!(unsafe { header(exported::oscine_plugin_entry()) }.unwrap().name, "test-plugin");
    assert_eq!(ABI_VERSION_SYMBOL, b"oscine_plugin_abi_version\0");
    assert_eq!(ENTRY_SYMBOL, b"oscine_plugin_entry\0");
}

#[test]
fn another_abi_or_api_version_is_refused_before_the_plugin_is_called() {
    let mut entry = PluginEntry::new(&PANICKING);
    entry.abi_version = ABI_VERSION + 1;
    let mut defs = Defs::default();
    // SAFETY: the header is valid, and nothing else is read.
    let error = unsafe { register(&entry, library(), &mut defs) }.unwrap_err();
    assert!(error.reason().contains("ABI version 2"), "{error}");

    let mut entry = PluginEntry::new(&PANICKING);
    entry.api_version = super::types::StrRef::new("99.0.0");
    // SAFETY: as above.
    let error = unsafe { register(&entry, library(), &mut defs) }.unwrap_err();
    assert!(error.reason().contains("99.0.0"), "{error}");
    assert!(defs.synthdefs.is_empty());
}

#[test]
fn a_panicking_register_or_info_is_an_error_and_registers_nothing() {
    let keep_alive = library();
    let weak = Arc::downgrade(&keep_alive);
    let mut defs = Defs::default();
    // SAFETY: a valid entry.
    let error = unsafe { register(&PluginEntry::new(&PANICKING), keep_alive, &mut defs) }.unwrap_err();
    assert!(error.reason().contains("registration went wrong"), "{error}");
    assert!(error.reason().contains("panicking"), "{error}");
    assert!(defs.synthdefs.is_empty());
    assert!(weak.upgrade().is_none(), "the SynthDef registered before the panic was dropped");

    // SAFETY: a valid entry.
    let error = unsafe { register(&PluginEntry::new(&BAD_INFO), library(), &mut defs) }.unwrap_err();
    assert!(error.reason().contains("no info today"), "{error}");
}

#[test]
fn descriptions_cross_exactly() {
    let mut native = Defs::native();
    let mut foreign = Defs::foreign(library());
    for name in ["tone", "reader"] {
        let (n, f) = (native.synthdef(name), foreign.synthdef(name));
        assert!(!n.is_foreign() && f.is_foreign());
        assert_eq!(n.info(), f.info(), "{name}");
        assert_eq!(n.state_layout(), f.state_layout(), "{name}");
    }
    assert_eq!(native.level_def().info(), foreign.level_def().info());
    let tone = Tone.info();
    assert!(tone.sample_accurate_controls);
    assert_eq!(tone.resource_ports[1].direction, PortDirection::Output);
    assert_eq!(std::alloc::Layout::new::<ToneSynth>().align(), 32);
}

#[cfg(feature = "harness")]
mod rendered {
    use super::*;
    use crate::harness::{Harness, RAGGED, WORLD};

    fn ramp(frames: usize) -> Vec<f32> {
        (0..frames).map(|i| (i as f32 * 0.37).sin()).collect()
    }

    fn render(table: SynthDefTable, level: Option<Arc<dyn Resource>>) -> crate::harness::Render {
        let mut h = Harness::from_table(table, WORLD, &[("gain", 1.5), ("slope", 0.01)]).unwrap();
        if let Some(level) = level {
            h.bind(0, Some((3, level)));
        }
        let input = ramp(300);
        h.run(&[&input], 300, RAGGED)
    }

    #[test]
    fn a_foreign_synth_renders_the_same_samples_as_a_native_one() {
        let mut native = Defs::native();
        let mut foreign = Defs::foreign(library());
        let native_level = native.level_def().construct(&WORLD, &[ResourceArg::Float(0.25)]).unwrap();
        let foreign_level = foreign.level_def().construct(&WORLD, &[ResourceArg::Float(0.25)]).unwrap();
        let n = render(native.synthdef("tone"), Some(native_level));
        let f = render(foreign.synthdef("tone"), Some(foreign_level));
        assert_eq!(n.calls, f.calls);
        assert!(n.first_done().is_some());
        for (a, b) in n.outputs.iter().zip(&f.outputs) {
            assert_eq!(
                a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
        // The level reached the foreign Synth.
        assert_eq!(f.outputs[0][0], 0.25);
    }

    #[test]
    fn construct_errors_and_panics_come_back_as_errors_and_faults() {
        let mut foreign = Defs::foreign(library());
        let tone = foreign.synthdef("tone");
        let (name, error) = Harness::from_table(tone, WORLD, &[("mode", 1.0)]).unwrap_err();
        assert_eq!((name.as_str(), error.reason()), ("tone", "mode 1 is refused"));

        let tone = Defs::foreign(library()).synthdef("tone");
        let (_, error) = Harness::from_table(tone, WORLD, &[("mode", 2.0)]).unwrap_err();
        assert_eq!(error.reason(), "plugin panicked: mode 2 panics in construct");

        let tone = Defs::foreign(library()).synthdef("tone");
        let mut h = Harness::from_table(tone, WORLD, &[("mode", 3.0)]).unwrap();
        let input = ramp(64);
        h.run(&[&input], 10, &[10]);
        let second = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| h.run(&[&input], 10, &[10])));
        let text = crate::table::panic_text(&*second.unwrap_err());
        assert_eq!(text, "tone panicked in process");
    }

    #[test]
    fn a_foreign_synth_reaches_only_resources_of_its_own_library_instance() {
        let library_a = library();
        let mut a = Defs::foreign(library_a.clone());
        let b = Defs::foreign(library());
        let mut h = Harness::from_table(a.synthdef("reader"), WORLD, &[]).unwrap();
        let ours = a.level_def().construct(&WORLD, &[ResourceArg::Int(2)]).unwrap();
        let theirs = b.level_def().construct(&WORLD, &[ResourceArg::Int(2)]).unwrap();
        let native: Arc<dyn Resource> = Arc::new(Level::new(2.0));
        for (resource, expected) in [(ours, 2.0), (theirs, -1.0), (native, -1.0)] {
            h.bind(0, Some((1, resource)));
            assert_eq!(h.generate(5, RAGGED).outputs[0], [expected; 5]);
        }
        h.bind(0, None);
        assert_eq!(h.generate(5, RAGGED).outputs[0], [0.0; 5], "untouched without a binding");
    }
}

/// A resource pool for one call, counting holders.
struct Pool {
    resources: Vec<Arc<dyn Resource>>,
    holders: Cell<i32>,
}

impl ResourceAccess for Pool {
    fn acquire(&self, id: ResourceId) -> Result<&dyn Resource, AcquireError> {
        let resource = self.resources.get(id as usize).ok_or(AcquireError::OutOfRange)?;
        self.holders.set(self.holders.get() + 1);
        Ok(&**resource)
    }
    fn release(&self, _: ResourceId) {
        self.holders.set(self.holders.get() - 1);
    }
}

/// One `process` call of a fresh `reader` with `lease` set, through `pool`.
fn read_through_lease(table: &SynthDefTable, lease: f32, pool: &Pool) -> f32 {
    let world = World::new(48_000.0, 4);
    let controls = [lease];
    let layout = table.state_layout();
    assert_eq!(layout.size(), 0);
    let place = std::ptr::NonNull::new(layout.align() as *mut u8).unwrap();
    // SAFETY: a zero-sized state needs no memory, only an aligned pointer.
    unsafe { table.construct(&world, &controls, place) }.unwrap();
    let mut outputs = [f32::NAN; 4];
    let no_ports: Vec<Option<crate::ResourceBinding>> = vec![None];
    let args = crate::ProcessArgs {
        sample_rate: world.sample_rate,
        frame: 0,
        frames: 4,
        controls: &controls,
        control_maps: Default::default(),
        inputs: &[],
        outputs: &mut outputs,
        stride: 4,
        offset: 0,
        ports: &no_ports,
        access: pool,
        buses: &mut crate::NoBuses,
        reports: &mut crate::NoReports,
        wire_buffers: &mut [],
    };
    // SAFETY: the state is live, used by nobody else.
    let status = unsafe { table.process(place, args) }.unwrap();
    // SAFETY: the state is live and never used again.
    unsafe { table.drop_state(place) }.unwrap();
    assert_eq!(status, ProcessStatus::Continue);
    outputs[0]
}

#[test]
fn a_foreign_lease_downcasts_and_refuses_other_origins() {
    let mut a = Defs::foreign(library());
    let b = Defs::foreign(library());
    let reader = a.synthdef("reader");
    let pool = Pool {
        resources: vec![
            a.level_def().construct(&World::new(1.0, 1), &[ResourceArg::Float(0.75)]).unwrap(),
            b.level_def().construct(&World::new(1.0, 1), &[]).unwrap(),
            Arc::new(Level::new(0.5)),
        ],
        holders: Cell::new(0),
    };
    assert_eq!(read_through_lease(&reader, 0.0, &pool), 0.75);
    assert_eq!(read_through_lease(&reader, 1.0, &pool), -2.0);
    assert_eq!(read_through_lease(&reader, 2.0, &pool), -2.0);
    assert_eq!(read_through_lease(&reader, 9.0, &pool), -3.0);
    assert_eq!(pool.holders.get(), 0, "every acquire was released");
}

#[test]
fn foreign_resource_defs_construct_and_perform() {
    let world = World::new(48_000.0, 64);
    let defs = Defs::foreign(library());
    let def = defs.level_def();
    let level = def.construct(&world, &[ResourceArg::Float(0.5)]).unwrap();
    let other = def.construct(&world, &[]).unwrap();
    assert_eq!(def.perform(&world, 0, std::slice::from_ref(&level), &[]).unwrap(), [ResourceArg::Float(0.5)]);
    assert_eq!(def.perform(&world, 1, std::slice::from_ref(&level), &[ResourceArg::Int(3)]).unwrap(), []);
    assert_eq!(def.perform(&world, 2, &[other.clone(), level.clone()], &[]).unwrap(), [ResourceArg::Float(3.0)]);
    assert_eq!(def.perform(&world, 0, std::slice::from_ref(&other), &[]).unwrap(), [ResourceArg::Float(3.0)]);
    let args = [
        ResourceArg::Int(-7),
        ResourceArg::Float(1.5),
        ResourceArg::String("é and more".into()),
        ResourceArg::Blob(vec![0, 255, 3]),
        ResourceArg::String(String::new()),
        ResourceArg::Blob(Vec::new()),
    ];
    assert_eq!(def.perform(&world, 3, std::slice::from_ref(&level), &args).unwrap(), args);
    assert_eq!(def.perform(&world, 4, std::slice::from_ref(&level), &[]).unwrap_err().reason(), "fail always fails");
    let panicked = def.perform(&world, 5, std::slice::from_ref(&level), &[]).unwrap_err();
    assert_eq!(panicked.reason(), "plugin panicked: perform asked to panic");

    let native: Arc<dyn Resource> = Arc::new(Level::new(1.0));
    let refused = def.perform(&world, 0, &[native], &[]).unwrap_err();
    assert!(refused.reason().contains("not made by"), "{refused}");
    let second = Defs::foreign(library()).level_def().construct(&world, &[]).unwrap();
    assert!(def.perform(&world, 2, &[level.clone(), second], &[]).is_err());

    let refused = def.construct(&world, &[ResourceArg::String("loud".into())]).unwrap_err();
    assert_eq!(refused.reason(), "level takes a number");
    let panicked = def.construct(&world, &[ResourceArg::Int(-1)]).unwrap_err();
    assert_eq!(panicked.reason(), "plugin panicked: construct asked to panic");
    def.destroy(level);
}

#[test]
fn the_library_is_released_once_nothing_built_from_it_lives() {
    let keep_alive = library();
    let weak: Weak<dyn Any + Send + Sync> = Arc::downgrade(&keep_alive);
    let mut defs = Defs::foreign(keep_alive);
    let world = World::new(48_000.0, 64);
    let resource = defs.level_def().construct(&world, &[ResourceArg::Float(1.0)]).unwrap();
    let reader = defs.synthdef("reader");
    assert_eq!(weak.strong_count(), 4, "three definitions and one Resource");
    drop(defs);
    assert!(weak.upgrade().is_some(), "the reader and the Resource hold it");
    drop(reader);
    assert!(weak.upgrade().is_some(), "the Resource holds it");
    drop(resource);
    assert!(weak.upgrade().is_none());
}
