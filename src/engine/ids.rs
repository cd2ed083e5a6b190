//! The small value types commands and events carry.
//!
//! Context: any: plain values; every function here is arithmetic or a match, and never
//! allocates or blocks.

/// A node id. The root Group is 0; clients choose non-negative ids, and the tree picks
/// negative ones (never -1) for nodes created with id -1.
pub type NodeId = i32;

/// The root Group's id.
pub const ROOT_NODE_ID: NodeId = 0;

/// Which client sent a command, as numbered by the network side. The engine only hands it
/// back in events so replies reach their sender.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(pub u64);

/// A control name interned by the SynthDef registry, so the audio thread compares
/// integers, never strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ControlNameId(pub u32);

/// Where a node goes relative to its target (Methcla's and scsynth's numbering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddAction {
    /// First child of the target Group (0).
    HeadOfGroup,
    /// Last child of the target Group (1).
    TailOfGroup,
    /// Just before the target node, in its Group (2).
    BeforeNode,
    /// Just after the target node, in its Group (3).
    AfterNode,
}

impl AddAction {
    /// The action numbered `code` on the wire.
    pub fn from_code(code: i32) -> Option<Self> {
        match code {
            0 => Some(AddAction::HeadOfGroup),
            1 => Some(AddAction::TailOfGroup),
            2 => Some(AddAction::BeforeNode),
            3 => Some(AddAction::AfterNode),
            _ => None,
        }
    }
}

/// A reference to one control of a Synth.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlRef {
    /// By index in the SynthDef's control order.
    Index(u32),
    /// By interned name.
    Name(ControlNameId),
}

/// Up to 16 control changes for one Synth, carried inline so a `/node/set` with several
/// pairs is one command, applied in one block. Each change is packed in 8 bytes (the
/// control in 31 bits and whether it is named in the 32nd, then the value): the largest
/// commands carry these, and every command's slot in the command FIFO is as large as the
/// largest. An index of 2^31 or more, past every SynthDef's controls, is kept as
/// 2^31 - 1, past them too.
///
/// Context: any; never allocates.
#[derive(Clone, Copy)]
pub struct ControlChanges {
    len: u8,
    changes: [(u32, f32); 16],
}

/// The bit of a packed change's control that says it is named.
const BY_NAME: u32 = 1 << 31;

impl ControlChanges {
    /// The most changes it holds.
    pub const CAPACITY: usize = 16;

    /// None.
    pub const fn new() -> Self {
        ControlChanges { len: 0, changes: [(0, 0.0); 16] }
    }

    /// Holding just `change`.
    pub fn one(change: (ControlRef, f32)) -> Self {
        let mut changes = Self::new();
        let _ = changes.push(change);
        changes
    }

    /// Adds `change` after the others, or hands it back when there are
    /// [`CAPACITY`](Self::CAPACITY) already.
    pub fn push(&mut self, (control, value): (ControlRef, f32)) -> Result<(), (ControlRef, f32)> {
        let Some(slot) = self.changes.get_mut(usize::from(self.len)) else { return Err((control, value)) };
        let packed = match control {
            ControlRef::Index(i) => i.min(BY_NAME - 1),
            ControlRef::Name(ControlNameId(n)) => BY_NAME | n.min(BY_NAME - 1),
        };
        *slot = (packed, value);
        self.len += 1;
        Ok(())
    }

    /// The changes, in order.
    pub fn iter(&self) -> impl Iterator<Item = (ControlRef, f32)> + '_ {
        self.changes[..usize::from(self.len)].iter().map(|&(packed, value)| {
            let control = if packed & BY_NAME != 0 {
                ControlRef::Name(ControlNameId(packed & !BY_NAME))
            } else {
                ControlRef::Index(packed)
            };
            (control, value)
        })
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Default for ControlChanges {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ControlChanges {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// What a Synth does when it says it is done (Methcla's done flags; bits combine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DoneFlags(pub u32);

impl DoneFlags {
    /// Nothing happens.
    pub const NONE: DoneFlags = DoneFlags(0);
    /// Free the Synth.
    pub const FREE_SELF: DoneFlags = DoneFlags(0x01);
    /// Free the node just before it in its Group.
    pub const FREE_PRECEDING: DoneFlags = DoneFlags(0x02);
    /// Free the node just after it in its Group.
    pub const FREE_FOLLOWING: DoneFlags = DoneFlags(0x04);
    /// Free every other node in its Group.
    pub const FREE_ALL_SIBLINGS: DoneFlags = DoneFlags(0x08);
    /// Free its Group, and with it everything in the Group.
    pub const FREE_PARENT: DoneFlags = DoneFlags(0x10);
    /// Send `/node/done` to notified clients.
    pub const NOTIFY: DoneFlags = DoneFlags(0x20);
    /// Every defined bit.
    pub const ALL: DoneFlags = DoneFlags(0x3f);

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: DoneFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Flags from a wire value, or `None` if it has undefined bits.
    pub fn from_bits(bits: i32) -> Option<Self> {
        let bits = u32::try_from(bits).ok()?;
        (bits & !Self::ALL.0 == 0).then_some(DoneFlags(bits))
    }
}

impl std::ops::BitOr for DoneFlags {
    type Output = DoneFlags;
    fn bitor(self, rhs: DoneFlags) -> DoneFlags {
        DoneFlags(self.0 | rhs.0)
    }
}

/// Which set of AudioBuses a mapping refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusSpace {
    /// The configured internal AudioBuses.
    Internal,
    /// Hardware channels: inputs for an input mapping, outputs for an output mapping.
    External,
}

/// How a Synth port is connected to an AudioBus (Methcla's bus mapping flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusMapping {
    /// The bus index within its space.
    pub bus: u32,
    /// Internal or external.
    pub space: BusSpace,
    /// Input only: read the bus even if nothing wrote it this block (its last contents).
    pub feedback: bool,
    /// Output only: overwrite what earlier writers put on the bus this block.
    pub replace: bool,
}

impl BusMapping {
    /// Wire flag: the bus id names a hardware channel.
    pub const FLAG_EXTERNAL: i32 = 0x01;
    /// Wire flag: read last block's contents when not written this block.
    pub const FLAG_FEEDBACK: i32 = 0x02;
    /// Wire flag: overwrite instead of adding.
    pub const FLAG_REPLACE: i32 = 0x04;

    /// A mapping from a bus id and wire flags, or `None` if the flags have undefined bits
    /// or the id is negative.
    pub fn from_wire(bus: i32, flags: i32) -> Option<Self> {
        let all = Self::FLAG_EXTERNAL | Self::FLAG_FEEDBACK | Self::FLAG_REPLACE;
        if flags & !all != 0 {
            return None;
        }
        Some(BusMapping {
            bus: u32::try_from(bus).ok()?,
            space: if flags & Self::FLAG_EXTERNAL != 0 { BusSpace::External } else { BusSpace::Internal },
            feedback: flags & Self::FLAG_FEEDBACK != 0,
            replace: flags & Self::FLAG_REPLACE != 0,
        })
    }

    /// An internal bus, default flags.
    pub fn internal(bus: u32) -> Self {
        BusMapping { bus, space: BusSpace::Internal, feedback: false, replace: false }
    }

    /// A hardware channel, default flags.
    pub fn external(bus: u32) -> Self {
        BusMapping { bus, space: BusSpace::External, feedback: false, replace: false }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_changes_keep_every_control_and_value_in_order_up_to_their_capacity() {
        let given = [
            (ControlRef::Index(0), 0.5),
            (ControlRef::Name(ControlNameId(0)), -1.0),
            (ControlRef::Index(BY_NAME - 1), f32::MAX),
            (ControlRef::Name(ControlNameId(12345)), 0.0),
        ];
        let mut changes = ControlChanges::new();
        for (k, change) in given.iter().cycle().take(ControlChanges::CAPACITY).enumerate() {
            assert!(changes.push(*change).is_ok(), "change {k}");
        }
        assert_eq!(changes.push(given[0]), Err(given[0]), "the 17th is handed back");
        assert_eq!(changes.len(), 16);
        assert!(changes.iter().eq(given.iter().cycle().take(16).copied()));
        assert_eq!(
            ControlChanges::one((ControlRef::Index(u32::MAX), 1.0)).iter().collect::<Vec<_>>(),
            [(ControlRef::Index(BY_NAME - 1), 1.0)],
            "an index past every SynthDef's controls stays past them"
        );
        assert!(ControlChanges::default().is_empty());
        assert!(std::mem::size_of::<ControlChanges>() <= 132);
    }
}
