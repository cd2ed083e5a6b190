use std::sync::Arc;

use oscine_plugin_api::{ResourceId, World};
use rtrb::{Consumer, Producer};

use crate::engine::{
    Command, ControlRef, EngineOptions, EngineStatus, Event, StatusSnapshot, SynthInstance, TreeSnapshot,
};

use super::Registry;
use crate::engine::{PortRef, TimedCommand, Timetag};

/// The control side's end of the engine: it builds Synths, sends commands and receives
/// events.
///
/// Context: NRT, one thread at a time (it holds the single producer of the command FIFO).
pub struct EngineHandle {
    options: EngineOptions,
    registry: Arc<Registry>,
    commands: Producer<TimedCommand>,
    events: Consumer<Event>,
    status: Arc<EngineStatus>,
}

/// Why a Synth could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SynthBuildError {
    /// No SynthDef has the name.
    #[error("no synthdef named '{0}'")]
    UnknownSynthDef(String),
    /// A control given at creation does not exist.
    #[error("synthdef '{def}' has no control {control}")]
    UnknownControl {
        /// The SynthDef.
        def: String,
        /// The control, as given.
        control: String,
    },
    /// The plugin refused.
    #[error("synthdef '{def}' failed to build a synth: {reason}")]
    Construct {
        /// The SynthDef.
        def: String,
        /// The plugin's reason.
        reason: String,
    },
}

/// The command queue to the audio thread is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("command queue full ({capacity} commands waiting for the audio thread)")]
pub struct QueueFull {
    /// The queue's capacity.
    pub capacity: usize,
}

/// A control named by index or by name, as a client gives it at creation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ControlKey<'a> {
    /// By index.
    Index(usize),
    /// By name.
    Name(&'a str),
}

impl EngineHandle {
    pub(crate) fn new(
        options: EngineOptions,
        registry: Arc<Registry>,
        commands: Producer<TimedCommand>,
        events: Consumer<Event>,
        status: Arc<EngineStatus>,
    ) -> Self {
        EngineHandle { options, registry, commands, events, status }
    }

    /// The options the engine was built with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The SynthDefs the engine knows.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The live status counters.
    pub fn status(&self) -> StatusSnapshot {
        self.status.snapshot()
    }

    /// The shared status counters (for the network side's own counts).
    pub fn status_counters(&self) -> &Arc<EngineStatus> {
        &self.status
    }

    /// Builds a Synth of the named SynthDef with initial control values and resource port
    /// bindings (a resource port takes an integer resource id as its value); its outputs
    /// feed the first hardware outputs. Context: NRT (allocates).
    pub fn build_synth(
        &self,
        def: &str,
        initial: &[(ControlKey<'_>, f32)],
    ) -> Result<Box<SynthInstance>, SynthBuildError> {
        let entry = self.registry.get(def).ok_or_else(|| SynthBuildError::UnknownSynthDef(def.to_owned()))?;
        let specs = entry.controls();
        let ports = entry.def().resource_ports();
        let unknown = |control: String| SynthBuildError::UnknownControl { def: def.to_owned(), control };
        let mut controls = Vec::with_capacity(initial.len());
        let mut resources = Vec::new();
        for (key, value) in initial {
            let port = match key {
                ControlKey::Index(i) => entry.port_by_index(*i).ok_or_else(|| unknown(format!("index {i}")))?,
                ControlKey::Name(name) => {
                    let by_name = specs.iter().position(|s| s.name == *name).map(PortRef::Control);
                    by_name
                        .or_else(|| ports.iter().position(|p| p.name == *name).map(PortRef::Resource))
                        .ok_or_else(|| unknown(format!("'{name}'")))?
                }
            };
            match port {
                PortRef::Control(i) => controls.push((i, *value)),
                PortRef::Resource(i) => {
                    if value.fract() != 0.0 || *value < 0.0 || *value > i32::MAX as f32 {
                        return Err(SynthBuildError::Construct {
                            def: def.to_owned(),
                            reason: format!(
                                "resource port '{}' takes an integer resource id, got {value}",
                                ports[i].name
                            ),
                        });
                    }
                    resources.push((i, *value as ResourceId));
                }
            }
        }
        let port_defs = ports.iter().map(|p| self.registry.resource_def_id(p.def)).collect();
        let world = World { sample_rate: self.options.sample_rate, block_size: self.options.block_size };
        SynthInstance::new(Arc::clone(entry), &world, &controls, self.options.outputs, port_defs, &resources)
            .map(Box::new)
            .map_err(|e| SynthBuildError::Construct { def: def.to_owned(), reason: e.reason })
    }

    /// The interned reference for a control name, if any SynthDef has such a control.
    pub fn control_ref(&self, name: &str) -> Option<ControlRef> {
        self.registry.control_name_id(name).map(ControlRef::Name)
    }

    /// Storage for a node-tree query large enough for a full tree. Context: NRT.
    pub fn tree_snapshot(&self) -> Box<TreeSnapshot> {
        let nodes = self.options.max_nodes + 1;
        Box::new(TreeSnapshot::with_capacity(nodes, nodes * self.registry.max_controls().max(1)))
    }

    /// Queues a command for the next block. When the queue is full the command is
    /// dropped here, on the control side, and counted.
    pub fn send(&mut self, command: Command) -> Result<(), QueueFull> {
        self.send_at(command, Timetag::IMMEDIATE, 0)
    }

    /// Queues a command to take effect at `time` (see [`Timetag`]); `bundle` numbers the
    /// bundle it came in (0 for none) so lateness is reported once per bundle.
    pub fn send_at(&mut self, command: Command, time: Timetag, bundle: u32) -> Result<(), QueueFull> {
        match self.commands.push(TimedCommand { command, time, bundle, last_of_group: true }) {
            Ok(()) => Ok(()),
            Err(rtrb::PushError::Full(_)) => {
                self.status.add_command_rejected();
                Err(QueueFull { capacity: self.options.command_queue_capacity })
            }
        }
    }

    /// Queues every command of one datagram, all or none: the audio thread applies them
    /// in the same block (or at their times), never some now and the rest a block later.
    /// A group larger than the free room is refused whole, dropped here and counted.
    pub fn send_group(&mut self, mut commands: Vec<TimedCommand>) -> Result<(), QueueFull> {
        if commands.len() > self.commands.slots() {
            for _ in &commands {
                self.status.add_command_rejected();
            }
            return Err(QueueFull { capacity: self.options.command_queue_capacity });
        }
        let n = commands.len();
        for (i, mut command) in commands.drain(..).enumerate() {
            command.last_of_group = i + 1 == n;
            // Cannot fail: the room was checked and this thread is the only producer.
            if self.commands.push(command).is_err() {
                self.status.add_command_rejected();
            }
        }
        Ok(())
    }

    /// The next event from the audio thread, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop().ok()
    }
}
