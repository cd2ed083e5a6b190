//! What a SynthDef file holds: defs, their parameters, ugens and variants.

use oscine_plugin_api::Rate;

/// A whole SynthDef file.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthDefFile {
    /// The format version it was written in: 1 (16-bit counts) or 2 (32-bit counts).
    pub version: u32,
    /// Every def in file order, duplicates included: the file format allows two defs of
    /// one name, and whoever installs them in order has the later replace the earlier, as
    /// scsynth does.
    pub defs: Vec<GraphDef>,
}

/// One SynthDef: a graph of ugens with named parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphDef {
    /// The def's name, which `/s_new` names it by.
    pub name: String,
    /// The constant inputs, which [`Input::Constant`] indexes.
    pub constants: Vec<f32>,
    /// The default of each parameter (control value), in index order.
    pub initial_values: Vec<f32>,
    /// The parameter names as written: each names the parameter at its index and, for an
    /// array control, the ones after it (see [`GraphDef::controls`]).
    pub parameter_names: Vec<ParameterName>,
    /// The ugens in the order they run; each reads only ugens before it.
    pub ugens: Vec<UGenSpec>,
    /// Named alternative sets of defaults.
    pub variants: Vec<Variant>,
}

/// A parameter's name and where its values start.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterName {
    /// The name, which `/s_new` and `/n_set` set it by.
    pub name: String,
    /// Its first value's index into [`GraphDef::initial_values`].
    pub index: u32,
}

/// One ugen of a def.
#[derive(Debug, Clone, PartialEq)]
pub struct UGenSpec {
    /// The ugen's class name, which names the plugin ugen that computes it.
    pub name: String,
    /// The rate it computes at.
    pub rate: Rate,
    /// A class-specific number, such as a BinaryOpUGen's operator.
    pub special_index: i16,
    /// What feeds each input.
    pub inputs: Vec<Input>,
    /// The rate of each output.
    pub outputs: Vec<Rate>,
}

/// What feeds a ugen input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Input {
    /// A constant: its index into [`GraphDef::constants`].
    Constant(u32),
    /// An output of an earlier ugen: its index into [`GraphDef::ugens`] and its output index.
    UGen {
        /// The ugen's index.
        ugen: u32,
        /// Which of its outputs.
        output: u32,
    },
}

/// A named set of defaults for a def's parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The variant's name; scsynth exposes it as the def `name.variant`.
    pub name: String,
    /// A value for each parameter, in index order, like [`GraphDef::initial_values`].
    pub values: Vec<f32>,
}

impl GraphDef {
    /// The parameter names in index order with how many values each covers: a name covers
    /// the values from its index to the next name's index, or to the end (sclang writes one
    /// name per array control). Names sharing an index cover nothing but the last of them.
    ///
    /// ```
    /// let def = oscine::scgf::GraphDef {
    ///     name: "chord".into(),
    ///     constants: vec![],
    ///     initial_values: vec![0.2, 220.0, 277.2, 329.6],
    ///     parameter_names: vec![
    ///         oscine::scgf::ParameterName { name: "freqs".into(), index: 1 },
    ///         oscine::scgf::ParameterName { name: "amp".into(), index: 0 },
    ///     ],
    ///     ugens: vec![],
    ///     variants: vec![],
    /// };
    /// assert_eq!(
    ///     def.controls(),
    ///     vec![("amp".to_string(), 0, 1), ("freqs".to_string(), 1, 3)]
    /// );
    /// ```
    pub fn controls(&self) -> Vec<(String, u32, u32)> {
        let mut names: Vec<&ParameterName> = self.parameter_names.iter().collect();
        names.sort_by_key(|name| name.index);
        let end = u32::try_from(self.initial_values.len()).unwrap_or(u32::MAX);
        names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let next = names.get(i + 1).map_or(end, |next| next.index);
                let count = next.max(name.index) - name.index;
                (name.name.clone(), name.index, count)
            })
            .collect()
    }

    /// The def with the variant's values as its defaults, named `name.variant` (how scsynth
    /// exposes variants), and with no variants of its own. Should the variant have fewer
    /// values than the def has parameters (never so for one read from a file), the rest
    /// keep their defaults; extra values are ignored.
    pub fn with_variant(&self, variant: &Variant) -> GraphDef {
        let mut initial_values = self.initial_values.clone();
        for (value, new) in initial_values.iter_mut().zip(&variant.values) {
            *value = *new;
        }
        GraphDef {
            name: format!("{}.{}", self.name, variant.name),
            constants: self.constants.clone(),
            initial_values,
            parameter_names: self.parameter_names.clone(),
            ugens: self.ugens.clone(),
            variants: Vec::new(),
        }
    }
}
