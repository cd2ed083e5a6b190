//! The audio thread's process path never allocates or frees: proven with a counting
//! global allocator while Synths of every registered SynthDef are created, controlled,
//! mapped, queried, done and freed.
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use oscine::control::ControlKey;
use oscine::drivers::BlockAdapter;
use oscine::engine::{
    AddAction::*, BusMapping, BusValues, Command, ControlChanges, ControlRef, DoneFlags, EngineOptions, Event,
    ResourceDefId, ResourceDefRef, ResourceIds, Timetag,
};
use oscine_plugin_api::{ReportKind, ResourceArg, ResourceDef};
use support::alloc_counter::{count, CountingAllocator};
use support::test_defs::{register_counted, CountedDef, Counters};
use support::{TestEngine, CLIENT};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// The SynthDef bytes a UGen conformance case's score sends (its `/d_recv`).
fn case_synthdef(case: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/ugens/cases/{case}.osc", env!("CARGO_MANIFEST_DIR"));
    let score = oscine::score::read_score(&std::fs::read(path).expect("score")).expect("score reads");
    score
        .iter()
        .flat_map(|b| &b.messages)
        .find(|m| m.message.addr == "/d_recv")
        .and_then(|m| match m.message.args.first() {
            Some(rosc::OscType::Blob(bytes)) => Some(bytes.clone()),
            _ => None,
        })
        .expect("the score sends its SynthDef")
}

fn render_counted(t: &mut TestEngine, blocks: usize) {
    let ((), allocs, frees) = count(|| {
        for _ in 0..blocks {
            t.driver.render_block();
        }
    });
    assert_eq!((allocs, frees), (0, 0), "the audio thread allocated or freed");
}

#[test]
fn the_process_path_never_allocates_or_frees() {
    let mut t = TestEngine::new(EngineOptions { block_size: 64, max_nodes: 256, ..Default::default() });
    // Graph SynthDefs (SCgf) too: their units, wires and buses by number.
    let graphs = t.handle.receive_graph_defs(&support::scgf::file(&[support::scgf::sine("graph-sine", 440.0)]));
    assert_eq!(graphs.unwrap(), ["graph-sine", "graph-sine.high"]);
    // An audio-rate control (`AudioControl`), read frame by frame from an audio bus once
    // mapped, and a ramp that writes one.
    let graphs = t.handle.receive_graph_defs(&support::scgf::file(&[
        support::scgf::control_reader("graph-control-reader"),
        support::scgf::ramp("graph-ramp"),
    ]));
    assert!(graphs.is_ok(), "{graphs:?}");
    // And SynthDefs as supriya writes them: SinOsc and a multiply; Saw, LPF, Pan2 and an
    // EnvGen; supriya's port of sclang's `default` (VarSaw, Rand, Sum3, LPF, XLine, Linen,
    // Pan2, OffsetOut); PlayBuf, BufRd, RecordBuf and BufWr on buffer 0; SendTrig,
    // SendReply, SendPeakRMS, and DiskOut recording into buffer 0.
    for name in ["sine", "voice", "supriya_default", "chord", "buffers", "senders"] {
        let path = format!("{}/tests/fixtures/scgf/{name}.scsyndef", env!("CARGO_MANIFEST_DIR"));
        let installed = t.handle.receive_graph_defs(&std::fs::read(&path).unwrap());
        assert!(installed.is_ok(), "{name}: {installed:?}");
    }
    // And the conformance cases of the UGens that keep delay lines, report values (Poll,
    // whose report shares its label) or read another unit's end (Done).
    for case in ["poll_ar", "poll_kr", "freeverb_ar", "gverb_ar", "formant_ar", "done_kr_envgen"] {
        let installed = t.handle.receive_graph_defs(&case_synthdef(case));
        assert!(installed.is_ok(), "{case}: {installed:?}");
    }
    let names: Vec<String> = t.handle.registry().entries().iter().map(|e| e.name().to_owned()).collect();
    assert!(names.len() >= 4);
    // The counter itself works: a plain allocation on this thread is seen.
    let (_, allocs, _) = count(|| Box::new(7u64));
    assert_eq!(allocs, 1);
    // Buffer 0, which the buffer UGens hold for each block they run.
    let buffer = t.handle.registry().resource_def_ref("audio-buffer").unwrap();
    let args = vec![ResourceArg::Int(1), ResourceArg::Int(1000)].into_boxed_slice();
    t.send(Command::ResourceNew { client: CLIENT, id: 0, def: buffer, args });
    pump_until(&mut t, "buffer 0 ready", |e| e.iter().any(|e| matches!(e, Event::ResourceReady { id: 0, .. })));

    for round in 0..3 {
        let base = 1000 * (round + 1);
        t.group(base, 0, TailOfGroup);
        for (i, name) in names.iter().enumerate() {
            if name == "test-panic" {
                continue; // a panic allocates its payload by design; covered elsewhere
            }
            let id = base + 1 + i as i32;
            t.synth(name, id, base, TailOfGroup, &[]);
            t.send(Command::MapOutput {
                client: CLIENT,
                id,
                port: 0,
                mapping: Some(BusMapping::internal(1)),
                append: true,
            });
            t.send(Command::MapInput { client: CLIENT, id, port: 0, mapping: Some(BusMapping::internal(1)) });
            t.send(Command::NodeSet { client: CLIENT, id, changes: ControlChanges::one((ControlRef::Index(0), 0.5)) });
            t.send(Command::SetDoneFlags { client: CLIENT, id, flags: DoneFlags::FREE_SELF | DoneFlags::NOTIFY });
        }
        // A change sent to the whole Group reaches every Synth inside.
        t.send(Command::NodeSet {
            client: CLIENT,
            id: base,
            changes: ControlChanges::one((ControlRef::Index(0), 0.3)),
        });
        // A few failing commands: their Synths must travel back to a worker.
        t.synth("test-dc", base + 1, 0, TailOfGroup, &[]);
        t.synth("test-dc", 99_999, 12_345, TailOfGroup, &[]);
        t.send(Command::NodeSet {
            client: CLIENT,
            id: base + 1,
            changes: ControlChanges::one((ControlRef::Index(99), 0.0)),
        });
        let snapshot = t.handle.tree_snapshot();
        t.send(Command::QueryTree { client: CLIENT, id: 0, snapshot, form: oscine::engine::TreeForm::Oscine });
        // Controls mapped to control buses read them every block; a set unmaps.
        t.send(Command::NodeMap {
            client: CLIENT,
            id: base,
            changes: ControlChanges::one((ControlRef::Index(0), 3.0)),
            audio: false,
        });
        // And to audio buses: a control-rate control reads the bus's first frame, an
        // audio-rate one (`AudioControl`) the bus frame by frame.
        t.send(Command::NodeMap {
            client: CLIENT,
            id: base,
            changes: ControlChanges::one((ControlRef::Index(1), 2.0)),
            audio: true,
        });
        let reader = names.iter().position(|n| n == "graph-control-reader").expect("the reader is registered");
        t.send(Command::NodeMap {
            client: CLIENT,
            id: base + 1 + reader as i32,
            changes: ControlChanges::one((ControlRef::Index(0), 3.0)),
            audio: true,
        });
        // A Synth given an unnamed id lives on; traces of a Synth and of a Group.
        t.send(Command::SynthNoId { client: CLIENT, id: base + 3 });
        let snapshot = t.handle.trace_snapshot();
        t.send(Command::QueryTree { client: CLIENT, id: base + 4, snapshot, form: oscine::engine::TreeForm::Trace });
        // A graph Synth's trace reads its units' inputs and outputs too.
        let snapshot = t.handle.trace_snapshot();
        let id = base + 1 + reader as i32;
        t.send(Command::QueryTree { client: CLIENT, id, snapshot, form: oscine::engine::TreeForm::Trace });
        let snapshot = t.handle.tree_snapshot();
        t.send(Command::QueryTree { client: CLIENT, id: base, snapshot, form: oscine::engine::TreeForm::Trace });
        // Control bus reads and writes in runs: their storage comes and goes with them.
        let runs = BusValues { runs: Box::new([(2, 3)]), values: Box::new([0.5; 3]), as_pairs: false, permit: None };
        t.send(Command::ControlBusSetRuns { client: CLIENT, values: Box::new(runs) });
        t.send(Command::ControlBusGet {
            client: CLIENT,
            values: Box::new(BusValues::to_read(vec![(2, 3), (9, 1)], true)),
        });
        t.send(Command::ControlBusGet {
            client: CLIENT,
            values: Box::new(BusValues::to_read(vec![(1 << 30, 1)], true)),
        });
        // scsynth's node commands: run, move, query, read controls, pick an id, deep-free.
        t.send(Command::NodeRun { client: CLIENT, id: base, run: false });
        t.send(Command::NodeRun { client: CLIENT, id: base, run: true });
        t.send(Command::NodeRun { client: CLIENT, id: base + 2, run: false });
        t.send(Command::NodeMove { client: CLIENT, id: base + 2, target: base, action: TailOfGroup, ordered: false });
        t.send(Command::NodeMove { client: CLIENT, id: base, target: base + 2, action: TailOfGroup, ordered: true });
        t.send(Command::NodeQuery { client: CLIENT, id: base + 2 });
        let query = oscine::engine::ControlQuery::new(vec![(ControlRef::Index(0), 1, None)], false);
        t.send(Command::SynthGet { client: CLIENT, id: base + 2, query: Box::new(query) });
        t.send(Command::GroupNew { client: CLIENT, id: -1, target: base, action: TailOfGroup });
        t.send(Command::GroupNew { client: CLIENT, id: base + 700, target: base, action: TailOfGroup });
        t.synth("test-dc", base + 701, base + 700, TailOfGroup, &[]);
        t.send(Command::GroupDeepFree { client: CLIENT, id: base + 700 });
        t.send(Command::Sync { client: CLIENT, token: round });
        render_counted(&mut t, 20);
        let events = t.take_events();
        assert!(events.iter().any(|e| matches!(e, Event::Report { .. })), "Poll reported");
        for kind in [ReportKind::Trigger, ReportKind::Reply { address: "/reply".into() }] {
            assert!(
                events.iter().any(|e| matches!(e, Event::Report { report, .. } if report.kind == kind)),
                "{kind:?}"
            );
        }
        assert!(events.iter().any(|e| matches!(e, Event::Tree { .. })));
        assert!(events
            .iter()
            .any(|e| matches!(e, Event::ControlBuses { values, .. } if values.values[..3] == [0.5; 3])));
        assert!(events.iter().any(|e| matches!(e, Event::Synced { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::Error { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::NodeChanged { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::NodeInfo { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::Controls { .. })));
        // Done flags and frees of whole groups.
        t.synth("test-done", base + 500, base, TailOfGroup, &[("after", 2.0)]);
        t.send(Command::SetDoneFlags {
            client: CLIENT,
            id: base + 500,
            flags: DoneFlags::FREE_PARENT | DoneFlags::NOTIFY,
        });
        render_counted(&mut t, 4);
        let events = t.take_events();
        assert!(events.iter().any(|e| matches!(e, Event::NodeEnded { id, .. } if *id == base)), "{events:?}");
    }
    t.send(Command::Shutdown { client: Some(CLIENT) });
    render_counted(&mut t, 2);
    assert_eq!(t.handle.status().garbage_leaked, 0);
    assert_eq!(t.handle.status().events_dropped, 0);
    t.shutdown();
}

#[test]
fn the_block_adapter_never_allocates_for_odd_device_buffers() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[("level", 0.5)]);
    let mut adapter = BlockAdapter::new(t.driver.engine(), 1, 2);
    let input = vec![0.0f32; 37];
    let mut output = vec![0.0f32; 37 * 2];
    let ((), allocs, frees) = count(|| {
        for _ in 0..50 {
            adapter.process(t.driver.engine(), &input, &mut output);
        }
    });
    assert_eq!((allocs, frees), (0, 0));
    assert!(output.iter().step_by(2).all(|s| *s == 0.5));
    t.shutdown();
}

/// Renders counted blocks, sleeping (uncounted) between them so workers can answer, until
/// `done` holds for the events seen so far; returns those events.
fn pump_until(t: &mut TestEngine, what: &str, done: impl Fn(&[Event]) -> bool) -> Vec<Event> {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while !done(&seen) {
        assert!(Instant::now() < deadline, "{what}: not seen; events {seen:?}");
        render_counted(t, 1);
        seen.extend(t.take_events());
        std::thread::sleep(Duration::from_micros(300));
    }
    seen
}

#[test]
fn resource_transitions_acquire_release_and_rebinding_never_allocate() {
    let counters = Arc::new(Counters::default());
    let c = Arc::clone(&counters);
    let options = EngineOptions { block_size: 64, max_nodes: 64, max_resources: 16, ..Default::default() };
    let mut t = TestEngine::with_registry(options, move |r| register_counted(r, c));
    let counted_def = t.handle.registry().resource_def_ref("test-counted").unwrap();
    let counted = counted_def.id;
    let buffer = t.handle.registry().resource_def_ref("audio-buffer").unwrap();
    let ready =
        |n: usize| move |e: &[Event]| e.iter().filter(|e| matches!(e, Event::ResourceReady { .. })).count() >= n;

    // Constructs: the audio thread's Free -> Constructing -> Live.
    for id in 0..4 {
        t.send(Command::ResourceNew { client: CLIENT, id, def: counted_def.clone(), args: Box::new([]) });
    }
    let args = vec![ResourceArg::Int(2), ResourceArg::Int(4800)].into_boxed_slice();
    t.send(Command::ResourceNew { client: CLIENT, id: 5, def: buffer, args });
    let fails = Box::new([ResourceArg::Int(1)]);
    t.send(Command::ResourceNew { client: CLIENT, id: 6, def: counted_def.clone(), args: fails });
    pump_until(&mut t, "five resources ready", ready(5));

    // Binding at creation, per-pass leases, re-binding, a Synth on a buffer.
    let holder = |t: &mut TestEngine, id: i32, res: f32| {
        let synth = t.handle.build_synth("test-holder", &[(ControlKey::Name("res"), res)]).unwrap();
        t.send(Command::SynthNew { client: CLIENT, id, target: 0, action: TailOfGroup, activate: true, synth });
    };
    holder(&mut t, 10, 0.0);
    holder(&mut t, 11, 1.0);
    holder(&mut t, 12, 99.0); // fails to bind: the Synth goes back to a worker
    for def in ["sampler", "recorder"] {
        let synth = t.handle.build_synth(def, &[(ControlKey::Name("buffer"), 5.0)]).unwrap();
        let id = if def == "sampler" { 20 } else { 21 };
        t.send(Command::SynthNew { client: CLIENT, id, target: 0, action: TailOfGroup, activate: true, synth });
    }
    let res = t.handle.control_ref("res").unwrap();
    let pass = t.handle.control_ref("pass_id").unwrap();
    t.send(Command::NodeSet { client: CLIENT, id: 10, changes: ControlChanges::one((res, 2.0)) });
    t.send(Command::NodeSet { client: CLIENT, id: 11, changes: ControlChanges::one((pass, 3.0)) });
    t.send(Command::NodeSet { client: CLIENT, id: 11, changes: ControlChanges::one((res, 15.0)) }); // fails, keeps 1
                                                                                                    // Operations: shared on a held Resource, exclusive on an unheld one, exclusive refused.
    let perform = |t: &mut TestEngine, id: i32, exclusive: bool| {
        let ids = ResourceIds::from_slice(&[id]).unwrap();
        let operation = if exclusive { 1 } else { 0 };
        t.send(Command::ResourcePerform {
            client: CLIENT,
            ids,
            def: counted,
            operation,
            exclusive,
            args: Box::new([]),
        });
    };
    perform(&mut t, 1, false);
    perform(&mut t, 3, true);
    perform(&mut t, 2, true);
    // Frees: one held (pending until its holder goes), one unheld (destroyed now).
    t.send(Command::ResourceFree { client: CLIENT, id: 2 });
    t.send(Command::ResourceFree { client: CLIENT, id: 3 });
    let events = pump_until(&mut t, "operations and a destroy", |e| {
        e.iter().filter(|e| matches!(e, Event::ResourcePerformed { .. })).count() >= 2
            && e.iter().any(|e| matches!(e, Event::ResourceDestroyed { id: 3, .. }))
    });
    assert!(events.iter().any(|e| matches!(e, Event::Error { .. })), "the failing bind and exclusive are errors");
    // The last release of a pending free destroys it.
    t.send(Command::NodeFree { client: CLIENT, id: 10 });
    pump_until(&mut t, "the pending free completes", |e| {
        e.iter().any(|e| matches!(e, Event::ResourceDestroyed { id: 2, .. }))
    });

    // Shutdown: nodes freed, every Resource destroyed, all on the audio thread's side
    // without touching the heap.
    t.send(Command::Shutdown { client: Some(CLIENT) });
    pump_until(&mut t, "shutdown", |e| e.iter().any(|e| matches!(e, Event::Stopped { .. })));
    assert!(t.driver.engine().resources_all_free());
    assert_eq!(counters.constructs.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!(counters.destroys.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!(t.handle.status().garbage_leaked, 0);
    t.shutdown();
}

/// Sends the commands `make` builds around a fresh ResourceDef that no registry holds, lets
/// go of the test's own reference, and renders counted blocks until the last reference is
/// gone and `done` holds for the events. Whenever the audio thread holds the last one (a failed construct's slot, a
/// refused command's), dropping it there would free it inside a counted block.
fn resource_def_held_only_by_the_engine(
    t: &mut TestEngine,
    what: &str,
    make: impl FnOnce(ResourceDefRef) -> Vec<Command>,
    done: impl Fn(&[Event]) -> bool,
) -> Vec<Event> {
    let code: Arc<dyn ResourceDef> = Arc::new(CountedDef(Arc::new(Counters::default())));
    let weak = Arc::downgrade(&code);
    for command in make(ResourceDefRef::new(ResourceDefId(1000), code)) {
        t.send(command);
    }
    // Upgrading leaves a reference only between counted blocks, on this thread.
    pump_until(t, what, |e| done(e) && weak.upgrade().is_none())
}

#[test]
fn a_resource_def_only_the_engine_holds_is_never_freed_on_the_audio_thread() {
    let options = EngineOptions { block_size: 64, max_nodes: 16, max_resources: 8, ..Default::default() };
    let mut t = TestEngine::new(options);
    let new = |id, def: &ResourceDefRef, args: &[ResourceArg]| Command::ResourceNew {
        client: CLIENT,
        id,
        def: def.clone(),
        args: args.to_vec().into_boxed_slice(),
    };
    resource_def_held_only_by_the_engine(
        &mut t,
        "a failed construct",
        |def| vec![new(1, &def, &[ResourceArg::Int(1)])],
        |e| e.iter().any(|e| matches!(e, Event::ResourceFailed { id: 1, .. })),
    );
    resource_def_held_only_by_the_engine(
        &mut t,
        "a refused /resource/new",
        |def| vec![new(99, &def, &[])],
        |e| e.iter().any(|e| matches!(e, Event::Error { .. })),
    );
    resource_def_held_only_by_the_engine(
        &mut t,
        "a free during the construct",
        // The second `/resource/new` of id 2 is refused: the id is Constructing.
        |def| vec![new(2, &def, &[]), new(2, &def, &[]), Command::ResourceFree { client: CLIENT, id: 2 }],
        |e| e.iter().any(|e| matches!(e, Event::ResourceDestroyed { id: 2, .. })),
    );

    // Live, performed on and freed: the slot's reference goes with the destroy.
    let code: Arc<dyn ResourceDef> = Arc::new(CountedDef(Arc::new(Counters::default())));
    let weak = Arc::downgrade(&code);
    t.send(new(3, &ResourceDefRef::new(ResourceDefId(1000), code), &[]));
    pump_until(&mut t, "ready", |e| e.iter().any(|e| matches!(e, Event::ResourceReady { id: 3, .. })));
    let ids = ResourceIds::from_slice(&[3]).unwrap();
    let def = ResourceDefId(1000);
    t.send(Command::ResourcePerform { client: CLIENT, ids, def, operation: 0, exclusive: false, args: Box::new([]) });
    t.send(Command::ResourceFree { client: CLIENT, id: 3 });
    pump_until(&mut t, "the operation and the destroy", |e| {
        e.iter().any(|e| matches!(e, Event::ResourcePerformed { .. }))
            && e.iter().any(|e| matches!(e, Event::ResourceDestroyed { id: 3, .. }))
            && weak.upgrade().is_none()
    });

    // Shutdown: a Live Resource is destroyed, and a `/resource/new` still scheduled is
    // dropped.
    let code: Arc<dyn ResourceDef> = Arc::new(CountedDef(Arc::new(Counters::default())));
    let weak = Arc::downgrade(&code);
    let def = ResourceDefRef::new(ResourceDefId(1000), code);
    let in_a_minute = Timetag(Timetag::now().0 + (60u64 << 32));
    t.handle.send_at(new(5, &def, &[]), in_a_minute, 0).unwrap();
    t.send(new(4, &def, &[]));
    drop(def);
    pump_until(&mut t, "ready", |e| e.iter().any(|e| matches!(e, Event::ResourceReady { id: 4, .. })));
    t.send(Command::Shutdown { client: Some(CLIENT) });
    pump_until(&mut t, "shutdown", |e| {
        e.iter().any(|e| matches!(e, Event::Stopped { .. })) && weak.upgrade().is_none()
    });
    assert_eq!(t.handle.status().garbage_leaked, 0);
    t.shutdown();
}

#[test]
fn timed_commands_scheduling_and_sample_accurate_changes_never_allocate() {
    let mut t =
        TestEngine::new(EngineOptions { block_size: 64, max_nodes: 64, max_scheduled: 64, ..Default::default() });
    // The manual driver renders far faster than realtime, so the sample clock advances by
    // blocks: a time 5 ms ahead is due within a few blocks.
    let at = |ms: f64| Timetag(Timetag::now().0 + (ms / 1000.0 * 4_294_967_296.0) as u64);
    render_counted(&mut t, 4);
    for (i, def) in ["asr-envelope", "sine", "test-dc"].iter().enumerate() {
        let id = 100 + i as i32;
        let synth = t.handle.build_synth(def, &[]).unwrap();
        let command = Command::SynthNew { client: CLIENT, id, target: 0, action: TailOfGroup, activate: true, synth };
        t.handle.send_at(command, at(3.0), 1).unwrap();
        let change = ControlChanges::one((ControlRef::Index(0), 0.25));
        t.handle.send_at(Command::NodeSet { client: CLIENT, id, changes: change }, at(4.0), 1).unwrap();
        t.handle.send_at(Command::NodeFree { client: CLIENT, id }, at(6.0), 1).unwrap();
    }
    // Late, and beyond the scheduler's capacity.
    t.handle
        .send_at(Command::GroupNew { client: CLIENT, id: 7, target: 0, action: HeadOfGroup }, Timetag(2), 2)
        .unwrap();
    for k in 0..70 {
        t.handle.send_at(Command::Sync { client: CLIENT, token: k }, at(50.0), 3).unwrap();
    }
    let events = pump_until(&mut t, "every timed command answered", |e| {
        e.iter().filter(|e| matches!(e, Event::NodeEnded { .. })).count() >= 3
            && e.iter().filter(|e| matches!(e, Event::Synced { .. })).count() >= 64
    });
    assert!(events.iter().any(|e| matches!(e, Event::Late { .. })), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, Event::Error { .. })), "a full scheduler is an error");
    t.shutdown();
}

#[test]
fn every_synth_is_one_allocation_made_off_the_audio_thread() {
    let t = TestEngine::new(EngineOptions { block_size: 64, ..Default::default() });
    // Built-in SynthDefs whose state owns no heap memory of its own.
    for name in ["sine", "saw", "pulse", "noise", "pan", "asr-envelope", "sampler", "recorder", "test-frame"] {
        // The builder's temporaries come and go; what stays is the Synth's one allocation.
        let (synth, allocs, frees) = count(|| t.handle.build_synth(name, &[]).expect("synth builds"));
        assert_eq!(allocs - frees, 1, "{name}: live allocations after building a synth");
        // A dropped Synth's block is kept for the next Synth of its def, which then
        // allocates nothing that stays.
        drop(synth);
        let (again, allocs, frees) = count(|| t.handle.build_synth(name, &[]).expect("synth builds"));
        assert_eq!(allocs - frees, 0, "{name}: live allocations after building a synth in a spare block");
        let ((), allocs, frees) = count(|| drop(again));
        assert_eq!((allocs, frees), (0, 0), "{name}: a dropped Synth's block goes back to its def");
    }
    t.shutdown();
}

#[test]
fn buffer_oscillators_and_buffer_delays_never_allocate() {
    use support::scgf::{Graph, In, Ugen};
    let options = EngineOptions { block_size: 64, max_nodes: 16, max_resources: 16, ..Default::default() };
    let mut t = TestEngine::new(options);
    let buffer = t.handle.registry().resource_def_ref("audio-buffer").unwrap();
    for id in [5, 6] {
        let args = vec![ResourceArg::Int(1), ResourceArg::Int(1024)].into_boxed_slice();
        t.send(Command::ResourceNew { client: CLIENT, id, def: buffer.clone(), args });
    }
    pump_until(&mut t, "the buffers", |e| e.iter().filter(|e| matches!(e, Event::ResourceReady { .. })).count() == 2);
    // Each buffer UGen on buffer 5 (a 512-point wavetable, a 1024-sample line) and on 7,
    // where there is no buffer, and VOsc between 5 and 6; each sums onto output 0.
    let (buf, none, freq, zero, delay, decay, between) = (0, 1, 2, 3, 4, 5, 6);
    let ar = |name: &'static str, inputs: Vec<In>| Ugen { name, rate: 2, special: 0, inputs, outputs: vec![2] };
    let mut ugens = vec![ar("SinOsc", vec![In::Const(freq), In::Const(zero)])];
    for b in [buf, none] {
        ugens.push(ar("Osc", vec![In::Const(b), In::Const(freq), In::Const(zero)]));
        ugens.push(ar("OscN", vec![In::Const(b), In::Const(freq), In::Ugen(0, 0)]));
        ugens.push(ar("COsc", vec![In::Const(b), In::Const(freq), In::Const(decay)]));
        ugens.push(ar("BufDelayL", vec![In::Const(b), In::Ugen(0, 0), In::Const(delay)]));
        ugens.push(ar("BufCombC", vec![In::Const(b), In::Ugen(0, 0), In::Const(delay), In::Const(decay)]));
        ugens.push(ar("BufAllpassN", vec![In::Const(b), In::Ugen(0, 0), In::Const(delay), In::Const(decay)]));
    }
    ugens.push(ar("VOsc", vec![In::Const(between), In::Const(freq), In::Const(zero)]));
    for u in 1..ugens.len() as u32 {
        ugens.push(Ugen {
            name: "Out",
            rate: 2,
            special: 0,
            inputs: vec![In::Const(zero), In::Ugen(u, 0)],
            outputs: vec![],
        });
    }
    let graph = Graph {
        name: "graph-buffers",
        constants: vec![5.0, 7.0, 440.0, 0.0, 0.01, 0.5, 5.5],
        params: vec![],
        ugens,
        variants: vec![],
    };
    assert_eq!(t.handle.receive_graph_defs(&support::scgf::file(&[graph])).unwrap(), ["graph-buffers"]);
    t.synth("graph-buffers", 1, 0, TailOfGroup, &[]);
    render_counted(&mut t, 20);
    let events = t.take_events();
    assert!(!events.iter().any(|e| matches!(e, Event::Error { .. })), "{events:?}");
    assert!(events.iter().any(|e| matches!(e, Event::Ack { id: 1, .. })), "{events:?}");
    // Buffer 5 freed while the Synth plays: its units find no buffer from then on.
    t.send(Command::ResourceFree { client: CLIENT, id: 5 });
    pump_until(&mut t, "the buffer destroyed", |e| e.iter().any(|e| matches!(e, Event::ResourceDestroyed { .. })));
    render_counted(&mut t, 4);
    t.send(Command::Shutdown { client: Some(CLIENT) });
    render_counted(&mut t, 2);
    assert_eq!(t.handle.status().garbage_leaked, 0);
    t.shutdown();
}

#[test]
fn a_midi_input_takes_bytes_on_its_thread_without_allocating_even_when_its_queue_is_full() {
    use oscine::midi::{MidiInputs, FEED_CAPACITY};
    let mut inputs = MidiInputs::new().expect("an eventfd for MIDI");
    let (_, mut feed) = inputs.open_fed("test input");
    let sysex: Vec<u8> = std::iter::once(0xf0).chain(0..100).chain([0xf7]).collect();
    let ((), allocs, frees) = count(|| {
        for _ in 0..FEED_CAPACITY {
            feed.receive(&[0x90, 60, 100]);
        }
        feed.receive(&sysex);
    });
    assert_eq!((allocs, frees), (0, 0), "MidiFeed::receive allocated or freed");
    assert_eq!(feed.counters().dropped(), sysex.len() as u64, "the full queue dropped and counted the rest");
    let mut events = 0;
    inputs.drain(|_| events += 1);
    assert_eq!(events, FEED_CAPACITY);
    assert_eq!(inputs.dropped(), sysex.len() as u64);
}
