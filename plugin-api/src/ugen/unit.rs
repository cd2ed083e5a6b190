use crate::PluginError;

use super::{UnitIo, UnitSpec};

/// A kind of unit generator, registered under a class name (`SinOsc`, `BinaryOpUGen`): it
/// checks what a graph asks of it and builds units. A graph Synth holds one unit per UGen
/// of its graph, in the graph's order, inside the Synth's one allocation.
///
/// Context: `build` runs NRT, when a Synth of a graph SynthDef is built. A UGen is shared
/// by every graph that uses it.
pub trait UGen: Send + Sync + 'static {
    /// The units this UGen builds.
    type Unit: Unit;

    /// Builds a unit for `spec`, or says why it cannot (a rate it does not run at, a
    /// wrong number of inputs or outputs, a special index it does not know).
    ///
    /// Context: NRT. Must not touch the graph's inputs' values beyond `spec`'s constants:
    /// they are only known when the Synth starts ([`Unit::init`]). Must build the same
    /// unit every time for the same `spec`: for a unit that owns nothing (its type needs no
    /// drop), the host may build one and copy its bytes into every Synth of the graph
    /// ([`UGenTable::template`](crate::UGenTable::template)).
    fn build(&self, spec: &UnitSpec<'_>) -> Result<Self::Unit, PluginError>;
}

/// One unit of a graph Synth.
///
/// Context: RT for both methods: no allocation, no lock, no I/O, no panic.
pub trait Unit: Send + 'static {
    /// Runs once, when the Synth starts, in graph order, with one frame: the unit reads
    /// its inputs' first values and writes its outputs' first value, which units after it
    /// read in their own `init`. A scalar-rate unit computes here and never again.
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        for i in 0..io.num_outputs() {
            io.output(i).fill(0.0);
        }
    }

    /// Computes `io.frames()` frames: a block (or the rest of one, for a Synth that starts
    /// inside it) at audio rate, one frame at control rate. Never called for scalar-rate
    /// units.
    fn next(&mut self, io: &mut UnitIo<'_, '_>);
}
