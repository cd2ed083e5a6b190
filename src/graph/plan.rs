//! The layout of a graph Synth: where each unit's state and each wire goes in the Synth's
//! one allocation, and what feeds each input. Context: NRT.

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

/// Where one input reads from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source {
    /// A constant of the def.
    Constant(u32),
    /// A wire of the Synth: its offset in floats from the wires' start, its rate, and the
    /// index of the unit whose output it is.
    Wire(usize, Rate, usize),
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
    /// Offset (in floats) and rate of each output wire.
    pub(super) outputs: Vec<(usize, Rate)>,
    pub(super) output_rates: Vec<Rate>,
    /// Index of the unit's first input in the Synth's input wire table.
    pub(super) first_input: usize,
    /// Index of the unit's first output in the Synth's output wire table.
    pub(super) first_output: usize,
}

/// The layout of one graph Synth's state:
///
/// ```text
/// [Header][unit states, each aligned][input wire table][output wire table][wires: f32]
/// [local buses: f32][one Finished per unit]
/// ```
pub(super) struct Plan {
    pub(super) units: Vec<PlannedUnit>,
    pub(super) constants: Box<[f32]>,
    pub(super) layout: Layout,
    pub(super) inputs_at: usize,
    pub(super) input_count: usize,
    pub(super) outputs_at: usize,
    pub(super) output_count: usize,
    pub(super) wires_at: usize,
    pub(super) wire_floats: usize,
    /// The local buses (`LocalIn`): their offset and length in floats.
    pub(super) local_at: usize,
    pub(super) local_floats: usize,
    /// Each unit's [`Finished`], in unit order.
    pub(super) finished_at: usize,
    pub(super) block_size: usize,
    /// Controls fed by `TrigControl`, which the engine resets after each block.
    pub(super) trigger_controls: Vec<usize>,
}

/// What every graph Synth's state starts with.
pub(super) struct Header {
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
                        let (offset, rate) = units[ugen as usize].outputs[output as usize];
                        inputs.push(Source::Wire(offset, rate, ugen as usize));
                        input_specs.push(InputSpec { rate, constant: None });
                    }
                }
            }
            let mut outputs = Vec::with_capacity(spec.outputs.len());
            for &rate in &spec.outputs {
                outputs.push((wire_floats, rate));
                let len = if rate == Rate::Audio { block_size } else { 1 };
                wire_floats = wire_floats.checked_add(len).ok_or_else(|| too_large("wires"))?;
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
            });
            input_count += spec.inputs.len();
            output_count += spec.outputs.len();
        }
        let tables =
            |count: usize, item: Layout| Layout::from_size_align(item.size().checked_mul(count)?, item.align()).ok();
        let (layout, inputs_at) = tables(input_count, Layout::new::<Wire>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("inputs"))?;
        let (layout, outputs_at) = tables(output_count, Layout::new::<WireMut>())
            .and_then(|t| layout.extend(t).ok())
            .ok_or_else(|| too_large("outputs"))?;
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
        let trigger_controls = def
            .ugens
            .iter()
            .filter(|u| u.name == "TrigControl" && u.special_index >= 0)
            .flat_map(|u| (0..u.outputs.len()).map(move |k| u.special_index as usize + k))
            .collect();
        Ok(Plan {
            units,
            constants: def.constants.clone().into_boxed_slice(),
            layout: layout.pad_to_align(),
            inputs_at,
            input_count,
            outputs_at,
            output_count,
            wires_at,
            wire_floats,
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
        }
    }
}
