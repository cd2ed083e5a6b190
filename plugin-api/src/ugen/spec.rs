use super::Rate;

/// One input of a unit, as the graph describes it.
///
/// Context: any (plain data).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputSpec {
    /// How often the input changes: a constant or a scalar-rate unit's output is
    /// [`Rate::Scalar`].
    pub rate: Rate,
    /// The input's value when it is a constant of the graph.
    pub constant: Option<f32>,
}

/// What the graph says about one unit, for its UGen to check before it builds it.
///
/// Context: NRT (a SynthDef being built from a graph).
#[derive(Debug, Clone, Copy)]
pub struct UnitSpec<'a> {
    /// The UGen's class name, as the graph names it (`SinOsc`, `BinaryOpUGen`).
    pub name: &'a str,
    /// The unit's rate.
    pub rate: Rate,
    /// The special index: the operator of a `BinaryOpUGen` or `UnaryOpUGen`, the first
    /// control of a `Control`, and so on.
    pub special_index: i16,
    /// Its inputs, in order.
    pub inputs: &'a [InputSpec],
    /// The rate of each of its outputs.
    pub outputs: &'a [Rate],
    /// The engine's sample rate.
    pub sample_rate: f64,
    /// The engine's block size: the most frames an audio-rate unit computes per call.
    pub block_size: usize,
    /// The input the host folded into this unit as a scale of its output, if it did (only
    /// for a UGen whose table [takes one](crate::UGenTable::with_output_scale)): the
    /// control- or scalar-rate side of a `BinaryOpUGen` `*` that was the only reader of
    /// the unit's one audio-rate output. The unit then multiplies its output by it, ramped
    /// across each call as that `*` ramps it, and reads it with [`UnitIo::scale`](crate::UnitIo::scale).
    pub scale: Option<InputSpec>,
    /// Whether what the unit outputs reaches buses through nothing but sums, differences,
    /// products, `MulAdd`s and pans on the way to an `Out` (or `ReplaceOut`, `OffsetOut`,
    /// `XOut`) of this Synth: no reader compares it with a threshold (`floor`, `==`, a
    /// trigger, a bit operator) or passes it on as it is (`Poll`, `SendReply`), so a value a
    /// rounding away from scsynth's changes what reaches the bus by no more than that
    /// rounding. A unit may then compute its output by a faster approximation, within
    /// about 1e-6 of scsynth's values, instead of as scsynth computes it to the bit.
    pub smooth_readers: bool,
}

impl UnitSpec<'_> {
    /// The rate of input `i` ([`Rate::Scalar`] if there is no such input).
    pub fn input_rate(&self, i: usize) -> Rate {
        self.inputs.get(i).map_or(Rate::Scalar, |input| input.rate)
    }

    /// The value of input `i` if it is a constant.
    pub fn constant(&self, i: usize) -> Option<f32> {
        self.inputs.get(i).and_then(|input| input.constant)
    }
}
