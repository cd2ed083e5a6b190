//! `K2A` and `A2K`: a signal from control rate to audio rate and back.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::signal::{Held, Signal};
use super::{expect_inputs, expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("K2A", K2A));
    registrar.register_ugen(UGenTable::new("A2K", A2K));
}

/// `K2A.ar(in)`: the input ramped linearly across each block from its value in the last
/// block to its new one, as scsynth does: the block's first frame holds the old value. An
/// audio-rate input is read as control rate too (its first frame each block).
struct K2A;

struct K2AUnit {
    last: Held,
}

impl UGen for K2A {
    type Unit = K2AUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<K2AUnit, PluginError> {
        expect_rate(spec, &[Rate::Audio])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        Ok(K2AUnit { last: Held::default() })
    }
}

impl Unit for K2AUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.last = Held::start(io, 0);
        io.output(0)[0] = io.in0(0);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let mut ramp = self.last.lanes(io, 0);
        for (i, o) in io.output(0).iter_mut().enumerate() {
            *o = ramp.at(i);
        }
    }
}

/// `A2K.kr(in)`: the input's first frame each block.
struct A2K;

struct A2KUnit;

impl UGen for A2K {
    type Unit = A2KUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<A2KUnit, PluginError> {
        expect_rate(spec, &[Rate::Control])?;
        expect_inputs(spec, 1, 1)?;
        expect_outputs(spec, 1)?;
        Ok(A2KUnit)
    }
}

impl Unit for A2KUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.next(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = io.in0(0);
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::Rate;

    use super::super::testing::{run, wire, BLOCK};
    use super::{A2K, K2A};

    #[test]
    fn k2a_ramps_from_the_last_blocks_value_to_this_ones() {
        let (first, out) = run(&K2A, Rate::Audio, 0, &[wire(Rate::Control, |k| k as f32 * 64.0)], 3).unwrap();
        assert_eq!(first, 0.0);
        assert!(out[..BLOCK].iter().all(|&x| x == 0.0));
        assert!(out[BLOCK..].iter().enumerate().all(|(i, &x)| x == i as f32), "{out:?}");
    }

    #[test]
    fn k2a_reads_an_audio_rate_input_once_a_block() {
        let first_frames = |n: usize| if n.is_multiple_of(BLOCK) { n as f32 } else { -1.0 };
        let (_, out) = run(&K2A, Rate::Audio, 0, &[wire(Rate::Audio, first_frames)], 2).unwrap();
        assert!(out[..BLOCK].iter().all(|&x| x == 0.0));
        assert!(out[BLOCK..].iter().enumerate().all(|(i, &x)| x == i as f32), "{out:?}");
    }

    #[test]
    fn a2k_takes_the_first_frame_of_each_block() {
        let (first, out) = run(&A2K, Rate::Control, 0, &[wire(Rate::Audio, |n| n as f32)], 3).unwrap();
        assert_eq!((first, out), (0.0, vec![0.0, 64.0, 128.0]));
    }
}
