//! Node-tree snapshots for `/node/tree`.
//!
//! Context: allocated NRT (the network thread), filled RT (the audio thread), read NRT
//! again; each function is marked.

use std::sync::Arc;

use super::{NodeId, SynthDefEntry};

/// A description of (part of) the node tree, filled on the audio thread into storage the
/// network side allocated, then sent back.
///
/// Context: allocated NRT with [`TreeSnapshot::with_capacity`]; filled RT without growing.
#[derive(Debug, Default)]
pub struct TreeSnapshot {
    /// Nodes in processing order (depth-first), the queried Group first.
    pub nodes: Vec<NodeInfo>,
    /// Control values of every Synth in `nodes`, each Synth's run given by its entry.
    pub controls: Vec<f32>,
    /// Whether some nodes or controls did not fit.
    pub truncated: bool,
}

/// One node in a [`TreeSnapshot`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NodeInfo {
    /// The node's id.
    pub id: NodeId,
    /// Its Group's id (the root's is itself).
    pub parent: NodeId,
    /// Depth below the queried Group (that Group is 0).
    pub depth: u32,
    /// Group or Synth details.
    pub kind: NodeInfoKind,
}

/// Group or Synth details of a [`NodeInfo`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum NodeInfoKind {
    /// A Group, with its child count.
    Group {
        /// Direct children.
        children: u32,
    },
    /// A Synth.
    Synth {
        /// Its SynthDef.
        def: Arc<SynthDefEntry>,
        /// Whether it runs.
        active: bool,
        /// The run of `TreeSnapshot::controls` holding its values.
        controls: std::ops::Range<usize>,
    },
}

impl TreeSnapshot {
    /// Storage for `nodes` nodes and `controls` control values. Context: NRT.
    pub fn with_capacity(nodes: usize, controls: usize) -> Self {
        TreeSnapshot { nodes: Vec::with_capacity(nodes), controls: Vec::with_capacity(controls), truncated: false }
    }

    /// Empties the snapshot, keeping its storage. Context: RT.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.controls.clear();
        self.truncated = false;
    }

    /// Adds a Group. Context: RT (never grows the storage).
    pub fn push_group(&mut self, id: NodeId, parent: NodeId, depth: u32, children: u32) {
        if self.nodes.len() < self.nodes.capacity() {
            self.nodes.push(NodeInfo { id, parent, depth, kind: NodeInfoKind::Group { children } });
        } else {
            self.truncated = true;
        }
    }

    /// Adds a Synth with its control values. Context: RT (never grows the storage).
    pub fn push_synth(
        &mut self,
        id: NodeId,
        parent: NodeId,
        depth: u32,
        def: &Arc<SynthDefEntry>,
        active: bool,
        values: &[f32],
    ) {
        let start = self.controls.len();
        if self.nodes.len() == self.nodes.capacity() || start + values.len() > self.controls.capacity() {
            self.truncated = true;
            return;
        }
        self.controls.extend_from_slice(values);
        self.nodes.push(NodeInfo {
            id,
            parent,
            depth,
            kind: NodeInfoKind::Synth { def: Arc::clone(def), active, controls: start..start + values.len() },
        });
    }
}
