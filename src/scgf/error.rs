//! Why a SynthDef file was refused: which def, what was wrong, and where.

use std::fmt;

/// A SynthDef file refused by [`read_synthdefs`](super::read_synthdefs): the def it was in
/// (when the reader had got that far), the problem, and the byte offset of the field at
/// fault, counted from the start of the file.
///
/// ```
/// let err = oscine::scgf::read_synthdefs(b"SCgf\0\0\0\x07\0\0").unwrap_err();
/// assert_eq!(err.to_string(), "unsupported SCgf version 7 (1 and 2 are read) at byte 4");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ScgfError {
    def: Option<DefId>,
    problem: Problem,
    offset: usize,
}

impl ScgfError {
    pub(super) fn new(def: Option<DefId>, problem: Problem, offset: usize) -> Self {
        ScgfError { def, problem, offset }
    }

    /// The def the problem is in, if the reader had reached one.
    pub fn def(&self) -> Option<&DefId> {
        self.def.as_ref()
    }

    /// What was wrong.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The byte offset of the field at fault (for trailing bytes, of the first one).
    pub fn offset(&self) -> usize {
        self.offset
    }
}

impl fmt::Display for ScgfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(def) = &self.def {
            write!(f, "{def}: ")?;
        }
        write!(f, "{} at byte {}", self.problem, self.offset)
    }
}

/// Which def of a file an error is in.
#[derive(Debug, Clone, PartialEq)]
pub enum DefId {
    /// A def whose name was read.
    Named(String),
    /// A def whose name could not be read: its position in the file, counting from 0 like
    /// ugen and input numbers do.
    Position(usize),
}

impl fmt::Display for DefId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefId::Named(name) => write!(f, "synthdef '{name}'"),
            DefId::Position(position) => write!(f, "synthdef #{position}"),
        }
    }
}

/// What was wrong with a SynthDef file. Fields named in the messages are described as the
/// format documentation names them, with ugens, inputs and parameters numbered from 0.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The file does not start with `SCgf`.
    #[error("not an SCgf file: it starts with {0:?}, not \"SCgf\"")]
    BadMagic(Vec<u8>),
    /// A version other than 1 or 2.
    #[error("unsupported SCgf version {0} (1 and 2 are read)")]
    UnsupportedVersion(i32),
    /// The file ends inside a field.
    #[error("truncated in the {field}: it needs {needed} bytes, {left} are left")]
    Truncated {
        /// The field being read.
        field: String,
        /// The bytes the field takes.
        needed: usize,
        /// The bytes the file has left.
        left: usize,
    },
    /// A count below zero.
    #[error("the {field} is negative ({count})")]
    NegativeCount {
        /// The count's field.
        field: String,
        /// The count as written.
        count: i64,
    },
    /// A count of more items than the rest of the file could hold, even at their smallest.
    #[error("the {field} is {count}, but {count} items take at least {needed} bytes and {left} are left")]
    CountTooLarge {
        /// The count's field.
        field: String,
        /// The count as written.
        count: u64,
        /// The least number of bytes that many items take.
        needed: u64,
        /// The bytes the file has left after the count.
        left: usize,
    },
    /// A rate code other than 0 (scalar), 1 (control), 2 (audio) or 3 (demand).
    #[error("the {field} has rate code {code}, not 0 to 3")]
    BadRate {
        /// The rate's field.
        field: String,
        /// The code as written, as a signed byte.
        code: i8,
    },
    /// A name that is not UTF-8.
    #[error("the {field} is not UTF-8")]
    NotUtf8 {
        /// The name's field.
        field: String,
    },
    /// An input naming a ugen that is not before its own in the file. SuperCollider writes
    /// ugens in an order where each reads only earlier ones, so this is a cycle or a bad
    /// reference; negative indices other than -1 (a constant) land here too.
    #[error(
        "ugen {ugen} ({class}) input {input} refers to ugen {target}, {}",
        if *target == *ugen as i64 { "itself (a cycle)" }
        else if *target < 0 { "which does not exist (only -1, a constant, is below 0)" }
        else { "which comes later (a cycle or a bad reference)" }
    )]
    BadUGenReference {
        /// The reading ugen's index.
        ugen: u32,
        /// The reading ugen's class name.
        class: String,
        /// The input's index.
        input: u32,
        /// The ugen index as written.
        target: i64,
    },
    /// An input reading an output its ugen does not have.
    #[error(
        "ugen {ugen} ({class}) input {input} reads output {output} of ugen {target} ({target_class}), which has {outputs} outputs"
    )]
    OutputOutOfRange {
        /// The reading ugen's index.
        ugen: u32,
        /// The reading ugen's class name.
        class: String,
        /// The input's index.
        input: u32,
        /// The ugen read.
        target: u32,
        /// The class name of the ugen read.
        target_class: String,
        /// The output index as written.
        output: i64,
        /// How many outputs the ugen read has.
        outputs: usize,
    },
    /// An input naming a constant the def does not have.
    #[error("ugen {ugen} ({class}) input {input} reads constant {constant}, but there are {constants} constants")]
    ConstantOutOfRange {
        /// The reading ugen's index.
        ugen: u32,
        /// The reading ugen's class name.
        class: String,
        /// The input's index.
        input: u32,
        /// The constant index as written.
        constant: i64,
        /// How many constants the def has.
        constants: usize,
    },
    /// A parameter name whose index is not one of the def's parameters.
    #[error("parameter name '{name}' has index {index}, but there are {parameters} parameters")]
    ParameterIndexOutOfRange {
        /// The name.
        name: String,
        /// The index as written.
        index: i64,
        /// How many parameters (initial values) the def has.
        parameters: usize,
    },
    /// Bytes after the last def.
    #[error("{0} trailing bytes after the last synthdef")]
    TrailingBytes(usize),
}
