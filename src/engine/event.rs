use super::{ClientId, CommandKind, ControlNameId, NodeId, TreeSnapshot};

/// What the audio thread reports. Plain data (the tree snapshot excepted, whose storage
/// came from the network side); the network side turns events into OSC.
#[derive(Debug)]
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
    /// A node-tree query's answer.
    Tree {
        /// The client.
        client: ClientId,
        /// The filled snapshot.
        snapshot: Box<TreeSnapshot>,
    },
    /// Shutdown finished: every node is freed.
    Stopped {
        /// The client that asked.
        client: ClientId,
    },
}

/// Why the engine refused a command. Each variant has a stable numeric [`code`](Self::code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
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
    pub fn code(&self) -> i32 {
        match self {
            EngineError::NodeIdInUse(_) => 20,
            EngineError::NodeNotFound(_) => 21,
            EngineError::NotAGroup(_) => 22,
            EngineError::NotASynth(_) => 23,
            EngineError::RootGroup => 24,
            EngineError::NodeCapacity(_) => 30,
            EngineError::OutputMappingsFull { .. } => 31,
            EngineError::ControlIndex { .. } => 40,
            EngineError::ControlName { .. } => 41,
            EngineError::InputPort { .. } => 42,
            EngineError::OutputPort { .. } => 43,
            EngineError::Bus { .. } => 44,
        }
    }
}
