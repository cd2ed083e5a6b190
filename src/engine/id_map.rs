//! A fixed-size map from ids the engine does not choose (node ids, client ids) to the
//! places that hold them.
//!
//! Context: RT: every function here runs on the audio thread, except `IdMap::new`
//! (NRT, when the engine is built).

use super::{ClientId, NodeId};

/// An id an [`IdMap`] can hold: one value is reserved to mark an empty place, and
/// `spread` mixes every bit of the id into the top bits of a `u64`.
pub trait MapKey: Copy + Eq {
    /// The value that marks an empty place; the map refuses it as a key.
    const EMPTY: Self;
    /// The id times a large odd constant (Fibonacci hashing): the product's top bits,
    /// which every bit of the id reaches, choose the place, so that sequential ids and
    /// ids equal modulo a power of two (1000, 2000, ... or 4096, 8192, ...) spread across
    /// the table alike. Its low bits would collide.
    fn spread(self) -> u64;
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

impl MapKey for NodeId {
    const EMPTY: NodeId = -1;
    fn spread(self) -> u64 {
        (self as u32 as u64).wrapping_mul(GOLDEN)
    }
}

impl MapKey for ClientId {
    // A generational key whose index is 2^32 - 1: the client table never has that many.
    const EMPTY: ClientId = ClientId(u64::MAX);
    fn spread(self) -> u64 {
        self.0.wrapping_mul(GOLDEN)
    }
}

/// Maps ids to places (`u32`): a fixed-size open-addressing hash table (linear probing,
/// backward-shift deletion, no tombstones).
///
/// Context: allocated NRT with room for `capacity` entries at a load factor of at most
/// one half; every operation afterwards is RT-safe and never allocates.
pub struct IdMap<K: MapKey> {
    keys: Box<[K]>,
    values: Box<[u32]>,
    mask: usize,
    /// 64 less the table's size in bits: what takes a hash's top bits.
    shift: u32,
    len: usize,
    capacity: usize,
}

/// The map from client-chosen node ids to node slots.
pub type NodeIdMap = IdMap<NodeId>;

impl<K: MapKey> IdMap<K> {
    /// A map for at most `capacity` ids. Context: NRT.
    pub fn new(capacity: usize) -> Self {
        let size = (capacity.max(1) * 2).next_power_of_two();
        IdMap {
            keys: vec![K::EMPTY; size].into_boxed_slice(),
            values: vec![0; size].into_boxed_slice(),
            mask: size - 1,
            shift: 64 - size.trailing_zeros(),
            len: 0,
            capacity,
        }
    }

    fn home(&self, id: K) -> usize {
        (id.spread() >> self.shift) as usize
    }

    /// Where `id` is (`Ok`), or the empty slot its probe run ends at (`Err`).
    fn probe(&self, id: K) -> Result<usize, usize> {
        let mut i = self.home(id);
        loop {
            match self.keys[i] {
                k if k == id => return Ok(i),
                k if k == K::EMPTY => return Err(i),
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    /// The place of `id`. Context: RT.
    pub fn get(&self, id: K) -> Option<u32> {
        if id == K::EMPTY {
            return None;
        }
        self.probe(id).ok().map(|i| self.values[i])
    }

    /// Adds `id` at `place` (or moves it there); false if the map is full or `id` is
    /// the empty marker. Context: RT.
    pub fn insert(&mut self, id: K, place: u32) -> bool {
        if id == K::EMPTY {
            return false;
        }
        match self.probe(id) {
            Ok(i) => self.values[i] = place,
            Err(_) if self.len >= self.capacity => return false,
            Err(i) => {
                self.keys[i] = id;
                self.values[i] = place;
                self.len += 1;
            }
        }
        true
    }

    /// Removes `id`, returning its place. Context: RT.
    pub fn remove(&mut self, id: K) -> Option<u32> {
        if id == K::EMPTY {
            return None;
        }
        let i = self.probe(id).ok()?;
        let place = self.values[i];
        // Backward-shift: pull later entries of the probe run into the hole so lookups
        // never stop early at it.
        let mut hole = i;
        let mut j = (i + 1) & self.mask;
        while self.keys[j] != K::EMPTY {
            let home = self.home(self.keys[j]);
            let distance_to_j = j.wrapping_sub(home) & self.mask;
            let distance_to_hole = hole.wrapping_sub(home) & self.mask;
            if distance_to_hole < distance_to_j {
                self.keys[hole] = self.keys[j];
                self.values[hole] = self.values[j];
                hole = j;
            }
            j = (j + 1) & self.mask;
        }
        self.keys[hole] = K::EMPTY;
        self.len -= 1;
        Some(place)
    }

    /// The number of ids held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn behaves_like_a_hash_map_under_random_operations() {
        let mut map = NodeIdMap::new(64);
        let mut model = HashMap::new();
        let mut seed = 0x1234_5678u32;
        for step in 0..20_000u32 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            // Few distinct ids so inserts, hits and removals all happen often.
            let id = (seed % 97) as NodeId * 1000;
            if seed & 0x100 == 0 {
                if model.len() < 64 && !model.contains_key(&id) {
                    assert!(map.insert(id, step));
                    model.insert(id, step);
                }
            } else {
                assert_eq!(map.remove(id), model.remove(&id));
            }
            assert_eq!(map.len(), model.len());
            let probe = ((seed >> 8) % 97) as NodeId * 1000;
            assert_eq!(map.get(probe), model.get(&probe).copied());
        }
    }

    #[test]
    fn ids_equal_modulo_a_power_of_two_spread_like_sequential_ones() {
        let map = NodeIdMap::new(1024);
        let homes = |ids: &mut dyn Iterator<Item = NodeId>| {
            let mut used: Vec<usize> = ids.map(|id| map.home(id)).collect();
            used.sort_unstable();
            used.dedup();
            used.len()
        };
        // 1024 ids in a table of 2048 places: most get a place of their own.
        let sequential = homes(&mut (1..=1024));
        for stride in [1 << 11, 1 << 12, 1 << 16, 1000] {
            let strided = homes(&mut (1..=1024).map(|k| k * stride));
            assert!(strided * 10 >= sequential * 7, "stride {stride}: {strided} places, sequential ids {sequential}");
        }
        assert!(sequential > 700, "{sequential}");
    }

    #[test]
    fn refuses_beyond_capacity_and_minus_one() {
        let mut map = NodeIdMap::new(3);
        assert!(map.insert(1, 0));
        assert!(!map.insert(-1, 1));
        assert_eq!(map.get(-1), None);
        assert!(map.insert(-16, 1), "the tree's picked ids are negative");
        assert_eq!(map.get(-16), Some(1));
        assert!(map.insert(2, 2));
        assert!(!map.insert(3, 3));
    }

    #[test]
    fn client_ids_of_one_slot_and_of_many_slots_are_told_apart() {
        // The client table's ids: (version << 32) | index, a reused index has a new version.
        let client = |index: u64, version: u64| ClientId((version << 32) | index);
        let mut map = IdMap::<ClientId>::new(256);
        for index in 1..=128 {
            assert!(map.insert(client(index, 1), index as u32));
            assert!(map.insert(client(index, 3), 1000 + index as u32));
        }
        assert!(!map.insert(ClientId::EMPTY, 0));
        for index in 1..=128 {
            assert_eq!(map.get(client(index, 1)), Some(index as u32));
            assert_eq!(map.get(client(index, 3)), Some(1000 + index as u32));
            assert_eq!(map.get(client(index, 5)), None);
        }
        for index in 1..=128 {
            assert_eq!(map.remove(client(index, 1)), Some(index as u32));
        }
        assert_eq!(map.len(), 128);
        assert_eq!(map.get(client(7, 3)), Some(1007));
    }
}
