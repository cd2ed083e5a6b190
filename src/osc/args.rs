use super::{Arg, ArgList, ErrorCode, RequestError};

/// Reads a message's arguments in order, turning every mismatch into a client-facing
/// error that names the argument.
///
/// Context: NRT (network thread).
pub struct Args<'a> {
    args: ArgList<'a>,
    /// How many arguments have been read.
    pos: usize,
}

/// An OSC type's name as docs/osc-api.md writes it.
pub fn type_name(arg: Arg<'_>) -> &'static str {
    match arg {
        Arg::Int(_) => "int32 (i)",
        Arg::Float(_) => "float32 (f)",
        Arg::String(_) => "string (s)",
        Arg::Blob(_) => "blob (b)",
        Arg::Time(_) => "timetag (t)",
        Arg::Long(_) => "int64 (h)",
        Arg::Double(_) => "float64 (d)",
        Arg::Char(_) => "char (c)",
        Arg::Color(_) => "color (r)",
        Arg::Midi(_) => "midi (m)",
        Arg::Bool(_) => "bool (T/F)",
        Arg::Array(_) => "array ([...])",
        Arg::Nil => "nil (N)",
        Arg::Inf => "infinitum (I)",
    }
}

impl<'a> Args<'a> {
    /// A reader over `args`.
    pub fn new(args: ArgList<'a>) -> Self {
        Args { args, pos: 0 }
    }

    /// Whether every argument has been read.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// A command's last argument, its completion message: a blob, or none. As scsynth does,
    /// an int32 or a nil there (sclang sends 0 for "no completion message") means none.
    pub fn completion(&mut self) -> Result<Option<&'a [u8]>, RequestError> {
        match self.args.peek() {
            None => Ok(None),
            Some(Arg::Int(_) | Arg::Nil) => {
                self.args.next();
                self.pos += 1;
                Ok(None)
            }
            Some(_) => self.blob("completion message").map(Some),
        }
    }

    /// Skips the last argument if it is what sclang sends for `nil` where a list of
    /// arguments is expected (an int32 0, or a nil), and says whether it did.
    pub fn skip_lone_nil(&mut self) -> bool {
        let lone = self.args.len() == 1 && matches!(self.args.peek(), Some(Arg::Int(0) | Arg::Nil));
        if lone {
            self.args.next();
            self.pos += 1;
        }
        lone
    }

    /// Whether the next argument is the string `text`.
    pub fn peek_is_string(&self, text: &str) -> bool {
        matches!(self.args.peek(), Some(Arg::String(s)) if s == text)
    }

    /// Whether the next argument is a string (an option name, where a run of numbers may
    /// come before it).
    pub fn peek_is_any_string(&self) -> bool {
        matches!(self.args.peek(), Some(Arg::String(_)))
    }

    /// Whether the next argument is a blob (a completion message, where one may follow
    /// optional arguments).
    pub fn peek_is_blob(&self) -> bool {
        matches!(self.args.peek(), Some(Arg::Blob(_)))
    }

    fn next(&mut self, name: &str, expected: &str) -> Result<Arg<'a>, RequestError> {
        let arg = self.args.next().ok_or_else(|| {
            RequestError::new(
                ErrorCode::ArgumentCount,
                format!("missing argument {} ({name}, {expected})", self.pos + 1),
            )
        })?;
        self.pos += 1;
        Ok(arg)
    }

    fn wrong_type(&self, name: &str, expected: &str, got: Arg<'_>) -> RequestError {
        RequestError::new(
            ErrorCode::ArgumentType,
            format!("argument {} ({name}) must be {expected}, got {}", self.pos, type_name(got)),
        )
    }

    /// An int32 (an int64 that fits is accepted too).
    pub fn int(&mut self, name: &str) -> Result<i32, RequestError> {
        match self.next(name, "int32")? {
            Arg::Int(i) => Ok(i),
            Arg::Long(l) => i32::try_from(l).map_err(|_| {
                RequestError::new(
                    ErrorCode::ArgumentValue,
                    format!("argument {} ({name}) {l} does not fit int32", self.pos),
                )
            }),
            other => Err(self.wrong_type(name, "int32", other)),
        }
    }

    /// An int32, or `default` when no arguments are left.
    pub fn int_or(&mut self, name: &str, default: i32) -> Result<i32, RequestError> {
        if self.is_empty() {
            Ok(default)
        } else {
            self.int(name)
        }
    }

    /// A number: int32, int64, float32 or float64, as f32.
    pub fn number(&mut self, name: &str) -> Result<f32, RequestError> {
        match self.next(name, "a number")? {
            Arg::Float(f) => Ok(f),
            Arg::Double(d) => Ok(d as f32),
            Arg::Int(i) => Ok(i as f32),
            Arg::Long(l) => Ok(l as f32),
            other => Err(self.wrong_type(name, "a number (i, f, h or d)", other)),
        }
    }

    /// A control value (of a Synth's control or a control bus): a number that is finite
    /// once it is an `f32`.
    pub fn control_value(&mut self, name: &str) -> Result<f32, RequestError> {
        let value = self.number(name)?;
        finite(value, name)
    }

    /// A string.
    pub fn string(&mut self, name: &str) -> Result<&'a str, RequestError> {
        match self.next(name, "string")? {
            Arg::String(s) => Ok(s),
            other => Err(self.wrong_type(name, "string", other)),
        }
    }

    /// A blob.
    pub fn blob(&mut self, name: &str) -> Result<&'a [u8], RequestError> {
        match self.next(name, "blob")? {
            Arg::Blob(b) => Ok(b),
            other => Err(self.wrong_type(name, "blob", other)),
        }
    }

    /// A node id: a non-negative int32.
    pub fn node_id(&mut self, name: &str) -> Result<i32, RequestError> {
        let id = self.int(name)?;
        if id < 0 {
            return Err(RequestError::new(
                ErrorCode::ArgumentValue,
                format!("{name} must be a non-negative node id, got {id}"),
            ));
        }
        Ok(id)
    }

    /// The next argument, whatever its type.
    pub fn any(&mut self, name: &str) -> Result<Arg<'a>, RequestError> {
        self.next(name, "an argument")
    }

    /// Fails if arguments are left over.
    pub fn finish(&self) -> Result<(), RequestError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(RequestError::new(
                ErrorCode::ArgumentCount,
                format!("{} unexpected extra argument(s) from argument {}", self.args.len(), self.pos + 1),
            ))
        }
    }
}

/// `value`, a control value, if it is finite: NaN or an infinity (an `f64` too large for
/// an `f32` becomes one) would spread through every unit it reaches.
pub fn finite(value: f32, what: &str) -> Result<f32, RequestError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(RequestError::new(ErrorCode::ArgumentValue, format!("a {what} must be finite, got {value}")))
    }
}
