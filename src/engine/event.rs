//! Events and engine errors: what the audio thread reports.
//!
//! Context: any. An event is made on the audio thread (RT) and turned into OSC on the
//! network thread (NRT); `EngineError::code` is a plain match, used on either.

use oscine_plugin_api::{AcquireError, Report, ResourceArg, ResourceId};

use crate::error_code::ErrorCode;

use super::{
    BusValues, ClientId, CommandKind, ControlNameId, ControlQuery, NodeChange, NodeId, NodePosition, ResourceDefId,
    TreeForm, TreeSnapshot,
};

/// What the audio thread reports. Plain data (the tree snapshot excepted, whose storage
/// came from the network side); the network side turns events into OSC.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A Synth with the notify done flag said it is done.
    NodeDone {
        /// The Synth.
        id: NodeId,
    },
    /// A node left the tree (freed by a client, a done flag or its Group).
    NodeEnded {
        /// The node.
        id: NodeId,
        /// Where it was just before it left.
        position: NodePosition,
    },
    /// A node was created, turned on or off, or moved.
    NodeChanged {
        /// What happened.
        change: NodeChange,
        /// The node.
        id: NodeId,
        /// Where it is now.
        position: NodePosition,
    },
    /// A node query's answer (scsynth's `/n_query`).
    NodeInfo {
        /// The client that asked.
        client: ClientId,
        /// The node.
        id: NodeId,
        /// Where it is.
        position: NodePosition,
    },
    /// A control query's answer (scsynth's `/s_get`, `/s_getn`).
    Controls {
        /// The client that asked.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// The filled query.
        query: Box<ControlQuery>,
    },
    /// A Synth reported a value (a graph Synth's `Poll`): logged on the network side, and
    /// sent to notified clients as `/tr` when it has a trigger id.
    Report {
        /// The Synth.
        id: NodeId,
        /// What it reported (its label is shared with the unit, never copied here), in a
        /// box the network side supplied beforehand (`ReportBoxes`): the report's values
        /// travel outside the event queue, which every event's slot would otherwise make
        /// room for.
        report: Box<Report>,
    },
    /// A Synth's process panicked; it is silent from now on.
    SynthFaulted {
        /// The Synth.
        id: NodeId,
    },
    /// A command that has no reply of its own took effect.
    Ack {
        /// The command's sender.
        client: ClientId,
        /// The command.
        command: CommandKind,
        /// The node it was about.
        id: NodeId,
    },
    /// A command failed.
    Error {
        /// The command's sender.
        client: ClientId,
        /// The command.
        command: CommandKind,
        /// What went wrong.
        error: EngineError,
    },
    /// Every command the client sent before its `Sync` has been applied.
    Synced {
        /// The client.
        client: ClientId,
        /// The token it sent.
        token: i32,
    },
    /// A timed `Sync` of the client was dropped unanswered with the scheduler it waited
    /// in (`ClearScheduled`): no `Synced` will come for it. Nothing is sent to the
    /// client; the network thread counts the client's `Sync`s still in the engine.
    SyncDropped {
        /// The client.
        client: ClientId,
    },
    /// A control bus read's answer.
    ControlBuses {
        /// The client.
        client: ClientId,
        /// The runs and their values.
        values: Box<BusValues>,
    },
    /// A node-tree query's answer.
    Tree {
        /// The client.
        client: ClientId,
        /// The filled snapshot.
        snapshot: Box<TreeSnapshot>,
        /// What the client asked for.
        form: TreeForm,
    },
    /// A Resource finished constructing and is Live.
    ResourceReady {
        /// The client that created it.
        client: ClientId,
        /// The Resource.
        id: ResourceId,
        /// Its ResourceDef.
        def: ResourceDefId,
    },
    /// A Resource's construct failed; its id is Free again.
    ResourceFailed {
        /// The client that created it.
        client: ClientId,
        /// The Resource.
        id: ResourceId,
        /// The plugin's reason (allocated on the worker, only moved here).
        reason: Box<str>,
    },
    /// A Resource was destroyed; its id is Free again.
    ResourceDestroyed {
        /// The client that freed it (or asked for the shutdown); `None` for a shutdown no
        /// client asked for.
        client: Option<ClientId>,
        /// The Resource.
        id: ResourceId,
    },
    /// A resource operation finished; its Resources are released.
    ResourcePerformed {
        /// The client that asked.
        client: ClientId,
        /// The first Resource.
        id: ResourceId,
        /// The ResourceDef and the operation's index among its operations.
        operation: (ResourceDefId, u16),
        /// The values for the reply, or the plugin's reason.
        result: Result<Box<[ResourceArg]>, Box<str>>,
    },
    /// A timed command arrived after its time; it was applied at once.
    Late {
        /// The sender.
        client: ClientId,
        /// The first late command of its bundle.
        command: CommandKind,
        /// How late, in seconds.
        seconds: f64,
    },
    /// Shutdown finished: every node is freed and every Resource destroyed.
    Stopped {
        /// The client that asked, if one did.
        client: Option<ClientId>,
    },
}

impl Event {
    /// Whether this answers a command (or the asynchronous work one started), as opposed
    /// to a notification: replies may use the event queue's reserve, so a command the
    /// audio thread took is always answered; notifications are dropped (and counted)
    /// rather than eat into it.
    pub fn is_reply(&self) -> bool {
        match self {
            Event::Ack { .. }
            | Event::Error { .. }
            | Event::Synced { .. }
            | Event::SyncDropped { .. }
            | Event::NodeInfo { .. }
            | Event::Controls { .. }
            | Event::ControlBuses { .. }
            | Event::Tree { .. }
            | Event::ResourceReady { .. }
            | Event::ResourceFailed { .. }
            | Event::ResourceDestroyed { .. }
            | Event::ResourcePerformed { .. }
            | Event::Stopped { .. } => true,
            Event::NodeDone { .. }
            | Event::NodeEnded { .. }
            | Event::NodeChanged { .. }
            | Event::Report { .. }
            | Event::SynthFaulted { .. }
            | Event::Late { .. } => false,
        }
    }
}

/// Why the engine refused a command. Each variant has a stable [`code`](Self::code).
/// `Acquire` and `ResourceBind` share [`ErrorCode::ResourceUnavailable`]: to a client they
/// are one condition, a Resource that cannot be held.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum EngineError {
    /// The id is taken.
    #[error("node id {0} is already in use")]
    NodeIdInUse(NodeId),
    /// No node has the id.
    #[error("node {0} does not exist")]
    NodeNotFound(NodeId),
    /// The command needs a Group.
    #[error("node {0} is not a group")]
    NotAGroup(NodeId),
    /// The command needs a Synth.
    #[error("node {0} is not a synth")]
    NotASynth(NodeId),
    /// The root Group cannot be freed, nor have nodes placed before or after it.
    #[error("the root group cannot be the target of this command")]
    RootGroup,
    /// A node cannot be moved before or after itself, nor a Group inside itself.
    #[error("node {node} cannot be moved relative to {target}: the target is the node itself or inside it")]
    MoveIntoItself {
        /// The node.
        node: NodeId,
        /// The target.
        target: NodeId,
    },
    /// The node tree is full.
    #[error("node capacity reached ({0} nodes)")]
    NodeCapacity(usize),
    /// The Synth has no control with this index.
    #[error("control index {index} out of range (synth has {count} controls)")]
    ControlIndex {
        /// The index asked for.
        index: u32,
        /// The Synth's control count.
        count: usize,
    },
    /// The Synth has no control with this name.
    #[error("synth {node} has no such control")]
    ControlName {
        /// The Synth.
        node: NodeId,
        /// The interned name.
        name: ControlNameId,
    },
    /// The Synth has no input port with this index.
    #[error("input port {port} out of range (synth has {count} inputs)")]
    InputPort {
        /// The port asked for.
        port: u32,
        /// The Synth's input count.
        count: usize,
    },
    /// The Synth has no output port with this index.
    #[error("output port {port} out of range (synth has {count} outputs)")]
    OutputPort {
        /// The port asked for.
        port: u32,
        /// The Synth's output count.
        count: usize,
    },
    /// The bus does not exist.
    #[error("bus {bus} out of range ({count} buses of that kind)")]
    Bus {
        /// The bus asked for.
        bus: u32,
        /// How many exist.
        count: usize,
    },
    /// The resource id is outside the pool.
    #[error("resource id {id} out of range (0..{capacity})")]
    ResourceIdOutOfRange {
        /// The id.
        id: ResourceId,
        /// The pool's size.
        capacity: usize,
    },
    /// The resource id is taken.
    #[error("resource id {0} is already in use")]
    ResourceIdInUse(ResourceId),
    /// No Resource is Live (or constructing) at the id.
    #[error("resource {0} is not live")]
    ResourceNotLive(ResourceId),
    /// The Resource is already being freed.
    #[error("resource {0} is already being freed")]
    ResourceFreePending(ResourceId),
    /// The Resource cannot be held.
    #[error("cannot use resource {id}: {reason}")]
    Acquire {
        /// The id.
        id: ResourceId,
        /// Why.
        reason: AcquireError,
    },
    /// An exclusive operation found the Resource held.
    #[error("resource {id} is held by {holders} other user(s); an exclusive operation needs it alone")]
    ResourceBusy {
        /// The id.
        id: ResourceId,
        /// Its holders.
        holders: u32,
    },
    /// Too many resource operations are running.
    #[error("{0} resource operations already running")]
    PerformCapacity(usize),
    /// Too many `/sync` requests are waiting for asynchronous work.
    #[error("{0} /sync requests already waiting")]
    SyncCapacity(usize),
    /// The client has too many `/sync` requests waiting.
    #[error("this client already has {0} /sync requests waiting")]
    ClientSyncCapacity(usize),
    /// A resource port could not be bound; the old binding (if any) stays.
    #[error("cannot bind resource {id} to resource port {port}: {reason}")]
    ResourceBind {
        /// The port.
        port: u32,
        /// The id.
        id: ResourceId,
        /// Why.
        reason: AcquireError,
    },
    /// The workers' queues cannot take back what the command would let go of.
    #[error("worker queues full; the change was not applied, try again")]
    WorkersFull,
    /// The scheduler is full.
    #[error("scheduler full ({0} timed commands waiting)")]
    SchedulerFull(usize),
    /// A resource port takes an integer resource id.
    #[error("resource port {port} takes an integer resource id, got {value}")]
    ResourceIdValue {
        /// The port.
        port: u32,
        /// The value given.
        value: f32,
    },
    /// The output already feeds as many buses as it can.
    #[error("output port {port} already feeds {max} buses")]
    OutputMappingsFull {
        /// The port.
        port: u32,
        /// The limit.
        max: usize,
    },
}

impl EngineError {
    /// The error's stable code (documented in docs/osc-api.md).
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::NodeIdInUse(_) => ErrorCode::NodeIdInUse,
            EngineError::NodeNotFound(_) => ErrorCode::NodeNotFound,
            EngineError::NotAGroup(_) => ErrorCode::NotAGroup,
            EngineError::NotASynth(_) => ErrorCode::NotASynth,
            EngineError::RootGroup => ErrorCode::RootGroup,
            EngineError::MoveIntoItself { .. } => ErrorCode::MoveIntoItself,
            EngineError::NodeCapacity(_) => ErrorCode::NodeCapacity,
            EngineError::OutputMappingsFull { .. } => ErrorCode::OutputMappingsFull,
            EngineError::ControlIndex { .. } => ErrorCode::ControlIndex,
            EngineError::ControlName { .. } => ErrorCode::ControlName,
            EngineError::InputPort { .. } => ErrorCode::InputPort,
            EngineError::OutputPort { .. } => ErrorCode::OutputPort,
            EngineError::Bus { .. } => ErrorCode::Bus,
            EngineError::ResourceIdValue { .. } => ErrorCode::ResourceIdValue,
            EngineError::ResourceIdOutOfRange { .. } => ErrorCode::ResourceIdOutOfRange,
            EngineError::ResourceIdInUse(_) => ErrorCode::ResourceIdInUse,
            EngineError::ResourceNotLive(_) => ErrorCode::ResourceNotLive,
            EngineError::ResourceFreePending(_) => ErrorCode::FreePending,
            // One condition to a client: the Resource cannot be held (see the type's doc).
            EngineError::Acquire { .. } | EngineError::ResourceBind { .. } => ErrorCode::ResourceUnavailable,
            EngineError::ResourceBusy { .. } => ErrorCode::ResourceBusy,
            EngineError::PerformCapacity(_) => ErrorCode::OperationCapacity,
            EngineError::SchedulerFull(_) => ErrorCode::SchedulerFull,
            EngineError::WorkersFull => ErrorCode::WorkersFull,
            EngineError::SyncCapacity(_) | EngineError::ClientSyncCapacity(_) => ErrorCode::SyncCapacity,
        }
    }
}
