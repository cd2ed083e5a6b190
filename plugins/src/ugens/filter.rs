//! What the filters share: reading a signal input frame by frame, and moving coefficients
//! across a call when a control input changes.
//!
//! Measured against scsynth's output: an audio-rate filter whose frequency (or Q, or
//! any input its coefficients come from) changes between blocks computes its new
//! coefficients once, at the start of the block, and steps its coefficients from the old
//! values to the new ones in ⌊frames / 3⌋ equal steps, one every three frames, the
//! frames after the last whole group of three using the new values (with 64-frame
//! blocks: 21 steps, the last frame at the new values). A control-rate filter uses the
//! new coefficients at once. Coefficients are computed from the inputs' values when the
//! Synth starts, so the first block is not ramped.
//!
//! Context: RT.

/// Input `values` at frame `i` of a call: an audio-rate input frame by frame, any other
/// held (its one value).
#[inline(always)]
pub(crate) fn at(values: &[f32], i: usize) -> f32 {
    if values.len() > 1 {
        values[i]
    } else {
        values[0]
    }
}

/// Calls `f(frame, coefficients)` for each of `frames` frames while `coefs` steps from
/// its old values to `new` (see the module's documentation); leaves `coefs` at `new`.
#[inline(always)]
pub(crate) fn ramp<const N: usize>(
    coefs: &mut [f64; N],
    new: [f64; N],
    frames: usize,
    mut f: impl FnMut(usize, &[f64; N]),
) {
    let groups = frames / 3;
    if groups == 0 {
        *coefs = new;
        for i in 0..frames {
            f(i, coefs);
        }
        return;
    }
    let mut slope = [0.0; N];
    for k in 0..N {
        slope[k] = (new[k] - coefs[k]) / groups as f64;
    }
    let mut c = *coefs;
    for g in 0..groups {
        for j in 0..3 {
            f(3 * g + j, &c);
        }
        for k in 0..N {
            c[k] += slope[k];
        }
    }
    for i in 3 * groups..frames {
        f(i, &c);
    }
    *coefs = new;
}

/// The control inputs a filter's coefficients come from, as last seen, so that they are
/// recomputed only when one changes (compared exactly, as the graph's floats).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Controls<const M: usize>(pub(crate) [f32; M]);
