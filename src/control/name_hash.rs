//! The hash of the registry's tables, keyed by names: FNV-1a, a few instructions a byte,
//! where the standard library's SipHash costs about 170 instructions for a short name.
//! Names are chosen by the clients that load definitions, which can do worse than make
//! their own lookups slow.
//!
//! Context: NRT (the network thread).

use std::hash::{BuildHasherDefault, Hasher};

const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const PRIME: u64 = 0x100_0000_01b3;

/// FNV-1a of `bytes`, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    go_on(OFFSET_BASIS, bytes)
}

/// FNV-1a of what made `hash`, then `bytes`.
fn go_on(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ b as u64).wrapping_mul(PRIME))
}

/// A [`Hasher`] of FNV-1a.
#[derive(Debug, Clone, Copy)]
pub struct NameHasher(u64);

impl Default for NameHasher {
    fn default() -> Self {
        NameHasher(OFFSET_BASIS)
    }
}

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = go_on(self.0, bytes);
    }
}

/// Builds [`NameHasher`]s, for a `HashMap` keyed by names.
pub type NameHash = BuildHasherDefault<NameHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn hashes_as_fnv1a_published_vectors_say() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(b"foobar"), 0x8594_4171_f739_67e8);
        let mut h = NameHasher::default();
        h.write(b"foo");
        h.write(b"bar");
        assert_eq!(h.finish(), fnv1a(b"foobar"), "writes in parts hash as one");
        assert_ne!(NameHash::default().hash_one("sine"), NameHash::default().hash_one("saw"));
    }
}
