//! The node tree, buses, controls and done flags, rendered through the manual driver with
//! exact test SynthDefs.
mod support;

use oscine::engine::{
    AddAction::*, BusMapping, Command, ControlChanges, ControlRef, DoneFlags, EngineError, EngineOptions, Event,
    NodeInfoKind,
};
use support::{TestEngine, CLIENT};

fn map_out(t: &mut TestEngine, id: i32, mapping: BusMapping) {
    t.send(Command::MapOutput { client: CLIENT, id, port: 0, mapping: Some(mapping), append: false });
}

fn map_in(t: &mut TestEngine, id: i32, mapping: BusMapping) {
    t.send(Command::MapInput { client: CLIENT, id, port: 0, mapping: Some(mapping) });
}

/// dc -> bus 0 -> copy -> bus 1 -> copy -> hardware out 0, created in the order given.
fn chain(t: &mut TestEngine, order: [(i32, i32, oscine::engine::AddAction); 3]) {
    for (id, target, action) in order {
        match id {
            100 => {
                t.synth("test-dc", 100, target, action, &[("level", 0.5)]);
                map_out(t, 100, BusMapping::internal(0));
            }
            101 => {
                t.synth("test-copy", 101, target, action, &[("add", 0.25)]);
                map_in(t, 101, BusMapping::internal(0));
                map_out(t, 101, BusMapping::internal(1));
            }
            _ => {
                t.synth("test-copy", 102, target, action, &[]);
                map_in(t, 102, BusMapping::internal(1));
                map_out(t, 102, BusMapping::external(0));
            }
        }
    }
}

#[test]
fn a_patch_chain_sounds_only_in_processing_order() {
    let mut t = TestEngine::small();
    chain(&mut t, [(100, 0, TailOfGroup), (101, 0, TailOfGroup), (102, 0, TailOfGroup)]);
    let out = t.render(2);
    assert!(out[0].iter().all(|s| *s == 0.75), "{:?}", &out[0][..8]);
    assert!(out[1].iter().all(|s| *s == 0.0));
    assert!(t.errors().is_empty());
    t.shutdown();

    let mut t = TestEngine::small();
    chain(&mut t, [(100, 0, HeadOfGroup), (101, 0, HeadOfGroup), (102, 0, HeadOfGroup)]);
    let out = t.render(2);
    assert!(out[0].iter().all(|s| *s == 0.0), "reversed chain reads unwritten buses: {:?}", &out[0][..8]);
    t.shutdown();
}

#[test]
fn before_and_after_placement_change_the_result() {
    let mut t = TestEngine::small();
    // dc first, then the last cable, then the middle cable placed before the last: works.
    chain(&mut t, [(100, 0, TailOfGroup), (102, 0, TailOfGroup), (101, 102, BeforeNode)]);
    assert!(t.render(1)[0].iter().all(|s| *s == 0.75));
    t.shutdown();

    let mut t = TestEngine::small();
    // The middle cable placed after the last: the last reads an unwritten bus.
    chain(&mut t, [(100, 0, TailOfGroup), (102, 0, TailOfGroup), (101, 102, AfterNode)]);
    assert!(t.render(1)[0].iter().all(|s| *s == 0.0));
    t.shutdown();
}

#[test]
fn the_tree_is_walked_depth_first_in_placement_order() {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.synth("test-dc", 10, 1, HeadOfGroup, &[]);
    t.synth("test-dc", 11, 1, TailOfGroup, &[]);
    t.synth("test-dc", 12, 11, BeforeNode, &[]);
    t.group(2, 1, AfterNode);
    t.group(3, 2, HeadOfGroup);
    t.synth("test-dc", 13, 3, TailOfGroup, &[("level", 2.0)]);
    t.synth("test-dc", 14, 10, AfterNode, &[]);
    let snapshot = t.handle.tree_snapshot();
    t.send(Command::QueryTree { client: CLIENT, id: 0, snapshot, form: oscine::engine::TreeForm::Oscine });
    t.render(1);
    let events = t.take_events();
    let Some(Event::Tree { snapshot, .. }) = events.iter().find(|e| matches!(e, Event::Tree { .. })) else {
        panic!("no tree reply in {events:?}")
    };
    let order: Vec<(i32, i32, u32)> = snapshot.nodes.iter().map(|n| (n.id, n.parent, n.depth)).collect();
    assert_eq!(
        order,
        vec![(0, 0, 0), (1, 0, 1), (10, 1, 2), (14, 1, 2), (12, 1, 2), (11, 1, 2), (2, 0, 1), (3, 2, 2), (13, 3, 3)]
    );
    let NodeInfoKind::Synth { def, controls, active, .. } = &snapshot.nodes[8].kind else { panic!() };
    assert_eq!(def.name(), "test-dc");
    assert!(*active);
    assert_eq!(&snapshot.controls[controls.clone()], &[2.0]);
    assert!(!snapshot.truncated);
    t.shutdown();
}

#[test]
fn every_bad_command_gets_a_specific_error() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[]);
    t.render(1);
    t.synth("test-dc", 1, 0, TailOfGroup, &[]);
    t.synth("test-dc", 2, 99, TailOfGroup, &[]);
    t.synth("test-dc", 3, 1, HeadOfGroup, &[]);
    t.group(4, 0, BeforeNode);
    t.send(Command::NodeFree { client: CLIENT, id: 0 });
    t.send(Command::NodeFree { client: CLIENT, id: 55 });
    t.send(Command::NodeSet { client: CLIENT, id: 1, changes: ControlChanges::one((ControlRef::Index(3), 1.0)) });
    let gain = t.handle.control_ref("after").expect("test-done's control is interned");
    t.send(Command::NodeSet { client: CLIENT, id: 1, changes: ControlChanges::one((gain, 1.0)) });
    t.send(Command::MapInput { client: CLIENT, id: 1, port: 0, mapping: Some(BusMapping::internal(0)) });
    t.send(Command::MapOutput {
        client: CLIENT,
        id: 1,
        port: 0,
        mapping: Some(BusMapping::internal(8)),
        append: false,
    });
    t.send(Command::MapOutput {
        client: CLIENT,
        id: 1,
        port: 0,
        mapping: Some(BusMapping::external(2)),
        append: false,
    });
    t.send(Command::SynthActivate { client: CLIENT, id: 0 });
    t.send(Command::GroupFreeAll { client: CLIENT, id: 1 });
    t.render(1);
    assert_eq!(
        t.errors(),
        vec![
            EngineError::NodeIdInUse(1),
            EngineError::NodeNotFound(99),
            EngineError::NotAGroup(1),
            EngineError::RootGroup,
            EngineError::RootGroup,
            EngineError::NodeNotFound(55),
            EngineError::ControlIndex { index: 3, count: 1 },
            EngineError::ControlName {
                node: 1,
                name: match gain {
                    ControlRef::Name(n) => n,
                    _ => unreachable!(),
                }
            },
            EngineError::InputPort { port: 0, count: 0 },
            EngineError::Bus { bus: 8, count: 8 },
            EngineError::Bus { bus: 2, count: 2 },
            EngineError::NotASynth(0),
            EngineError::NotAGroup(1),
        ]
    );
    t.shutdown();
}

#[test]
fn node_capacity_is_an_error_not_an_allocation() {
    let mut t = TestEngine::new(EngineOptions { block_size: 8, max_nodes: 4, ..Default::default() });
    for id in 1..=5 {
        t.group(id, 0, TailOfGroup);
    }
    t.render(1);
    assert_eq!(t.errors(), vec![EngineError::NodeCapacity(4)]);
    assert_eq!(t.handle.status().groups, 4);
    t.send(Command::NodeFree { client: CLIENT, id: 2 });
    t.group(5, 0, TailOfGroup);
    t.render(1);
    assert!(t.errors().is_empty());
    t.shutdown();
}

#[test]
fn controls_set_by_index_and_name_are_clamped_and_take_effect_next_block() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[("level", 0.5)]);
    assert!(t.render(1)[0].iter().all(|s| *s == 0.5));
    let level = t.handle.control_ref("level").unwrap();
    t.send(Command::NodeSet { client: CLIENT, id: 1, changes: ControlChanges::one((level, -0.25)) });
    assert!(t.render(1)[0].iter().all(|s| *s == -0.25));
    t.send(Command::NodeSet { client: CLIENT, id: 1, changes: ControlChanges::one((ControlRef::Index(0), 1e9)) });
    assert!(t.render(1)[0].iter().all(|s| *s == 100.0));
    t.shutdown();
}

#[test]
fn an_inactive_synth_is_silent_until_activated() {
    let mut t = TestEngine::small();
    let synth = t.handle.build_synth("test-dc", &[]).unwrap();
    t.send(Command::SynthNew { client: CLIENT, id: 1, target: 0, action: TailOfGroup, activate: false, synth });
    assert!(t.render(2)[0].iter().all(|s| *s == 0.0));
    t.send(Command::SynthActivate { client: CLIENT, id: 1 });
    assert!(t.render(1)[0].iter().all(|s| *s == 1.0));
    t.shutdown();
}

#[test]
fn bus_writers_add_replace_overrides_and_feedback_reads_last_block() {
    let mut t = TestEngine::small();
    for (id, level) in [(1, 1.0), (2, 2.0)] {
        t.synth("test-dc", id, 0, TailOfGroup, &[("level", level)]);
        map_out(&mut t, id, BusMapping::internal(3));
    }
    t.synth("test-copy", 3, 0, TailOfGroup, &[]);
    map_in(&mut t, 3, BusMapping::internal(3));
    assert!(t.render(1)[0].iter().all(|s| *s == 3.0));

    map_out(&mut t, 2, BusMapping { replace: true, ..BusMapping::internal(3) });
    assert!(t.render(1)[0].iter().all(|s| *s == 2.0));

    // A reader placed before the writers sees zeros, or last block's data with feedback.
    t.synth("test-copy", 4, 0, HeadOfGroup, &[]);
    map_in(&mut t, 4, BusMapping::internal(3));
    map_out(&mut t, 4, BusMapping::external(1));
    assert!(t.render(1)[1].iter().all(|s| *s == 0.0));
    map_in(&mut t, 4, BusMapping { feedback: true, ..BusMapping::internal(3) });
    assert!(t.render(1)[1].iter().all(|s| *s == 2.0));
    t.shutdown();
}

#[test]
fn one_output_can_feed_several_buses() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[("level", 0.5)]);
    t.send(Command::MapOutput { client: CLIENT, id: 1, port: 0, mapping: Some(BusMapping::external(1)), append: true });
    let out = t.render(1);
    assert!(out[0].iter().chain(out[1].iter()).all(|s| *s == 0.5));
    // Replacing the mapping leaves only the new bus; `None` silences the port.
    map_out(&mut t, 1, BusMapping::external(1));
    let out = t.render(1);
    assert!(out[0].iter().all(|s| *s == 0.0) && out[1].iter().all(|s| *s == 0.5));
    t.send(Command::MapOutput { client: CLIENT, id: 1, port: 0, mapping: None, append: false });
    let out = t.render(1);
    assert!(out[1].iter().all(|s| *s == 0.0));
    for bus in 0..5 {
        t.send(Command::MapOutput {
            client: CLIENT,
            id: 1,
            port: 0,
            mapping: Some(BusMapping::internal(bus)),
            append: true,
        });
    }
    t.render(1);
    assert_eq!(t.errors(), vec![EngineError::OutputMappingsFull { port: 0, max: 4 }]);
    t.shutdown();
}

#[test]
fn hardware_inputs_reach_synths() {
    let mut t = TestEngine::small();
    t.synth("test-copy", 1, 0, TailOfGroup, &[]);
    map_in(&mut t, 1, BusMapping::external(0));
    t.driver.set_inputs(&[0.125; 8]);
    assert!(t.driver.render_block()[..8].iter().all(|s| *s == 0.125));
    t.shutdown();
}

fn done_events(t: &mut TestEngine) -> Vec<String> {
    t.take_events()
        .into_iter()
        .filter_map(|e| match e {
            Event::NodeDone { id } => Some(format!("done {id}")),
            Event::NodeEnded { id, .. } => Some(format!("ended {id}")),
            _ => None,
        })
        .collect()
}

fn done_flag_case(flags: DoneFlags) -> (Vec<String>, Vec<i32>) {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.synth("test-dc", 10, 1, TailOfGroup, &[]);
    t.synth("test-done", 11, 1, TailOfGroup, &[("after", 2.0)]);
    t.synth("test-dc", 12, 1, TailOfGroup, &[]);
    t.synth("test-dc", 13, 1, TailOfGroup, &[]);
    t.send(Command::SetDoneFlags { client: CLIENT, id: 11, flags });
    t.render(1);
    assert!(done_events(&mut t).is_empty(), "not done after one call");
    t.render(1);
    let events = done_events(&mut t);
    let snapshot = t.handle.tree_snapshot();
    t.send(Command::QueryTree { client: CLIENT, id: 0, snapshot, form: oscine::engine::TreeForm::Oscine });
    t.render(1);
    let left = t
        .take_events()
        .into_iter()
        .find_map(|e| match e {
            Event::Tree { snapshot, .. } => Some(snapshot.nodes.iter().map(|n| n.id).collect()),
            _ => None,
        })
        .unwrap();
    t.shutdown();
    (events, left)
}

#[test]
fn done_flags_free_what_they_name() {
    use DoneFlags as F;
    assert_eq!(done_flag_case(F::NONE), (vec![], vec![0, 1, 10, 11, 12, 13]));
    assert_eq!(done_flag_case(F::NOTIFY), (vec!["done 11".into()], vec![0, 1, 10, 11, 12, 13]));
    assert_eq!(
        done_flag_case(F::FREE_SELF | F::NOTIFY),
        (vec!["done 11".into(), "ended 11".into()], vec![0, 1, 10, 12, 13])
    );
    assert_eq!(done_flag_case(F::FREE_PRECEDING), (vec!["ended 10".into()], vec![0, 1, 11, 12, 13]));
    assert_eq!(done_flag_case(F::FREE_FOLLOWING), (vec!["ended 12".into()], vec![0, 1, 10, 11, 13]));
    assert_eq!(
        done_flag_case(F::FREE_ALL_SIBLINGS),
        (vec!["ended 10".into(), "ended 12".into(), "ended 13".into()], vec![0, 1, 11])
    );
    assert_eq!(
        done_flag_case(F::FREE_PARENT),
        (vec!["ended 10".into(), "ended 11".into(), "ended 12".into(), "ended 13".into(), "ended 1".into()], vec![0])
    );
}

#[test]
fn freeing_a_group_frees_everything_inside_children_first() {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.group(2, 1, TailOfGroup);
    t.synth("test-dc", 20, 2, TailOfGroup, &[]);
    t.synth("test-dc", 10, 1, TailOfGroup, &[]);
    t.synth("test-dc", 30, 0, TailOfGroup, &[]);
    t.render(1);
    t.send(Command::GroupFreeAll { client: CLIENT, id: 1 });
    t.render(1);
    assert_eq!(done_events(&mut t), vec!["ended 20", "ended 2", "ended 10"]);
    assert_eq!((t.handle.status().synths, t.handle.status().groups), (1, 1));
    t.send(Command::NodeFree { client: CLIENT, id: 1 });
    t.render(1);
    assert_eq!(done_events(&mut t), vec!["ended 1"]);
    assert!(t.render(1)[0].iter().all(|s| *s == 1.0), "the synth outside the group still sounds");
    t.shutdown();
}

#[test]
fn a_panicking_synth_is_silenced_and_reported_while_others_play_on() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[("level", 0.5)]);
    t.synth("test-panic", 2, 0, TailOfGroup, &[]);
    t.render(1);
    t.send(Command::NodeSet { client: CLIENT, id: 2, changes: ControlChanges::one((ControlRef::Index(0), 1.0)) });
    let out = t.render(2);
    assert!(out[0][8..].iter().all(|s| *s == 0.5), "only the healthy synth remains audible");
    let events = t.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::SynthFaulted { id: 2 })), "{events:?}");
    let status = t.handle.status();
    assert_eq!((status.synth_faults, status.failed), (1, false));
    t.shutdown();
}

#[test]
fn sync_answers_after_every_earlier_command() {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.group(1, 0, TailOfGroup);
    t.send(Command::Sync { client: CLIENT, token: 42 });
    t.render(1);
    let events = t.take_events();
    assert!(matches!(events.last(), Some(Event::Synced { token: 42, .. })), "{events:?}");
    assert!(matches!(events[0], Event::NodeChanged { id: 1, .. }), "the creation, then its ack");
    assert!(matches!(events[1], Event::Ack { id: 1, .. }));
    assert!(matches!(events[2], Event::Error { error: EngineError::NodeIdInUse(1), .. }));
    t.shutdown();
}

#[test]
fn status_counts_nodes_commands_and_blocks() {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.synth("test-dc", 2, 1, TailOfGroup, &[]);
    t.render(3);
    let s = t.handle.status();
    assert_eq!((s.synths, s.groups, s.commands_processed, s.blocks, s.events_dropped), (1, 1, 2, 3, 0));
    assert_eq!(s.sample_rate, 48_000.0);
    t.send(Command::Shutdown { client: Some(CLIENT) });
    t.render(1);
    assert!(t.take_events().iter().any(|e| matches!(e, Event::Stopped { .. })));
    assert_eq!(t.handle.status().synths, 0);
    t.shutdown();
}

#[test]
fn setting_a_group_sets_every_synth_inside_that_has_the_control() {
    let mut t = TestEngine::small();
    t.group(1, 0, TailOfGroup);
    t.group(2, 1, TailOfGroup);
    t.synth("test-dc", 10, 1, TailOfGroup, &[("level", 1.0)]);
    t.synth("test-dc", 11, 2, TailOfGroup, &[("level", 1.0)]);
    t.synth("test-copy", 12, 1, TailOfGroup, &[]);
    t.synth("test-dc", 13, 0, TailOfGroup, &[("level", 1.0)]);
    for id in [10, 11, 12] {
        map_out(&mut t, id, BusMapping::internal(id as u32 - 10));
    }
    let level = t.handle.control_ref("level").unwrap();
    t.send(Command::NodeSet { client: CLIENT, id: 1, changes: ControlChanges::one((level, 0.25)) });
    let snapshot = t.handle.tree_snapshot();
    t.send(Command::QueryTree { client: CLIENT, id: 0, snapshot, form: oscine::engine::TreeForm::Oscine });
    t.render(1);
    let events = t.take_events();
    assert!(events.iter().any(|e| matches!(e, Event::Ack { id: 1, .. })), "{events:?}");
    assert!(!events.iter().any(|e| matches!(e, Event::Error { .. })), "{events:?}");
    let Some(Event::Tree { snapshot, .. }) = events.iter().find(|e| matches!(e, Event::Tree { .. })) else {
        panic!("no tree")
    };
    let level_of = |id: i32| {
        snapshot.nodes.iter().find(|n| n.id == id).and_then(|n| match &n.kind {
            NodeInfoKind::Synth { controls, .. } => snapshot.controls[controls.clone()].first().copied(),
            _ => None,
        })
    };
    assert_eq!((level_of(10), level_of(11), level_of(13)), (Some(0.25), Some(0.25), Some(1.0)));
    t.shutdown();
}

#[test]
fn a_resource_port_naming_an_unregistered_resource_def_binds_nothing() {
    use oscine_plugin_api::{
        AudioPort, PluginError, PortDirection, ProcessContext, ProcessStatus, ResourcePort, Synth, SynthDef,
        SynthDefInfo, SynthDefTable, World,
    };
    struct Wants;
    struct WantsSynth;
    impl SynthDef for Wants {
        type Synth = WantsSynth;
        fn info(&self) -> SynthDefInfo {
            SynthDefInfo::new("test-wants-missing")
                .outputs(&[AudioPort::new("out")])
                .resource_ports(&[ResourcePort::new("table", "no-such-def", PortDirection::Input)])
        }
        fn construct(&self, _: &World, _: &[f32]) -> Result<WantsSynth, PluginError> {
            Ok(WantsSynth)
        }
    }
    impl Synth for WantsSynth {
        fn process(&mut self, _: &mut ProcessContext<'_>) -> ProcessStatus {
            ProcessStatus::OutputsUntouched
        }
    }
    let mut t = support::TestEngine::with_registry(EngineOptions::default(), |r| {
        use oscine_plugin_api::Registrar;
        r.register_synthdef(SynthDefTable::new(Wants));
    });
    // An audio-buffer is Live at id 0: of another kind than the port names.
    let args = vec![oscine_plugin_api::ResourceArg::Int(1), oscine_plugin_api::ResourceArg::Int(8)].into_boxed_slice();
    let def = t.handle.registry().resource_def_ref("audio-buffer").unwrap();
    t.send(Command::ResourceNew { client: CLIENT, id: 0, def, args });
    for _ in 0..1000 {
        t.render(1);
        if t.events.iter().any(|e| matches!(e, Event::ResourceReady { .. })) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(t.events.iter().any(|e| matches!(e, Event::ResourceReady { .. })), "the buffer is ready");
    let synth =
        t.handle.build_synth("test-wants-missing", &[(oscine::control::ControlKey::Name("table"), 0.0)]).unwrap();
    t.send(Command::SynthNew { client: CLIENT, id: 1, target: 0, action: HeadOfGroup, activate: true, synth });
    t.render(1);
    assert!(
        t.errors()
            .iter()
            .any(|e| matches!(e, EngineError::ResourceBind { reason: oscine_plugin_api::AcquireError::WrongType, .. })),
        "the bind is refused"
    );
    t.shutdown();
}

#[test]
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
fn the_thread_that_renders_blocks_flushes_subnormal_floats() {
    std::thread::spawn(|| {
        // 1e-38 × 1e-3 is subnormal in IEEE arithmetic.
        let tiny = || std::hint::black_box(1e-38f32) * std::hint::black_box(1e-3f32);
        assert_ne!(tiny(), 0.0, "a fresh thread keeps subnormals");
        let mut t = TestEngine::small();
        t.render(1);
        assert_eq!(tiny(), 0.0, "after a block, this thread flushes them");
        t.shutdown();
    })
    .join()
    .unwrap();
}
