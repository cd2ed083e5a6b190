//! Unit generators: the building blocks of SynthDefs made from graphs (SuperCollider's
//! SCgf). A plugin registers [`UGen`]s by class name ([`UGenTable`],
//! [`Registrar::register_ugen`](crate::Registrar::register_ugen)); the host builds a
//! graph Synth from their [`Unit`]s, in the graph's order, inside the Synth's one
//! allocation, and runs them each block: scalar-rate units once when the Synth starts,
//! control-rate units once per block, audio-rate units a block of frames at a time.

mod done_action;
mod io;
mod rate;
mod rgen;
mod spec;
mod table;
mod unit;

pub use done_action::DoneAction;
pub use io::{Finished, FoldedOut, UnitContext, UnitIo, Wire, WireMut};
pub use rate::Rate;
pub use rgen::Rgen;
pub use spec::{InputSpec, UnitSpec};
pub use table::{UGenTable, UnitTemplate};
pub use unit::{UGen, Unit};
