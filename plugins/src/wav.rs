//! WAV files: the one reader and writer behind `audio-buffer`'s loads and saves and
//! `oscine render`'s input and output files, and [`WavFormat`], the sample formats they
//! write.
//!
//! - Reading ([`WavReader`]) takes 8, 16, 24 and 32-bit integer PCM and 32-bit float.
//!   Integers are scaled by `2^-(bits - 1)`, so full scale is `[-1, 1)` (32-bit values
//!   within 2^-25 of the top round to 1.0 in `f32`); floats are taken as they are. The
//!   header is checked against the file's size when the file is opened, and the samples
//!   stream from the file in order, so reading needs no memory for them.
//! - Writing ([`WavWriter`]) stores 32-bit float samples as they are, and quantizes for
//!   the integer formats with [`WavFormat::quantize`]: round to nearest, clamp to the
//!   format's range, NaN to 0, no dither. So writing the same samples twice gives the same
//!   bytes.
//!
//! ```
//! use oscine_plugins::wav::{WavFormat, WavReader, WavWriter};
//! let path = std::env::temp_dir().join(format!("oscine-wav-doc-{}.wav", std::process::id()));
//! let mut writer = WavWriter::create(&path, 1, 8_000, WavFormat::Int16).unwrap();
//! for x in [0.5, -1.0, 2.0] {
//!     writer.write_sample(x).unwrap();
//! }
//! writer.finalize().unwrap();
//! let mut reader = WavReader::open(&path).unwrap();
//! assert_eq!((reader.channels(), reader.sample_rate(), reader.frames()), (1, 8_000, 3));
//! let samples: Vec<f32> = reader.samples().map(Result::unwrap).collect();
//! assert_eq!(samples, [0.5, -1.0, 32_767.0 / 32_768.0]);
//! # std::fs::remove_file(&path).unwrap();
//! ```
//!
//! Context: NRT (file I/O) throughout.

use std::fmt;
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;
use std::str::FromStr;

use hound::{SampleFormat, WavSpec};

/// The largest data chunk a WAV file can hold: the RIFF size field is 32 bits and also
/// counts the header after it (60 bytes at most for what hound writes).
pub const MAX_DATA_BYTES: u64 = u32::MAX as u64 - 60;

/// A sample format [`WavWriter`] writes.
///
/// ```
/// use oscine_plugins::WavFormat;
/// assert_eq!("int24".parse::<WavFormat>(), Ok(WavFormat::Int24));
/// assert_eq!(WavFormat::Int24.to_string(), "int24");
/// assert_eq!(WavFormat::default(), WavFormat::Float);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WavFormat {
    /// 32-bit IEEE float: lossless, beyond full scale included, and the default.
    #[default]
    Float,
    /// 16-bit integer PCM.
    Int16,
    /// 24-bit integer PCM.
    Int24,
}

impl WavFormat {
    /// Every format, in the order lists show them.
    pub const ALL: [WavFormat; 3] = [WavFormat::Float, WavFormat::Int16, WavFormat::Int24];

    /// The format a name means: `"float"`, `"int16"` or `"int24"`.
    ///
    /// ```
    /// use oscine_plugins::WavFormat;
    /// assert_eq!(WavFormat::from_name("int24"), Some(WavFormat::Int24));
    /// assert_eq!(WavFormat::from_name("int8"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<WavFormat> {
        WavFormat::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The format's name, as clients and the command line write it.
    ///
    /// ```
    /// assert_eq!(oscine_plugins::WavFormat::Int16.name(), "int16");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            WavFormat::Float => "float",
            WavFormat::Int16 => "int16",
            WavFormat::Int24 => "int24",
        }
    }

    /// What the format stores, in a few words (for help texts).
    ///
    /// ```
    /// assert_eq!(oscine_plugins::WavFormat::Float.description(), "32-bit IEEE float");
    /// ```
    pub fn description(self) -> &'static str {
        match self {
            WavFormat::Float => "32-bit IEEE float",
            WavFormat::Int16 => "16-bit integer PCM",
            WavFormat::Int24 => "24-bit integer PCM",
        }
    }

    /// Every format's name, for messages: `"float, int16 or int24"`.
    ///
    /// ```
    /// assert_eq!(oscine_plugins::WavFormat::names(), "float, int16 or int24");
    /// ```
    pub fn names() -> String {
        let [rest @ .., last] = WavFormat::ALL;
        format!("{} or {last}", rest.map(WavFormat::name).join(", "))
    }

    /// Bits per sample.
    ///
    /// ```
    /// assert_eq!(oscine_plugins::WavFormat::Int24.bits(), 24);
    /// ```
    pub fn bits(self) -> u16 {
        match self {
            WavFormat::Float => 32,
            WavFormat::Int16 => 16,
            WavFormat::Int24 => 24,
        }
    }

    /// The integer a sample becomes in an integer format: `round(x × 2^(bits−1))`,
    /// rounding halves away from zero, clamped to the format's range (so full scale is
    /// `[-1, 1)`, the inverse of how [`WavReader`] reads integer files, and `1.0` becomes
    /// the largest positive value); NaN becomes 0. No dither, so the same samples always
    /// give the same file. Reading the file back gives every sample within half a step of
    /// the original, and exactly the original for samples already on the format's grid.
    ///
    /// ```
    /// use oscine_plugins::WavFormat;
    /// assert_eq!(WavFormat::Int16.quantize(0.5), 16_384);
    /// assert_eq!(WavFormat::Int16.quantize(1.0), 32_767);
    /// assert_eq!(WavFormat::Int24.quantize(f32::NAN), 0);
    /// ```
    pub fn quantize(self, x: f32) -> i32 {
        let scale = (1i64 << (self.bits() - 1)) as f64;
        (f64::from(x) * scale).round().clamp(-scale, scale - 1.0) as i32
    }

    fn sample_format(self) -> SampleFormat {
        match self {
            WavFormat::Float => SampleFormat::Float,
            WavFormat::Int16 | WavFormat::Int24 => SampleFormat::Int,
        }
    }
}

impl fmt::Display for WavFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`WavFormat`]'s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownWavFormat(pub String);

impl fmt::Display for UnknownWavFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown format '{}' ({})", self.0, WavFormat::names())
    }
}

impl std::error::Error for UnknownWavFormat {}

impl FromStr for WavFormat {
    type Err = UnknownWavFormat;

    fn from_str(name: &str) -> Result<WavFormat, UnknownWavFormat> {
        WavFormat::from_name(name).ok_or_else(|| UnknownWavFormat(name.to_owned()))
    }
}

/// Why a WAV file cannot be read or written. Its text is the reason alone; callers add the
/// path and what they were doing.
#[derive(Debug)]
pub struct WavError {
    reason: String,
}

impl WavError {
    pub(crate) fn new(reason: impl Into<String>) -> WavError {
        WavError { reason: reason.into() }
    }

    /// The reason, e.g. `"not a readable WAV file (...)"`.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for WavError {}

impl From<hound::Error> for WavError {
    fn from(e: hound::Error) -> WavError {
        WavError::new(e.to_string())
    }
}

impl From<std::io::Error> for WavError {
    fn from(e: std::io::Error) -> WavError {
        WavError::new(e.to_string())
    }
}

/// How a file's samples become `f32`s.
#[derive(Debug, Clone, Copy)]
enum Encoding {
    Float,
    /// An integer format, and the power of two that maps its full scale to 1.
    Int {
        scale: f32,
    },
}

/// A WAV file open for reading, its header checked.
pub struct WavReader {
    reader: hound::WavReader<BufReader<File>>,
    encoding: Encoding,
}

impl fmt::Debug for WavReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WavReader").field("spec", &self.reader.spec()).finish()
    }
}

impl WavReader {
    /// Opens a WAV file, checks that its encoding is one this module reads and that the
    /// file is as long as its header says (so a truncated or lying header fails before a
    /// caller sizes anything by it).
    ///
    /// # Errors
    /// The file cannot be opened, is not a WAV file, uses an encoding other than those
    /// listed in the [module](self) documentation, or is shorter than its header says.
    pub fn open(path: impl AsRef<Path>) -> Result<WavReader, WavError> {
        WavReader::new(File::open(path.as_ref())?)
    }

    /// Reads the WAV file `file` (open for reading, at its start), as
    /// [`open`](Self::open) does the file at a path.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub fn new(file: File) -> Result<WavReader, WavError> {
        let file_len = file.metadata()?.len();
        let reader = hound::WavReader::new(BufReader::new(file)).map_err(|e| match e {
            hound::Error::Unsupported => {
                WavError::new("unsupported WAV encoding (only integer PCM and float are read)")
            }
            e => WavError::new(format!("not a readable WAV file ({e})")),
        })?;
        let spec = reader.spec();
        let encoding = match (spec.sample_format, spec.bits_per_sample) {
            (SampleFormat::Float, 32) => Encoding::Float,
            (SampleFormat::Int, bits @ (8 | 16 | 24 | 32)) => {
                Encoding::Int { scale: 0.5_f32.powi(i32::from(bits) - 1) }
            }
            (format, bits) => {
                let kind = if format == SampleFormat::Float { "float" } else { "integer" };
                return Err(WavError::new(format!(
                    "unsupported sample format: {bits}-bit {kind} \
                     (8, 16, 24 and 32-bit integer and 32-bit float are read)"
                )));
            }
        };
        // Each sample takes at least this many bytes of the file (more if the bits are padded).
        let min_bytes = u64::from(reader.len()) * u64::from(spec.bits_per_sample.div_ceil(8));
        if min_bytes > file_len {
            return Err(WavError::new(format!(
                "the header promises {min_bytes} bytes of samples, but the file has {file_len} bytes"
            )));
        }
        Ok(WavReader { reader, encoding })
    }

    /// The file's channels.
    pub fn channels(&self) -> usize {
        usize::from(self.reader.spec().channels)
    }

    /// The file's sample rate in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.reader.spec().sample_rate
    }

    /// The file's length in frames, as its header says.
    pub fn frames(&self) -> u64 {
        u64::from(self.reader.duration())
    }

    /// The samples not read yet, interleaved by frame, as `f32`s: each call continues where
    /// the last one stopped.
    pub fn samples(&mut self) -> WavSamples<'_> {
        WavSamples(match self.encoding {
            Encoding::Float => Samples::Float(self.reader.samples()),
            Encoding::Int { scale } => Samples::Int(self.reader.samples(), scale),
        })
    }
}

/// The samples of a [`WavReader`], from [`WavReader::samples`].
pub struct WavSamples<'a>(Samples<'a>);

enum Samples<'a> {
    Float(hound::WavSamples<'a, BufReader<File>, f32>),
    Int(hound::WavSamples<'a, BufReader<File>, i32>, f32),
}

impl fmt::Debug for WavSamples<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WavSamples").finish_non_exhaustive()
    }
}

impl Iterator for WavSamples<'_> {
    type Item = Result<f32, WavError>;

    fn next(&mut self) -> Option<Result<f32, WavError>> {
        let sample = match &mut self.0 {
            Samples::Float(s) => s.next()?,
            // The scale is a power of two, so this is exact for up to 24 bits.
            Samples::Int(s, scale) => s.next()?.map(|x| x as f32 * *scale),
        };
        Some(sample.map_err(WavError::from))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            Samples::Float(s) => s.size_hint(),
            Samples::Int(s, _) => s.size_hint(),
        }
    }
}

/// A WAV file being written, sample by sample, interleaved by frame.
///
/// Dropping it unfinished still writes the header, ignoring errors; call
/// [`finalize`](Self::finalize) to know the file is whole.
pub struct WavWriter {
    writer: hound::WavWriter<BufWriter<File>>,
    format: WavFormat,
}

impl fmt::Debug for WavWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WavWriter").field("spec", &self.writer.spec()).finish()
    }
}

/// The header of a file of `channels` channels at `sample_rate` in `format`, if its byte
/// rate fits the header's 32 bits.
fn header_spec(channels: u16, sample_rate: u32, format: WavFormat) -> Result<WavSpec, WavError> {
    let bytes_per_sample = u64::from(format.bits() / 8);
    // Hound would overflow computing it.
    if u64::from(sample_rate) * bytes_per_sample * u64::from(channels) > u64::from(u32::MAX) {
        return Err(WavError::new(format!(
            "{sample_rate} Hz of {channels} channels of {} samples is too many bytes per second for a WAV header",
            format.name()
        )));
    }
    Ok(WavSpec { channels, sample_rate, bits_per_sample: format.bits(), sample_format: format.sample_format() })
}

impl WavWriter {
    /// Creates (or replaces) the file at `path` for `channels` channels at `sample_rate`
    /// in `format`.
    ///
    /// # Errors
    /// The header's byte rate (32 bits) cannot hold `sample_rate` frames per second of
    /// `channels` channels in `format`, or the file cannot be created.
    pub fn create(
        path: impl AsRef<Path>,
        channels: u16,
        sample_rate: u32,
        format: WavFormat,
    ) -> Result<WavWriter, WavError> {
        let spec = header_spec(channels, sample_rate, format)?;
        Ok(WavWriter { writer: hound::WavWriter::create(path.as_ref(), spec)?, format })
    }

    /// Writes a WAV file into `file` (open for writing, empty), as
    /// [`create`](Self::create) does at a path.
    ///
    /// # Errors
    /// As [`create`](Self::create).
    pub fn new(file: File, channels: u16, sample_rate: u32, format: WavFormat) -> Result<WavWriter, WavError> {
        let spec = header_spec(channels, sample_rate, format)?;
        Ok(WavWriter { writer: hound::WavWriter::new(BufWriter::new(file), spec)?, format })
    }

    /// The format samples are written in.
    pub fn format(&self) -> WavFormat {
        self.format
    }

    /// Writes one sample, quantized for an integer format (see [`WavFormat::quantize`]).
    ///
    /// # Errors
    /// Writing fails.
    pub fn write_sample(&mut self, x: f32) -> Result<(), WavError> {
        match self.format {
            WavFormat::Float => self.writer.write_sample(x)?,
            format => self.writer.write_sample(format.quantize(x))?,
        }
        Ok(())
    }

    /// Writes the header to match the samples written and closes the file.
    ///
    /// # Errors
    /// The samples do not fill whole frames, or writing fails.
    pub fn finalize(self) -> Result<(), WavError> {
        Ok(self.writer.finalize()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    #[test]
    fn wav_format_names() {
        for format in [WavFormat::Float, WavFormat::Int16, WavFormat::Int24] {
            assert_eq!(WavFormat::from_name(format.name()), Some(format));
        }
        assert_eq!(WavFormat::default(), WavFormat::Float);
        assert_eq!(WavFormat::from_name("Float"), None);
        assert_eq!(WavFormat::from_name(""), None);
        assert_eq!(WavFormat::ALL, [WavFormat::Float, WavFormat::Int16, WavFormat::Int24]);
        for format in WavFormat::ALL {
            assert_eq!(format.name().parse::<WavFormat>(), Ok(format));
            assert_eq!(format.to_string(), format.name());
        }
        let unknown = "mp3".parse::<WavFormat>().unwrap_err();
        assert_eq!(unknown.to_string(), "unknown format 'mp3' (float, int16 or int24)");
    }

    #[test]
    fn quantizes_to_the_integer_grid_with_clamping() {
        assert_eq!(WavFormat::Int16.quantize(0.5), 16_384);
        assert_eq!(WavFormat::Int16.quantize(1.0), 32_767);
        assert_eq!(WavFormat::Int16.quantize(-1.0), -32_768);
        assert_eq!(WavFormat::Int16.quantize(-3.0), -32_768);
        assert_eq!(WavFormat::Int24.quantize(0.25), 1 << 21);
        assert_eq!(WavFormat::Int24.quantize(f32::NAN), 0);
        assert_eq!(WavFormat::Int24.quantize(2.0), (1 << 23) - 1);
    }

    #[test]
    fn quantize_rounds_halves_away_from_zero_and_saturates() {
        for (format, step) in [(WavFormat::Int16, 32_768.0), (WavFormat::Int24, 8_388_608.0)] {
            let max = (1 << (format.bits() - 1)) - 1;
            assert_eq!(format.quantize(0.5 / step), 1);
            assert_eq!(format.quantize(-0.5 / step), -1);
            assert_eq!(format.quantize(1.5 / step), 2);
            assert_eq!(format.quantize(-2.5 / step), -3);
            assert_eq!(format.quantize(0.49 / step), 0);
            assert_eq!(format.quantize(f32::INFINITY), max);
            assert_eq!(format.quantize(f32::NEG_INFINITY), -max - 1);
            assert_eq!(format.quantize(f32::MAX), max);
            assert_eq!(format.quantize(-f32::MIN_POSITIVE / 2.0), 0);
        }
    }

    #[test]
    fn writes_and_reads_back_every_format() {
        let dir = TempDir::new("wav-roundtrip");
        let samples = [0.0, 0.5, -0.5, 0.25, -1.0, 1.0, 1.0 / 3.0, f32::NAN, 4.0, -4.0];
        for format in WavFormat::ALL {
            let path = dir.file(&format!("{format}.wav"));
            let mut writer = WavWriter::create(&path, 2, 44_100, format).unwrap();
            assert_eq!(writer.format(), format);
            for &x in &samples {
                writer.write_sample(x).unwrap();
            }
            writer.finalize().unwrap();
            let spec = hound::WavReader::open(&path).unwrap().spec();
            assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (2, 44_100, format.bits()));
            assert_eq!(spec.sample_format, format.sample_format());

            let mut reader = WavReader::open(&path).unwrap();
            assert_eq!((reader.channels(), reader.sample_rate(), reader.frames()), (2, 44_100, 5));
            let read: Vec<f32> = reader.samples().map(Result::unwrap).collect();
            for (&x, &y) in samples.iter().zip(&read) {
                let expected = match format {
                    WavFormat::Float => x,
                    _ => format.quantize(x) as f32 / (1 << (format.bits() - 1)) as f32,
                };
                assert_eq!(y.to_bits(), expected.to_bits(), "{format}: {x}");
            }
            assert_eq!(read.len(), samples.len());
        }
    }

    #[test]
    fn samples_continue_where_the_last_call_stopped() {
        let dir = TempDir::new("wav-stream");
        let path = dir.file("mono.wav");
        let mut writer = WavWriter::create(&path, 1, 8_000, WavFormat::Float).unwrap();
        for n in 0..10 {
            writer.write_sample(n as f32).unwrap();
        }
        writer.finalize().unwrap();
        let mut reader = WavReader::open(&path).unwrap();
        let first: Vec<f32> = reader.samples().take(4).map(Result::unwrap).collect();
        let rest: Vec<f32> = reader.samples().map(Result::unwrap).collect();
        assert_eq!(first, [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(rest, [4.0, 5.0, 6.0, 7.0, 8.0, 9.0]);
        assert_eq!(reader.samples().next().map(Result::unwrap), None);
    }

    #[test]
    fn a_byte_rate_too_large_for_the_header_is_refused() {
        let dir = TempDir::new("wav-byte-rate");
        let path = dir.file("fast.wav");
        let e = WavWriter::create(&path, 2, 4_000_000_000, WavFormat::Float).unwrap_err();
        assert_eq!(
            e.reason(),
            "4000000000 Hz of 2 channels of float samples is too many bytes per second for a WAV header"
        );
        assert!(!path.exists());
        WavWriter::create(&path, 1, 2_000_000_000, WavFormat::Int16).unwrap().finalize().unwrap();
    }
}
