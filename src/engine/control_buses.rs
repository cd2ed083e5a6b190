//! The control buses: one value each, kept from block to block.
//!
//! Context: RT: every function here runs on the audio thread, except `ControlBuses::new`
//! (NRT, when the engine is built).

/// The engine's control buses (scsynth's `c` buses): one value each, which stays until
/// written again. In each block the first writer of a bus assigns and later writers add,
/// unless they replace.
pub struct ControlBuses {
    values: Box<[f32]>,
    written: Box<[u64]>,
    block: u64,
}

impl ControlBuses {
    /// `count` buses, all 0. Context: NRT.
    pub fn new(count: usize) -> Self {
        ControlBuses {
            values: vec![0.0; count].into_boxed_slice(),
            written: vec![0; count].into_boxed_slice(),
            block: 1,
        }
    }

    /// How many buses there are.
    pub fn count(&self) -> usize {
        self.values.len()
    }

    /// Starts a new block: nothing has been written in it yet. Context: RT.
    pub fn begin_block(&mut self) {
        self.block += 1;
    }

    /// Bus `bus`'s value (0 out of range). Context: RT.
    pub fn get(&self, bus: usize) -> f32 {
        self.values.get(bus).copied().unwrap_or(0.0)
    }

    /// Sets bus `bus` (from a command, not a Synth): it holds `value` from now on.
    /// Context: RT.
    pub fn set(&mut self, bus: usize, value: f32) {
        if let Some(v) = self.values.get_mut(bus) {
            *v = value;
        }
    }

    /// A Synth's write: the block's first assigns, later ones add, unless `replace`.
    /// Context: RT.
    pub fn write(&mut self, bus: usize, value: f32, replace: bool) {
        let (Some(v), Some(stamp)) = (self.values.get_mut(bus), self.written.get_mut(bus)) else { return };
        if replace || *stamp != self.block {
            *v = value;
            *stamp = self.block;
        } else {
            *v += value;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_and_writes_in_one_block_add() {
        let mut c = ControlBuses::new(2);
        c.begin_block();
        c.write(0, 1.0, false);
        c.write(0, 2.0, false);
        assert_eq!(c.get(0), 3.0);
        c.begin_block();
        assert_eq!(c.get(0), 3.0, "a value stays until written");
        c.write(0, 5.0, false);
        assert_eq!(c.get(0), 5.0, "the first write of a block assigns");
        c.write(0, 7.0, true);
        assert_eq!(c.get(0), 7.0);
        c.set(1, 0.5);
        assert_eq!(c.get(1), 0.5);
        c.write(9, 1.0, false);
        assert_eq!(c.get(9), 0.0, "out of range: nothing");
    }
}
