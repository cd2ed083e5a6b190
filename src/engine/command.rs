//! Commands: what the network side asks of the audio thread.
//!
//! Context: any. A command is built on the network thread (NRT) and applied on the audio
//! thread (RT); the functions here are plain matches and copies, which neither allocate
//! nor block, on whichever thread holds the command.

use super::BusValues;
use oscine_plugin_api::{ResourceArg, ResourceId};

use super::{
    AddAction, BusMapping, ClientId, ControlChanges, ControlQuery, DoneFlags, InlineVec, NodeId, QueryPermit,
    ResourceDefId, ResourceDefRef, SynthInstance, Timetag, TreeSnapshot,
};

/// A typed request to the audio thread. Built on the network side (which validates what it
/// can without engine state), carried by the command FIFO, applied at the start of a block
/// in arrival order. Every failure comes back as an [`Event::Error`](super::Event) naming
/// the client and the [`CommandKind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Command {
    /// Create an empty Group.
    GroupNew {
        /// Sender.
        client: ClientId,
        /// The new Group's id.
        id: NodeId,
        /// Where it goes.
        target: NodeId,
        /// How it is placed relative to `target`.
        action: AddAction,
    },
    /// Free every node inside a Group (the Group stays).
    GroupFreeAll {
        /// Sender.
        client: ClientId,
        /// The Group.
        id: NodeId,
    },
    /// Link a Synth built off the audio thread into the tree.
    SynthNew {
        /// Sender.
        client: ClientId,
        /// The new Synth's id.
        id: NodeId,
        /// Where it goes.
        target: NodeId,
        /// How it is placed relative to `target`.
        action: AddAction,
        /// Whether it runs from this block on (else it waits for `SynthActivate`).
        activate: bool,
        /// The Synth, ready to run.
        synth: SynthInstance,
    },
    /// Start a Synth that was created inactive.
    SynthActivate {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
    },
    /// Connect a Synth's audio input to a bus, or disconnect it.
    MapInput {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// Input port index.
        port: u32,
        /// The bus, or `None` for silence.
        mapping: Option<BusMapping>,
    },
    /// Connect a Synth's audio output to a bus, or disconnect it.
    MapOutput {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// Output port index.
        port: u32,
        /// The bus, or `None` to disconnect every bus.
        mapping: Option<BusMapping>,
        /// Add to the buses the port feeds instead of replacing them.
        append: bool,
    },
    /// Set what a Synth does when done.
    SetDoneFlags {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// The flags.
        flags: DoneFlags,
    },
    /// Set controls of a Synth.
    NodeSet {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// Which controls, and their values (clamped to each control's range).
        changes: ControlChanges,
    },
    /// Set runs of consecutive controls (scsynth's `/n_setn`, `/n_fill`): applied as
    /// `NodeSet`, answered as the verb it came as.
    NodeSetRuns {
        /// Sender.
        client: ClientId,
        /// The Synth, or a Group.
        id: NodeId,
        /// Which controls, and their values.
        changes: ControlChanges,
        /// Whether it came as `/n_fill` (else `/n_setn`).
        fill: bool,
    },
    /// Map controls of a Synth, or of every Synth in a Group, to read control buses at
    /// the start of each block (scsynth's `/n_map`, `/n_mapn`), or audio buses (`/n_mapa`,
    /// `/n_mapan`): each change's value is a bus, -1 to unmap.
    NodeMap {
        /// Sender.
        client: ClientId,
        /// The Synth, or a Group.
        id: NodeId,
        /// Which controls, and their buses.
        changes: ControlChanges,
        /// Whether the buses are audio buses (numbered as graph Synths number them).
        audio: bool,
    },
    /// Give a Synth an id the tree picks, which no client can name (scsynth's `/s_noid`):
    /// it plays on, unnamed, until it or its Group is freed.
    SynthNoId {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
    },
    /// Free a node; a Group is freed with everything in it.
    NodeFree {
        /// Sender.
        client: ClientId,
        /// The node.
        id: NodeId,
    },
    /// Fill a snapshot of the node tree and send it back.
    QueryTree {
        /// Sender.
        client: ClientId,
        /// The Group whose subtree is described.
        id: NodeId,
        /// Preallocated storage, returned in [`Event::Tree`](super::Event).
        snapshot: Box<TreeSnapshot>,
        /// What the answer becomes.
        form: TreeForm,
    },
    /// Turn a node on or off (scsynth's `/n_run`).
    NodeRun {
        /// Sender.
        client: ClientId,
        /// The node.
        id: NodeId,
        /// On (true) or off.
        run: bool,
    },
    /// Move a node (scsynth's `/n_before`, `/n_after`, `/g_head`, `/g_tail`, `/n_order`).
    NodeMove {
        /// Sender.
        client: ClientId,
        /// The node.
        id: NodeId,
        /// Where it goes.
        target: NodeId,
        /// How it is placed relative to `target`.
        action: AddAction,
        /// Whether it is one of an `/n_order`'s nodes.
        ordered: bool,
    },
    /// Reply where a node is (scsynth's `/n_query`).
    NodeQuery {
        /// Sender.
        client: ClientId,
        /// The node.
        id: NodeId,
    },
    /// Free every Synth inside a Group, at any depth; the Groups stay (`/g_deepFree`).
    GroupDeepFree {
        /// Sender.
        client: ClientId,
        /// The Group.
        id: NodeId,
    },
    /// Read control values of a Synth (scsynth's `/s_get`, `/s_getn`).
    SynthGet {
        /// Sender.
        client: ClientId,
        /// The Synth.
        id: NodeId,
        /// Which controls, and storage for their values, returned in
        /// [`Event::Controls`](super::Event).
        query: Box<ControlQuery>,
    },
    /// Start constructing a Resource on a worker.
    ResourceNew {
        /// Sender.
        client: ClientId,
        /// The new Resource's id.
        id: ResourceId,
        /// Its ResourceDef: the id the engine checks and reports, and the code the
        /// construct (and later the Resource's operations and destroy) runs. The audio
        /// thread hands it on to a worker, whatever becomes of the command.
        def: ResourceDefRef,
        /// The construct arguments (handed on to the worker).
        args: Box<[ResourceArg]>,
    },
    /// Free a Resource (now, after its last holder, or after its construct).
    ResourceFree {
        /// Sender.
        client: ClientId,
        /// The Resource.
        id: ResourceId,
    },
    /// Run a ResourceDef operation on a worker, holding its Resources meanwhile.
    ResourcePerform {
        /// Sender.
        client: ClientId,
        /// The Resources: the operation's own first, then the extra ones.
        ids: ResourceIds,
        /// The ResourceDef the operation belongs to.
        def: ResourceDefId,
        /// The operation's index among the ResourceDef's operations.
        operation: u16,
        /// Whether it needs its Resources unshared.
        exclusive: bool,
        /// The operation's arguments.
        args: Box<[ResourceArg]>,
    },
    /// Read control buses (scsynth's `/c_get`, `/c_getn`): the audio thread fills the
    /// values and returns them in [`Event::ControlBuses`](super::Event).
    ControlBusGet {
        /// Sender.
        client: ClientId,
        /// The runs to read, with room for their values.
        values: Box<BusValues>,
    },
    /// Set runs of control buses (scsynth's `/c_setn`, `/c_fill`).
    ControlBusSetRuns {
        /// Sender.
        client: ClientId,
        /// The runs and their new values.
        values: Box<BusValues>,
    },
    /// Set a control bus (scsynth's `/c_set`).
    ControlBusSet {
        /// Sender.
        client: ClientId,
        /// The bus.
        bus: u32,
        /// Its new value.
        value: f32,
    },
    /// Drop every timed command the scheduler holds, whoever sent it (scsynth's
    /// `/clearSched`).
    ClearScheduled {
        /// Sender.
        client: ClientId,
    },
    /// Reply `Synced` once every earlier command has been applied.
    Sync {
        /// Sender.
        client: ClientId,
        /// Echoed back.
        token: i32,
    },
    /// Free every node, then report `Stopped`: the engine is ready to be torn down.
    Shutdown {
        /// Sender: `None` for a shutdown no client asked for (a signal, the library's
        /// user), which has nobody to answer.
        client: Option<ClientId>,
    },
}

/// A command with the time it should take effect, as it travels through the command FIFO.
#[derive(Debug)]
pub struct TimedCommand {
    /// The command.
    pub command: Command,
    /// When: [`Timetag::IMMEDIATE`] for the next block.
    pub time: Timetag,
    /// Which bundle it came in (0 for none), so lateness is reported once per bundle.
    pub bundle: u32,
    /// Whether it is the last command of the datagram it came in. The audio thread takes
    /// a datagram's commands only once all of them are queued, so a bundle never straddles
    /// two blocks.
    pub last_of_group: bool,
}

/// What a node-tree query's answer becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TreeForm {
    /// Oscine's `/node/tree` reply.
    Oscine,
    /// scsynth's `/g_queryTree.reply`, with the Synths' control values or without.
    Scsynth {
        /// Whether control values are included.
        controls: bool,
    },
    /// scsynth's `/g_dumpTree`: printed to the server's log, no reply.
    Dump {
        /// Whether control values are included.
        controls: bool,
    },
    /// scsynth's `/n_trace`: a Synth's controls, or a Group's nodes with their controls,
    /// printed to the server's log, no reply.
    Trace,
}

/// Which kind of command an error is about (so the network side can name the OSC verb).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandKind {
    /// [`Command::GroupNew`].
    GroupNew,
    /// [`Command::GroupFreeAll`].
    GroupFreeAll,
    /// [`Command::SynthNew`].
    SynthNew,
    /// [`Command::SynthActivate`].
    SynthActivate,
    /// [`Command::MapInput`].
    MapInput,
    /// [`Command::MapOutput`].
    MapOutput,
    /// [`Command::SetDoneFlags`].
    SetDoneFlags,
    /// [`Command::NodeSet`].
    NodeSet,
    /// [`Command::NodeSetRuns`] from `/n_setn`.
    NodeSetn,
    /// [`Command::NodeSetRuns`] from `/n_fill`.
    NodeFill,
    /// [`Command::NodeFree`].
    NodeFree,
    /// [`Command::NodeMap`].
    NodeMap,
    /// [`Command::QueryTree`], in the form asked for.
    QueryTree(TreeForm),
    /// [`Command::NodeMap`] of audio buses.
    NodeMapAudio,
    /// [`Command::SynthNoId`].
    SynthNoId,
    /// [`Command::NodeRun`].
    NodeRun,
    /// [`Command::NodeMove`] outside an `/n_order`, by its add action.
    NodeMove(AddAction),
    /// [`Command::NodeMove`] in an `/n_order`.
    NodeOrder,
    /// [`Command::NodeQuery`].
    NodeQuery,
    /// [`Command::GroupDeepFree`].
    GroupDeepFree,
    /// [`Command::SynthGet`].
    SynthGet,
    /// [`Command::ResourceNew`].
    ResourceNew,
    /// [`Command::ResourceFree`].
    ResourceFree,
    /// [`Command::ResourcePerform`].
    ResourcePerform,
    /// [`Command::ControlBusSet`].
    ControlBusSet,
    /// [`Command::ControlBusGet`].
    ControlBusGet,
    /// [`Command::ClearScheduled`].
    ClearScheduled,
    /// [`Command::ControlBusSetRuns`].
    ControlBusSetRuns,
    /// [`Command::Sync`].
    Sync,
    /// [`Command::Shutdown`].
    Shutdown,
}

impl CommandKind {
    /// Whether success is answered with [`Event::Ack`](super::Event::Ack); the others
    /// have replies of their own.
    pub fn acknowledged(&self) -> bool {
        !matches!(
            self,
            CommandKind::QueryTree(_)
                | CommandKind::ControlBusGet
                | CommandKind::NodeQuery
                | CommandKind::SynthGet
                | CommandKind::Sync
                | CommandKind::Shutdown
                | CommandKind::ResourceNew
                | CommandKind::ResourcePerform
        )
    }
}

impl Command {
    /// Where a query's reply storage keeps its client's permit (a tree query, a control
    /// read, a bus read); `None` for any other command.
    pub fn query_permit_mut(&mut self) -> Option<&mut Option<QueryPermit>> {
        match self {
            Command::QueryTree { snapshot, .. } => Some(&mut snapshot.permit),
            Command::SynthGet { query, .. } => Some(&mut query.permit),
            Command::ControlBusGet { values, .. } => Some(&mut values.permit),
            _ => None,
        }
    }

    /// The command's kind.
    pub fn kind(&self) -> CommandKind {
        match self {
            Command::GroupNew { .. } => CommandKind::GroupNew,
            Command::GroupFreeAll { .. } => CommandKind::GroupFreeAll,
            Command::SynthNew { .. } => CommandKind::SynthNew,
            Command::SynthActivate { .. } => CommandKind::SynthActivate,
            Command::MapInput { .. } => CommandKind::MapInput,
            Command::MapOutput { .. } => CommandKind::MapOutput,
            Command::SetDoneFlags { .. } => CommandKind::SetDoneFlags,
            Command::NodeSet { .. } => CommandKind::NodeSet,
            Command::NodeMap { audio: false, .. } => CommandKind::NodeMap,
            Command::NodeMap { audio: true, .. } => CommandKind::NodeMapAudio,
            Command::SynthNoId { .. } => CommandKind::SynthNoId,
            Command::NodeSetRuns { fill: false, .. } => CommandKind::NodeSetn,
            Command::NodeSetRuns { fill: true, .. } => CommandKind::NodeFill,
            Command::NodeFree { .. } => CommandKind::NodeFree,
            Command::QueryTree { form, .. } => CommandKind::QueryTree(*form),
            Command::NodeRun { .. } => CommandKind::NodeRun,
            Command::NodeMove { ordered: true, .. } => CommandKind::NodeOrder,
            Command::NodeMove { action, .. } => CommandKind::NodeMove(*action),
            Command::NodeQuery { .. } => CommandKind::NodeQuery,
            Command::GroupDeepFree { .. } => CommandKind::GroupDeepFree,
            Command::SynthGet { .. } => CommandKind::SynthGet,
            Command::ResourceNew { .. } => CommandKind::ResourceNew,
            Command::ResourceFree { .. } => CommandKind::ResourceFree,
            Command::ResourcePerform { .. } => CommandKind::ResourcePerform,
            Command::ControlBusSet { .. } => CommandKind::ControlBusSet,
            Command::ControlBusGet { .. } => CommandKind::ControlBusGet,
            Command::ClearScheduled { .. } => CommandKind::ClearScheduled,
            Command::ControlBusSetRuns { .. } => CommandKind::ControlBusSetRuns,
            Command::Sync { .. } => CommandKind::Sync,
            Command::Shutdown { .. } => CommandKind::Shutdown,
        }
    }

    /// The node the command is about (0 for commands about no node).
    pub fn node(&self) -> NodeId {
        match self {
            Command::GroupNew { id, .. }
            | Command::GroupFreeAll { id, .. }
            | Command::SynthNew { id, .. }
            | Command::SynthActivate { id, .. }
            | Command::MapInput { id, .. }
            | Command::MapOutput { id, .. }
            | Command::SetDoneFlags { id, .. }
            | Command::NodeSet { id, .. }
            | Command::NodeMap { id, .. }
            | Command::SynthNoId { id, .. }
            | Command::NodeSetRuns { id, .. }
            | Command::NodeFree { id, .. }
            | Command::QueryTree { id, .. }
            | Command::NodeRun { id, .. }
            | Command::NodeMove { id, .. }
            | Command::NodeQuery { id, .. }
            | Command::GroupDeepFree { id, .. }
            | Command::SynthGet { id, .. }
            | Command::ResourceNew { id, .. }
            | Command::ResourceFree { id, .. } => *id,
            Command::ResourcePerform { ids, .. } => ids.first(),
            Command::ControlBusSet { bus, .. } => *bus as NodeId,
            Command::ControlBusGet { values, .. } | Command::ControlBusSetRuns { values, .. } => {
                values.runs.first().map_or(0, |&(first, _)| first as NodeId)
            }
            Command::Sync { .. } | Command::Shutdown { .. } | Command::ClearScheduled { .. } => 0,
        }
    }

    /// The sender, if a client sent it.
    pub fn client(&self) -> Option<ClientId> {
        match self {
            Command::GroupNew { client, .. }
            | Command::GroupFreeAll { client, .. }
            | Command::SynthNew { client, .. }
            | Command::SynthActivate { client, .. }
            | Command::MapInput { client, .. }
            | Command::MapOutput { client, .. }
            | Command::SetDoneFlags { client, .. }
            | Command::NodeSet { client, .. }
            | Command::NodeMap { client, .. }
            | Command::SynthNoId { client, .. }
            | Command::NodeSetRuns { client, .. }
            | Command::NodeFree { client, .. }
            | Command::QueryTree { client, .. }
            | Command::NodeRun { client, .. }
            | Command::NodeMove { client, .. }
            | Command::NodeQuery { client, .. }
            | Command::GroupDeepFree { client, .. }
            | Command::SynthGet { client, .. }
            | Command::ResourceNew { client, .. }
            | Command::ResourceFree { client, .. }
            | Command::ResourcePerform { client, .. }
            | Command::ControlBusSet { client, .. }
            | Command::ControlBusGet { client, .. }
            | Command::ClearScheduled { client }
            | Command::ControlBusSetRuns { client, .. }
            | Command::Sync { client, .. } => Some(*client),
            Command::Shutdown { client } => *client,
        }
    }
}

/// One to [`ResourceIds::CAPACITY`] resource ids, inline: an operation's own Resource
/// first, then the extra ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceIds {
    /// `all`'s first id, kept apart so reading it needs no check of a list that
    /// `from_slice` never lets be empty.
    first: ResourceId,
    all: InlineVec<ResourceId, 4>,
}

impl ResourceIds {
    /// The most Resources one operation holds.
    pub const CAPACITY: usize = InlineVec::<ResourceId, 4>::CAPACITY;

    /// The ids, or `None` if there are none or more than [`Self::CAPACITY`].
    pub fn from_slice(ids: &[ResourceId]) -> Option<Self> {
        let (&first, _) = ids.split_first()?;
        Some(ResourceIds { first, all: InlineVec::from_slice(ids)? })
    }

    /// The ids.
    pub fn as_slice(&self) -> &[ResourceId] {
        self.all.as_slice()
    }

    /// The first id: the Resource whose ResourceDef the operation belongs to.
    pub fn first(&self) -> ResourceId {
        self.first
    }
}
