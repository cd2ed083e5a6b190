//! A vector of at most `N` small `Copy` values stored inline, for what commands and
//! Synths carry without a heap allocation.
//!
//! Context: any: no function here allocates, frees or blocks.

use std::mem::MaybeUninit;

/// Up to `N` values of a `Copy` type, inline: pushing past `N` hands the value back.
///
/// Context: any; never allocates.
#[derive(Clone, Copy)]
pub struct InlineVec<T: Copy, const N: usize> {
    len: usize,
    items: [MaybeUninit<T>; N],
}

impl<T: Copy, const N: usize> InlineVec<T, N> {
    /// The most values it holds.
    pub const CAPACITY: usize = N;

    /// Empty.
    pub const fn new() -> Self {
        InlineVec { len: 0, items: [MaybeUninit::uninit(); N] }
    }

    /// Holding just `value`.
    ///
    /// # Panics
    /// If `N` is 0.
    pub fn one(value: T) -> Self {
        let mut v = Self::new();
        assert!(v.push(value).is_ok(), "an InlineVec of capacity 0 holds nothing");
        v
    }

    /// The values of `values`, or `None` if there are more than `N`.
    pub fn from_slice(values: &[T]) -> Option<Self> {
        let mut v = Self::new();
        for &value in values {
            v.push(value).ok()?;
        }
        Some(v)
    }

    /// Adds a value at the end, or hands it back when full.
    pub fn push(&mut self, value: T) -> Result<(), T> {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                slot.write(value);
                self.len += 1;
                Ok(())
            }
            None => Err(value),
        }
    }

    /// The values, in the order they were pushed.
    pub fn as_slice(&self) -> &[T] {
        let init = &self.items[..self.len];
        // SAFETY: the first `len` items were written by `push`, and `MaybeUninit<T>` has
        // `T`'s layout.
        unsafe { &*(init as *const [MaybeUninit<T>] as *const [T]) }
    }

    /// The values, mutably.
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        let init = &mut self.items[..self.len];
        // SAFETY: as in `as_slice`.
        unsafe { &mut *(init as *mut [MaybeUninit<T>] as *mut [T]) }
    }

    /// The values, by copy.
    pub fn iter(&self) -> impl Iterator<Item = T> + '_ {
        self.as_slice().iter().copied()
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes every value.
    pub fn clear(&mut self) {
        self.len = 0;
    }
}

impl<T: Copy, const N: usize> Default for InlineVec<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + std::fmt::Debug, const N: usize> std::fmt::Debug for InlineVec<T, N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl<T: Copy + PartialEq, const N: usize> PartialEq for InlineVec<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Copy + Eq, const N: usize> Eq for InlineVec<T, N> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_up_to_its_capacity_and_hands_back_the_rest() {
        let mut v = InlineVec::<u8, 2>::new();
        assert!(v.is_empty());
        assert_eq!(v.push(1), Ok(()));
        assert_eq!(v.push(2), Ok(()));
        assert_eq!(v.push(3), Err(3));
        assert_eq!(v.as_slice(), &[1, 2]);
        v.as_mut_slice()[0] = 9;
        assert_eq!(v.iter().collect::<Vec<_>>(), [9, 2]);
        assert_eq!(InlineVec::<u8, 2>::from_slice(&[1, 2, 3]), None);
        assert_eq!(InlineVec::<u8, 2>::from_slice(&[4]), Some(InlineVec::one(4)));
        v.clear();
        assert_eq!(v.len(), 0);
    }
}
