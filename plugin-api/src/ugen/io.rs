use std::cell::Cell;
use std::fmt;

use crate::{Buses, ControlMaps, DoneAction, Report, Reports, ResourceAccess, Rgen};

use super::Rate;

/// Whether a unit has finished: set by the unit when it reaches its end (a `Line` at its
/// end value, an `EnvGen` past its last segment, whatever its done action), and read by
/// the units its outputs feed (`Done`, `FreeSelfWhenDone`). The host keeps one per unit,
/// in the Synth's allocation, clear when the Synth starts; scsynth's units have the same.
///
/// Context: RT (one thread at a time: the Synth's).
#[derive(Debug, Default)]
#[repr(transparent)]
pub struct Finished(Cell<bool>);

impl Finished {
    /// A flag that is not set.
    pub const fn new() -> Finished {
        Finished(Cell::new(false))
    }

    /// Whether the unit has finished.
    #[inline]
    pub fn get(&self) -> bool {
        self.0.get()
    }

    /// Marks the unit finished.
    #[inline]
    pub fn set(&self) {
        self.0.set(true);
    }
}

/// Where one input of a unit reads from: a constant or another unit's output, with its
/// rate, and (for an output) that unit's [`Finished`]. Made by the host when it builds a
/// graph Synth.
#[derive(Debug, Clone, Copy)]
pub struct Wire {
    ptr: *const f32,
    rate: Rate,
    source: *const Finished,
}

/// Where one output of a unit writes to.
#[derive(Debug, Clone, Copy)]
pub struct WireMut {
    ptr: *mut f32,
    rate: Rate,
}

// SAFETY: a wire points into its Synth's own allocation (or its SynthDef's constants),
// which moves between threads with the Synth and is used by one thread at a time, or into
// the wire buffers the host lends the Synth's call, which the host points it at again in
// each call before any unit reads it.
unsafe impl Send for Wire {}
// SAFETY: as for `Wire`.
unsafe impl Send for WireMut {}

impl Wire {
    /// A wire reading from `ptr`: one value at scalar and control rate, a block at audio
    /// rate.
    ///
    /// # Safety
    /// `ptr` must stay valid for reads of a block (audio rate) or one value (otherwise)
    /// for as long as the wire is used, and nothing may write there while a unit reads it.
    pub const unsafe fn new(ptr: *const f32, rate: Rate) -> Wire {
        Wire { ptr, rate, source: std::ptr::null() }
    }

    /// This wire, read from an output of the unit whose flag is `source`.
    ///
    /// # Safety
    /// `source` must stay valid for as long as the wire is used.
    pub const unsafe fn from_unit(self, source: *const Finished) -> Wire {
        Wire { source, ..self }
    }

    /// Where the wire reads from.
    pub const fn as_ptr(self) -> *const f32 {
        self.ptr
    }
}

impl WireMut {
    /// A wire writing to `ptr`.
    ///
    /// # Safety
    /// As for [`Wire::new`], for writes; no other wire of the same unit may overlap it.
    pub const unsafe fn new(ptr: *mut f32, rate: Rate) -> WireMut {
        WireMut { ptr, rate }
    }

    /// Where the wire writes to.
    pub const fn as_ptr(self) -> *mut f32 {
        self.ptr
    }
}

/// An `Out` the host folded into the unit whose outputs it alone reads: the bus number of
/// its first channel and, for each output of the unit it writes, that output's index and
/// its channel (counted from `bus`). Made by the host for each call.
#[derive(Debug, Clone, Copy)]
pub struct FoldedOut<'a> {
    /// The bus the `Out`'s first channel goes to.
    pub bus: usize,
    /// `(output, channel)` for each output of the unit the `Out` writes.
    pub outputs: &'a [(usize, usize)],
}

impl FoldedOut<'_> {
    /// The most outputs of a unit an `Out` folded into it can write: outputs `0..8`.
    pub const MAX_OUTPUTS: usize = 8;
}

/// What a graph Synth's units share during one call: the engine's parameters, the
/// Synth's controls, the buses, the resource pool, the Synth's random generator, and the
/// done action a unit asks for.
///
/// Context: RT. Made by the host for each call of a graph Synth.
pub struct UnitContext<'c> {
    /// Frames per second.
    pub sample_rate: f64,
    /// The engine's block size.
    pub block_size: usize,
    /// The engine frame of this call's first frame.
    pub frame: u64,
    /// Where in the engine's block this call's frames start (for bus reads and writes).
    pub offset: usize,
    /// The frames this call computes at audio rate: what an audio-rate wire holds, read
    /// whole by a control-rate unit that takes in all of an audio-rate input.
    pub frames: usize,
    /// The Synth's control values, in control order.
    pub controls: &'c [f32],
    /// Which controls read a bus: an `AudioControl` reads its audio bus frame by frame.
    pub control_maps: ControlMaps<'c>,
    /// The buses, numbered as scsynth numbers them.
    pub buses: &'c mut dyn Buses,
    /// The resource pool (buffers by number are Resources by id).
    pub access: &'c dyn ResourceAccess,
    /// The Synth's random generator.
    pub rgen: &'c mut Rgen,
    /// The Synth's local buses (`LocalIn`, `LocalOut`): a block of floats per channel at
    /// audio rate, one per channel at control rate; kept from block to block.
    pub local: &'c mut [f32],
    done: Option<DoneAction>,
    reports: Option<&'c mut dyn Reports>,
}

impl<'c> UnitContext<'c> {
    /// A context for one call.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub fn new(
        sample_rate: f64,
        block_size: usize,
        frame: u64,
        offset: usize,
        frames: usize,
        controls: &'c [f32],
        buses: &'c mut dyn Buses,
        access: &'c dyn ResourceAccess,
        rgen: &'c mut Rgen,
        local: &'c mut [f32],
    ) -> Self {
        UnitContext {
            sample_rate,
            block_size,
            frame,
            offset,
            frames,
            controls,
            control_maps: ControlMaps::default(),
            buses,
            access,
            rgen,
            local,
            done: None,
            reports: None,
        }
    }

    /// This context, sending the units' reports to `reports` (without, they go nowhere).
    #[inline]
    pub fn with_reports(mut self, reports: &'c mut dyn Reports) -> Self {
        self.reports = Some(reports);
        self
    }

    /// This context, with the Synth's control maps (without, no control reads a bus).
    #[inline]
    pub fn with_control_maps(mut self, control_maps: ControlMaps<'c>) -> Self {
        self.control_maps = control_maps;
        self
    }

    /// Sends a report to the non-realtime side (a `Poll`'s value); the host counts what
    /// it cannot take.
    pub fn report(&mut self, report: Report) {
        if let Some(reports) = self.reports.as_deref_mut() {
            reports.report(report);
        }
    }

    /// Asks for a done action; when several units ask in one call, the largest number
    /// wins (SuperCollider's actions grow in reach with their number).
    pub fn done(&mut self, action: DoneAction) {
        if action != DoneAction::None && self.done.is_none_or(|d| d.code() < action.code()) {
            self.done = Some(action);
        }
    }

    /// The done action asked for during this call, if any.
    pub fn done_action(&self) -> Option<DoneAction> {
        self.done
    }
}

impl fmt::Debug for UnitContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnitContext").field("frame", &self.frame).field("offset", &self.offset).finish()
    }
}

/// One unit's inputs and outputs for one call, and the Synth's shared [`UnitContext`].
///
/// An input at audio rate is `frames()` values long; at control or scalar rate it is one
/// value. An output is `frames()` values long at audio rate, one otherwise. Inputs and
/// outputs never overlap, so input slices may be held while outputs are written.
///
/// Context: RT.
pub struct UnitIo<'a, 'c> {
    frames: usize,
    inputs: &'a [Wire],
    outputs: &'a [WireMut],
    finished: Option<&'a Finished>,
    scale: Option<&'a Wire>,
    folded: Option<FoldedOut<'a>>,
    /// Bit `i`: the unit took the sum of output `i` ([`take_bus_sum`](Self::take_bus_sum)).
    taken: u8,
    /// What the Synth's units share.
    pub ctx: &'a mut UnitContext<'c>,
}

impl<'a, 'c> UnitIo<'a, 'c> {
    /// A unit's view for a call of `frames` frames.
    ///
    /// # Safety
    /// Every wire must be valid for `frames` values at audio rate (one otherwise), an
    /// audio-rate input for `ctx.frames` values whatever `frames` is (see
    /// [`audio_input`](Self::audio_input)), and no output may overlap an input or another
    /// output.
    pub unsafe fn new(frames: usize, inputs: &'a [Wire], outputs: &'a [WireMut], ctx: &'a mut UnitContext<'c>) -> Self {
        UnitIo { frames, inputs, outputs, finished: None, scale: None, folded: None, taken: 0, ctx }
    }

    /// This view, with the input the host folded into the unit as a scale of its output
    /// ([`UnitSpec::scale`](crate::UnitSpec::scale)).
    ///
    /// # Safety
    /// As for [`new`](Self::new): the wire holds one value (it is not audio rate).
    #[inline]
    pub unsafe fn with_scale(mut self, scale: &'a Wire) -> Self {
        self.scale = Some(scale);
        self
    }

    /// The value this call of the input folded into the unit as a scale of its output, if
    /// the host folded one ([`UnitSpec::scale`](crate::UnitSpec::scale)). The unit
    /// multiplies frame `4g + j` of its output by lane `j` of a ramp from the value it had
    /// in the last call (its first value at `init`) to this one, as scsynth's `*` ramps a
    /// control-rate input four frames at a time: lanes starting at `old`, `old + s`,
    /// `old + 2s` and `(old + 2s) + s`, each growing by `4s`, where `s` is
    /// `(new − old) · (1 / frames)`, each sum rounded to `f32`.
    #[inline]
    pub fn scale(&self) -> Option<f32> {
        // SAFETY: `with_scale`'s contract: valid for one value.
        self.scale.map(|wire| unsafe { *wire.ptr })
    }

    /// This view, with the `Out` the host folded into the unit (see
    /// [`take_bus_sum`](Self::take_bus_sum)): the outputs it reads and the buses they go
    /// to. After the call the host adds into its bus each of them the unit did not take
    /// ([`taken_bus_sums`](Self::taken_bus_sums)).
    #[inline]
    pub fn with_folded_out(mut self, folded: FoldedOut<'a>) -> Self {
        self.folded = Some(folded);
        self
    }

    /// Takes the bus that output `i` is summed into, if the host folded the `Out` that
    /// alone reads the output into this unit and the bus is one a unit can add into: a
    /// unit that takes it adds the frames it would have written to output `i` (scaled, if
    /// the host folded a scale into it) into the slice, which saves a pass over the block,
    /// and need not write output `i`, which nothing else reads. Left untaken, the host adds
    /// output `i` into the bus itself after the call. A second take of the same output
    /// gives `None`.
    #[inline]
    pub fn take_bus_sum(&mut self, i: usize) -> Option<&mut [f32]> {
        let folded = self.folded?;
        if i >= FoldedOut::MAX_OUTPUTS || self.taken & (1 << i) != 0 {
            return None;
        }
        let &(_, channel) = folded.outputs.iter().find(|&&(output, _)| output == i)?;
        let (offset, frames) = (self.ctx.offset, self.frames);
        let sum = self.ctx.buses.sum_into_audio(folded.bus.saturating_add(channel), offset, frames)?;
        self.taken |= 1 << i;
        Some(sum)
    }

    /// Which outputs' sums the unit took ([`take_bus_sum`](Self::take_bus_sum)): bit `i`
    /// for output `i`.
    #[inline]
    pub fn taken_bus_sums(&self) -> u8 {
        self.taken
    }

    /// This view, with the unit's own [`Finished`] (without, [`finish`](Self::finish) is
    /// not seen by anyone).
    #[inline]
    pub fn with_finished(mut self, finished: &'a Finished) -> Self {
        self.finished = Some(finished);
        self
    }

    /// Marks the unit finished, for the units its outputs feed (`Done`). A unit calls it
    /// when it reaches its end, whatever its done action.
    #[inline]
    pub fn finish(&mut self) {
        if let Some(f) = self.finished {
            f.set();
        }
    }

    /// Whether the unit has marked itself finished.
    #[inline]
    pub fn is_finished(&self) -> bool {
        self.finished.is_some_and(Finished::get)
    }

    /// Whether input `i` reads from a unit that has finished (never, for a constant).
    ///
    /// # Panics
    /// If there is no input `i`.
    #[inline]
    pub fn input_finished(&self, i: usize) -> bool {
        let source = self.inputs[i].source;
        // SAFETY: `Wire::from_unit`'s contract: valid while the wire is used.
        !source.is_null() && unsafe { (*source).get() }
    }

    /// Frames this call computes at audio rate.
    #[inline]
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// The number of inputs.
    #[inline]
    pub fn num_inputs(&self) -> usize {
        self.inputs.len()
    }

    /// The number of outputs.
    #[inline]
    pub fn num_outputs(&self) -> usize {
        self.outputs.len()
    }

    /// The rate of input `i`.
    #[inline]
    pub fn input_rate(&self, i: usize) -> Rate {
        self.inputs[i].rate
    }

    /// Input `i`: `frames()` values at audio rate, one otherwise.
    ///
    /// # Panics
    /// If there is no input `i` (the UGen's `build` checks the count).
    #[inline]
    pub fn input(&self, i: usize) -> &'a [f32] {
        let wire = self.inputs[i];
        let len = if wire.rate == Rate::Audio { self.frames } else { 1 };
        // SAFETY: `new`'s contract: valid for `len` values, not written meanwhile.
        unsafe { std::slice::from_raw_parts(wire.ptr, len) }
    }

    /// Input `i` as its wire holds it: at audio rate all `ctx.frames` values of this call,
    /// even for a control-rate unit (a meter taking in a whole block once a block); one
    /// value otherwise.
    ///
    /// # Panics
    /// If there is no input `i`.
    #[inline]
    pub fn audio_input(&self, i: usize) -> &'a [f32] {
        let wire = self.inputs[i];
        let len = if wire.rate == Rate::Audio { self.ctx.frames.max(self.frames) } else { 1 };
        // SAFETY: `new`'s contract: an audio-rate input holds `ctx.frames` values (and
        // `frames` of them at audio rate), not written meanwhile.
        unsafe { std::slice::from_raw_parts(wire.ptr, len) }
    }

    /// The first value of input `i` (its value, at control or scalar rate).
    #[inline]
    pub fn in0(&self, i: usize) -> f32 {
        // SAFETY: as for `input`; every wire holds at least one value.
        unsafe { *self.inputs[i].ptr }
    }

    /// Output `i`: `frames()` values at audio rate, one otherwise.
    #[inline]
    pub fn output(&mut self, i: usize) -> &mut [f32] {
        let wire = self.outputs[i];
        let len = if wire.rate == Rate::Audio { self.frames } else { 1 };
        // SAFETY: `new`'s contract; the borrow of `self` keeps it the only view.
        unsafe { std::slice::from_raw_parts_mut(wire.ptr, len) }
    }

    /// Output `i` and the shared context at once (for units that read buses into an
    /// output).
    #[inline]
    pub fn output_with_context(&mut self, i: usize) -> (&mut [f32], &mut UnitContext<'c>) {
        let wire = self.outputs[i];
        let len = if wire.rate == Rate::Audio { self.frames } else { 1 };
        // SAFETY: `new`'s contract; the output and the context are distinct memory.
        (unsafe { std::slice::from_raw_parts_mut(wire.ptr, len) }, &mut *self.ctx)
    }

    /// Outputs `a` and `b` at once.
    ///
    /// # Panics
    /// If `a == b` or either is out of range.
    #[inline]
    pub fn output_pair(&mut self, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        assert_ne!(a, b, "two views of one output");
        let (wa, wb) = (self.outputs[a], self.outputs[b]);
        let len = |w: WireMut| if w.rate == Rate::Audio { self.frames } else { 1 };
        // SAFETY: `new`'s contract: distinct outputs do not overlap.
        unsafe { (std::slice::from_raw_parts_mut(wa.ptr, len(wa)), std::slice::from_raw_parts_mut(wb.ptr, len(wb))) }
    }

    /// Every output at once, in order.
    pub fn outputs(&mut self) -> impl Iterator<Item = &mut [f32]> + '_ {
        let frames = self.frames;
        self.outputs.iter().map(move |w| {
            let len = if w.rate == Rate::Audio { frames } else { 1 };
            // SAFETY: `new`'s contract: distinct outputs do not overlap.
            unsafe { std::slice::from_raw_parts_mut(w.ptr, len) }
        })
    }

    /// The rate of output `i`.
    #[inline]
    pub fn output_rate(&self, i: usize) -> Rate {
        self.outputs[i].rate
    }
}

impl fmt::Debug for UnitIo<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnitIo")
            .field("frames", &self.frames)
            .field("inputs", &self.inputs.len())
            .field("outputs", &self.outputs.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::{FoldedOut, UnitContext, UnitIo, Wire, WireMut};
    use crate::{Buses, NoResources, Rate, Rgen};

    /// Two audio buses of four frames, as a host keeps them: a sum into a bus nobody
    /// wrote yet this block (`fresh`) starts from zeros.
    struct FourFrameBuses {
        data: [[f32; 4]; 2],
        fresh: [bool; 2],
    }

    impl Buses for FourFrameBuses {
        fn hardware_outputs(&self) -> usize {
            2
        }
        fn hardware_inputs(&self) -> usize {
            0
        }
        fn audio_buses(&self) -> usize {
            2
        }
        fn control_buses(&self) -> usize {
            0
        }
        fn read_audio(&self, _: usize, _: usize, dst: &mut [f32], _: bool) {
            dst.fill(0.0);
        }
        fn write_audio(&mut self, _: usize, _: usize, _: &[f32], _: bool) {}
        fn read_control(&self, _: usize) -> f32 {
            0.0
        }
        fn write_control(&mut self, _: usize, _: f32, _: bool) {}
        fn sum_into_audio(&mut self, bus: usize, offset: usize, frames: usize) -> Option<&mut [f32]> {
            let fresh = self.fresh.get_mut(bus)?;
            if std::mem::take(fresh) {
                self.data[bus] = [0.0; 4];
            }
            self.data[bus].get_mut(offset..offset + frames)
        }
    }

    #[test]
    fn a_folded_out_gives_each_output_its_bus_once_and_says_which_were_taken() {
        let mut buses = FourFrameBuses { data: [[7.0; 4]; 2], fresh: [true; 2] };
        let mut rgen = Rgen::new(1);
        let mut ctx = UnitContext::new(48_000.0, 4, 0, 0, 4, &[], &mut buses, &NoResources, &mut rgen, &mut []);
        let mut wires = [0.0f32; 12];
        let base = wires.as_mut_ptr();
        // SAFETY: three outputs of four frames each, in `wires`, which outlives the view.
        let outputs = unsafe { [0, 4, 8].map(|k| WireMut::new(base.add(k), Rate::Audio)) };
        let inputs: [Wire; 0] = [];
        // Output 0 to bus 1 (channel 1 of bus 0), output 2 to bus 0; output 1 is not the `Out`'s.
        let channels = [(0, 1), (2, 0)];
        // SAFETY: as above; no input, outputs disjoint.
        let mut io = unsafe { UnitIo::new(4, &inputs, &outputs, &mut ctx) }
            .with_folded_out(FoldedOut { bus: 0, outputs: &channels });
        assert!(io.take_bus_sum(1).is_none(), "output 1 goes to no bus");
        let sum = io.take_bus_sum(0).expect("output 0 is summed into bus 1");
        assert_eq!(sum, [0.0; 4], "a bus nobody wrote this block starts at zero");
        sum[2] = 0.5;
        assert!(io.take_bus_sum(0).is_none(), "taken once");
        assert_eq!(io.taken_bus_sums(), 0b001);
        assert!(io.take_bus_sum(FoldedOut::MAX_OUTPUTS).is_none());
        assert_eq!(buses.data, [[7.0; 4], [0.0, 0.0, 0.5, 0.0]], "bus 0 untouched until output 2 is taken");
    }

    #[test]
    fn without_a_folded_out_nothing_is_taken() {
        let mut buses = FourFrameBuses { data: [[0.0; 4]; 2], fresh: [true; 2] };
        let mut rgen = Rgen::new(1);
        let mut ctx = UnitContext::new(48_000.0, 4, 0, 0, 4, &[], &mut buses, &NoResources, &mut rgen, &mut []);
        let mut wire = [0.0f32; 4];
        // SAFETY: one output of four frames in `wire`.
        let outputs = [unsafe { WireMut::new(wire.as_mut_ptr(), Rate::Audio) }];
        // SAFETY: as above.
        let mut io = unsafe { UnitIo::new(4, &[], &outputs, &mut ctx) };
        assert!(io.take_bus_sum(0).is_none());
        assert_eq!(io.taken_bus_sums(), 0);
    }
}
