//! The node tree: Groups and Synths in fixed slots, and the one walk over them.
//!
//! Context: RT: every function here runs on the audio thread, except `NodeTree::new`
//! (NRT, when the engine is built).

use oscine_plugin_api::ResourceAccess;

use super::{
    AddAction, BlockReports, DoneFlags, EngineError, NodeId, NodeIdMap, NodePosition, NumberedBuses, ProcessOutcome,
    SynthInstance, TreeSnapshot, NO_NODE, ROOT_NODE_ID,
};

const NONE: u32 = u32::MAX;
const ROOT: u32 = 0;

enum SlotKind {
    Free,
    Group { first: u32, last: u32, children: u32, running: bool },
    Synth(SynthInstance),
}

struct NodeSlot {
    id: NodeId,
    parent: u32,
    prev: u32,
    next: u32,
    kind: SlotKind,
}

/// The node tree: the root Group (id 0), Groups and Synths in a fixed number of slots,
/// linked as intrusive lists so placing, moving, freeing and walking never allocate.
///
/// Context: allocated NRT with room for `max_nodes` nodes besides the root; owned and
/// used by the audio thread only.
pub struct NodeTree {
    slots: Box<[NodeSlot]>,
    free_slots: Vec<u32>,
    ids: NodeIdMap,
    synths: usize,
    groups: usize,
    /// Unit generators the Synths run, all together.
    units: usize,
    /// The last id the tree picked for a node created with id -1.
    last_picked: NodeId,
}

/// What freeing a node hands back: its id, where it was just before it left and, for a
/// Synth, the instance to be dropped off the audio thread.
pub type Freed = (NodeId, NodePosition, Option<SynthInstance>);

/// The first id the tree picks for a node created with id -1 is this less 8, as scsynth's
/// first is.
const FIRST_PICKED: NodeId = -8;

impl NodeTree {
    /// A tree holding only the root Group. Context: NRT.
    pub fn new(max_nodes: usize) -> Self {
        let slots: Box<[NodeSlot]> = (0..=max_nodes)
            .map(|i| NodeSlot {
                id: if i == 0 { ROOT_NODE_ID } else { -1 },
                parent: NONE,
                prev: NONE,
                next: NONE,
                kind: if i == 0 {
                    SlotKind::Group { first: NONE, last: NONE, children: 0, running: true }
                } else {
                    SlotKind::Free
                },
            })
            .collect();
        let free_slots = (1..=max_nodes as u32).rev().collect();
        let mut ids = NodeIdMap::new(max_nodes + 1);
        ids.insert(ROOT_NODE_ID, ROOT);
        NodeTree { slots, free_slots, ids, synths: 0, groups: 0, units: 0, last_picked: FIRST_PICKED }
    }

    /// Synths in the tree.
    pub fn synth_count(&self) -> usize {
        self.synths
    }

    /// Unit generators the tree's Synths run (a graph Synth's units; 1 for a plugin's).
    pub fn unit_count(&self) -> usize {
        self.units
    }

    /// Groups in the tree, not counting the root.
    pub fn group_count(&self) -> usize {
        self.groups
    }

    /// The most nodes the tree can hold besides the root.
    pub fn capacity(&self) -> usize {
        self.slots.len() - 1
    }

    /// Whether `id` names a node. Context: RT.
    pub fn contains(&self, id: NodeId) -> bool {
        self.ids.get(id).is_some()
    }

    /// The Synth `id`. Context: RT.
    pub fn synth_mut(&mut self, id: NodeId) -> Result<&mut SynthInstance, EngineError> {
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        match &mut self.slots[slot as usize].kind {
            SlotKind::Synth(synth) => Ok(synth),
            _ => Err(EngineError::NotASynth(id)),
        }
    }

    /// An id no node has, for a node created with id -1: negative, so it never meets a
    /// client's choice, and the same sequence scsynth picks (-16, -24, ...). Context: RT.
    pub fn pick_id(&mut self) -> NodeId {
        loop {
            self.last_picked = self.last_picked.wrapping_sub(8) | i32::MIN;
            if self.ids.get(self.last_picked).is_none() {
                return self.last_picked;
            }
        }
    }

    /// Gives node `id` an id the tree picks ([`pick_id`](Self::pick_id)), which no client
    /// can name, and returns it; the node keeps its place and state. Context: RT.
    pub fn rename(&mut self, id: NodeId) -> Result<NodeId, EngineError> {
        if id == ROOT_NODE_ID {
            return Err(EngineError::NotASynth(id));
        }
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        let picked = self.pick_id();
        self.ids.remove(id);
        // The entry just removed leaves room for the new one.
        self.ids.insert(picked, slot);
        self.slots[slot as usize].id = picked;
        Ok(picked)
    }

    /// Where node `id` is, if it exists. Context: RT.
    pub fn position_of(&self, id: NodeId) -> Option<NodePosition> {
        self.ids.get(id).map(|slot| self.position(slot))
    }

    fn position(&self, slot: u32) -> NodePosition {
        let id_at = |s: u32| if s == NONE { NO_NODE } else { self.slots[s as usize].id };
        let s = &self.slots[slot as usize];
        let group = match s.kind {
            SlotKind::Group { first, last, .. } => Some((id_at(first), id_at(last))),
            _ => None,
        };
        NodePosition { parent: id_at(s.parent), prev: id_at(s.prev), next: id_at(s.next), group }
    }

    /// Adds an empty Group; returns where it went. Context: RT.
    pub fn add_group(&mut self, id: NodeId, target: NodeId, action: AddAction) -> Result<NodePosition, EngineError> {
        let place = self.prepare(id, target, action)?;
        let slot = self.take_slot(id, place, SlotKind::Group { first: NONE, last: NONE, children: 0, running: true });
        self.groups += 1;
        Ok(self.position(slot))
    }

    /// Adds a Synth; on failure the instance comes back so it can be dropped off the
    /// audio thread. Context: RT.
    // The Synth comes back by value: boxing it would allocate on the audio thread.
    #[allow(clippy::result_large_err)]
    pub fn add_synth(
        &mut self,
        id: NodeId,
        target: NodeId,
        action: AddAction,
        synth: SynthInstance,
    ) -> Result<NodePosition, (EngineError, SynthInstance)> {
        match self.prepare(id, target, action) {
            Ok(place) => {
                self.units += synth.entry().units();
                let slot = self.take_slot(id, place, SlotKind::Synth(synth));
                self.synths += 1;
                Ok(self.position(slot))
            }
            Err(e) => Err((e, synth)),
        }
    }

    /// Checks a new node's id and placement; returns (parent, prev, next) slots.
    fn prepare(&self, id: NodeId, target: NodeId, action: AddAction) -> Result<(u32, u32, u32), EngineError> {
        if id == NO_NODE || self.ids.get(id).is_some() {
            return Err(EngineError::NodeIdInUse(id));
        }
        let t = self.ids.get(target).ok_or(EngineError::NodeNotFound(target))?;
        if self.free_slots.is_empty() {
            return Err(EngineError::NodeCapacity(self.capacity()));
        }
        self.place(t, target, action)
    }

    /// The (parent, prev, next) slots a node placed by `action` relative to slot `t` (node
    /// `target`) gets.
    fn place(&self, t: u32, target: NodeId, action: AddAction) -> Result<(u32, u32, u32), EngineError> {
        let ts = &self.slots[t as usize];
        match action {
            AddAction::HeadOfGroup | AddAction::TailOfGroup => match ts.kind {
                SlotKind::Group { first, last, .. } => {
                    Ok(if action == AddAction::HeadOfGroup { (t, NONE, first) } else { (t, last, NONE) })
                }
                _ => Err(EngineError::NotAGroup(target)),
            },
            AddAction::BeforeNode | AddAction::AfterNode if t == ROOT => Err(EngineError::RootGroup),
            AddAction::BeforeNode => Ok((ts.parent, ts.prev, t)),
            AddAction::AfterNode => Ok((ts.parent, t, ts.next)),
        }
    }

    fn take_slot(&mut self, id: NodeId, (parent, prev, next): (u32, u32, u32), kind: SlotKind) -> u32 {
        // `prepare` checked that a slot is free and the id is absent.
        let slot = self.free_slots.pop().unwrap_or(NONE);
        let s = &mut self.slots[slot as usize];
        s.id = id;
        s.kind = kind;
        self.ids.insert(id, slot);
        self.link(slot, parent, prev, next);
        slot
    }

    fn link(&mut self, slot: u32, parent: u32, prev: u32, next: u32) {
        {
            let s = &mut self.slots[slot as usize];
            s.parent = parent;
            s.prev = prev;
            s.next = next;
        }
        if prev != NONE {
            self.slots[prev as usize].next = slot;
        }
        if next != NONE {
            self.slots[next as usize].prev = slot;
        }
        if let SlotKind::Group { first, last, children, .. } = &mut self.slots[parent as usize].kind {
            if prev == NONE {
                *first = slot;
            }
            if next == NONE {
                *last = slot;
            }
            *children += 1;
        }
    }

    fn unlink(&mut self, slot: u32) {
        let (parent, prev, next) = {
            let s = &self.slots[slot as usize];
            (s.parent, s.prev, s.next)
        };
        if prev != NONE {
            self.slots[prev as usize].next = next;
        }
        if next != NONE {
            self.slots[next as usize].prev = prev;
        }
        if let SlotKind::Group { first, last, children, .. } = &mut self.slots[parent as usize].kind {
            if *first == slot {
                *first = next;
            }
            if *last == slot {
                *last = prev;
            }
            *children -= 1;
        }
        let s = &mut self.slots[slot as usize];
        s.parent = NONE;
        s.prev = NONE;
        s.next = NONE;
    }

    /// Moves node `id` to where `action` relative to `target` says; returns where it went.
    /// A Group cannot go inside itself, nor a node before or after itself. Context: RT.
    pub fn move_node(&mut self, id: NodeId, target: NodeId, action: AddAction) -> Result<NodePosition, EngineError> {
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        if slot == ROOT {
            return Err(EngineError::RootGroup);
        }
        let t = self.ids.get(target).ok_or(EngineError::NodeNotFound(target))?;
        // The target, or the Group the node would join, must not be the node or inside it.
        let mut up = match action {
            AddAction::HeadOfGroup | AddAction::TailOfGroup => t,
            AddAction::BeforeNode | AddAction::AfterNode if t == slot => {
                return Err(EngineError::MoveIntoItself { node: id, target })
            }
            AddAction::BeforeNode | AddAction::AfterNode => self.slots[t as usize].parent,
        };
        while up != NONE {
            if up == slot {
                return Err(EngineError::MoveIntoItself { node: id, target });
            }
            up = self.slots[up as usize].parent;
        }
        self.place(t, target, action)?;
        self.unlink(slot);
        // Placed again now it is out of the list: its old neighbours may be the target's.
        let (parent, prev, next) = self.place(t, target, action).unwrap_or((ROOT, NONE, NONE));
        self.link(slot, parent, prev, next);
        Ok(self.position(slot))
    }

    /// Turns node `id` on or off: a Synth stops or resumes processing, a Group stops or
    /// resumes processing everything in it. Returns where it is if that changed its state,
    /// `None` if it was already so. Context: RT.
    pub fn set_running(&mut self, id: NodeId, run: bool, offset: usize) -> Result<Option<NodePosition>, EngineError> {
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        let changed = match &mut self.slots[slot as usize].kind {
            SlotKind::Group { running, .. } => std::mem::replace(running, run) != run,
            SlotKind::Synth(synth) if synth.is_active() == run => false,
            SlotKind::Synth(synth) => {
                if run {
                    synth.activate_at(offset);
                } else {
                    synth.pause();
                }
                true
            }
            SlotKind::Free => false,
        };
        Ok(changed.then(|| self.position(slot)))
    }

    /// Frees every Synth inside Group `id`, at any depth; the Groups stay. Context: RT.
    pub fn free_synths_below(&mut self, id: NodeId, on_freed: &mut impl FnMut(Freed)) -> Result<(), EngineError> {
        let top = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        if !matches!(self.slots[top as usize].kind, SlotKind::Group { .. }) {
            return Err(EngineError::NotAGroup(id));
        }
        let mut walk = Walk::below(&self.slots, top, false);
        while let Some((slot, _)) = walk.next(&self.slots) {
            if matches!(self.slots[slot as usize].kind, SlotKind::Synth(_)) {
                // The walk already stepped past it; a Synth has no children to lose.
                self.free_subtree(slot, on_freed);
            }
        }
        Ok(())
    }

    /// Frees node `id` (a Group with everything in it, children first). Context: RT.
    pub fn free(&mut self, id: NodeId, on_freed: &mut impl FnMut(Freed)) -> Result<(), EngineError> {
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        if slot == ROOT {
            return Err(EngineError::RootGroup);
        }
        self.free_subtree(slot, on_freed);
        Ok(())
    }

    /// Frees everything inside Group `id`. Context: RT.
    pub fn free_children(&mut self, id: NodeId, on_freed: &mut impl FnMut(Freed)) -> Result<(), EngineError> {
        let slot = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        loop {
            match self.slots[slot as usize].kind {
                SlotKind::Group { first, .. } if first != NONE => self.free_subtree(first, on_freed),
                SlotKind::Group { .. } => return Ok(()),
                _ => return Err(EngineError::NotAGroup(id)),
            }
        }
    }

    /// Frees a subtree without recursion: descend to a leaf, free it, go back up.
    fn free_subtree(&mut self, top: u32, on_freed: &mut impl FnMut(Freed)) {
        let mut cur = top;
        loop {
            if let SlotKind::Group { first, .. } = self.slots[cur as usize].kind {
                if first != NONE {
                    cur = first;
                    continue;
                }
            }
            let parent = self.slots[cur as usize].parent;
            let position = self.position(cur);
            self.unlink(cur);
            let s = &mut self.slots[cur as usize];
            let id = s.id;
            s.id = -1;
            let synth = match std::mem::replace(&mut s.kind, SlotKind::Free) {
                SlotKind::Synth(synth) => {
                    self.synths -= 1;
                    self.units -= synth.entry().units();
                    Some(synth)
                }
                _ => {
                    self.groups -= 1;
                    None
                }
            };
            self.ids.remove(id);
            self.free_slots.push(cur);
            on_freed((id, position, synth));
            if cur == top {
                return;
            }
            cur = parent;
        }
    }

    /// Applies a done Synth's free flags: siblings first, then itself, then its Group.
    /// Context: RT.
    pub fn apply_done_flags(&mut self, id: NodeId, flags: DoneFlags, on_freed: &mut impl FnMut(Freed)) {
        let Some(slot) = self.ids.get(id) else { return };
        let (parent, prev, next) = {
            let s = &self.slots[slot as usize];
            (s.parent, s.prev, s.next)
        };
        if flags.contains(DoneFlags::FREE_ALL_SIBLINGS) {
            if let SlotKind::Group { first, .. } = self.slots[parent as usize].kind {
                let mut cur = first;
                while cur != NONE {
                    let following = self.slots[cur as usize].next;
                    if cur != slot {
                        self.free_subtree(cur, on_freed);
                    }
                    cur = following;
                }
            }
        } else {
            if flags.contains(DoneFlags::FREE_PRECEDING) && prev != NONE {
                self.free_subtree(prev, on_freed);
            }
            if flags.contains(DoneFlags::FREE_FOLLOWING) && next != NONE {
                self.free_subtree(next, on_freed);
            }
        }
        if flags.contains(DoneFlags::FREE_PARENT) && parent != ROOT {
            self.free_subtree(parent, on_freed);
        } else if flags.contains(DoneFlags::FREE_SELF) {
            self.free_subtree(slot, on_freed);
        }
    }

    /// Processes every active Synth in depth-first order. Context: RT.
    pub fn process(
        &mut self,
        buses: &mut NumberedBuses<'_>,
        access: &dyn ResourceAccess,
        frame: u64,
        reports: &mut BlockReports,
        wire_buffers: &mut [f32],
        on_outcome: &mut impl FnMut(NodeId, ProcessOutcome),
    ) {
        let mut walk = Walk::below(&self.slots, ROOT, true);
        while let Some((slot, _)) = walk.next(&self.slots) {
            // While this Synth runs, the next one's memory comes into the cache, and the
            // slot of the one after (its next sibling, as it most often is), whose memory
            // the next turn asks for.
            if let Some(ahead) = self.slots.get(walk.next as usize) {
                if let SlotKind::Synth(synth) = &ahead.kind {
                    synth.prefetch();
                }
                if let Some(after) = self.slots.get(ahead.next as usize) {
                    prefetch_slot(after);
                }
            }
            let s = &mut self.slots[slot as usize];
            if let SlotKind::Synth(synth) = &mut s.kind {
                let outcome = synth.process(buses, access, frame, &mut reports.of(s.id), wire_buffers);
                if matches!(
                    outcome,
                    ProcessOutcome::BecameDone | ProcessOutcome::Faulted | ProcessOutcome::DoneAction(_)
                ) {
                    on_outcome(s.id, outcome);
                }
            }
        }
    }

    /// Calls `f` with every Synth inside Group `id`, in processing order. Context: RT.
    pub fn for_each_synth_in(
        &mut self,
        id: NodeId,
        f: &mut impl FnMut(NodeId, &mut SynthInstance),
    ) -> Result<(), EngineError> {
        let top = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        if !matches!(self.slots[top as usize].kind, SlotKind::Group { .. }) {
            return Err(EngineError::NotAGroup(id));
        }
        let mut walk = Walk::below(&self.slots, top, false);
        while let Some((slot, _)) = walk.next(&self.slots) {
            let s = &mut self.slots[slot as usize];
            if let SlotKind::Synth(synth) = &mut s.kind {
                f(s.id, synth);
            }
        }
        Ok(())
    }

    /// Describes the subtree of Group `id` into `out`; with `synth_too`, a Synth `id` is
    /// described alone, with its units' values if `out` has room for them. Context: RT.
    pub fn snapshot(&self, id: NodeId, synth_too: bool, out: &mut TreeSnapshot) -> Result<(), EngineError> {
        let top = self.ids.get(id).ok_or(EngineError::NodeNotFound(id))?;
        let parent_id = |s: &NodeSlot| if s.parent == NONE { s.id } else { self.slots[s.parent as usize].id };
        let children = match &self.slots[top as usize].kind {
            SlotKind::Group { children, .. } => *children,
            SlotKind::Synth(synth) if synth_too => {
                out.clear();
                let s = &self.slots[top as usize];
                out.push_synth(id, parent_id(s), 0, synth.entry(), synth.is_active(), synth.controls());
                out.push_unit_values(|values| synth.trace(values));
                return Ok(());
            }
            _ => return Err(EngineError::NotAGroup(id)),
        };
        out.clear();
        out.push_group(id, parent_id(&self.slots[top as usize]), 0, children);
        let mut walk = Walk::below(&self.slots, top, false);
        while let Some((slot, depth)) = walk.next(&self.slots) {
            let s = &self.slots[slot as usize];
            match &s.kind {
                SlotKind::Group { children, .. } => out.push_group(s.id, parent_id(s), depth, *children),
                SlotKind::Synth(synth) => {
                    out.push_synth(s.id, parent_id(s), depth, synth.entry(), synth.is_active(), synth.controls())
                }
                SlotKind::Free => {}
            }
        }
        Ok(())
    }
}

/// A depth-first, pre-order walk over the nodes below one Group, by slot index, with each
/// node's depth below it (its children are at depth 1); a walk that skips paused Groups
/// does not enter them. It borrows the slots only while stepping, so the caller may change
/// a node between steps, and free the node it was just given if that node has no children.
///
/// Context: RT.
/// Asks the CPU to bring `slot` into its first-level cache, without waiting for it.
/// Context: RT.
#[inline]
fn prefetch_slot(slot: &NodeSlot) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let start = slot as *const NodeSlot as *const i8;
        for at in (0..std::mem::size_of::<NodeSlot>()).step_by(64) {
            // SAFETY: `at` is inside the slot; a prefetch reads nothing.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(start.add(at)) };
        }
    }
}

struct Walk {
    next: u32,
    depth: u32,
    top: u32,
    skip_paused: bool,
}

impl Walk {
    fn below(slots: &[NodeSlot], top: u32, skip_paused: bool) -> Walk {
        let next = match slots[top as usize].kind {
            SlotKind::Group { first, running, .. } if running || !skip_paused => first,
            _ => NONE,
        };
        Walk { next, depth: 1, top, skip_paused }
    }

    /// The next node and its depth.
    fn next(&mut self, slots: &[NodeSlot]) -> Option<(u32, u32)> {
        let cur = self.next;
        if cur == NONE {
            return None;
        }
        let depth = self.depth;
        match slots[cur as usize].kind {
            SlotKind::Group { first, running, .. } if first != NONE && (running || !self.skip_paused) => {
                self.next = first;
                self.depth += 1;
            }
            _ => {
                // Climb until a node has a next sibling, or the walk is back at the top.
                let mut c = cur;
                loop {
                    let s = &slots[c as usize];
                    if s.next != NONE {
                        self.next = s.next;
                        break;
                    }
                    c = s.parent;
                    self.depth -= 1;
                    if c == self.top || c == NONE {
                        self.next = NONE;
                        break;
                    }
                }
            }
        }
        Some((cur, depth))
    }
}
