use std::sync::Arc;
use std::time::Instant;

use oscine_plugin_api::World;
use rtrb::{Consumer, Producer};

use super::outbox::Outbox;
use super::synth_instance::MapOutputError;
use super::{
    AudioBuses, BusMapping, ClientId, Command, CommandKind, ControlChanges, ControlRef, DoneFlags, EngineError,
    EngineOptions, EngineStatus, Event, Garbage, NodeId, NodeTree, ProcessOutcome, MAX_BUSES_PER_OUTPUT, ROOT_NODE_ID,
};
use crate::workers::WorkerLinks;

/// How much audio one DSP-load measuring window spans, in seconds.
const LOAD_WINDOW_SECONDS: f64 = 0.5;

/// The state the audio thread owns (node tree, AudioBuses, the ends of every FIFO) and
/// the per-block process that runs it.
///
/// Context: built NRT by [`crate::engine::build`]; afterwards every method is called on
/// the audio thread (the driver's callback), except `Drop`, which runs wherever the driver
/// releases it once it has stopped calling it.
pub struct Engine {
    world: World,
    tree: NodeTree,
    buses: AudioBuses,
    commands: Consumer<Command>,
    outbox: Outbox,
    status: Arc<EngineStatus>,
    became_done: Vec<NodeId>,
    load: LoadMeter,
}

struct LoadMeter {
    block_seconds: f64,
    window_blocks: u32,
    blocks: u32,
    busy: f64,
    peak: f64,
}

impl Engine {
    pub(crate) fn new(
        options: &EngineOptions,
        commands: Consumer<Command>,
        events: Producer<Event>,
        workers: WorkerLinks,
        status: Arc<EngineStatus>,
    ) -> Self {
        let world = World { sample_rate: options.sample_rate, block_size: options.block_size };
        let block_seconds = options.block_size as f64 / options.sample_rate;
        status.set_sample_rate(options.sample_rate);
        Engine {
            world,
            tree: NodeTree::new(options.max_nodes),
            buses: AudioBuses::new(options.block_size, options.inputs, options.outputs, options.max_audio_buses),
            commands,
            outbox: Outbox::new(events, workers, Arc::clone(&status)),
            status,
            became_done: Vec::with_capacity(options.max_nodes),
            load: LoadMeter {
                block_seconds,
                window_blocks: ((LOAD_WINDOW_SECONDS / block_seconds).ceil() as u32).max(1),
                blocks: 0,
                busy: 0.0,
                peak: 0.0,
            },
        }
    }

    /// The engine's sample rate and block size.
    pub fn world(&self) -> World {
        self.world
    }

    /// The status counters this engine publishes.
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

    /// Renders one block: takes worker results, applies queued commands, processes the
    /// tree, applies done flags, publishes status.
    ///
    /// Context: RT. Never allocates, frees, locks or blocks.
    pub fn process_block(&mut self) {
        let started = Instant::now();
        self.buses.begin_block();
        self.outbox.collect_worker_results();
        self.apply_commands();

        let mut became_done = std::mem::take(&mut self.became_done);
        let outbox = &mut self.outbox;
        self.tree.process(&mut self.buses, &mut |id, outcome| match outcome {
            // Capacity is the node capacity, so this never grows.
            ProcessOutcome::BecameDone => {
                if became_done.len() < became_done.capacity() {
                    became_done.push(id);
                }
            }
            ProcessOutcome::Faulted => {
                outbox.status.add_synth_fault();
                outbox.emit(Event::SynthFaulted { id });
            }
            ProcessOutcome::Idle | ProcessOutcome::Ran => {}
        });
        for &id in &became_done {
            self.on_done(id);
        }
        became_done.clear();
        self.became_done = became_done;

        self.buses.end_block();
        self.status.set_counts(self.tree.synth_count(), self.tree.group_count());
        self.status.add_block();
        self.measure_load(started.elapsed().as_secs_f64());
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

    fn apply_commands(&mut self) {
        let mut applied = 0u64;
        // A command may free every Synth in the tree plus the one it carries: only take it
        // if the workers can take all of that back, so nothing is ever freed here.
        while let Ok(next) = self.commands.peek() {
            let needs_event = matches!(next, Command::QueryTree { .. } | Command::Shutdown { .. });
            let workers_short = self.outbox.workers.free_slots() < self.tree.synth_count() + 1;
            if workers_short || (needs_event && self.outbox.events.slots() == 0) {
                self.status.add_command_stall();
                break;
            }
            let Ok(command) = self.commands.pop() else { break };
            self.apply(command);
            applied += 1;
        }
        if applied > 0 {
            self.status.add_commands_processed(applied);
        }
    }

    fn apply(&mut self, command: Command) {
        let client = command.client();
        let kind = command.kind();
        let node = command.node();
        let result = match command {
            Command::GroupNew { id, target, action, .. } => self.tree.add_group(id, target, action),
            Command::SynthNew { id, target, action, activate, mut synth, .. } => {
                if activate {
                    synth.activate();
                }
                match self.tree.add_synth(id, target, action, synth) {
                    Ok(()) => Ok(()),
                    Err((error, synth)) => {
                        self.outbox.dispose(Garbage::Synth(synth));
                        Err(error)
                    }
                }
            }
            Command::SynthActivate { id, .. } => self.tree.synth_mut(id).map(|s| s.activate()),
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
            Command::NodeSet { id, changes, .. } => self.set_controls(client, id, &changes),
            Command::NodeFree { id, .. } => self.free_node(id),
            Command::GroupFreeAll { id, .. } => self.free_group_children(id),
            Command::QueryTree { id, mut snapshot, .. } => match self.tree.snapshot(id, &mut snapshot) {
                Ok(()) => {
                    self.outbox.emit(Event::Tree { client, snapshot });
                    Ok(())
                }
                Err(e) => {
                    self.outbox.dispose(Garbage::Snapshot(snapshot));
                    Err(e)
                }
            },
            Command::Sync { token, .. } => {
                self.outbox.emit(Event::Synced { client, token });
                Ok(())
            }
            Command::Shutdown { .. } => {
                let result = self.free_group_children(ROOT_NODE_ID);
                self.outbox.emit(Event::Stopped { client });
                result
            }
        };
        match result {
            Err(error) => self.outbox.emit(Event::Error { client, command: kind, error }),
            Ok(()) if kind.acknowledged() => self.outbox.emit(Event::Ack { client, command: kind, id: node }),
            Ok(()) => {}
        }
    }

    /// Applies every valid change; each invalid one is reported, and the last error
    /// becomes the command's result.
    fn set_controls(&mut self, client: ClientId, id: NodeId, changes: &ControlChanges) -> Result<(), EngineError> {
        let synth = self.tree.synth_mut(id)?;
        let mut last_error = None;
        for (control, value) in changes.iter() {
            let index = match control {
                ControlRef::Index(i) => Some(i as usize),
                ControlRef::Name(name) => synth.entry().control_index(name),
            };
            let result = match (index, control) {
                (Some(index), _) => synth
                    .set_control(index, value)
                    .map_err(|e| EngineError::ControlIndex { index: index as u32, count: e.count }),
                (None, ControlRef::Name(name)) => Err(EngineError::ControlName { node: id, name }),
                (None, ControlRef::Index(_)) => Ok(()),
            };
            if let Err(error) = result {
                if let Some(previous) = last_error.replace(error) {
                    self.outbox.emit(Event::Error { client, command: CommandKind::NodeSet, error: previous });
                }
            }
        }
        last_error.map_or(Ok(()), Err)
    }

    fn buses_for(&self, mapping: Option<BusMapping>, output: bool) -> usize {
        mapping.map_or(0, |m| self.buses.count(m.space, output))
    }

    fn free_node(&mut self, id: NodeId) -> Result<(), EngineError> {
        let outbox = &mut self.outbox;
        self.tree.free(id, &mut |f| outbox.node_freed(f))
    }

    fn free_group_children(&mut self, id: NodeId) -> Result<(), EngineError> {
        let outbox = &mut self.outbox;
        self.tree.free_children(id, &mut |f| outbox.node_freed(f))
    }

    fn on_done(&mut self, id: NodeId) {
        let Ok(synth) = self.tree.synth_mut(id) else { return };
        let flags = synth.done_flags();
        if flags.contains(DoneFlags::NOTIFY) {
            self.outbox.emit(Event::NodeDone { id });
        }
        let outbox = &mut self.outbox;
        self.tree.apply_done_flags(id, flags, &mut |f| outbox.node_freed(f));
    }
}
