//! Where a node sits in the tree, as node notifications carry it.
//!
//! Context: any: plain values, made on the audio thread (RT) when a node changes and read
//! on the network thread (NRT).

use super::NodeId;

/// No node: the id a [`NodePosition`] gives for a missing neighbour, parent, head or tail.
pub const NO_NODE: NodeId = -1;

/// A node's place in the tree at one moment: its Group, its neighbours in that Group and,
/// for a Group, its first and last child ([`NO_NODE`] where there is none). Taken on the
/// audio thread when the change happens, so a notification never describes a later tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodePosition {
    /// The node's Group ([`NO_NODE`] for the root).
    pub parent: NodeId,
    /// The node before it in its Group.
    pub prev: NodeId,
    /// The node after it in its Group.
    pub next: NodeId,
    /// For a Group, its (head, tail) children; `None` for a Synth.
    pub group: Option<(NodeId, NodeId)>,
}

/// What happened to a node, for the notifications scsynth's clients get (`/n_go`,
/// `/n_on`, `/n_off`, `/n_move`; `/n_end` is [`Event::NodeEnded`](super::Event)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeChange {
    /// It was added to the tree.
    Created,
    /// It was turned on (`/n_run 1`).
    Started,
    /// It was turned off (`/n_run 0`, or a done action that pauses it).
    Paused,
    /// It was moved.
    Moved,
}
