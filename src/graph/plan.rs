//! The layout of a graph Synth: where each unit's state and each wire goes, and what
//! feeds each input. Context: NRT.
//!
//! An audio-rate unit's audio-rate wires go in the wire buffers the engine lends each call
//! (`ProcessContext::wire_buffers`): they are written and read within one call, each unit
//! writing its outputs before any unit after it reads them, so no wire needs to outlast
//! its call. A wire takes a block from the time its unit runs until its last reader has
//! run; then the block is free for a wire written later. A unit's outputs never share a
//! block with its inputs or with each other. Every other wire (scalar and control rate,
//! which units read from block to block, and the audio-rate outputs of units that compute
//! one value a block) stays in the Synth's own allocation.

use std::alloc::Layout;
use std::sync::Arc;

use oscine_plugin_api::{Finished, InputSpec, Rate, Rgen, UGenTable, UnitSpec, Wire, WireMut};

use crate::scgf::{GraphDef, Input};

/// Why a graph cannot become a SynthDef.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// A UGen no plugin registers.
    #[error("synthdef '{def}': ugen {index} is a {name}, which no plugin provides")]
    UnknownUGen {
        /// The def.
        def: String,
        /// The ugen's index.
        index: usize,
        /// Its class name.
        name: String,
    },
    /// Demand rate is not supported.
    #[error("synthdef '{def}': ugen {index} ({name}) runs at demand rate, which Oscine does not run yet")]
    DemandRate {
        /// The def.
        def: String,
        /// The ugen's index.
        index: usize,
        /// Its class name.
        name: String,
    },
    /// A graph too large to lay out.
    #[error("synthdef '{def}' is too large: {what}")]
    TooLarge {
        /// The def.
        def: String,
        /// What overflowed.
        what: &'static str,
    },
}

/// Where a wire's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WirePlace {
    /// In the Synth's own allocation: an offset in floats from its wires' start.
    Own(usize),
    /// In the lent wire buffers: an offset in floats from their start.
    Lent(usize),
    /// The Synth's control value of this index, where the engine keeps the controls: the
    /// outputs of a control-rate `Control`, which its readers read there (see
    /// [`PlannedUnit::skipped`]). Until the Synth's first call they read the control's
    /// first value, kept at this offset in the Synth's own wires.
    Control(usize, usize),
}

/// Where one input reads from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// A constant of the def.
    Constant(u32),
    /// A wire of the Synth: where it is, its rate, and the index of the unit whose output
    /// it is.
    Wire(WirePlace, Rate, usize),
}

/// One unit of the plan.
pub(super) struct PlannedUnit {
    pub(super) table: Arc<UGenTable>,
    pub(super) name: String,
    pub(super) rate: Rate,
    pub(super) special_index: i16,
    /// Byte offset of the unit's state in the Synth's state.
    pub(super) state: usize,
    pub(super) inputs: Vec<Source>,
    pub(super) input_specs: Vec<InputSpec>,
    /// Where each output wire is, and its rate.
    pub(super) outputs: Vec<(WirePlace, Rate)>,
    pub(super) output_rates: Vec<Rate>,
    /// Index of the unit's first input in the Synth's input wire table.
    pub(super) first_input: usize,
    /// Index of the unit's first output in the Synth's output wire table.
    pub(super) first_output: usize,
    /// The input of a `*` folded into this unit as the scale of its output (see
    /// [`fold_target`]), and its spec; its slot in the input wire table follows the
    /// unit's own inputs.
    pub(super) scale: Option<(Source, InputSpec)>,
    /// Whether this unit never runs, though it is built and traced like any unit: a `*`
    /// folded into the unit whose output it reads (its output is that unit's), a
    /// control-rate `Control`, whose outputs are the controls themselves
    /// ([`WirePlace::Control`]), or an `Out` folded into the unit it writes ([`BusSums`]).
    pub(super) skipped: bool,
    /// Whether its outputs reach buses only through sums, products and pans
    /// ([`UnitSpec::smooth_readers`], found by [`smooth_readers`]).
    pub(super) smooth_readers: bool,
}

/// The layout of one graph Synth's state:
///
/// ```text
/// [Header][unit states, each aligned][input wire table][output wire table][wires: f32]
/// [local buses: f32][one Finished per unit][lent wires' stand-in: f32]
/// ```
///
/// The stand-in holds the lent wires when the host lends too few wire buffers; it comes
/// last, so that what every block reads is together at the start.
pub(super) struct Plan {
    pub(super) units: Vec<PlannedUnit>,
    pub(super) constants: Box<[f32]>,
    pub(super) layout: Layout,
    pub(super) inputs_at: usize,
    pub(super) input_count: usize,
    pub(super) outputs_at: usize,
    pub(super) output_count: usize,
    pub(super) wires_at: usize,
    /// Floats of the Synth's own wires.
    pub(super) wire_floats: usize,
    /// Where the lent wires' stand-in starts.
    pub(super) stand_in_at: usize,
    /// Floats of wire buffers the lent wires need (the stand-in's size).
    pub(super) lent_floats: usize,
    /// The input and output wire table slots that point into the lent wires.
    pub(super) lent_inputs: Vec<LentInput>,
    /// The input wire table slots that read a control, with the control's index in
    /// `offset`; the controls must be at least `controls_read` long.
    pub(super) control_inputs: Vec<LentInput>,
    pub(super) controls_read: usize,
    pub(super) lent_outputs: Vec<(usize, usize)>,
    /// The local buses (`LocalIn`): their offset and length in floats.
    pub(super) local_at: usize,
    pub(super) local_floats: usize,
    /// Each unit's [`Finished`], in unit order.
    pub(super) finished_at: usize,
    pub(super) block_size: usize,
    /// Controls fed by `TrigControl`, which the engine resets after each block.
    pub(super) trigger_controls: Vec<usize>,
    /// The units that run every block (all but the scalar-rate ones), in order, with what
    /// their calls need side by side.
    pub(super) steps: Box<[Step]>,
}

/// One unit's call each block, as [`Plan::steps`] lists it.
pub(super) struct Step {
    pub(super) table: Arc<UGenTable>,
    /// Byte offset of the unit's state.
    pub(super) state: usize,
    /// Whether it computes a block of frames (audio rate) or one.
    pub(super) audio: bool,
    /// What the call reads, as byte offsets in the state, worked out once: the unit's
    /// first input and output wire, its [`Finished`], and the wire of its output's scale
    /// if a `*` is folded into it (0 if none: offset 0 is the header).
    pub(super) at: StepOffsets,
    /// The `Out` folded into the unit, if one is (see [`fold_out`]).
    pub(super) sums: Option<BusSums>,
}

/// The most outputs of a unit an `Out` folded into it writes.
pub(super) const MAX_BUS_SUMS: usize = oscine_plugin_api::FoldedOut::MAX_OUTPUTS;

/// An `Out` folded into the unit just before it, whose outputs it alone reads: the host
/// sums them into the buses itself, when the unit has run (or the unit does, into the bus
/// it takes, [`UnitIo::take_bus_sum`](oscine_plugin_api::UnitIo::take_bus_sum)), in place
/// of the `Out`'s call.
#[derive(Debug)]
pub(super) struct BusSums {
    /// Byte offset in the state of the `Out`'s first input's slot: the bus number.
    pub(super) bus: usize,
    /// Each output of the unit that the `Out` writes, with the bus it goes to, counted
    /// from the bus number.
    pub(super) outputs: Box<[(usize, usize)]>,
    /// Bit `i` for each output `i` in `outputs`: when the unit took all of these sums
    /// ([`UnitIo::taken_bus_sums`](oscine_plugin_api::UnitIo::taken_bus_sums)), the host
    /// has none left to add.
    pub(super) all: u8,
}

/// A [`Step`]'s parts as byte offsets in the state.
#[derive(Debug, Clone, Copy)]
pub(super) struct StepOffsets {
    pub(super) inputs: usize,
    pub(super) input_count: usize,
    pub(super) outputs: usize,
    pub(super) output_count: usize,
    pub(super) finished: usize,
    pub(super) scale: usize,
}

/// An input wire table slot that reads a lent wire (or a control).
#[derive(Debug, Clone, Copy)]
pub(super) struct LentInput {
    /// The slot in the input wire table.
    pub(super) slot: usize,
    /// The wire's offset in the lent wires, in floats.
    pub(super) offset: usize,
    /// The unit whose output it is.
    pub(super) from: usize,
}

/// What every graph Synth's state starts with.
pub(super) struct Header {
    /// Where the wire tables' lent wires point now: the host's wire buffers, or the
    /// stand-in (null until the first call).
    pub(super) lent_base: *mut f32,
    /// Where the wire tables' controls point now: the Synth's controls (null until the
    /// first call, when they point at a zero).
    pub(super) controls_base: *const f32,
    pub(super) rgen: Rgen,
    pub(super) initialized: bool,
    pub(super) faulted: bool,
    pub(super) done: bool,
}

impl Plan {
    /// Lays out `def` for an engine of `block_size` frames, with UGens from `ugen`.
    pub(super) fn new(
        def: &GraphDef,
        block_size: usize,
        ugen: &dyn Fn(&str) -> Option<Arc<UGenTable>>,
    ) -> Result<Plan, GraphError> {
        let too_large = |what| GraphError::TooLarge { def: def.name.clone(), what };
        let mut layout = Layout::new::<Header>();
        let mut wire_floats = 0usize;
        let last_readers = last_readers(def);
        let readings = readings(def);
        let smooth = smooth_readers(def);
        // For each `*` folded into the unit before it, that unit.
        let mut folded_into: Vec<Option<usize>> = vec![None; def.ugens.len()];
        let mut releases: Vec<Vec<usize>> = vec![Vec::new(); def.ugens.len()];
        let mut blocks = BlockColouring::default();
        let (mut lent_inputs, mut lent_outputs) = (Vec::new(), Vec::new());
        let (mut control_inputs, mut controls_read) = (Vec::new(), 0usize);
        let mut input_count = 0usize;
        let mut output_count = 0usize;
        let mut units: Vec<PlannedUnit> = Vec::with_capacity(def.ugens.len());
        for (index, spec) in def.ugens.iter().enumerate() {
            if spec.rate == Rate::Demand {
                return Err(GraphError::DemandRate { def: def.name.clone(), index, name: spec.name.clone() });
            }
            let table = ugen(&spec.name).ok_or_else(|| GraphError::UnknownUGen {
                def: def.name.clone(),
                index,
                name: spec.name.clone(),
            })?;
            let (with_state, state) = layout.extend(table.state_layout()).map_err(|_| too_large("unit states"))?;
            layout = with_state;
            let mut inputs = Vec::with_capacity(spec.inputs.len());
            let mut input_specs = Vec::with_capacity(spec.inputs.len());
            for input in &spec.inputs {
                match *input {
                    Input::Constant(c) => {
                        inputs.push(Source::Constant(c));
                        input_specs
                            .push(InputSpec { rate: Rate::Scalar, constant: def.constants.get(c as usize).copied() });
                    }
                    Input::UGen { ugen, output } => {
                        // The reader checked the reference: an earlier ugen, an output it has.
                        let (place, rate) = units[ugen as usize].outputs[output as usize];
                        let slot = LentInput { slot: input_count + inputs.len(), offset: 0, from: ugen as usize };
                        match place {
                            WirePlace::Lent(offset) => lent_inputs.push(LentInput { offset, ..slot }),
                            WirePlace::Control(k, _) => control_inputs.push(LentInput { offset: k, ..slot }),
                            WirePlace::Own(_) => {}
                        }
                        inputs.push(Source::Wire(place, rate, ugen as usize));
                        input_specs.push(InputSpec { rate, constant: None });
                    }
                }
            }
            // A `*` of this unit's output by a control-rate input becomes its output scale.
            let fold =
                if table.scales_output() { fold_target(def, &units, &readings, &last_readers, index) } else { None };
            let scale = fold.map(|(product, k)| {
                let source = match def.ugens[product].inputs[k] {
                    Input::Constant(c) => Source::Constant(c),
                    Input::UGen { ugen, output } => {
                        let (place, rate) = units[ugen as usize].outputs[output as usize];
                        if let WirePlace::Control(k, _) = place {
                            let slot = input_count + spec.inputs.len();
                            control_inputs.push(LentInput { slot, offset: k, from: ugen as usize });
                        }
                        Source::Wire(place, rate, ugen as usize)
                    }
                };
                folded_into[product] = Some(index);
                let input_spec = match source {
                    Source::Constant(c) => {
                        InputSpec { rate: Rate::Scalar, constant: def.constants.get(c as usize).copied() }
                    }
                    Source::Wire(_, rate, _) => InputSpec { rate, constant: None },
                };
                (source, input_spec)
            });
            // A control-rate `Control` whose controls the Synth has: its readers read them.
            let first_control = usize::try_from(spec.special_index).ok().filter(|&first| {
                spec.name == "Control"
                    && spec.rate == Rate::Control
                    && spec.outputs.iter().all(|&r| r == Rate::Control)
                    && first + spec.outputs.len() <= def.initial_values.len()
            });
            if let Some(first) = first_control {
                controls_read = controls_read.max(first + spec.outputs.len());
            }
            let mut outputs = Vec::with_capacity(spec.outputs.len());
            for (k, &rate) in spec.outputs.iter().enumerate() {
                let place = if let Some(first) = first_control {
                    let offset = wire_floats;
                    wire_floats = wire_floats.checked_add(1).ok_or_else(|| too_large("wires"))?;
                    WirePlace::Control(first + k, offset)
                } else if let Some(producer) = folded_into[index] {
                    // A folded `*`: its output is its producer's, which holds the product.
                    let (place, _) = units[producer].outputs[0];
                    if let WirePlace::Lent(offset) = place {
                        lent_outputs.push((output_count + k, offset));
                    }
                    place
                } else if rate == Rate::Audio && spec.rate == Rate::Audio {
                    let block = blocks.take();
                    // A unit whose output a folded `*` reads holds the product for the
                    // `*`'s readers.
                    let last = match fold {
                        Some((product, _)) => last_readers[product][0],
                        None => last_readers[index][k],
                    };
                    releases[last].push(block);
                    let offset = block.checked_mul(block_size).ok_or_else(|| too_large("wires"))?;
                    lent_outputs.push((output_count + k, offset));
                    WirePlace::Lent(offset)
                } else {
                    let len = if rate == Rate::Audio { block_size } else { 1 };
                    let offset = wire_floats;
                    wire_floats = wire_floats.checked_add(len).ok_or_else(|| too_large("wires"))?;
                    WirePlace::Own(offset)
                };
                outputs.push((place, rate));
            }
            // The blocks of wires whose last reader is this unit are free for later units
            // (only now that its outputs took theirs, so that none shares one with an input).
            for &block in &releases[index] {
                blocks.give_back(block);
            }
            units.push(PlannedUnit {
                table,
                name: spec.name.clone(),
                rate: spec.rate,
                special_index: spec.special_index,
                state,
                first_input: input_count,
                first_output: output_count,
                inputs,
                input_specs,
                output_rates: spec.outputs.clone(),
                outputs,
                skipped: folded_into[index].is_some() || first_control.is_some(),
                scale,
                smooth_readers: smooth[index],
            });
            input_count += spec.inputs.len() + usize::from(fold.is_some());
            output_count += spec.outputs.len();
        }
        // Each `Out` folded into the unit it writes: the unit, the `Out`, and what goes where.
        let mut sums: Vec<Option<FoldedOut>> = (0..units.len()).map(|_| None).collect();
        for out in 0..units.len() {
            if let Some((producer, folded)) = fold_out(def, &units, &readings, &folded_into, out) {
                if sums[producer].is_none() {
                    units[out].skipped = true;
                    sums[producer] = Some(folded);
                }
            }
        }
        let tables =
            |count: usize, item: Layout| Layout::from_size_align(item.size().checked_mul(count)?, item.align()).ok();
        let (layout, inputs_at) = tables(input_count, Layout::new::<Wire>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("inputs"))?;
        let (layout, outputs_at) = tables(output_count, Layout::new::<WireMut>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("outputs"))?;
        let lent_floats = blocks.count().checked_mul(block_size).ok_or_else(|| too_large("wires"))?;
        let (layout, wires_at) = tables(wire_floats, Layout::new::<f32>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("wires"))?;
        // One set of local buses per Synth, as wide as its LocalIn.
        let local_floats = def
            .ugens
            .iter()
            .filter(|u| u.name == "LocalIn")
            .map(|u| u.outputs.len() * if u.rate == Rate::Audio { block_size } else { 1 })
            .max()
            .unwrap_or(0);
        let (layout, local_at) = tables(local_floats, Layout::new::<f32>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("local buses"))?;
        let (layout, finished_at) = tables(units.len(), Layout::new::<Finished>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("units"))?;
        let (layout, stand_in_at) = tables(lent_floats, Layout::new::<f32>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("wires"))?;
        let trigger_controls = def
            .ugens
            .iter()
            .filter(|u| u.name == "TrigControl" && u.special_index >= 0)
            .flat_map(|u| (0..u.outputs.len()).map(move |k| u.special_index as usize + k))
            .collect();
        let steps = units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.rate != Rate::Scalar && !u.skipped)
            .map(|(index, u)| Step {
                table: Arc::clone(&u.table),
                state: u.state,
                audio: u.rate == Rate::Audio,
                at: StepOffsets {
                    inputs: inputs_at + u.first_input * std::mem::size_of::<Wire>(),
                    input_count: u.inputs.len(),
                    outputs: outputs_at + u.first_output * std::mem::size_of::<WireMut>(),
                    output_count: u.outputs.len(),
                    finished: finished_at + index * std::mem::size_of::<Finished>(),
                    scale: match u.scale {
                        Some(_) => inputs_at + (u.first_input + u.inputs.len()) * std::mem::size_of::<Wire>(),
                        None => 0,
                    },
                },
                sums: sums[index].take().map(|FoldedOut { out, outputs }| BusSums {
                    bus: inputs_at + units[out].first_input * std::mem::size_of::<Wire>(),
                    all: outputs.iter().fold(0, |all, &(output, _)| all | 1 << output),
                    outputs,
                }),
            })
            .collect();
        Ok(Plan {
            steps,
            units,
            constants: def.constants.clone().into_boxed_slice(),
            layout: layout.pad_to_align(),
            inputs_at,
            input_count,
            outputs_at,
            output_count,
            wires_at,
            stand_in_at,
            wire_floats,
            lent_floats,
            lent_inputs,
            lent_outputs,
            control_inputs,
            controls_read,
            local_at,
            local_floats,
            finished_at,
            block_size,
            trigger_controls,
        })
    }

    /// The spec unit `u` is built from.
    pub(super) fn spec<'a>(&'a self, unit: &'a PlannedUnit, sample_rate: f64) -> UnitSpec<'a> {
        UnitSpec {
            name: &unit.name,
            rate: unit.rate,
            special_index: unit.special_index,
            inputs: &unit.input_specs,
            outputs: &unit.output_rates,
            sample_rate,
            block_size: self.block_size,
            scale: unit.scale.map(|(_, spec)| spec),
            smooth_readers: unit.smooth_readers,
        }
    }
}

/// Whether the output of unit `index` (an audio-rate unit whose UGen can scale its
/// output) can take in the `*` that reads it, and if so that `*`'s unit and the index of
/// its other input, the scale. It can when the unit has one audio-rate output, read by
/// nothing but that `*` (a `BinaryOpUGen` of operator 2 at audio rate), whose other input
/// is a constant or a control- or scalar-rate wire written before the unit runs: then the
/// unit computing the product itself gives every reader the same values, and nothing
/// reads the unscaled output in between.
fn fold_target(
    def: &GraphDef,
    units: &[PlannedUnit],
    readings: &[Vec<usize>],
    last_readers: &[Vec<usize>],
    index: usize,
) -> Option<(usize, usize)> {
    let spec = &def.ugens[index];
    if spec.rate != Rate::Audio || spec.outputs != [Rate::Audio] || readings[index][0] != 1 {
        return None;
    }
    let product = last_readers[index][0];
    let p = def.ugens.get(product).filter(|_| product > index)?;
    if p.name != "BinaryOpUGen" || p.special_index != 2 || p.rate != Rate::Audio || p.outputs != [Rate::Audio] {
        return None;
    }
    let this = Input::UGen { ugen: index as u32, output: 0 };
    let other = match p.inputs.as_slice() {
        [a, b] if *a == this && *b != this => 1,
        [a, b] if *b == this && *a != this => 0,
        _ => return None,
    };
    match p.inputs[other] {
        Input::Constant(_) => Some((product, other)),
        Input::UGen { ugen, output } if (ugen as usize) < index => {
            let (place, rate) = units[ugen as usize].outputs[output as usize];
            (rate != Rate::Audio && !matches!(place, WirePlace::Lent(_))).then_some((product, other))
        }
        Input::UGen { .. } => None,
    }
}

/// Whether unit `out` is an `Out.ar` that can be folded into the unit that writes its
/// channels, and if so that unit and, for each channel, the unit's output and the bus it
/// goes to ([`FoldedOut`]). It can when every channel is an output of one
/// audio-rate unit (or of a `*` folded into it), read by nothing but this `Out`, the unit
/// runs just before the `Out` (only units that never run each block lie between, so
/// nothing reads or writes a bus in between), it has at most [`MAX_BUS_SUMS`] outputs, and
/// the bus number is a constant or written before the unit runs: then summing the unit's
/// outputs into the buses right after it runs is what the `Out` would have done.
fn fold_out(
    def: &GraphDef,
    units: &[PlannedUnit],
    readings: &[Vec<usize>],
    folded_into: &[Option<usize>],
    out: usize,
) -> Option<(usize, FoldedOut)> {
    let spec = &def.ugens[out];
    if spec.name != "Out" || spec.rate != Rate::Audio || spec.inputs.len() < 2 {
        return None;
    }
    let mut producer = None;
    let mut outputs = Vec::with_capacity(spec.inputs.len() - 1);
    for (channel, input) in spec.inputs[1..].iter().enumerate() {
        let Input::UGen { ugen, output } = *input else { return None };
        let (ugen, output) = (ugen as usize, output as usize);
        if readings[ugen][output] != 1 || units[ugen].outputs[output].1 != Rate::Audio {
            return None;
        }
        // A folded `*`'s output is its producer's only one.
        let (from, output) = match folded_into[ugen] {
            Some(p) => (p, 0),
            None => (ugen, output),
        };
        if *producer.get_or_insert(from) != from {
            return None;
        }
        outputs.push((output, channel));
    }
    let producer = producer?;
    let unit = &units[producer];
    let between_idle = units[producer + 1..out].iter().all(|u| u.skipped || u.rate == Rate::Scalar);
    let bus_ready = match spec.inputs[0] {
        Input::Constant(_) => true,
        Input::UGen { ugen, .. } => (ugen as usize) < producer,
    };
    (unit.rate == Rate::Audio && !unit.skipped && unit.outputs.len() <= MAX_BUS_SUMS && between_idle && bus_ready)
        .then(|| (producer, FoldedOut { out, outputs: outputs.into_boxed_slice() }))
}

/// An `Out` [`fold_out`] folds into a unit: its index, and each of the unit's outputs it
/// writes with the bus it goes to, counted from the bus number.
struct FoldedOut {
    out: usize,
    outputs: Box<[(usize, usize)]>,
}

/// For each unit, whether it has readers and every input that reads one of its outputs
/// passes the value on to a bus smoothly ([`UnitSpec::smooth_readers`]): an `Out`,
/// `ReplaceOut` or `OffsetOut` reading it as a signal (not as the bus number), an `XOut`
/// as a signal or its crossfade, or a `BinaryOpUGen` `+`, `-` or `*`, a `MulAdd`, a `Sum3`,
/// a `Sum4`, a `Pan2` or a `LinPan2` whose own outputs do so. Readers come after what they
/// read in a def, so one pass from the end settles every unit.
fn smooth_readers(def: &GraphDef) -> Vec<bool> {
    let mut smooth = vec![false; def.ugens.len()];
    // Whether some input reads the unit, and whether every one that does is smooth.
    let mut read = vec![false; def.ugens.len()];
    let mut all_smooth = vec![true; def.ugens.len()];
    for reader in (0..def.ugens.len()).rev() {
        smooth[reader] = read[reader] && all_smooth[reader];
        let spec = &def.ugens[reader];
        let signals_from = match spec.name.as_str() {
            "Out" | "ReplaceOut" | "OffsetOut" | "XOut" => Some(1),
            "BinaryOpUGen" if matches!(spec.special_index, 0..=2) => smooth[reader].then_some(0),
            "MulAdd" | "Sum3" | "Sum4" | "Pan2" | "LinPan2" => smooth[reader].then_some(0),
            _ => None,
        };
        for (k, input) in spec.inputs.iter().enumerate() {
            if let Input::UGen { ugen, .. } = *input {
                let Some(read_one) = read.get_mut(ugen as usize) else { continue };
                *read_one = true;
                if signals_from.is_none_or(|first| k < first) {
                    all_smooth[ugen as usize] = false;
                }
            }
        }
    }
    smooth
}

/// For each unit, for each of its outputs, how many inputs read it.
fn readings(def: &GraphDef) -> Vec<Vec<usize>> {
    let mut count: Vec<Vec<usize>> = def.ugens.iter().map(|spec| vec![0; spec.outputs.len()]).collect();
    for spec in &def.ugens {
        for input in &spec.inputs {
            if let Input::UGen { ugen, output } = *input {
                if let Some(c) = count.get_mut(ugen as usize).and_then(|outputs| outputs.get_mut(output as usize)) {
                    *c += 1;
                }
            }
        }
    }
    count
}

/// For each unit, for each of its outputs, the index of the last unit that reads it (the
/// unit itself when none does).
fn last_readers(def: &GraphDef) -> Vec<Vec<usize>> {
    let mut last: Vec<Vec<usize>> = def.ugens.iter().enumerate().map(|(u, spec)| vec![u; spec.outputs.len()]).collect();
    for (reader, spec) in def.ugens.iter().enumerate() {
        for input in &spec.inputs {
            if let Input::UGen { ugen, output } = *input {
                // The reader checked the reference: an earlier ugen, an output it has.
                if let Some(l) = last.get_mut(ugen as usize).and_then(|outputs| outputs.get_mut(output as usize)) {
                    *l = (*l).max(reader);
                }
            }
        }
    }
    last
}

/// Hands out blocks of the lent wires, numbered from 0: a block given back is taken again
/// before a new one is added, the lowest first.
#[derive(Debug, Default)]
struct BlockColouring {
    free: Vec<usize>,
    count: usize,
}

impl BlockColouring {
    /// A block no live wire holds.
    fn take(&mut self) -> usize {
        match self.free.iter().enumerate().min_by_key(|&(_, &b)| b) {
            Some((at, _)) => self.free.swap_remove(at),
            None => {
                self.count += 1;
                self.count - 1
            }
        }
    }

    /// Frees `block` for later wires.
    fn give_back(&mut self, block: usize) {
        self.free.push(block);
    }

    /// How many blocks were ever taken at once.
    fn count(&self) -> usize {
        self.count
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oscine_plugin_api::{PluginError, Rate, UGen, UGenTable, Unit, UnitIo, UnitSpec};

    use super::{smooth_readers, Plan, Source, WirePlace, MAX_BUS_SUMS};
    use crate::scgf::{GraphDef, Input, UGenSpec};

    /// A UGen that builds for any graph and computes nothing.
    struct Any;
    struct AnyUnit;
    impl UGen for Any {
        type Unit = AnyUnit;
        fn build(&self, _: &UnitSpec<'_>) -> Result<AnyUnit, PluginError> {
            Ok(AnyUnit)
        }
    }
    impl Unit for AnyUnit {
        fn next(&mut self, _: &mut UnitIo<'_, '_>) {}
    }

    fn unit(rate: Rate, inputs: &[(u32, u32)], outputs: usize) -> UGenSpec {
        UGenSpec {
            name: "Any".into(),
            rate,
            special_index: 0,
            inputs: inputs.iter().map(|&(ugen, output)| Input::UGen { ugen, output }).collect(),
            outputs: vec![rate; outputs],
        }
    }

    fn plan(ugens: Vec<UGenSpec>) -> Plan {
        let def = GraphDef {
            name: "test".into(),
            constants: vec![],
            initial_values: vec![],
            parameter_names: vec![],
            ugens,
            variants: vec![],
        };
        let table = Arc::new(UGenTable::new("Any", Any));
        Plan::new(&def, 64, &|_| Some(Arc::clone(&table))).unwrap()
    }

    /// The units the plan runs each block.
    fn step_units(p: &Plan) -> Vec<usize> {
        let flag = std::mem::size_of::<oscine_plugin_api::Finished>();
        p.steps.iter().map(|s| (s.at.finished - p.finished_at) / flag).collect()
    }

    fn lent(place: WirePlace) -> usize {
        match place {
            WirePlace::Lent(offset) => offset / 64,
            WirePlace::Own(_) | WirePlace::Control(..) => panic!("not a lent wire"),
        }
    }

    #[test]
    fn a_chain_of_audio_units_takes_two_blocks_of_the_lent_wires() {
        // 0 → 1 → 2 → 3: each unit's output takes a block its input does not hold.
        let p = plan(vec![
            unit(Rate::Audio, &[], 1),
            unit(Rate::Audio, &[(0, 0)], 1),
            unit(Rate::Audio, &[(1, 0)], 1),
            unit(Rate::Audio, &[(2, 0)], 1),
        ]);
        let blocks: Vec<usize> = p.units.iter().map(|u| lent(u.outputs[0].0)).collect();
        assert_eq!(blocks, [0, 1, 0, 1]);
        assert_eq!((p.lent_floats, p.wire_floats), (2 * 64, 0));
    }

    #[test]
    fn a_wire_keeps_its_block_until_its_last_reader_has_run() {
        // Unit 0 is read by units 1 and 3, so units 1 and 2 cannot take its block.
        let p = plan(vec![
            unit(Rate::Audio, &[], 1),
            unit(Rate::Audio, &[(0, 0)], 1),
            unit(Rate::Audio, &[(1, 0)], 1),
            unit(Rate::Audio, &[(2, 0), (0, 0)], 2),
        ]);
        let blocks: Vec<Vec<usize>> = p.units.iter().map(|u| u.outputs.iter().map(|o| lent(o.0)).collect()).collect();
        assert_eq!(blocks, [vec![0], vec![1], vec![2], vec![1, 3]]);
        let Source::Wire(place, Rate::Audio, 0) = p.units[3].inputs[1] else { panic!("not unit 0's wire") };
        assert_eq!(lent(place), 0);
        assert_eq!(p.lent_floats, 4 * 64);
        assert_eq!((p.lent_inputs.len(), p.lent_outputs.len()), (4, 5));
    }

    /// A plan of `ugens` whose `Any` UGen can scale its output, with the `BinaryOpUGen`s
    /// of the graph as `Any` too.
    fn scaling_plan(ugens: Vec<UGenSpec>) -> Plan {
        let def = GraphDef {
            name: "test".into(),
            constants: vec![0.5],
            initial_values: vec![],
            parameter_names: vec![],
            ugens,
            variants: vec![],
        };
        let table = Arc::new(UGenTable::new("Any", Any).with_output_scale());
        Plan::new(&def, 64, &|_| Some(Arc::clone(&table))).unwrap()
    }

    fn times(a: Input, b: Input) -> UGenSpec {
        UGenSpec {
            name: "BinaryOpUGen".into(),
            rate: Rate::Audio,
            special_index: 2,
            inputs: vec![a, b],
            outputs: vec![Rate::Audio],
        }
    }

    #[test]
    fn a_multiply_by_a_control_is_folded_into_the_unit_whose_output_only_it_reads() {
        let osc = Input::UGen { ugen: 1, output: 0 };
        let amp = Input::UGen { ugen: 0, output: 0 };
        let p = scaling_plan(vec![
            unit(Rate::Control, &[], 1),
            unit(Rate::Audio, &[], 1),
            times(osc, amp),
            unit(Rate::Audio, &[(2, 0)], 1),
        ]);
        let (oscillator, product) = (&p.units[1], &p.units[2]);
        assert!(product.skipped && !oscillator.skipped);
        assert!(matches!(oscillator.scale, Some((Source::Wire(WirePlace::Own(0), Rate::Control, 0), _))));
        assert_eq!(product.outputs[0].0, oscillator.outputs[0].0);
        // The product's reader takes the other block; the folded unit never runs.
        assert_eq!(lent(p.units[3].outputs[0].0), 1 - lent(oscillator.outputs[0].0));
        assert_eq!(step_units(&p), [0, 1, 3]);
        let slot = oscillator.first_input + oscillator.inputs.len();
        assert_eq!(p.steps[1].at.scale, p.inputs_at + slot * std::mem::size_of::<oscine_plugin_api::Wire>());
        assert_eq!(p.steps[0].at.scale, 0);
        // A constant scale, on the left.
        let p = scaling_plan(vec![
            unit(Rate::Audio, &[], 1),
            times(Input::Constant(0), Input::UGen { ugen: 0, output: 0 }),
        ]);
        assert!(p.units[1].skipped && matches!(p.units[0].scale, Some((Source::Constant(0), _))));
    }

    #[test]
    fn a_multiply_stays_a_unit_when_anything_else_reads_its_input_or_its_scale_is_audio_rate() {
        let osc = Input::UGen { ugen: 1, output: 0 };
        // The oscillator read twice.
        let p = scaling_plan(vec![
            unit(Rate::Control, &[], 1),
            unit(Rate::Audio, &[], 1),
            times(osc, Input::UGen { ugen: 0, output: 0 }),
            unit(Rate::Audio, &[(1, 0)], 1),
        ]);
        assert!(p.units.iter().all(|u| !u.skipped && u.scale.is_none()));
        // An audio-rate scale.
        let p = scaling_plan(vec![
            unit(Rate::Audio, &[], 1),
            unit(Rate::Audio, &[], 1),
            times(osc, Input::UGen { ugen: 0, output: 0 }),
        ]);
        assert!(p.units.iter().all(|u| !u.skipped && u.scale.is_none()));
        // A scale written after the oscillator runs.
        let p = scaling_plan(vec![
            unit(Rate::Audio, &[], 1),
            unit(Rate::Control, &[], 1),
            times(Input::UGen { ugen: 0, output: 0 }, Input::UGen { ugen: 1, output: 0 }),
        ]);
        assert!(p.units.iter().all(|u| !u.skipped && u.scale.is_none()));
    }

    /// `Out.ar(bus, channels)`: its bus number and channels as inputs.
    fn out(bus: Input, channels: &[(u32, u32)]) -> UGenSpec {
        let mut inputs = vec![bus];
        inputs.extend(channels.iter().map(|&(ugen, output)| Input::UGen { ugen, output }));
        UGenSpec { name: "Out".into(), rate: Rate::Audio, special_index: 0, inputs, outputs: vec![] }
    }

    /// What each step's folded `Out` writes: the unit, and its outputs with their buses.
    fn bus_sums(p: &Plan) -> Vec<(usize, Vec<(usize, usize)>)> {
        step_units(p)
            .into_iter()
            .zip(&p.steps)
            .filter_map(|(u, s)| Some((u, s.sums.as_ref()?.outputs.to_vec())))
            .collect()
    }

    #[test]
    fn an_out_is_folded_into_the_unit_just_before_it_whose_outputs_only_it_reads() {
        let bus = Input::UGen { ugen: 0, output: 0 };
        // A pan's two outputs, swapped, to a bus a control sets; a scalar unit between.
        let p = plan(vec![
            unit(Rate::Control, &[], 1),
            unit(Rate::Audio, &[], 2),
            unit(Rate::Scalar, &[], 1),
            out(bus, &[(1, 1), (1, 0)]),
        ]);
        assert!(p.units[3].skipped);
        assert_eq!(bus_sums(&p), [(1, vec![(1, 0), (0, 1)])]);
        let wire = std::mem::size_of::<oscine_plugin_api::Wire>();
        assert_eq!(p.steps[1].sums.as_ref().unwrap().bus, p.inputs_at + p.units[3].first_input * wire);
        assert_eq!(step_units(&p), [0, 1]);
        // Through a `*` folded into the oscillator, to a constant bus.
        let p = scaling_plan(vec![
            unit(Rate::Control, &[], 1),
            unit(Rate::Audio, &[], 1),
            times(Input::UGen { ugen: 1, output: 0 }, Input::UGen { ugen: 0, output: 0 }),
            out(Input::Constant(0), &[(2, 0)]),
        ]);
        assert!(p.units[2].skipped && p.units[3].skipped);
        assert_eq!(bus_sums(&p), [(1, vec![(0, 0)])]);
    }

    #[test]
    fn an_out_stays_a_unit_when_anything_could_see_the_buses_change_or_reads_its_channels() {
        let bus = Input::UGen { ugen: 0, output: 0 };
        let cases = [
            // A unit that runs each block between the writer and the `Out`.
            vec![
                unit(Rate::Control, &[], 1),
                unit(Rate::Audio, &[], 1),
                unit(Rate::Control, &[], 1),
                out(bus, &[(1, 0)]),
            ],
            // The channel read by something else too.
            vec![
                unit(Rate::Control, &[], 1),
                unit(Rate::Audio, &[], 1),
                unit(Rate::Audio, &[(1, 0)], 1),
                out(bus, &[(1, 0)]),
            ],
            // One output on two channels.
            vec![unit(Rate::Control, &[], 1), unit(Rate::Audio, &[], 1), out(bus, &[(1, 0), (1, 0)])],
            // Channels from two units.
            vec![
                unit(Rate::Control, &[], 1),
                unit(Rate::Audio, &[], 1),
                unit(Rate::Audio, &[], 1),
                out(bus, &[(1, 0), (2, 0)]),
            ],
            // The bus number written by the channels' own unit.
            vec![unit(Rate::Audio, &[], 2), out(Input::UGen { ugen: 0, output: 1 }, &[(0, 0)])],
            // A control-rate channel.
            vec![unit(Rate::Control, &[], 1), out(Input::Constant(0), &[(0, 0)])],
            // More outputs than a fold takes.
            vec![unit(Rate::Audio, &[], MAX_BUS_SUMS + 1), out(Input::Constant(0), &[(0, 0)])],
        ];
        for (k, ugens) in cases.into_iter().enumerate() {
            let def = GraphDef {
                name: "test".into(),
                constants: vec![0.0],
                initial_values: vec![],
                parameter_names: vec![],
                ugens,
                variants: vec![],
            };
            let table = Arc::new(UGenTable::new("Any", Any));
            let p = Plan::new(&def, 64, &|_| Some(Arc::clone(&table))).unwrap();
            assert!(bus_sums(&p).is_empty() && !p.units.last().unwrap().skipped, "case {k}");
        }
    }

    #[test]
    fn a_control_rate_control_is_read_where_the_synth_keeps_its_controls() {
        let control = |rate: Rate| UGenSpec {
            name: "Control".into(),
            rate,
            special_index: 1,
            inputs: vec![],
            outputs: vec![rate; 2],
        };
        let def = |ugens| GraphDef {
            name: "test".into(),
            constants: vec![],
            initial_values: vec![0.0; 3],
            parameter_names: vec![],
            ugens,
            variants: vec![],
        };
        let table = Arc::new(UGenTable::new("Any", Any));
        let p = Plan::new(&def(vec![control(Rate::Control), unit(Rate::Audio, &[(0, 1), (0, 0)], 1)]), 64, &|_| {
            Some(Arc::clone(&table))
        })
        .unwrap();
        assert!(p.units[0].skipped);
        assert!(matches!(p.units[0].outputs[..], [(WirePlace::Control(1, _), _), (WirePlace::Control(2, _), _)]));
        let read: Vec<(usize, usize)> = p.control_inputs.iter().map(|i| (i.slot, i.offset)).collect();
        assert_eq!((read, p.controls_read), (vec![(0, 2), (1, 1)], 3));
        assert_eq!(step_units(&p), [1]);
        // A scalar-rate one keeps the values the Synth started with; it runs once.
        let p = Plan::new(&def(vec![control(Rate::Scalar)]), 64, &|_| Some(Arc::clone(&table))).unwrap();
        assert!(!p.units[0].skipped && p.control_inputs.is_empty());
    }

    #[test]
    fn control_and_scalar_wires_stay_in_the_synth() {
        let p =
            plan(vec![unit(Rate::Scalar, &[], 1), unit(Rate::Control, &[(0, 0)], 2), unit(Rate::Audio, &[(1, 1)], 1)]);
        assert_eq!(p.units[0].outputs[0].0, WirePlace::Own(0));
        assert_eq!(p.units[1].outputs.iter().map(|o| o.0).collect::<Vec<_>>(), [WirePlace::Own(1), WirePlace::Own(2)]);
        assert_eq!(p.units[2].outputs[0].0, WirePlace::Lent(0));
        assert_eq!((p.wire_floats, p.lent_floats), (3, 64));
    }

    #[test]
    fn readers_are_smooth_when_only_sums_products_and_pans_lead_to_an_out() {
        let named = |name: &str, special_index: i16, inputs: &[Input], outputs: usize| UGenSpec {
            name: name.into(),
            rate: Rate::Audio,
            special_index,
            inputs: inputs.to_vec(),
            outputs: vec![Rate::Audio; outputs],
        };
        let of = |ugen: u32| Input::UGen { ugen, output: 0 };
        let bus = Input::Constant(0);
        let def = |ugens: Vec<UGenSpec>| GraphDef {
            name: "test".into(),
            constants: vec![0.0],
            initial_values: vec![],
            parameter_names: vec![],
            ugens,
            variants: vec![],
        };
        // Out.ar(0, Pan2.ar(osc * 0.5 + osc2)): both oscillators, the product and the sum.
        let smooth = smooth_readers(&def(vec![
            unit(Rate::Audio, &[], 1),
            unit(Rate::Audio, &[], 1),
            named("BinaryOpUGen", 2, &[of(0), bus], 1),
            named("MulAdd", 0, &[of(2), bus, of(1)], 1),
            named("Pan2", 0, &[of(3), bus, bus], 2),
            named("Out", 0, &[bus, of(4), Input::UGen { ugen: 4, output: 1 }], 0),
        ]));
        assert_eq!(smooth, [true, true, true, true, true, false]);
        // A floor on the way, a comparison, a unit read as the bus number, or a unit nothing
        // reads: not smooth (the floor's and the comparison's own outputs are).
        let smooth = smooth_readers(&def(vec![
            unit(Rate::Audio, &[], 1),
            named("UnaryOpUGen", 19, &[of(0)], 1),
            named("Out", 0, &[bus, of(1)], 0),
            unit(Rate::Audio, &[], 1),
            named("BinaryOpUGen", 6, &[of(3), bus], 1),
            named("Out", 0, &[bus, of(4)], 0),
            unit(Rate::Audio, &[], 1),
            named("Out", 0, &[of(6), bus], 0),
            unit(Rate::Audio, &[], 1),
        ]));
        assert_eq!(smooth, [false, true, false, false, true, false, false, false, false]);
        // One reader that is not smooth is enough, even beside an Out.
        let smooth = smooth_readers(&def(vec![
            unit(Rate::Audio, &[], 1),
            named("Out", 0, &[bus, of(0)], 0),
            named("Poll", 0, &[bus, of(0)], 1),
        ]));
        assert!(!smooth[0]);
    }
}
