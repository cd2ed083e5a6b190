use std::sync::Arc;

use rtrb::{Consumer, Producer};

use super::Registry;
use crate::engine::{
    Command, ControlRef, EngineOptions, EngineStatus, Event, EventSignal, ReportBoxSupply, StatusSnapshot,
    TimedCommand, Timetag, TreeSnapshot,
};

/// The control side's end of the engine: it builds Synths (see
/// [`build_synth`](Self::build_synth)), sends commands and receives events.
///
/// Context: NRT, one thread at a time (it holds the single producer of the command FIFO).
pub struct EngineHandle {
    options: EngineOptions,
    registry: Registry,
    commands: Producer<TimedCommand>,
    events: Consumer<Event>,
    signal: Arc<EventSignal>,
    status: Arc<EngineStatus>,
    /// Commands queued so far.
    sent: u64,
    /// Empty boxes for the audio thread's reports.
    report_boxes: ReportBoxSupply,
}

/// The command queue to the audio thread is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("command queue full ({capacity} commands waiting for the audio thread)")]
pub struct QueueFull {
    /// The queue's capacity.
    pub capacity: usize,
}

impl EngineHandle {
    pub(crate) fn new(
        options: EngineOptions,
        registry: Registry,
        commands: Producer<TimedCommand>,
        events: Consumer<Event>,
        signal: Arc<EventSignal>,
        status: Arc<EngineStatus>,
        report_boxes: ReportBoxSupply,
    ) -> Self {
        EngineHandle { options, registry, commands, events, signal, status, sent: 0, report_boxes }
    }

    /// The options the engine was built with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The SynthDefs the engine knows.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The definitions, to install or remove plugins. Synths built before keep the
    /// definitions they were built from.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// The live status counters.
    pub fn status(&self) -> StatusSnapshot {
        self.status.snapshot()
    }

    /// The shared status counters (for the network side's own counts).
    pub fn status_counters(&self) -> &Arc<EngineStatus> {
        &self.status
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

    /// Storage for a `/n_trace` snapshot: a tree snapshot with room for the units' values
    /// of the SynthDef that has the most. Context: NRT.
    pub fn trace_snapshot(&self) -> Box<TreeSnapshot> {
        let values = self
            .registry
            .entries()
            .iter()
            .map(|e| e.table().trace_layout().iter().map(|(_, inputs, outputs)| inputs + outputs).sum::<usize>())
            .max()
            .unwrap_or(0);
        let snapshot = *self.tree_snapshot();
        Box::new(snapshot.with_unit_values(values))
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
            Ok(()) => {
                self.sent += 1;
                Ok(())
            }
            Err(rtrb::PushError::Full(_)) => {
                self.status.add_command_rejected();
                Err(QueueFull { capacity: self.options.command_queue_capacity })
            }
        }
    }

    /// How many commands the command queue has room for now (the audio thread frees room
    /// as it takes them).
    pub fn command_room(&self) -> usize {
        self.commands.slots()
    }

    /// Whether the audio thread has taken every command queued so far and finished the
    /// block it took the last of them in (so the status counters show their effects).
    pub fn commands_settled(&self) -> bool {
        self.status.commands_settled() == self.sent
    }

    /// Queues every command of one datagram, all or none: the audio thread applies them
    /// in the same block (or at their times), never some now and the rest a block later.
    /// A group larger than the free room is refused whole, dropped here and counted.
    /// `commands` is left empty either way, its capacity kept for the next group.
    pub fn send_group(&mut self, commands: &mut Vec<TimedCommand>) -> Result<(), QueueFull> {
        if commands.len() > self.commands.slots() {
            for _ in commands.drain(..) {
                self.status.add_command_rejected();
            }
            return Err(QueueFull { capacity: self.options.command_queue_capacity });
        }
        for command in commands.iter_mut() {
            command.last_of_group = false;
        }
        let Some(last) = commands.last_mut() else { return Ok(()) };
        last.last_of_group = true;
        // Cannot fail: the room was checked and this thread is the only producer.
        let Ok(mut chunk) = self.commands.write_chunk_uninit(commands.len()) else {
            for _ in commands.drain(..) {
                self.status.add_command_rejected();
            }
            return Err(QueueFull { capacity: self.options.command_queue_capacity });
        };
        // The commands move into the queue's slots in (at most) two copies, not one
        // command at a time.
        let (first, second) = chunk.as_mut_slices();
        let (head, tail) = commands.split_at(first.len());
        // SAFETY: the slots are exactly as many as the commands (the chunk is their
        // number); each command is moved once, into the queue, which the vector then
        // forgets by its length being set to 0, so nothing is dropped twice; the whole
        // chunk is written when it is committed.
        unsafe {
            std::ptr::copy_nonoverlapping(head.as_ptr(), first.as_mut_ptr().cast::<TimedCommand>(), head.len());
            std::ptr::copy_nonoverlapping(tail.as_ptr(), second.as_mut_ptr().cast::<TimedCommand>(), tail.len());
            self.sent += commands.len() as u64;
            commands.set_len(0);
            chunk.commit_all();
        }
        Ok(())
    }

    /// The audio thread's signal that it has pushed events: wait for it (on Linux, its
    /// descriptor becomes readable), [`take`](EventSignal::take) it, then drain
    /// [`poll_event`](Self::poll_event).
    pub fn event_signal(&self) -> &Arc<EventSignal> {
        &self.signal
    }

    /// The next event from the audio thread, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop().ok();
        // The audio thread took boxes for reports (delivered, or dropped with a full
        // event queue): it gets new ones.
        self.report_boxes.refill();
        event
    }
}
