//! The `Engine`: the state the audio thread owns and the block it renders.
//!
//! Context: RT: every method here runs on the thread that drives the engine (the audio
//! thread, or the thread rendering a score), except `Engine::new` (NRT, in
//! `oscine::build`) and the engine's drop (NRT, once the driver has stopped calling it).

use std::sync::Arc;
use std::time::Instant;

use oscine_plugin_api::{DoneAction, Report, World};
use rtrb::{Consumer, Producer};

use super::clock::SampleClock;
use super::command_budget::CommandBudget;
use super::control_changes::{apply_changes, outbox_error, ChangeKind};
use super::outbox::Outbox;
use super::resource_pool::Requester;
use super::sync_spans::SpanId;
use super::synth_instance::MapOutputError;
use super::EventSignal;
use super::{
    AudioBuses, BlockReports, BusMapping, ClientId, Command, CommandKind, ControlBuses, ControlChanges, ControlRef,
    DoneFlags, EngineError, EngineOptions, EngineStatus, Event, Garbage, NodeChange, NodeId, NodeTree, NumberedBuses,
    PortRef, ProcessOutcome, ResourceSystem, Scheduled, Scheduler, TimedCommand, Timetag, MAX_BUSES_PER_OUTPUT,
    NO_NODE, ROOT_NODE_ID,
};
use super::{BusValues, ClockMode, TreeForm};
use super::{WireBuffers, WorkerLinks};

/// How much audio one DSP-load measuring window spans, in seconds.
const LOAD_WINDOW_SECONDS: f64 = 0.5;

/// The state the audio thread owns (node tree, AudioBuses, the ends of every FIFO) and
/// the per-block process that runs it.
///
/// Context: built NRT (by `oscine::build`); afterwards every method is called on
/// the audio thread (the driver's callback), except `Drop`, which runs wherever the driver
/// releases it once it has stopped calling it.
pub struct Engine {
    world: World,
    asks_realtime: bool,
    command_budget: CommandBudget,
    tree: NodeTree,
    buses: AudioBuses,
    control_buses: ControlBuses,
    commands: Consumer<TimedCommand>,
    /// Commands taken from `commands` in all.
    commands_taken: u64,
    outbox: Outbox,
    resources: ResourceSystem,
    clock: SampleClock,
    scheduler: Scheduler,
    last_late: Option<(ClientId, u32)>,
    status: Arc<EngineStatus>,
    became_done: Vec<(NodeId, Option<DoneAction>)>,
    reports: BlockReports,
    wire_buffers: WireBuffers,
    stopping_synths: Vec<NodeId>,
    stopping: Option<Stopping>,
    load: LoadMeter,
}

/// A shutdown under way, and who asked for it (no client for a signal's).
#[derive(Clone, Copy)]
struct Stopping {
    client: Option<ClientId>,
}

struct LoadMeter {
    block_seconds: f64,
    window_blocks: u32,
    blocks: u32,
    busy: f64,
    peak: f64,
}

impl Engine {
    /// An engine for `options`, connected to the FIFO ends, the signal and the worker
    /// links `oscine::build` made. Context: NRT (before the audio thread starts).
    pub(crate) fn new(
        options: &EngineOptions,
        commands: Consumer<TimedCommand>,
        events: Producer<Event>,
        signal: Arc<EventSignal>,
        workers: WorkerLinks,
        status: Arc<EngineStatus>,
        report_boxes: Consumer<Box<Report>>,
    ) -> Self {
        let world = options.world();
        let block_seconds = options.block_size as f64 / options.sample_rate;
        status.set_sample_rate(options.sample_rate);
        Engine {
            world,
            asks_realtime: options.realtime,
            command_budget: CommandBudget::new(options),
            tree: NodeTree::new(options.max_nodes),
            buses: AudioBuses::new(options.block_size, options.inputs, options.outputs, options.max_audio_buses),
            control_buses: ControlBuses::new(options.max_control_buses),
            commands,
            commands_taken: 0,
            outbox: Outbox::new(events, signal, workers, Arc::clone(&status)),
            resources: ResourceSystem::new(options.max_resources, options.max_scheduled),
            clock: SampleClock::new(options.clock, options.sample_rate, options.block_size),
            scheduler: Scheduler::new(options.max_scheduled),
            last_late: None,
            status,
            became_done: Vec::with_capacity(options.max_nodes),
            reports: BlockReports::new(report_boxes),
            wire_buffers: WireBuffers::new(options.block_size),
            stopping_synths: Vec::with_capacity(options.max_nodes),
            stopping: None,
            load: LoadMeter {
                block_seconds,
                window_blocks: ((LOAD_WINDOW_SECONDS / block_seconds).ceil() as u32).max(1),
                blocks: 0,
                busy: 0.0,
                peak: 0.0,
            },
        }
    }

    /// The engine's sample rate and block size. Context: any (a copy).
    pub fn world(&self) -> World {
        self.world
    }

    /// The status counters this engine publishes. Context: any (a reference to atomics).
    pub fn status(&self) -> &Arc<EngineStatus> {
        &self.status
    }

    /// Hardware input channels, planar (`inputs × block_size`): the driver fills them
    /// before each [`process_block`](Self::process_block). Context: RT.
    pub fn external_inputs_mut(&mut self) -> &mut [f32] {
        self.buses.external_inputs_mut()
    }

    /// Hardware output channels, planar (`outputs × block_size`), as rendered by the last
    /// [`process_block`](Self::process_block). Context: RT.
    pub fn external_outputs(&self) -> &[f32] {
        self.buses.external_outputs()
    }

    /// Where resource id `id` is in its lifecycle (Free when out of range): for drivers
    /// that wait on resource work, and for tests.
    pub fn resource_state(&self, id: oscine_plugin_api::ResourceId) -> super::ResourceState {
        self.resources.pool().state(id)
    }

    /// How many Synths, leases and operations hold resource `id`.
    pub fn resource_holders(&self, id: oscine_plugin_api::ResourceId) -> u32 {
        self.resources.pool().holders(id)
    }

    /// Whether every resource id is Free.
    pub fn resources_all_free(&self) -> bool {
        self.resources.pool().all_free()
    }

    /// Whether the thread that runs blocks should ask for realtime scheduling
    /// ([`EngineOptions::realtime`](super::EngineOptions::realtime)). Context: any.
    pub fn asks_realtime(&self) -> bool {
        self.asks_realtime
    }

    /// Renders one block: takes worker results, applies queued commands, processes the
    /// tree, applies done flags, starts due destroys, answers waiting `/sync`s, publishes
    /// status, and wakes the threads waiting for what it sent (one non-blocking wake each).
    ///
    /// Context: RT. Never allocates, frees, locks or blocks (with the `rtsan` feature,
    /// RealtimeSanitizer checks that every call does not).
    #[cfg_attr(feature = "rtsan", rtsan_standalone::nonblocking)]
    pub fn process_block(&mut self) {
        let started = Instant::now();
        // Whatever thread the driver runs blocks on, subnormal floats are zero there, and
        // a panic there prints nothing.
        super::denormals::flush_denormals();
        super::audio_thread::enter();
        let wall = match self.clock.mode() {
            ClockMode::Wall => Timetag::now(),
            ClockMode::Score => Timetag(0),
        };
        self.clock.begin_block(wall);
        self.buses.begin_block();
        self.control_buses.begin_block();
        self.resources.collect_worker_results(&mut self.outbox);
        self.apply_scheduled();
        self.apply_commands(started);
        let applied = Instant::now();

        let mut became_done = std::mem::take(&mut self.became_done);
        let outbox = &mut self.outbox;
        let frame = self.clock.frame();
        let mut buses = NumberedBuses { audio: &mut self.buses, control: &mut self.control_buses };
        self.tree.process(
            &mut buses,
            self.resources.pool(),
            frame,
            &mut self.reports,
            self.wire_buffers.lend(),
            &mut |id, outcome| match outcome {
                // Capacity is the node capacity, so this never grows.
                ProcessOutcome::BecameDone => {
                    if became_done.len() < became_done.capacity() {
                        became_done.push((id, None));
                    }
                }
                ProcessOutcome::DoneAction(action) => {
                    if became_done.len() < became_done.capacity() {
                        became_done.push((id, Some(action)));
                    }
                }
                ProcessOutcome::Faulted => {
                    outbox.status.add_synth_fault();
                    outbox.emit(Event::SynthFaulted { id });
                }
                ProcessOutcome::Idle | ProcessOutcome::Ran => {}
            },
        );
        self.reports.send(&mut self.outbox);
        for &(id, action) in &became_done {
            self.on_done(id, action);
        }
        became_done.clear();
        self.became_done = became_done;
        // Synths freed at a frame inside this block played up to it; now they go.
        for i in 0..self.stopping_synths.len() {
            let id = self.stopping_synths[i];
            let _ = self.free_node(id);
        }
        self.stopping_synths.clear();
        self.resource_bookkeeping();

        let nonfinite = self.buses.end_block();
        if nonfinite > 0 {
            self.status.add_nonfinite_samples(nonfinite);
        }
        self.status.set_counts(self.tree.synth_count(), self.tree.group_count(), self.tree.unit_count());
        self.status.set_resources(self.resources.live_count(), self.resources.running());
        self.status.set_clock(self.scheduler.len(), self.clock.rate());
        self.status.add_block();
        self.status.set_commands_settled(self.commands_taken);
        self.clock.end_block();
        self.outbox.wake();
        let ended = Instant::now();
        self.command_budget.block_ended(applied, ended);
        self.measure_load((ended - started).as_secs_f64());
    }

    /// Takes worker results and applies queued commands as at the start of the next
    /// block, without rendering: for a driver that must wait for asynchronous work
    /// between blocks (the offline renderer awaiting resource constructs).
    ///
    /// Context: RT (the thread that calls `process_block`).
    #[cfg_attr(feature = "rtsan", rtsan_standalone::nonblocking)]
    pub fn service(&mut self) {
        self.resources.collect_worker_results(&mut self.outbox);
        self.apply_commands(Instant::now());
        self.resource_bookkeeping();
        self.status.set_resources(self.resources.live_count(), self.resources.running());
        self.status.set_clock(self.scheduler.len(), self.clock.rate());
        self.status.set_commands_settled(self.commands_taken);
        self.outbox.wake();
    }

    /// The first frame of the next (or current) block.
    pub fn frame(&self) -> u64 {
        self.clock.frame()
    }

    fn measure_load(&mut self, busy: f64) {
        let m = &mut self.load;
        let ratio = busy / m.block_seconds;
        m.busy += ratio;
        m.peak = m.peak.max(ratio);
        m.blocks += 1;
        if m.blocks >= m.window_blocks {
            self.status.set_load((m.busy / m.blocks as f64) as f32, m.peak as f32);
            m.blocks = 0;
            m.busy = 0.0;
            m.peak = 0.0;
        }
    }

    /// Worker slots a command may need in the worst case: every Synth freed, every
    /// Resource destroyed, every re-bound resource port handing back its old Resource,
    /// and what the command carries (two for a refused `ResourceNew`: its ResourceDef and
    /// its arguments).
    fn worker_reserve(&self) -> usize {
        self.tree.synth_count() + self.resources.live_count() + ControlChanges::CAPACITY + 2
    }

    fn has_reserve(&self) -> bool {
        // Take a command only if the workers can take back everything it might let go
        // of, so nothing is ever freed here.
        let workers_short = self.outbox.workers.free_slots() < self.worker_reserve();
        // Every command may answer with one reply (a query's is its result).
        !workers_short && self.outbox.has_reply_room(1)
    }

    /// Applies the scheduler's commands due in this block, at their frames.
    fn apply_scheduled(&mut self) {
        let block_end = self.clock.frame() + self.world.block_size as u64;
        while self.scheduler.next_frame().is_some_and(|f| f < block_end) {
            if !self.has_reserve() {
                self.status.add_command_stall();
                break;
            }
            let Some(s) = self.scheduler.pop_before(block_end) else { break };
            let sync = matches!(s.command, Command::Sync { .. });
            self.apply_timed(s.command, s.frame as i64, s.bundle, s.span);
            if let Some(span) = s.span {
                self.resources.release_scheduled(span, true, sync);
            }
        }
    }

    fn apply_commands(&mut self, started: Instant) {
        let mut applied = 0u64;
        // Only whole groups: a datagram still being queued waits for the next block.
        let available = self.commands.slots();
        let mut complete = match self.commands.read_chunk(available) {
            Ok(chunk) => {
                let (a, b) = chunk.as_slices();
                // Peeking only: the chunk is dropped without committing.
                match b.iter().rposition(|c| c.last_of_group) {
                    Some(i) => a.len() + i + 1,
                    None => a.iter().rposition(|c| c.last_of_group).map_or(0, |i| i + 1),
                }
            }
            Err(_) => 0,
        };
        let mut budget = self.command_budget.start(started);
        let mut group_open = false;
        while complete > 0 {
            if !group_open && !budget.takes_more(applied as usize) {
                // Whole datagrams wait for the next block; the one in hand was finished.
                self.status.add_commands_deferred();
                break;
            }
            if !self.has_reserve() {
                self.status.add_command_stall();
                break;
            }
            let Ok(TimedCommand { command, time, bundle, last_of_group }) = self.commands.pop() else { break };
            group_open = !last_of_group;
            complete -= 1;
            applied += 1;
            // The sequence number orders commands due at the same frame.
            let seq = self.resources.next_seq();
            let block_end = (self.clock.frame() + self.world.block_size as u64) as i64;
            match self.clock.frame_of(time) {
                None => self.apply(command, 0, None),
                Some(frame) if frame < block_end => self.apply_timed(command, frame, bundle, None),
                Some(frame) => self.schedule(Scheduled { frame: frame as u64, seq, bundle, span: None, command }),
            }
        }
        if applied > 0 {
            self.status.add_commands_processed(applied);
            self.commands_taken += applied;
        }
    }

    /// Takes a command due after this block into the scheduler, counted in its client's
    /// work (so the client's later `/sync`s wait for it); a full scheduler refuses it.
    fn schedule(&mut self, mut item: Scheduled) {
        let (client, kind) = (item.command.client(), item.command.kind());
        let sync_token = match item.command {
            Command::Sync { token, .. } => Some(token),
            _ => None,
        };
        let refused = if self.scheduler.len() >= self.scheduler.capacity() {
            Some(EngineError::SchedulerFull(self.scheduler.capacity()))
        } else if let Some(client) = client {
            match self.resources.hold_scheduled(client, sync_token) {
                Ok(span) => {
                    item.span = Some(span);
                    None
                }
                Err(e) => Some(e),
            }
        } else {
            None
        };
        let refused = match refused {
            None => self
                .scheduler
                .push(item)
                .err()
                .map(|item| (item, EngineError::SchedulerFull(self.scheduler.capacity()))),
            Some(error) => Some((item, error)),
        };
        if let Some((item, error)) = refused {
            if let Some(span) = item.span {
                self.resources.release_scheduled(span, false, sync_token.is_some());
            }
            self.dispose_command(item.command);
            if let Some(client) = client {
                self.outbox.emit(Event::Error { client, command: kind, error });
            }
        }
    }

    /// Drops every command waiting in the scheduler, unanswered.
    fn clear_scheduler(&mut self) {
        while let Some(s) = self.scheduler.pop() {
            if let Some(span) = s.span {
                let sync = matches!(s.command, Command::Sync { .. });
                self.resources.release_scheduled(span, false, sync);
            }
            if let Command::Sync { client, .. } = s.command {
                self.outbox.emit(Event::SyncDropped { client });
            }
            self.dispose_command(s.command);
        }
    }

    /// Applies a command due at `frame`, which is before the end of this block: at its
    /// offset in the block, or at once (reported late) if the block started after it.
    /// `span` is the span a command from the scheduler counted in.
    fn apply_timed(&mut self, command: Command, frame: i64, bundle: u32, span: Option<SpanId>) {
        let block_start = self.clock.frame() as i64;
        if frame < block_start {
            let (client, kind) = (command.client(), command.kind());
            self.status.add_late();
            if let Some(client) = client {
                if self.last_late != Some((client, bundle)) || bundle == 0 {
                    self.last_late = Some((client, bundle));
                    let seconds = -self.clock.seconds_until(frame);
                    self.outbox.emit(Event::Late { client, command: kind, seconds });
                }
            }
            self.apply(command, 0, span);
        } else {
            self.apply(command, (frame - block_start) as usize, span);
        }
    }

    /// Sends what a command that will never be applied carries to a worker.
    fn dispose_command(&mut self, command: Command) {
        match command {
            Command::SynthNew { synth, .. } => self.outbox.dispose(Garbage::Synth(synth)),
            Command::QueryTree { snapshot, .. } => self.outbox.dispose(Garbage::Snapshot(snapshot)),
            Command::ControlBusGet { values, .. } | Command::ControlBusSetRuns { values, .. } => {
                self.outbox.dispose(Garbage::BusValues(values))
            }
            Command::SynthGet { query, .. } => self.outbox.dispose(Garbage::Query(query)),
            Command::ResourceNew { def, args, .. } => {
                self.outbox.dispose(Garbage::ResourceDef(def));
                self.outbox.dispose(Garbage::Args(args));
            }
            Command::ResourcePerform { args, .. } => self.outbox.dispose(Garbage::Args(args)),
            _ => {}
        }
    }

    /// Whether every bus of `values`' runs exists. Context: RT.
    fn check_buses(&self, values: &BusValues) -> Result<(), EngineError> {
        let count = self.control_buses.count();
        match values.last_bus() {
            Some(last) if last >= count as u64 => {
                Err(EngineError::Bus { bus: last.min(u32::MAX as u64) as u32, count })
            }
            _ => Ok(()),
        }
    }

    /// Applies a command at frame `offset` of the coming block: Synths start there, stop
    /// there (a timed free), and sample-accurate controls change there; everything else
    /// takes effect at the block's start. The steps it starts count in `span` (that of a
    /// command from the scheduler), or in its client's open span.
    fn apply(&mut self, command: Command, offset: usize, span: Option<SpanId>) {
        let client = command.client();
        let kind = command.kind();
        let mut node = command.node();
        let result = match command {
            Command::GroupNew { id, target, action, .. } => {
                node = self.id_for(id);
                self.tree
                    .add_group(node, target, action)
                    .map(|position| self.node_changed(NodeChange::Created, node, position))
            }
            Command::SynthNew { id, target, action, activate, mut synth, .. } => {
                let id = self.id_for(id);
                node = id;
                if activate {
                    synth.activate_at(offset);
                }
                let bound = if self.tree.contains(id) {
                    Err((EngineError::NodeIdInUse(id), Garbage::Synth(synth)))
                } else {
                    synth.bind_requested_resources(self.resources.pool())
                };
                match bound {
                    Err((error, garbage)) => {
                        self.outbox.dispose(garbage);
                        Err(error)
                    }
                    Ok(synth) => match self.tree.add_synth(id, target, action, synth) {
                        Ok(position) => {
                            self.node_changed(NodeChange::Created, id, position);
                            Ok(())
                        }
                        Err((error, synth)) => {
                            self.outbox.dispose(synth.release_resources(self.resources.pool()));
                            Err(error)
                        }
                    },
                }
            }
            Command::SynthActivate { id, .. } => self.tree.synth_mut(id).map(|s| s.activate_at(offset)),
            Command::MapInput { id, port, mapping, .. } => {
                let count = self.buses_for(mapping, false);
                match self.tree.synth_mut(id) {
                    Err(e) => Err(e),
                    Ok(_) if mapping.is_some_and(|m| m.bus as usize >= count) => {
                        Err(EngineError::Bus { bus: mapping.map_or(0, |m| m.bus), count })
                    }
                    Ok(synth) => {
                        let inputs = synth.input_mappings().len();
                        if synth.map_input(port as usize, mapping) {
                            Ok(())
                        } else {
                            Err(EngineError::InputPort { port, count: inputs })
                        }
                    }
                }
            }
            Command::MapOutput { id, port, mapping, append, .. } => {
                let count = self.buses_for(mapping, true);
                match self.tree.synth_mut(id) {
                    Err(e) => Err(e),
                    Ok(_) if mapping.is_some_and(|m| m.bus as usize >= count) => {
                        Err(EngineError::Bus { bus: mapping.map_or(0, |m| m.bus), count })
                    }
                    Ok(synth) => {
                        let outputs = synth.output_mappings().len();
                        synth.map_output(port as usize, mapping, append).map_err(|e| match e {
                            MapOutputError::NoSuchPort => EngineError::OutputPort { port, count: outputs },
                            MapOutputError::Full => EngineError::OutputMappingsFull { port, max: MAX_BUSES_PER_OUTPUT },
                        })
                    }
                }
            }
            Command::SetDoneFlags { id, flags, .. } => self.tree.synth_mut(id).map(|s| s.set_done_flags(flags)),
            Command::NodeSet { client, id, changes } | Command::NodeSetRuns { client, id, changes, .. } => {
                self.set_controls(client, kind, id, &changes, offset, ChangeKind::Set)
            }
            Command::NodeMap { client, id, changes, audio: false } => {
                let buses = self.control_buses.count();
                self.set_controls(client, kind, id, &changes, 0, ChangeKind::Map { buses })
            }
            Command::NodeMap { client, id, changes, audio: true } => {
                let b = &self.buses;
                let buses = b.hardware_outputs() + b.hardware_inputs() + b.internal_buses();
                self.set_controls(client, kind, id, &changes, 0, ChangeKind::MapAudio { buses })
            }
            Command::SynthNoId { id, .. } => match self.tree.synth_mut(id) {
                // Leaving at the end of this block under its id: as good as gone.
                Ok(synth) if synth.is_stopping() => Err(EngineError::NodeNotFound(id)),
                Ok(_) => self.tree.rename(id).map(|_| ()),
                Err(e) => Err(e),
            },
            Command::NodeFree { id, .. } => match self.tree.synth_mut(id) {
                // Already leaving at the end of this block: as good as gone.
                Ok(synth) if synth.is_stopping() => Err(EngineError::NodeNotFound(id)),
                Ok(synth) if offset > 0 && self.stopping_synths.len() < self.stopping_synths.capacity() => {
                    synth.stop_at(offset);
                    self.stopping_synths.push(id);
                    Ok(())
                }
                _ => self.free_node(id),
            },
            Command::GroupFreeAll { id, .. } => self.free_group_children(id),
            Command::QueryTree { client, id, mut snapshot, form } => {
                match self.tree.snapshot(id, form == TreeForm::Trace, &mut snapshot) {
                    Ok(()) => {
                        self.outbox.emit(Event::Tree { client, snapshot, form });
                        Ok(())
                    }
                    Err(e) => {
                        self.outbox.dispose(Garbage::Snapshot(snapshot));
                        Err(e)
                    }
                }
            }
            Command::NodeRun { id, run, .. } => self.tree.set_running(id, run, offset).map(|changed| {
                if let Some(position) = changed {
                    let change = if run { NodeChange::Started } else { NodeChange::Paused };
                    self.node_changed(change, id, position);
                }
            }),
            Command::NodeMove { id, target, action, .. } => self
                .tree
                .move_node(id, target, action)
                .map(|position| self.node_changed(NodeChange::Moved, id, position)),
            Command::NodeQuery { client, id } => match self.tree.position_of(id) {
                Some(position) => {
                    self.outbox.emit(Event::NodeInfo { client, id, position });
                    Ok(())
                }
                None => Err(EngineError::NodeNotFound(id)),
            },
            Command::GroupDeepFree { id, .. } => {
                let (outbox, pool) = (&mut self.outbox, self.resources.pool());
                self.tree.free_synths_below(id, &mut |f| outbox.node_freed(f, pool))
            }
            Command::SynthGet { client, id, mut query } => {
                let filled = self.tree.synth_mut(id).and_then(|synth| {
                    let entry = synth.entry();
                    let index_of = |control| match control {
                        ControlRef::Index(i) => Some(i as usize),
                        ControlRef::Name(name) => match entry.port_by_name(name) {
                            Some(PortRef::Control(i)) => Some(i),
                            _ => None,
                        },
                    };
                    query.fill(synth.controls(), index_of, id)
                });
                match filled {
                    Ok(()) => {
                        self.outbox.emit(Event::Controls { client, id, query });
                        Ok(())
                    }
                    Err(e) => {
                        self.outbox.dispose(Garbage::Query(query));
                        Err(e)
                    }
                }
            }
            Command::ResourceNew { client, id, def, args } => {
                self.resources.create(Requester { client, span }, id, def, args, &mut self.outbox)
            }
            Command::ResourceFree { client, id } => {
                self.resources.free(Requester { client, span }, id, &mut self.outbox)
            }
            Command::ResourcePerform { client, ids, def, operation, exclusive, args } => {
                let by = Requester { client, span };
                self.resources.perform(by, ids, (def, operation), exclusive, args, &mut self.outbox)
            }
            Command::ControlBusGet { client, mut values } => match self.check_buses(&values) {
                Ok(()) => {
                    let buses = &self.control_buses;
                    values.fill(|bus| buses.get(bus as usize));
                    self.outbox.emit(Event::ControlBuses { client, values });
                    Ok(())
                }
                Err(e) => {
                    self.outbox.dispose(Garbage::BusValues(values));
                    Err(e)
                }
            },
            Command::ControlBusSetRuns { values, .. } => {
                let checked = self.check_buses(&values);
                if checked.is_ok() {
                    for (k, bus) in values.buses() {
                        self.control_buses.set(bus as usize, values.values[k]);
                    }
                }
                self.outbox.dispose(Garbage::BusValues(values));
                checked
            }
            Command::ControlBusSet { bus, value, .. } => {
                if (bus as usize) < self.control_buses.count() {
                    self.control_buses.set(bus as usize, value);
                    Ok(())
                } else {
                    Err(EngineError::Bus { bus, count: self.control_buses.count() })
                }
            }
            // A timed `/sync` closed its span when it was scheduled; leaving the scheduler
            // lets that span be answered.
            Command::Sync { .. } if span.is_some() => Ok(()),
            Command::Sync { client, token } => self.resources.sync(client, token, &mut self.outbox),
            Command::ClearScheduled { .. } => {
                self.clear_scheduler();
                Ok(())
            }
            Command::Shutdown { client } => {
                self.clear_scheduler();
                let result = self.free_group_children(ROOT_NODE_ID);
                let freer = client.map(|client| Requester { client, span: None });
                self.resources.shutdown(freer, &mut self.outbox);
                self.stopping = Some(Stopping { client });
                result
            }
        };
        // A command no client sent (a signal's shutdown) has nobody to answer.
        let Some(client) = client else { return };
        match result {
            Err(error) => self.outbox.emit(Event::Error { client, command: kind, error }),
            Ok(()) if kind.acknowledged() => self.outbox.emit(Event::Ack { client, command: kind, id: node }),
            Ok(()) => {}
        }
    }

    /// Sets controls of a Synth, or of every Synth inside a Group (as scsynth's `/n_set`
    /// does: Synths without a named control are skipped). On a Synth every invalid change
    /// is reported, and the last error becomes the command's result.
    fn set_controls(
        &mut self,
        client: ClientId,
        kind: CommandKind,
        id: NodeId,
        changes: &ControlChanges,
        offset: usize,
        change: ChangeKind,
    ) -> Result<(), EngineError> {
        let (outbox, pool) = (&mut self.outbox, self.resources.pool());
        match self.tree.synth_mut(id) {
            Ok(synth) => {
                let mut last_error = None;
                apply_changes(synth, id, changes, offset, change, pool, outbox, &mut |error| {
                    if let Some(previous) = last_error.replace(error) {
                        outbox_error(client, kind, previous)
                    } else {
                        None
                    }
                });
                // Every error but the last was collected into the outbox by the closure.
                last_error.map_or(Ok(()), Err)
            }
            Err(EngineError::NotASynth(_)) => {
                // Missing controls are skipped quietly; a refusal for want of worker room
                // becomes the command's error.
                let mut workers_full = false;
                self.tree.for_each_synth_in(id, &mut |synth_id, synth| {
                    apply_changes(synth, synth_id, changes, offset, change, pool, outbox, &mut |error| {
                        workers_full |= error == EngineError::WorkersFull;
                        None
                    });
                })?;
                if workers_full {
                    Err(EngineError::WorkersFull)
                } else {
                    Ok(())
                }
            }
            Err(e) => Err(e),
        }
    }

    /// The id a new node gets: the one asked for, or one the tree picks for -1.
    fn id_for(&mut self, id: NodeId) -> NodeId {
        if id == NO_NODE {
            self.tree.pick_id()
        } else {
            id
        }
    }

    fn node_changed(&mut self, change: NodeChange, id: NodeId, position: super::NodePosition) {
        self.outbox.emit(Event::NodeChanged { change, id, position });
    }

    fn buses_for(&self, mapping: Option<BusMapping>, output: bool) -> usize {
        mapping.map_or(0, |m| self.buses.count(m.space, output))
    }

    fn free_node(&mut self, id: NodeId) -> Result<(), EngineError> {
        let (outbox, pool) = (&mut self.outbox, self.resources.pool());
        self.tree.free(id, &mut |f| outbox.node_freed(f, pool))
    }

    fn free_group_children(&mut self, id: NodeId) -> Result<(), EngineError> {
        let (outbox, pool) = (&mut self.outbox, self.resources.pool());
        self.tree.free_children(id, &mut |f| outbox.node_freed(f, pool))
    }

    fn on_done(&mut self, id: NodeId, action: Option<DoneAction>) {
        let Ok(synth) = self.tree.synth_mut(id) else { return };
        let flags = match action {
            None => synth.done_flags(),
            Some(DoneAction::PauseSelf) => {
                if let Ok(Some(position)) = self.tree.set_running(id, false, 0) {
                    self.node_changed(NodeChange::Paused, id, position);
                }
                return;
            }
            Some(action) => done_action_flags(action),
        };
        if flags.contains(DoneFlags::NOTIFY) {
            self.outbox.emit(Event::NodeDone { id });
        }
        let (outbox, pool) = (&mut self.outbox, self.resources.pool());
        self.tree.apply_done_flags(id, flags, &mut |f| outbox.node_freed(f, pool));
    }

    /// The block's resource bookkeeping: destroys made due by releases, `/sync`s whose
    /// work is done, and the end of a shutdown.
    fn resource_bookkeeping(&mut self) {
        self.resources.start_due_destroys(&mut self.outbox);
        self.resources.answer_syncs(&mut self.outbox);
        if let Some(Stopping { client }) = self.stopping {
            if self.resources.is_idle() && self.scheduler.is_empty() {
                self.stopping = None;
                self.outbox.emit(Event::Stopped { client });
            }
        }
    }
}

/// The done flags a done action stands for. Actions 5–12 act on the neighbour as 3 and 4
/// do (free it, with everything in it if it is a Group), and 7–10 free only this Synth:
/// docs/ugens.md lists these differences from scsynth.
fn done_action_flags(action: DoneAction) -> DoneFlags {
    let flags = match action {
        DoneAction::None | DoneAction::PauseSelf => DoneFlags::NONE,
        DoneAction::FreeSelfAndPrevious
        | DoneAction::FreeSelfAndFreeAllInPrevious
        | DoneAction::FreeSelfAndDeepFreePrevious => DoneFlags::FREE_PRECEDING,
        DoneAction::FreeSelfAndNext | DoneAction::FreeSelfAndFreeAllInNext | DoneAction::FreeSelfAndDeepFreeNext => {
            DoneFlags::FREE_FOLLOWING
        }
        DoneAction::FreeAllInGroup => DoneFlags::FREE_ALL_SIBLINGS,
        DoneAction::FreeGroup => DoneFlags::FREE_PARENT,
        _ => DoneFlags::NONE,
    };
    flags | DoneFlags::FREE_SELF
}
