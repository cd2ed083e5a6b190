//! The resource system against a plain model of seeds/002's state machine: random
//! interleavings of new, free, binding by Synths, re-binding, per-pass leases, shared and
//! exclusive operations, construct failures and shutdown. After every step the engine's
//! pool must match the model (state and holder count per id); at the end every construct
//! has exactly one destroy and no Resource was used after its destroy.
mod support;

use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oscine::engine::{
    AddAction, Command, CommandKind, ControlChanges, ControlRef, EngineError, EngineOptions, Event, NodeId,
    ResourceDefRef, ResourceIds, ResourceState,
};
use oscine_plugin_api::{ResourceArg, ResourceId};
use proptest::prelude::*;
use support::test_defs::{register_counted, Counters};
use support::{TestEngine, CLIENT};

const IDS: i32 = 6;

#[derive(Debug, Clone)]
enum Op {
    New { id: ResourceId, fail: bool },
    Free { id: ResourceId },
    Hold { id: ResourceId },
    Rebind { synth: usize, id: ResourceId },
    Release { synth: usize },
    Lease { synth: usize, id: ResourceId },
    Perform { id: ResourceId, exclusive: bool },
    Wait,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum St {
    Free,
    Constructing { pending: bool },
    Live { pending: bool },
    Destroying,
}

struct Model {
    states: Vec<St>,
    holders: Vec<u32>,
    /// Holder Synths by creation order: (node id, bound resource).
    synths: Vec<(NodeId, Option<ResourceId>)>,
    next_node: NodeId,
}

impl Model {
    fn new() -> Self {
        Model {
            states: vec![St::Free; IDS as usize],
            holders: vec![0; IDS as usize],
            synths: Vec::new(),
            next_node: 100,
        }
    }
    fn in_range(id: ResourceId) -> bool {
        (0..IDS).contains(&id)
    }
    fn st(&self, id: ResourceId) -> St {
        if Self::in_range(id) {
            self.states[id as usize]
        } else {
            St::Free
        }
    }
    fn acquirable(&self, id: ResourceId) -> bool {
        self.st(id) == St::Live { pending: false }
    }
    fn release(&mut self, id: ResourceId) {
        let i = id as usize;
        self.holders[i] -= 1;
        if self.holders[i] == 0 && self.states[i] == (St::Live { pending: true }) {
            self.states[i] = St::Destroying;
        }
    }
}

struct Harness {
    t: TestEngine,
    model: Model,
    counters: Arc<Counters>,
    def: ResourceDefRef,
    steps: usize,
}

impl Harness {
    fn new() -> Self {
        let counters = Arc::new(Counters::default());
        let c = Arc::clone(&counters);
        let options =
            EngineOptions { block_size: 16, max_nodes: 256, max_resources: IDS as usize, ..Default::default() };
        let t = TestEngine::with_registry(options, move |r| register_counted(r, c));
        let def = t.handle.registry().resource_def_ref("test-counted").expect("registered");
        Harness { t, model: Model::new(), counters, def, steps: 0 }
    }

    /// Sends the op's command; returns the command kind whose immediate answer is
    /// expected and the predicted outcome (`true` = success), computed when the answer
    /// is checked.
    fn send(&mut self, op: &Op) -> Option<CommandKind> {
        let client = CLIENT;
        let command = match *op {
            Op::New { id, fail } => {
                let args = vec![ResourceArg::Int(if fail { 1 } else { 0 })].into_boxed_slice();
                Command::ResourceNew { client, id, def: self.def.clone(), args }
            }
            Op::Free { id } => Command::ResourceFree { client, id },
            Op::Hold { id } => {
                let node = self.model.next_node;
                let synth = self
                    .t
                    .handle
                    .build_synth("test-holder", &[(oscine::control::ControlKey::Name("res"), id.max(0) as f32)])
                    .expect("holder builds");
                Command::SynthNew { client, id: node, target: 0, action: AddAction::TailOfGroup, activate: true, synth }
            }
            Op::Rebind { synth, id } | Op::Lease { synth, id } => {
                let node = self.model.synths.get(synth).map_or(99_999, |s| s.0);
                let index = if matches!(op, Op::Rebind { .. }) { 1 } else { 0 };
                let changes = ControlChanges::one((ControlRef::Index(index), id.max(0) as f32));
                Command::NodeSet { client, id: node, changes }
            }
            Op::Release { synth } => {
                let node = self.model.synths.get(synth).map_or(99_999, |s| s.0);
                Command::NodeFree { client, id: node }
            }
            Op::Perform { id, exclusive } => Command::ResourcePerform {
                client,
                ids: ResourceIds::from_slice(&[id]).unwrap(),
                def: self.def.id,
                operation: if exclusive { 1 } else { 0 },
                exclusive,
                args: Box::new([]),
            },
            Op::Wait => return None,
        };
        let kind = command.kind();
        self.t.send(command);
        Some(kind)
    }

    /// What the engine must answer to `op`, judged on the model as it stands.
    fn predict(&self, op: &Op) -> bool {
        let m = &self.model;
        match *op {
            Op::New { id, .. } => Model::in_range(id) && m.st(id) == St::Free,
            Op::Free { id } => matches!(m.st(id), St::Constructing { pending: false } | St::Live { pending: false }),
            Op::Hold { id } => m.acquirable(id.max(0)),
            Op::Rebind { synth, id } => synth < m.synths.len() && m.acquirable(id.max(0)),
            Op::Lease { synth, .. } | Op::Release { synth } => synth < m.synths.len(),
            Op::Perform { id, exclusive } => m.acquirable(id) && (!exclusive || m.holders[id as usize] == 0),
            Op::Wait => true,
        }
    }

    /// The model's change when the engine accepted `op`.
    fn apply_success(&mut self, op: &Op) {
        let m = &mut self.model;
        match *op {
            Op::New { id, .. } => m.states[id as usize] = St::Constructing { pending: false },
            Op::Free { id } => {
                let i = id as usize;
                m.states[i] = match m.states[i] {
                    St::Constructing { .. } => St::Constructing { pending: true },
                    St::Live { .. } if m.holders[i] > 0 => St::Live { pending: true },
                    _ => St::Destroying,
                };
            }
            Op::Hold { id } => {
                m.holders[id.max(0) as usize] += 1;
                m.synths.push((m.next_node, Some(id.max(0))));
                m.next_node += 1;
            }
            Op::Rebind { synth, id } => {
                let id = id.max(0);
                m.holders[id as usize] += 1;
                if let Some(old) = m.synths[synth].1.replace(id) {
                    m.release(old);
                }
            }
            Op::Release { synth } => {
                let (_, bound) = m.synths.remove(synth);
                if let Some(id) = bound {
                    m.release(id);
                }
            }
            Op::Perform { id, .. } => m.holders[id as usize] += 1,
            Op::Lease { .. } | Op::Wait => {}
        }
    }

    fn on_failure(&mut self, op: &Op) {
        // A failed Hold still used up its node id.
        if let Op::Hold { .. } = op {
            self.model.next_node += 1;
        }
    }

    fn lifecycle(&mut self, event: &Event) {
        let m = &mut self.model;
        match *event {
            Event::ResourceReady { id, .. } => {
                let i = id as usize;
                m.states[i] = match m.states[i] {
                    St::Constructing { pending: true } => St::Destroying,
                    St::Constructing { pending: false } => St::Live { pending: false },
                    other => panic!("ready for resource {id} in model state {other:?}"),
                };
            }
            Event::ResourceFailed { id, .. } => {
                assert!(
                    matches!(m.states[id as usize], St::Constructing { .. }),
                    "failed while {:?}",
                    m.states[id as usize]
                );
                m.states[id as usize] = St::Free;
            }
            Event::ResourceDestroyed { id, .. } => {
                assert_eq!(m.states[id as usize], St::Destroying, "destroyed resource {id}");
                m.states[id as usize] = St::Free;
            }
            Event::ResourcePerformed { id, ref result, .. } => {
                assert!(result.is_ok(), "operation failed: {result:?}");
                m.release(id);
            }
            _ => {}
        }
    }

    fn step(&mut self, op: &Op) {
        self.steps += 1;
        let kind = self.send(op);
        if matches!(op, Op::Wait) {
            std::thread::sleep(Duration::from_micros(1500));
        }
        self.t.driver.render_block();
        let events = self.t.take_events();
        let mut answer: Option<bool> = None;
        let mut predicted = None;
        for event in &events {
            match event {
                Event::Ack { command, .. } | Event::Error { command, .. } if Some(*command) == kind => {
                    // Worker results were applied before the command: judge now.
                    let p = *predicted.get_or_insert_with(|| self.predict(op));
                    let ok = matches!(event, Event::Ack { .. });
                    assert_eq!(ok, p, "step {}: {op:?} answered {event:?}, model {:?}", self.steps, self.model.states);
                    answer = Some(ok);
                }
                Event::Error { error, .. } => panic!("unexpected error {error:?} at {op:?}"),
                other => self.lifecycle(other),
            }
        }
        let ok = match answer {
            Some(ok) => ok,
            // New and Perform answer success later (ready / performed), errors at once.
            None => {
                let p = predicted.unwrap_or_else(|| self.predict(op));
                if matches!(kind, Some(CommandKind::ResourceNew | CommandKind::ResourcePerform)) {
                    assert!(p, "step {}: {op:?} should have failed", self.steps);
                }
                p
            }
        };
        if ok {
            self.apply_success(op);
        } else {
            self.on_failure(op);
        }
        self.check_pool();
    }

    fn check_pool(&mut self) {
        let engine = self.t.driver.engine();
        for id in 0..IDS {
            let expected = match self.model.states[id as usize] {
                St::Free => ResourceState::Free,
                St::Constructing { .. } => ResourceState::Constructing,
                St::Live { .. } => ResourceState::Live,
                St::Destroying => ResourceState::Destroying,
            };
            assert_eq!(engine.resource_state(id), expected, "step {}: resource {id}", self.steps);
            assert_eq!(
                engine.resource_holders(id),
                self.model.holders[id as usize],
                "step {}: holders of {id}",
                self.steps
            );
        }
    }

    fn shutdown(mut self) {
        self.t.send(Command::Shutdown { client: Some(CLIENT) });
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut stopped = false;
        while !stopped && Instant::now() < deadline {
            self.t.driver.render_block();
            stopped = self.t.take_events().iter().any(|e| matches!(e, Event::Stopped { .. }));
            std::thread::sleep(Duration::from_micros(500));
        }
        assert!(stopped, "shutdown never finished");
        assert!(self.t.driver.engine().resources_all_free());
        assert_eq!(self.t.handle.status().synths, 0);
        let c = &self.counters;
        assert_eq!(c.constructs.load(SeqCst), c.destroys.load(SeqCst), "every construct has its destroy");
        assert_eq!(c.double_destroys.load(SeqCst), 0);
        assert_eq!(c.uses_after_destroy.load(SeqCst), 0);
        assert_eq!(self.t.handle.status().garbage_leaked, 0);
        self.t.shutdown();
    }
}

fn op_from(r: u32, model_synths: usize) -> Op {
    let id = (r >> 8) as i32 % (IDS + 2) - 1; // -1..=IDS: out of range both ways
    let synth = ((r >> 16) as usize) % (model_synths + 1);
    match r % 16 {
        0..=2 => Op::New { id, fail: (r >> 4).is_multiple_of(5) },
        3 | 4 => Op::Free { id },
        5 | 6 => Op::Hold { id },
        7 => Op::Rebind { synth, id },
        8 | 9 => Op::Release { synth },
        10 => Op::Lease { synth, id },
        11 => Op::Perform { id, exclusive: false },
        12 => Op::Perform { id, exclusive: true },
        _ => Op::Wait,
    }
}

#[test]
fn thousands_of_random_steps_match_the_model() {
    for seed in [0x9E37_79B9u32, 7, 1234567, 0xDEAD_BEEF] {
        let mut h = Harness::new();
        let mut r = seed;
        for _ in 0..2500 {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            let op = op_from(r, h.model.synths.len());
            h.step(&op);
        }
        assert!(h.counters.constructs.load(SeqCst) > 10, "the run must build resources");
        assert!(h.counters.performs.load(SeqCst) > 10, "the run must perform operations");
        h.shutdown();
    }
}

#[test]
fn a_free_during_construct_destroys_right_after_ready() {
    let mut h = Harness::new();
    h.step(&Op::New { id: 0, fail: false });
    h.step(&Op::Free { id: 0 });
    for _ in 0..50 {
        h.step(&Op::Wait);
    }
    assert_eq!(h.model.states[0], St::Free);
    assert_eq!(h.counters.destroys.load(SeqCst), 1);
    h.shutdown();
}

#[test]
fn shutdown_destroys_held_constructing_and_live_resources() {
    let mut h = Harness::new();
    for id in 0..4 {
        h.step(&Op::New { id, fail: false });
    }
    for _ in 0..20 {
        h.step(&Op::Wait);
    }
    h.step(&Op::Hold { id: 1 });
    h.step(&Op::Perform { id: 2, exclusive: false });
    h.step(&Op::New { id: 5, fail: false });
    h.shutdown();
}

fn arb_op() -> impl Strategy<Value = Op> {
    let id = -1..=IDS;
    prop_oneof![
        (id.clone(), any::<bool>()).prop_map(|(id, fail)| Op::New { id, fail }),
        id.clone().prop_map(|id| Op::Free { id }),
        id.clone().prop_map(|id| Op::Hold { id }),
        (0usize..6, id.clone()).prop_map(|(synth, id)| Op::Rebind { synth, id }),
        (0usize..6).prop_map(|synth| Op::Release { synth }),
        (0usize..6, id.clone()).prop_map(|(synth, id)| Op::Lease { synth, id }),
        (id, any::<bool>()).prop_map(|(id, exclusive)| Op::Perform { id, exclusive }),
        Just(Op::Wait),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn any_interleaving_matches_the_model(ops in proptest::collection::vec(arb_op(), 1..120)) {
        let mut h = Harness::new();
        for op in &ops {
            h.step(op);
        }
        h.shutdown();
    }
}

#[test]
fn a_failed_bind_names_the_port_the_id_and_the_reason() {
    // A bind failure names the port, the id and the reason.
    let mut h = Harness::new();
    let synth = h.t.handle.build_synth("test-holder", &[(oscine::control::ControlKey::Name("res"), 3.0)]).unwrap();
    h.t.send(Command::SynthNew {
        client: CLIENT,
        id: 5,
        target: 0,
        action: AddAction::TailOfGroup,
        activate: true,
        synth,
    });
    h.t.driver.render_block();
    let errors = h.t.errors();
    assert_eq!(
        errors,
        vec![EngineError::ResourceBind { port: 0, id: 3, reason: oscine_plugin_api::AcquireError::NotLive }]
    );
    h.shutdown();
}

#[test]
fn a_resource_port_set_to_minus_one_is_unbound_and_released() {
    let mut h = Harness::new();
    h.step(&Op::New { id: 0, fail: false });
    while h.model.states[0] != (St::Live { pending: false }) {
        h.step(&Op::Wait);
    }
    h.step(&Op::Hold { id: 0 });
    assert_eq!(h.t.driver.engine().resource_holders(0), 1);
    let node = h.model.synths[0].0;
    let changes = ControlChanges::one((ControlRef::Index(1), -1.0));
    h.t.send(Command::NodeSet { client: CLIENT, id: node, changes });
    h.t.driver.render_block();
    assert!(h.t.errors().is_empty());
    assert_eq!(h.t.driver.engine().resource_holders(0), 0);
    h.model.holders[0] = 0;
    h.model.synths[0].1 = None;
    h.shutdown();
}
