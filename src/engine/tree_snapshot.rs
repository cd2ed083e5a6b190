//! Node-tree snapshots for `/node/tree`.
//!
//! Context: allocated NRT (the network thread), filled RT (the audio thread), read NRT
//! again; each function is marked.

use std::sync::Arc;

use super::{NodeId, QueryPermit, SynthDefEntry};

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
    /// A traced Synth's units' input and output values (`/n_trace`), as its SynthDef's
    /// trace layout orders them; empty unless the snapshot was made with room for them.
    pub units: Vec<f32>,
    /// Whether some nodes or controls did not fit.
    pub truncated: bool,
    /// The client's permit for this query, given back when the snapshot is dropped.
    pub permit: Option<QueryPermit>,
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
        /// The run of `TreeSnapshot::units` holding its units' values (empty unless traced).
        units: std::ops::Range<usize>,
    },
}

impl TreeSnapshot {
    /// Storage for `nodes` nodes and `controls` control values. Context: NRT.
    pub fn with_capacity(nodes: usize, controls: usize) -> Self {
        TreeSnapshot {
            nodes: Vec::with_capacity(nodes),
            controls: Vec::with_capacity(controls),
            units: Vec::new(),
            truncated: false,
            permit: None,
        }
    }

    /// This snapshot, with room for `values` unit values of one traced Synth. Context: NRT.
    pub fn with_unit_values(mut self, values: usize) -> Self {
        self.units = Vec::with_capacity(values);
        self
    }

    /// Empties the snapshot, keeping its storage. Context: RT.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.controls.clear();
        self.units.clear();
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
            kind: NodeInfoKind::Synth {
                def: Arc::clone(def),
                active,
                controls: start..start + values.len(),
                units: 0..0,
            },
        });
    }

    /// Fills the last Synth's unit values with `read`, which writes at most the slice it
    /// is given and says how many it wrote. Context: RT (never grows the storage).
    pub fn push_unit_values(&mut self, read: impl FnOnce(&mut [f32]) -> usize) {
        let start = self.units.len();
        // Within the capacity: no allocation.
        self.units.resize(self.units.capacity(), 0.0);
        let written = read(&mut self.units[start..]).min(self.units.len() - start);
        self.units.truncate(start + written);
        if let Some(NodeInfo { kind: NodeInfoKind::Synth { units, .. }, .. }) = self.nodes.last_mut() {
            *units = start..start + written;
        }
    }
}
