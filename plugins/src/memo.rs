//! The last result of a pure function of a Synth's or a unit's inputs, kept with the inputs
//! it came from.
//!
//! A Synth or a unit that works out a value from inputs that seldom change (a phase
//! increment from a frequency, a harmonic count from a frequency and a Nyquist limit) asks
//! the memo each call: inputs the same to the bit give the value kept, anything else
//! computes it again. The result is the same as computing it every call; what changes is
//! the call's critical path. The compare is a branch the CPU predicts, so the sweep that
//! needs the value starts with the value kept, where the computation (a conversion, a
//! division, a truncation in a row) would hold every frame of the call back until it ends.
//!
//! Context: RT (a Synth's or a unit's state).

/// A value kept with the bits of the inputs it was computed from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Memo<K, V> {
    kept: Option<(K, V)>,
}

impl<K: Copy + PartialEq, V: Copy> Memo<K, V> {
    /// A memo that holds nothing yet.
    pub(crate) const fn new() -> Self {
        Memo { kept: None }
    }

    /// `compute(key)`, taken from the memo when `key` is the key it was last computed for.
    #[inline(always)]
    pub(crate) fn get(&mut self, key: K, compute: impl FnOnce(K) -> V) -> V {
        match self.kept {
            Some((kept, value)) if kept == key => value,
            _ => {
                let value = compute(key);
                self.kept = Some((key, value));
                value
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn computes_again_only_for_another_key() {
        let mut memo = Memo::<u32, u32>::new();
        let mut calls = 0;
        let mut square = |k: u32, memo: &mut Memo<u32, u32>| {
            memo.get(k, |k| {
                calls += 1;
                k * k
            })
        };
        assert_eq!(square(3, &mut memo), 9);
        assert_eq!(square(3, &mut memo), 9);
        assert_eq!(square(4, &mut memo), 16);
        assert_eq!(square(3, &mut memo), 9);
        assert_eq!(calls, 3);
    }

    #[test]
    fn keys_are_bits_so_nan_is_kept_and_zeros_differ() {
        let mut memo = Memo::<u32, f32>::new();
        let mut calls = 0;
        for x in [f32::NAN, f32::NAN, 0.0, -0.0, -0.0] {
            memo.get(x.to_bits(), |bits| {
                calls += 1;
                f32::from_bits(bits)
            });
        }
        assert_eq!(calls, 3);
    }
}
