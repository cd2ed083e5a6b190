//! A graph SynthDef as a plugin-API SynthDef whose state is laid out at run time.

use std::alloc::Layout;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::Arc;

use oscine_plugin_api::{
    bus_number, ActivateContext, Buses, ControlMaps, ControlSpec, DynamicSynthDef, Finished, FoldedOut, Panicked,
    PluginError, ProcessContext, ProcessStatus, Rate, Reports, ResourceAccess, Rgen, SynthDefInfo, UGenTable,
    UnitContext, UnitIo, UnitTemplate, Wire, WireMut, World,
};

use super::plan::{BusSums, Header, Plan, Source, WirePlace};
use super::GraphError;
use crate::scgf::GraphDef;

/// A SynthDef made from an SCgf graph: each Synth holds one unit per ugen of the graph,
/// their scalar- and control-rate wires and a random generator, in its one allocation,
/// and runs the units in the graph's order: scalar-rate units once when the Synth starts,
/// control-rate units once per block, audio-rate units a block at a time, their audio-rate
/// wires in the wire buffers the engine lends the call.
pub struct GraphSynthDef {
    info: SynthDefInfo,
    plan: Plan,
    sample_rate: f64,
    seeds: std::sync::atomic::AtomicU32,
    /// For each unit, in unit order, the unit built once, where its UGen's units own
    /// nothing: a Synth copies it instead of building its own.
    templates: Box<[Option<UnitTemplate>]>,
}

/// What one call of a graph Synth reads besides its state: a [`ProcessContext`] without
/// the audio and resource ports, which graph Synths do not have.
///
/// Context: RT.
pub(crate) struct GraphCall<'c> {
    pub(crate) sample_rate: f64,
    /// The engine's frame of the call's first frame.
    pub(crate) frame: u64,
    /// Where in the engine's block the call's first frame is.
    pub(crate) offset: usize,
    pub(crate) frames: usize,
    pub(crate) controls: &'c [f32],
    pub(crate) control_maps: ControlMaps<'c>,
    pub(crate) buses: &'c mut dyn Buses,
    pub(crate) access: &'c dyn ResourceAccess,
    pub(crate) reports: &'c mut dyn Reports,
    /// The engine's wire buffers, lent for the call.
    pub(crate) wire_buffers: &'c mut [f32],
}

/// A graph SynthDef as its table holds it, shared with the engine's entry for it, which
/// runs its Synths through [`GraphSynthDef::run`].
pub(crate) struct SharedGraphDef(pub(crate) Arc<GraphSynthDef>);

impl GraphSynthDef {
    /// Lays out `def` for an engine of `world`'s block size, with the UGens `ugen` finds
    /// by class name. Context: NRT.
    pub fn new(
        def: &GraphDef,
        world: &World,
        ugen: &dyn Fn(&str) -> Option<Arc<UGenTable>>,
    ) -> Result<GraphSynthDef, GraphError> {
        let plan = Plan::new(def, world.block_size, ugen)?;
        let mut controls: Vec<ControlSpec> = def
            .initial_values
            .iter()
            .enumerate()
            .map(|(i, &v)| ControlSpec::named(format!("#{i}"), v, f32::NEG_INFINITY, f32::INFINITY))
            .collect();
        for (name, first, count) in def.controls() {
            for k in 0..count {
                if let Some(c) = controls.get_mut((first + k) as usize) {
                    c.name = if k == 0 { name.clone().into() } else { format!("{name}[{k}]").into() };
                }
            }
        }
        let info =
            SynthDefInfo::new(def.name.clone()).controls(&controls).with_trigger_controls(&plan.trigger_controls);
        // A template that fails to build leaves the unit to be built, and refused, per Synth.
        let templates = plan
            .units
            .iter()
            .map(|unit| unit.table.template(&plan.spec(unit, world.sample_rate)).and_then(Result::ok))
            .collect();
        Ok(GraphSynthDef { info, plan, sample_rate: world.sample_rate, seeds: 0.into(), templates })
    }

    /// The number of units.
    pub fn unit_count(&self) -> usize {
        self.plan.units.len()
    }

    /// Builds one Synth and drops it, so that every unit's UGen checks its inputs, rates
    /// and outputs now rather than at the first `/s_new`. Context: NRT.
    pub fn check(&self, world: &World) -> Result<(), String> {
        let layout = self.plan.layout;
        let place = if layout.size() == 0 {
            NonNull::new(layout.align() as *mut u8).expect("an alignment is never 0")
        } else {
            // SAFETY: a non-zero size.
            NonNull::new(unsafe { std::alloc::alloc(layout) }).ok_or("out of memory")?
        };
        let controls: Vec<f32> = self.info.controls.iter().map(|c| c.default).collect();
        // SAFETY: `place` is laid out for this state and holds nothing.
        let built = unsafe { self.construct(world, &controls, place) };
        if built.is_ok() {
            // SAFETY: built just above, never used again.
            unsafe { self.drop_state(place) };
        }
        if layout.size() != 0 {
            // SAFETY: allocated above with this layout.
            unsafe { std::alloc::dealloc(place.as_ptr(), layout) };
        }
        built.map_err(|e| e.reason().to_owned())
    }

    /// Where a wire at `place` starts, for a state whose own wires start at `wires` and
    /// whose lent wires start at `lent`.
    ///
    /// # Safety
    /// `wires` and `lent` point to areas as large as the plan lays out.
    unsafe fn wire(&self, wires: *mut f32, lent: *mut f32, place: WirePlace) -> *mut f32 {
        // SAFETY: passed on from the caller.
        unsafe {
            match place {
                WirePlace::Own(offset) | WirePlace::Control(_, offset) => wires.add(offset),
                WirePlace::Lent(offset) => lent.add(offset),
            }
        }
    }

    /// Points the wire tables' lent wires at `lent`: the host's wire buffers or the state's
    /// stand-in (the caller records which in the header). Context: RT.
    ///
    /// # Safety
    /// `place` holds a state `construct` built, used by nobody else meanwhile, and nothing
    /// borrows its wire tables; `lent` is valid for reads and writes of `plan.lent_floats` floats for as long as the tables
    /// point there, and overlaps nothing else the units use.
    unsafe fn point_lent_wires(&self, place: NonNull<u8>, lent: *mut f32) {
        let base = place.as_ptr();
        // SAFETY: the tables and flags are inside the state (`construct` wrote them).
        unsafe {
            let inputs = base.add(self.plan.inputs_at) as *mut Wire;
            let outputs = base.add(self.plan.outputs_at) as *mut WireMut;
            let finished = base.add(self.plan.finished_at) as *const Finished;
            for input in &self.plan.lent_inputs {
                let wire = Wire::new(lent.add(input.offset), Rate::Audio).from_unit(finished.add(input.from));
                inputs.add(input.slot).write(wire);
            }
            for &(slot, offset) in &self.plan.lent_outputs {
                outputs.add(slot).write(WireMut::new(lent.add(offset), Rate::Audio));
            }
        }
    }

    /// Points the wire tables' controls at `controls` (the Synth's, this call's).
    /// Context: RT.
    ///
    /// # Safety
    /// As for [`point_lent_wires`](Self::point_lent_wires), for `controls` valid for reads
    /// of `plan.controls_read` floats.
    unsafe fn point_control_wires(&self, place: NonNull<u8>, controls: *const f32) {
        let base = place.as_ptr();
        // SAFETY: the table and flags are inside the state (`construct` wrote them).
        unsafe {
            let inputs = base.add(self.plan.inputs_at) as *mut Wire;
            let finished = base.add(self.plan.finished_at) as *const Finished;
            for input in &self.plan.control_inputs {
                let wire = Wire::new(controls.add(input.offset), Rate::Control).from_unit(finished.add(input.from));
                inputs.add(input.slot).write(wire);
            }
        }
    }

    /// Runs every unit's `init`, a frame each, in graph order; false if one panicked.
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// `place` holds a state `construct` built, used by nobody else meanwhile.
    unsafe fn init(&self, place: NonNull<u8>, ctx: &mut UnitContext<'_>) -> bool {
        let base = place.as_ptr();
        // SAFETY: as in `next`.
        let (inputs, outputs, finished) = unsafe { self.tables(base) };
        for (unit, finished) in self.plan.units.iter().zip(finished) {
            if unit.skipped {
                // Its producer computes the product, into the output they share, or its
                // readers read the controls.
                continue;
            }
            let ins = &inputs[unit.first_input..unit.first_input + unit.inputs.len()];
            let outs = &outputs[unit.first_output..unit.first_output + unit.outputs.len()];
            // SAFETY: as in `next`.
            let mut io = unsafe { UnitIo::new(1, ins, outs, ctx) }.with_finished(finished);
            if unit.scale.is_some() {
                // SAFETY: the scale's slot follows the unit's inputs; it is not audio rate.
                io = unsafe { io.with_scale(&inputs[unit.first_input + unit.inputs.len()]) };
            }
            // SAFETY: `construct` built this unit at this offset; it is used by nobody else.
            if unsafe { unit.table.init(NonNull::new_unchecked(base.add(unit.state)), &mut io) }.is_err() {
                return false;
            }
        }
        true
    }

    /// Runs the Synth at `place` for one call, as [`DynamicSynthDef::process`] does, for
    /// the engine, which calls its own graph Synths without the plugin table's context; a
    /// panic is caught (its payload leaked, as dropping it would free memory).
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// `place` holds a state `construct` built, used by nobody else meanwhile.
    #[inline]
    pub(crate) unsafe fn run(&self, place: NonNull<u8>, call: GraphCall<'_>) -> Result<ProcessStatus, Panicked> {
        // SAFETY: passed on from the caller.
        catch_unwind(AssertUnwindSafe(|| unsafe { self.render(place, call) })).map_err(|payload| {
            std::mem::forget(payload);
            Panicked
        })
    }

    /// Runs the Synth at `place` for one call; [`DynamicSynthDef::process`] and
    /// [`run`](Self::run) both come here.
    ///
    /// # Safety
    /// `place` holds a state `construct` built, used by nobody else meanwhile.
    #[inline(always)]
    unsafe fn render(&self, place: NonNull<u8>, call: GraphCall<'_>) -> ProcessStatus {
        // SAFETY: the header is at offset 0 of a live state, the local buses at
        // `local_at`; the two do not overlap.
        let (header, local) = unsafe {
            (
                &mut *(place.as_ptr() as *mut Header),
                std::slice::from_raw_parts_mut(
                    place.as_ptr().add(self.plan.local_at) as *mut f32,
                    self.plan.local_floats,
                ),
            )
        };
        if header.faulted {
            return ProcessStatus::Faulted;
        }
        if self.plan.lent_floats > 0 {
            // The host's wire buffers when it lends enough, else the state's stand-in.
            let lent = match call.wire_buffers.get_mut(..self.plan.lent_floats) {
                Some(buffers) => buffers.as_mut_ptr(),
                // SAFETY: the stand-in is inside the state.
                None => unsafe { place.as_ptr().add(self.plan.stand_in_at) as *mut f32 },
            };
            if header.lent_base != lent {
                // SAFETY: a live state used by nobody else; the wire buffers are lent for
                // this whole call (the tables are pointed again at each call that lends
                // others), the stand-in lives with the state.
                unsafe { self.point_lent_wires(place, lent) };
                header.lent_base = lent;
            }
        }
        if !self.plan.control_inputs.is_empty() {
            let controls = call.controls;
            if controls.len() < self.plan.controls_read {
                // Never so: the engine passes every control of the SynthDef.
                header.faulted = true;
                return ProcessStatus::Faulted;
            }
            if header.controls_base != controls.as_ptr() {
                // SAFETY: a live state used by nobody else; the controls are valid for this
                // whole call (the tables are pointed again at each call whose are not these).
                unsafe { self.point_control_wires(place, controls.as_ptr()) };
                header.controls_base = controls.as_ptr();
            }
        }
        let mut units = UnitContext::new(
            call.sample_rate,
            self.plan.block_size,
            call.frame,
            call.offset,
            call.frames,
            call.controls,
            call.buses,
            call.access,
            &mut header.rgen,
            local,
        )
        .with_reports(call.reports)
        .with_control_maps(call.control_maps);
        if !header.initialized {
            header.initialized = true;
            // SAFETY: a live state, used by nobody else.
            if !unsafe { self.init(place, &mut units) } {
                header.faulted = true;
                return ProcessStatus::Faulted;
            }
        }
        // SAFETY: as above.
        if !unsafe { self.next(place, call.frames, &mut units) } {
            header.faulted = true;
            return ProcessStatus::Faulted;
        }
        match units.done_action() {
            Some(action) if !header.done => {
                header.done = true;
                ProcessStatus::DoneAction(action)
            }
            // Graph Synths write buses themselves; they have no output ports.
            _ => ProcessStatus::OutputsUntouched,
        }
    }

    /// Runs every unit but the scalar-rate ones for one call, `frames` frames at audio
    /// rate; false if one panicked.
    ///
    /// Context: RT.
    ///
    /// # Safety
    /// `place` holds a state `construct` built, used by nobody else meanwhile.
    #[inline(always)]
    unsafe fn next(&self, place: NonNull<u8>, frames: usize, ctx: &mut UnitContext<'_>) -> bool {
        let base = place.as_ptr();
        for step in &self.plan.steps {
            let at = step.at;
            // SAFETY: the plan's offsets are of the unit's slots in the wire tables and of
            // its flag, inside the state `construct` built.
            let (ins, outs, finished) = unsafe {
                (
                    std::slice::from_raw_parts(base.add(at.inputs) as *const Wire, at.input_count),
                    std::slice::from_raw_parts(base.add(at.outputs) as *const WireMut, at.output_count),
                    &*(base.add(at.finished) as *const Finished),
                )
            };
            // SAFETY: the plan's offset is of the folded `Out`'s bus number slot.
            let folded = step.sums.as_ref().and_then(|s| unsafe { folded_out(s, base) });
            let all = step.sums.as_ref().map_or(0, |s| s.all);
            // SAFETY: the wires point into this state's wire area, the plan's constants or
            // the lent wires (pointed at this call's wire buffers), an audio-rate one a
            // block of values, each output its own, disjoint from every input.
            let mut io =
                unsafe { UnitIo::new(if step.audio { frames } else { 1 }, ins, outs, ctx) }.with_finished(finished);
            if at.scale != 0 {
                // SAFETY: the plan's offset is of the scale's slot; it is not audio rate.
                io = unsafe { io.with_scale(&*(base.add(at.scale) as *const Wire)) };
            }
            if let Some(folded) = folded {
                io = io.with_folded_out(folded);
            }
            // SAFETY: `construct` built this unit at this offset; it is used by nobody else.
            if unsafe { step.table.next(NonNull::new_unchecked(base.add(step.state)), &mut io) }.is_err() {
                return false;
            }
            if let Some(folded) = folded.filter(|_| io.taken_bus_sums() != all) {
                let taken = io.taken_bus_sums();
                for &(output, channel) in folded.outputs {
                    if taken & (1 << output) == 0 {
                        // SAFETY: a folded `Out` reads an audio-rate unit: each output holds
                        // `frames` values, which the unit wrote.
                        let signal = unsafe { std::slice::from_raw_parts(outs[output].as_ptr(), frames) };
                        // Added into the bus as the `Out` adds, -0 + 0 being 0: through a
                        // view of it where the host gives one.
                        let (bus, offset) = (folded.bus.saturating_add(channel), ctx.offset);
                        match ctx.buses.sum_into_audio(bus, offset, frames) {
                            Some(sum) => crate::engine::mix_into(sum, signal),
                            None => ctx.buses.write_audio(bus, offset, signal, false),
                        }
                    }
                }
            }
        }
        true
    }

    /// The input and output wire tables and the units' flags of the state at `base`.
    ///
    /// # Safety
    /// `base` holds a state `construct` built; the tables stay valid with it.
    unsafe fn tables<'s>(&self, base: *mut u8) -> (&'s [Wire], &'s [WireMut], &'s [Finished]) {
        // SAFETY: `construct` wrote the tables and flags at these offsets.
        unsafe {
            (
                std::slice::from_raw_parts(base.add(self.plan.inputs_at) as *const Wire, self.plan.input_count),
                std::slice::from_raw_parts(base.add(self.plan.outputs_at) as *const WireMut, self.plan.output_count),
                std::slice::from_raw_parts(base.add(self.plan.finished_at) as *const Finished, self.plan.units.len()),
            )
        }
    }
}

/// The `Out` folded into a unit for this call: its bus number and the outputs it writes;
/// none for a bus number that writes nothing (negative or NaN). Context: RT.
///
/// # Safety
/// `folded.bus` is the byte offset of a valid input wire slot in the state at `base`.
#[inline]
unsafe fn folded_out(folded: &BusSums, base: *mut u8) -> Option<FoldedOut<'_>> {
    // SAFETY: passed on from the caller; every wire holds at least one value.
    let bus = bus_number(unsafe { *(*(base.add(folded.bus) as *const Wire)).as_ptr() })?;
    Some(FoldedOut { bus, outputs: &folded.outputs })
}

// SAFETY: the layout is computed once, in `new`; every method stays within its state.
unsafe impl DynamicSynthDef for GraphSynthDef {
    fn info(&self) -> SynthDefInfo {
        self.info.clone()
    }

    fn state_layout(&self) -> Layout {
        self.plan.layout
    }

    unsafe fn construct(&self, _world: &World, controls: &[f32], place: NonNull<u8>) -> Result<(), PluginError> {
        let base = place.as_ptr();
        let seed = self.seeds.fetch_add(1, std::sync::atomic::Ordering::Relaxed) as i32;
        // SAFETY: the wire area and the lent wires' stand-in are inside the place; zeroed
        // floats are valid.
        let wires = unsafe { base.add(self.plan.wires_at) as *mut f32 };
        unsafe { std::ptr::write_bytes(wires, 0, self.plan.wire_floats) };
        let stand_in = unsafe { base.add(self.plan.stand_in_at) as *mut f32 };
        unsafe { std::ptr::write_bytes(stand_in, 0, self.plan.lent_floats) };
        // The lent wires point at the stand-in until a call lends wire buffers.
        // SAFETY: the header is at offset 0 of a place laid out for it.
        unsafe {
            (base as *mut Header).write(Header {
                lent_base: stand_in,
                controls_base: std::ptr::null(),
                rgen: Rgen::new(seed),
                initialized: false,
                faulted: false,
                done: false,
            })
        };
        // SAFETY: the local buses are inside the place too.
        unsafe { std::ptr::write_bytes(base.add(self.plan.local_at) as *mut f32, 0, self.plan.local_floats) };
        let finished = unsafe { base.add(self.plan.finished_at) as *mut Finished };
        for u in 0..self.plan.units.len() {
            // SAFETY: the flags are inside the place, one per unit.
            unsafe { finished.add(u).write(Finished::new()) };
        }
        // A control's first value, which its readers read until the first call.
        for unit in &self.plan.units {
            for &(place, _) in &unit.outputs {
                if let WirePlace::Control(k, offset) = place {
                    // SAFETY: the offset is inside the Synth's own wires.
                    unsafe { wires.add(offset).write(controls.get(k).copied().unwrap_or(0.0)) };
                }
            }
        }
        let input_table = unsafe { base.add(self.plan.inputs_at) as *mut Wire };
        let output_table = unsafe { base.add(self.plan.outputs_at) as *mut WireMut };
        for unit in &self.plan.units {
            let scale = unit.scale.map(|(source, _)| source);
            for (k, source) in unit.inputs.iter().chain(scale.iter()).enumerate() {
                let wire = match *source {
                    // SAFETY: constants live in the plan, as long as every Synth of it; a
                    // missing constant (checked by the reader) would read the first.
                    Source::Constant(c) => unsafe {
                        Wire::new(
                            self.plan
                                .constants
                                .as_ptr()
                                .add((c as usize).min(self.plan.constants.len().saturating_sub(1))),
                            Rate::Scalar,
                        )
                    },
                    // SAFETY: the wire is inside this state's wire area or the stand-in, the
                    // flag inside its flags.
                    Source::Wire(place, rate, from) => unsafe {
                        Wire::new(self.wire(wires, stand_in, place), rate).from_unit(finished.add(from))
                    },
                };
                // SAFETY: the table has a slot for every input.
                unsafe { input_table.add(unit.first_input + k).write(wire) };
            }
            for (k, &(place, rate)) in unit.outputs.iter().enumerate() {
                // SAFETY: each output has its own wire, inside the wire area or the stand-in,
                // disjoint from the unit's inputs (the plan's colouring).
                unsafe {
                    output_table.add(unit.first_output + k).write(WireMut::new(self.wire(wires, stand_in, place), rate))
                };
            }
        }
        for (built, (unit, template)) in self.plan.units.iter().zip(&self.templates).enumerate() {
            // SAFETY: the unit's offset is laid out for its state.
            let unit_place = unsafe { NonNull::new_unchecked(base.add(unit.state)) };
            if let Some(template) = template {
                // SAFETY: as above, and nothing lives there yet; the template is of this
                // unit's table and spec.
                unsafe { template.write_to(unit_place) };
                continue;
            }
            let spec = self.plan.spec(unit, self.sample_rate);
            // SAFETY: as above.
            if let Err(e) = unsafe { unit.table.build(&spec, unit_place) } {
                for earlier in &self.plan.units[..built] {
                    // SAFETY: built above, never used again.
                    let _ = unsafe { earlier.table.drop_unit(NonNull::new_unchecked(base.add(earlier.state))) };
                }
                return Err(PluginError::new(format!("ugen {built} ({}): {}", unit.name, e.reason())));
            }
        }
        Ok(())
    }

    unsafe fn activate(&self, _place: NonNull<u8>, _ctx: &ActivateContext<'_>) {
        // The units start at the Synth's first process call, which can read buses.
    }

    unsafe fn process(&self, place: NonNull<u8>, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        let call = GraphCall {
            sample_rate: ctx.sample_rate,
            frame: ctx.frame,
            offset: ctx.offset,
            frames: ctx.frames,
            controls: ctx.controls,
            control_maps: ctx.control_maps,
            buses: &mut *ctx.buses,
            access: ctx.access,
            reports: &mut *ctx.reports,
            wire_buffers: &mut *ctx.wire_buffers,
        };
        // SAFETY: passed on from the caller.
        unsafe { self.render(place, call) }
    }

    fn units(&self) -> usize {
        self.plan.units.len()
    }

    fn trace_layout(&self) -> Vec<(String, usize, usize)> {
        self.plan.units.iter().map(|u| (u.name.clone(), u.inputs.len(), u.outputs.len())).collect()
    }

    unsafe fn trace(&self, place: NonNull<u8>, out: &mut [f32]) -> usize {
        // SAFETY: a live state: its wire area holds `wire_floats` floats.
        let wires = unsafe {
            std::slice::from_raw_parts(place.as_ptr().add(self.plan.wires_at) as *const f32, self.plan.wire_floats)
        };
        let constant = |c: u32| self.plan.constants.get(c as usize).copied().unwrap_or(0.0);
        // SAFETY: the header is at offset 0 of a live state.
        let controls = unsafe { (*(place.as_ptr() as *const Header)).controls_base };
        // A lent wire's buffer is shared by every Synth's call: between calls it holds
        // another Synth's signal, so the trace has no value of this one's to show (NaN).
        let wire = move |place: WirePlace| match place {
            WirePlace::Own(offset) => wires.get(offset).copied().unwrap_or(0.0),
            WirePlace::Lent(_) => f32::NAN,
            // SAFETY: the controls of the Synth's last call, which the engine keeps in the
            // Synth's own allocation (as long as the state), at least `controls_read` long.
            WirePlace::Control(k, _) if !controls.is_null() => unsafe { *controls.add(k) },
            WirePlace::Control(_, offset) => wires.get(offset).copied().unwrap_or(0.0),
        };
        let values = self.plan.units.iter().flat_map(move |unit| {
            let inputs = unit.inputs.iter().map(move |source| match *source {
                Source::Constant(c) => constant(c),
                Source::Wire(place, _, _) => wire(place),
            });
            inputs.chain(unit.outputs.iter().map(move |&(place, _)| wire(place)))
        });
        let mut written = 0;
        for (slot, value) in out.iter_mut().zip(values) {
            *slot = value;
            written += 1;
        }
        written
    }

    unsafe fn drop_state(&self, place: NonNull<u8>) {
        let base = place.as_ptr();
        for unit in &self.plan.units {
            // SAFETY: every unit was built by `construct`, and is dropped once, here.
            if let Err(text) = unsafe { unit.table.drop_unit(NonNull::new_unchecked(base.add(unit.state))) } {
                tracing::error!("ugen {} panicked while dropping: {text}", unit.name);
            }
        }
        // SAFETY: the header was written by `construct`.
        unsafe { std::ptr::drop_in_place(base as *mut Header) };
    }
}

// SAFETY: every method is the graph's own, on the same states.
unsafe impl DynamicSynthDef for SharedGraphDef {
    fn info(&self) -> SynthDefInfo {
        self.0.info()
    }

    fn state_layout(&self) -> Layout {
        self.0.state_layout()
    }

    unsafe fn construct(&self, world: &World, controls: &[f32], place: NonNull<u8>) -> Result<(), PluginError> {
        // SAFETY: passed on from the caller.
        unsafe { self.0.construct(world, controls, place) }
    }

    unsafe fn activate(&self, place: NonNull<u8>, ctx: &ActivateContext<'_>) {
        // SAFETY: passed on from the caller.
        unsafe { self.0.activate(place, ctx) }
    }

    unsafe fn process(&self, place: NonNull<u8>, ctx: &mut ProcessContext<'_>) -> ProcessStatus {
        // SAFETY: passed on from the caller.
        unsafe { self.0.process(place, ctx) }
    }

    unsafe fn drop_state(&self, place: NonNull<u8>) {
        // SAFETY: passed on from the caller.
        unsafe { self.0.drop_state(place) }
    }

    fn units(&self) -> usize {
        self.0.units()
    }

    fn trace_layout(&self) -> Vec<(String, usize, usize)> {
        self.0.trace_layout()
    }

    unsafe fn trace(&self, place: NonNull<u8>, out: &mut [f32]) -> usize {
        // SAFETY: passed on from the caller.
        unsafe { self.0.trace(place, out) }
    }
}

impl std::fmt::Debug for GraphSynthDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphSynthDef").field("name", &self.info.name).field("units", &self.plan.units.len()).finish()
    }
}
