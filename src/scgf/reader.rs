//! Parsing SynthDef files: a bounds-checked cursor over the bytes and the format's layout.

use oscine_plugin_api::Rate;

use super::error::{DefId, Problem, ScgfError};
use super::model::{GraphDef, Input, ParameterName, SynthDefFile, UGenSpec, Variant};

/// Reads a SynthDef file (`.scsyndef`, or the bytes of a `/d_recv`): version 1 or 2, any
/// number of defs, zero included.
///
/// Every count is checked against the bytes left before anything is allocated for it, and
/// every reference is checked: a ugen input must read an earlier ugen's existing output or
/// an existing constant, and a parameter name must index an existing parameter. Names must
/// be UTF-8 (sclang writes ASCII). Bytes after the last def are refused.
pub fn read_synthdefs(bytes: &[u8]) -> Result<SynthDefFile, ScgfError> {
    let mut parser = Parser { bytes, pos: 0, wide: true, def: None };
    let magic = parser.take(4, &|| "file type id".into())?;
    if magic != b"SCgf" {
        return Err(parser.fail(Problem::BadMagic(magic.to_vec()), 0));
    }
    let version_at = parser.pos;
    let version = parser.i32(&|| "file version".into())?;
    if version != 1 && version != 2 {
        return Err(parser.fail(Problem::UnsupportedVersion(version), version_at));
    }
    parser.wide = version == 2;
    // The smallest def: an empty name, four zero counts and a zero variant count.
    let smallest_def = 1 + 4 * parser.int_size() + 2;
    let count = parser.count16(&|| "synthdef count".into(), smallest_def)?;
    let mut defs = Vec::with_capacity(count);
    for position in 0..count {
        parser.def = Some(DefId::Position(position));
        defs.push(parser.graph_def()?);
    }
    parser.def = None;
    let left = bytes.len() - parser.pos;
    if left > 0 {
        return Err(parser.fail(Problem::TrailingBytes(left), parser.pos));
    }
    Ok(SynthDefFile { version: version as u32, defs })
}

/// A field's description, made only when an error names it.
type Field<'f> = &'f dyn Fn() -> String;

struct Parser<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Version 2: 32-bit counts and indices; version 1: 16-bit.
    wide: bool,
    /// The def being read, for errors.
    def: Option<DefId>,
}

impl<'a> Parser<'a> {
    fn fail(&self, problem: Problem, offset: usize) -> ScgfError {
        ScgfError::new(self.def.clone(), problem, offset)
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, field: Field) -> Result<&'a [u8], ScgfError> {
        let left = self.left();
        if n > left {
            let problem = Problem::Truncated { field: field(), needed: n, left };
            return Err(self.fail(problem, self.pos));
        }
        let taken = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, field: Field) -> Result<[u8; N], ScgfError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(N, field)?);
        Ok(array)
    }

    fn i8(&mut self, field: Field) -> Result<i8, ScgfError> {
        Ok(i8::from_be_bytes(self.array(field)?))
    }

    fn i16(&mut self, field: Field) -> Result<i16, ScgfError> {
        Ok(i16::from_be_bytes(self.array(field)?))
    }

    fn i32(&mut self, field: Field) -> Result<i32, ScgfError> {
        Ok(i32::from_be_bytes(self.array(field)?))
    }

    fn f32(&mut self, field: Field) -> Result<f32, ScgfError> {
        Ok(f32::from_be_bytes(self.array(field)?))
    }

    /// The size of a count or index: 4 bytes in version 2, 2 in version 1.
    fn int_size(&self) -> usize {
        if self.wide {
            4
        } else {
            2
        }
    }

    /// A count or index, 32-bit in version 2 and 16-bit in version 1, both signed.
    fn int(&mut self, field: Field) -> Result<i64, ScgfError> {
        if self.wide {
            self.i32(field).map(i64::from)
        } else {
            self.i16(field).map(i64::from)
        }
    }

    /// A version-sized count of items taking at least `smallest` bytes each.
    fn count(&mut self, field: Field, smallest: usize) -> Result<usize, ScgfError> {
        let at = self.pos;
        let count = self.int(field)?;
        self.check_count(count, at, field, smallest, self.left())
    }

    /// A 16-bit count (defs and variants, in either version).
    fn count16(&mut self, field: Field, smallest: usize) -> Result<usize, ScgfError> {
        let at = self.pos;
        let count = i64::from(self.i16(field)?);
        self.check_count(count, at, field, smallest, self.left())
    }

    /// Refuses a count below zero, or of more items of at least `smallest` bytes than the
    /// `left` bytes could hold; the count was read at `at`.
    fn check_count(
        &self,
        count: i64,
        at: usize,
        field: Field,
        smallest: usize,
        left: usize,
    ) -> Result<usize, ScgfError> {
        if count < 0 {
            return Err(self.fail(Problem::NegativeCount { field: field(), count }, at));
        }
        let needed = (count as u64).saturating_mul(smallest as u64);
        if needed > left as u64 {
            let problem = Problem::CountTooLarge { field: field(), count: count as u64, needed, left };
            return Err(self.fail(problem, at));
        }
        // Fits in usize: every item takes a byte or more, so no more than the bytes left.
        Ok(count as usize)
    }

    /// A pascal string: a length byte and that many bytes of UTF-8.
    fn pstring(&mut self, field: Field) -> Result<String, ScgfError> {
        let at = self.pos;
        let len = self.array::<1>(field)?[0];
        let bytes = self.take(usize::from(len), field)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| self.fail(Problem::NotUtf8 { field: field() }, at))
    }

    fn rate(&mut self, field: Field) -> Result<Rate, ScgfError> {
        let at = self.pos;
        let code = self.i8(field)?;
        u8::try_from(code)
            .ok()
            .and_then(Rate::from_code)
            .ok_or_else(|| self.fail(Problem::BadRate { field: field(), code }, at))
    }

    fn graph_def(&mut self) -> Result<GraphDef, ScgfError> {
        let name = self.pstring(&|| "synthdef name".into())?;
        self.def = Some(DefId::Named(name.clone()));
        let int = self.int_size();

        let count = self.count(&|| "constant count".into(), 4)?;
        let mut constants = Vec::with_capacity(count);
        for i in 0..count {
            constants.push(self.f32(&|| format!("constant {i}"))?);
        }

        let count = self.count(&|| "parameter count".into(), 4)?;
        let mut initial_values = Vec::with_capacity(count);
        for i in 0..count {
            initial_values.push(self.f32(&|| format!("initial value of parameter {i}"))?);
        }

        let count = self.count(&|| "parameter name count".into(), 1 + int)?;
        let mut parameter_names = Vec::with_capacity(count);
        for i in 0..count {
            let name = self.pstring(&|| format!("parameter name {i}"))?;
            let at = self.pos;
            let index = self.int(&|| format!("index of parameter name {i} ('{name}')"))?;
            let Some(index) = u32::try_from(index).ok().filter(|&index| (index as usize) < initial_values.len()) else {
                let problem = Problem::ParameterIndexOutOfRange { name, index, parameters: initial_values.len() };
                return Err(self.fail(problem, at));
            };
            parameter_names.push(ParameterName { name, index });
        }

        // The smallest ugen: an empty name, a rate, two zero counts and a special index.
        let count = self.count(&|| "ugen count".into(), 1 + 1 + 2 * int + 2)?;
        let mut ugens = Vec::with_capacity(count);
        for i in 0..count {
            let ugen = self.ugen(i as u32, &ugens, constants.len())?;
            ugens.push(ugen);
        }

        let count = self.count16(&|| "variant count".into(), 1 + 4 * initial_values.len())?;
        let mut variants = Vec::with_capacity(count);
        for i in 0..count {
            let name = self.pstring(&|| format!("name of variant {i}"))?;
            let mut values = Vec::with_capacity(initial_values.len());
            for p in 0..initial_values.len() {
                values.push(self.f32(&|| format!("value {p} of variant {i} ('{name}')"))?);
            }
            variants.push(Variant { name, values });
        }

        Ok(GraphDef { name, constants, initial_values, parameter_names, ugens, variants })
    }

    /// Ugen `index`, whose inputs may read only the `earlier` ugens and the def's
    /// `constants` constants.
    fn ugen(&mut self, index: u32, earlier: &[UGenSpec], constants: usize) -> Result<UGenSpec, ScgfError> {
        let class = self.pstring(&|| format!("class name of ugen {index}"))?;
        let ugen = &|| format!("ugen {index} ({class})");
        let rate = self.rate(&|| format!("rate of {}", ugen()))?;
        let int = self.int_size();
        let input_count = self.count(&|| format!("input count of {}", ugen()), 2 * int)?;
        // Checked after the inputs, where the bytes left to hold the outputs are known.
        let output_count_at = self.pos;
        let output_count = self.int(&|| format!("output count of {}", ugen()))?;
        let special_index = self.i16(&|| format!("special index of {}", ugen()))?;

        let mut inputs = Vec::with_capacity(input_count);
        for i in 0..input_count {
            let at = self.pos;
            let source = self.int(&|| format!("ugen index of {} input {i}", ugen()))?;
            let which = self.int(&|| format!("output or constant index of {} input {i}", ugen()))?;
            let input = if source == -1 {
                match u32::try_from(which).ok().filter(|&c| (c as usize) < constants) {
                    Some(constant) => Input::Constant(constant),
                    None => {
                        let problem = Problem::ConstantOutOfRange {
                            ugen: index,
                            class: class.clone(),
                            input: i as u32,
                            constant: which,
                            constants,
                        };
                        return Err(self.fail(problem, at));
                    }
                }
            } else {
                let Some(target) = usize::try_from(source).ok().filter(|&t| t < earlier.len()) else {
                    let problem = Problem::BadUGenReference {
                        ugen: index,
                        class: class.clone(),
                        input: i as u32,
                        target: source,
                    };
                    return Err(self.fail(problem, at));
                };
                let outputs = earlier[target].outputs.len();
                match u32::try_from(which).ok().filter(|&o| (o as usize) < outputs) {
                    Some(output) => Input::UGen { ugen: target as u32, output },
                    None => {
                        let problem = Problem::OutputOutOfRange {
                            ugen: index,
                            class: class.clone(),
                            input: i as u32,
                            target: target as u32,
                            target_class: earlier[target].name.clone(),
                            output: which,
                            outputs,
                        };
                        return Err(self.fail(problem, at));
                    }
                }
            };
            inputs.push(input);
        }

        let output_count =
            self.check_count(output_count, output_count_at, &|| format!("output count of {}", ugen()), 1, self.left())?;
        let mut outputs = Vec::with_capacity(output_count);
        for o in 0..output_count {
            outputs.push(self.rate(&|| format!("rate of {} output {o}", ugen()))?);
        }

        Ok(UGenSpec { name: class, rate, special_index, inputs, outputs })
    }
}
