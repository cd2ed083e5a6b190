//! Writing AIFF files: 16- and 24-bit integer AIFF, and 32-bit float AIFF-C (`fl32`), the
//! formats scsynth's `/b_write` writes by default (sclang's `Buffer.write` asks for AIFF,
//! and `Buffer.loadToFloatArray` for float AIFF).
//!
//! Written as a stream: the header's sizes are filled in when the file is finalized, so
//! a disk stream can append frames it does not know the number of.
//!
//! Big-endian throughout: a `FORM` chunk holding (for AIFF-C) `FVER`, then `COMM` with the
//! shape and an 80-bit sample rate, then `SSND` with the samples interleaved by frame.
//!
//! Context: NRT (file I/O).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
#[cfg(test)]
use std::path::Path;

use crate::wav::{WavError, WavFormat};

/// The AIFF-C version its `FVER` chunk names.
const AIFC_VERSION: u32 = 0xA280_5140;

/// An AIFF file being written, sample by sample, interleaved by frame. Its header's sizes
/// are written when it is finalized.
#[derive(Debug)]
pub struct AiffWriter {
    out: BufWriter<File>,
    channels: u16,
    format: WavFormat,
    /// Where the header's sizes are: `FORM`'s, `COMM`'s frame count, `SSND`'s.
    form_at: u64,
    frames_at: u64,
    ssnd_at: u64,
    /// The header's length, and the samples written after it.
    header: u64,
    samples: u64,
}

impl AiffWriter {
    /// Creates (or replaces) the file at `path` for `channels` channels at `sample_rate`
    /// in `format`, and writes a header for no frames.
    ///
    /// # Errors
    /// The file cannot be created or written.
    #[cfg(test)]
    pub fn create(path: &Path, channels: u16, sample_rate: f64, format: WavFormat) -> Result<AiffWriter, WavError> {
        let file = File::create(path).map_err(|e| WavError::new(e.to_string()))?;
        AiffWriter::new(file, channels, sample_rate, format)
    }

    /// Writes an AIFF file into `file` (open for writing, empty), as
    /// [`create`](Self::create) does at a path.
    ///
    /// # Errors
    /// Writing fails.
    pub fn new(file: File, channels: u16, sample_rate: f64, format: WavFormat) -> Result<AiffWriter, WavError> {
        let float = format == WavFormat::Float;
        // COMM: 18 bytes, and for AIFF-C the compression type and its name, a pstring
        // padded to an even length.
        let name: &[u8] = if float { b"\x0c32-bit float\0" } else { b"" };
        let comm = 18 + if float { 4 + name.len() as u32 } else { 0 };
        let mut header = Vec::with_capacity(64);
        header.extend_from_slice(b"FORM");
        header.extend_from_slice(&0u32.to_be_bytes());
        header.extend_from_slice(if float { b"AIFC" } else { b"AIFF" });
        if float {
            header.extend_from_slice(b"FVER");
            header.extend_from_slice(&4u32.to_be_bytes());
            header.extend_from_slice(&AIFC_VERSION.to_be_bytes());
        }
        header.extend_from_slice(b"COMM");
        header.extend_from_slice(&comm.to_be_bytes());
        header.extend_from_slice(&channels.to_be_bytes());
        let frames_at = header.len() as u64;
        header.extend_from_slice(&0u32.to_be_bytes());
        header.extend_from_slice(&format.bits().to_be_bytes());
        header.extend_from_slice(&extended(sample_rate));
        if float {
            header.extend_from_slice(b"fl32");
            header.extend_from_slice(name);
        }
        header.extend_from_slice(b"SSND");
        let ssnd_at = header.len() as u64;
        header.extend_from_slice(&8u32.to_be_bytes());
        header.extend_from_slice(&[0; 8]);
        let io = |e: std::io::Error| WavError::new(e.to_string());
        let mut out = BufWriter::new(file);
        out.write_all(&header).map_err(io)?;
        Ok(AiffWriter {
            out,
            channels,
            format,
            form_at: 4,
            frames_at,
            ssnd_at,
            header: header.len() as u64,
            samples: 0,
        })
    }

    /// Writes one sample, quantized for an integer format (see [`WavFormat::quantize`]).
    ///
    /// # Errors
    /// The file would outgrow AIFF's 32-bit sizes, or writing fails.
    pub fn write_sample(&mut self, x: f32) -> Result<(), WavError> {
        let bytes = u64::from(self.format.bits() / 8);
        if self.header + (self.samples + 1) * bytes - 8 > u64::from(u32::MAX) {
            return Err(WavError::new("the samples do not fit in an AIFF file"));
        }
        match self.format {
            WavFormat::Float => self.out.write_all(&x.to_be_bytes()),
            WavFormat::Int16 => self.out.write_all(&(self.format.quantize(x) as i16).to_be_bytes()),
            WavFormat::Int24 => self.out.write_all(&self.format.quantize(x).to_be_bytes()[1..]),
        }
        .map_err(|e| WavError::new(e.to_string()))?;
        self.samples += 1;
        Ok(())
    }

    /// Writes the header's sizes to match the samples written, and closes the file.
    ///
    /// # Errors
    /// The samples do not fill whole frames, or writing fails.
    pub fn finalize(mut self) -> Result<(), WavError> {
        if !self.samples.is_multiple_of(u64::from(self.channels)) {
            return Err(WavError::new(format!("{} samples do not fill frames of {}", self.samples, self.channels)));
        }
        let data = self.samples * u64::from(self.format.bits() / 8);
        // Each fits: `write_sample` kept the whole file within 32-bit sizes.
        let frames = (self.samples / u64::from(self.channels)) as u32;
        let io = |e: std::io::Error| WavError::new(e.to_string());
        for (at, value) in [
            (self.form_at, (self.header + data - 8) as u32),
            (self.frames_at, frames),
            (self.ssnd_at, (8 + data) as u32),
        ] {
            self.out.seek(SeekFrom::Start(at)).map_err(io)?;
            self.out.write_all(&value.to_be_bytes()).map_err(io)?;
        }
        self.out.flush().map_err(io)
    }
}

/// `x` as an IEEE 754 80-bit extended number, big-endian: how AIFF stores its sample rate.
fn extended(x: f64) -> [u8; 10] {
    let mut out = [0u8; 10];
    if !(x.is_finite() && x > 0.0) {
        return out;
    }
    let exponent = x.log2().floor() as i32;
    // The mantissa keeps its leading 1 (bit 63): x / 2^e is in [1, 2).
    let mut mantissa = (x / 2f64.powi(exponent) * 2f64.powi(63)) as u64;
    let mut exponent = exponent;
    if mantissa >> 63 == 0 {
        // log2's rounding put x just below 2^e.
        exponent -= 1;
        mantissa = (x / 2f64.powi(exponent) * 2f64.powi(63)) as u64;
    }
    out[..2].copy_from_slice(&((exponent + 16383) as u16).to_be_bytes());
    out[2..].copy_from_slice(&mantissa.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;

    fn write_aiff(path: &Path, channels: u16, rate: f64, format: WavFormat, samples: &[f32]) {
        let mut writer = AiffWriter::create(path, channels, rate, format).unwrap();
        samples.iter().for_each(|&x| writer.write_sample(x).unwrap());
        writer.finalize().unwrap();
    }

    #[test]
    fn sample_rates_are_80_bit_extended() {
        // 44100 = 1.3458251953125 × 2^15.
        assert_eq!(extended(44100.0), [0x40, 0x0e, 0xac, 0x44, 0, 0, 0, 0, 0, 0]);
        assert_eq!(extended(48000.0), [0x40, 0x0e, 0xbb, 0x80, 0, 0, 0, 0, 0, 0]);
        assert_eq!(extended(1.0), [0x3f, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn float_files_are_aifc_and_integer_files_aiff() {
        let dir = TempDir::new("aiff");
        let path = dir.file("f.aiff");
        write_aiff(&path, 2, 48000.0, WavFormat::Float, &[0.5, -0.5, 1.0, 0.0]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..4], b"FORM");
        assert_eq!(u32::from_be_bytes(bytes[4..8].try_into().unwrap()) as usize, bytes.len() - 8);
        assert_eq!(&bytes[8..12], b"AIFC");
        assert_eq!(&bytes[12..16], b"FVER");
        let ssnd = bytes.windows(4).position(|w| w == b"SSND").unwrap();
        let data = &bytes[ssnd + 16..];
        assert_eq!(data.len(), 16);
        assert_eq!(f32::from_be_bytes(data[4..8].try_into().unwrap()), -0.5);
        let path = dir.file("i.aiff");
        write_aiff(&path, 1, 44100.0, WavFormat::Int24, &[1.0, -1.0]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[8..12], b"AIFF");
        let ssnd = bytes.windows(4).position(|w| w == b"SSND").unwrap();
        assert_eq!(&bytes[ssnd + 16..], [0x7f, 0xff, 0xff, 0x80, 0x00, 0x00]);
        let mut half = AiffWriter::create(&path, 2, 44100.0, WavFormat::Int16).unwrap();
        half.write_sample(0.0).unwrap();
        assert!(half.finalize().is_err(), "half a frame is not a file");
    }
}
