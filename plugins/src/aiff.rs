//! Writing AIFF files: 16- and 24-bit integer AIFF, and 32-bit float AIFF-C (`fl32`), the
//! formats scsynth's `/b_write` writes by default (sclang's `Buffer.write` asks for AIFF,
//! and `Buffer.loadToFloatArray` for float AIFF).
//!
//! Big-endian throughout: a `FORM` chunk holding (for AIFF-C) `FVER`, then `COMM` with the
//! shape and an 80-bit sample rate, then `SSND` with the samples interleaved by frame.
//!
//! Context: NRT (file I/O).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::wav::{WavError, WavFormat};

/// The AIFF-C version its `FVER` chunk names.
const AIFC_VERSION: u32 = 0xA280_5140;

/// Writes `frames` frames of `channels` channels at `sample_rate` in `format` to `path`,
/// taking the samples, interleaved by frame, from `samples`; integer formats are
/// quantized as [`WavFormat::quantize`] says.
///
/// # Errors
/// The data would not fit the 32-bit sizes, the file cannot be created, `samples` ends
/// early, or writing fails.
pub fn write_aiff(
    path: &Path,
    channels: u16,
    frames: u32,
    sample_rate: f64,
    format: WavFormat,
    samples: impl Iterator<Item = f32>,
) -> Result<(), WavError> {
    let bytes = u64::from(format.bits() / 8);
    let data = u64::from(frames) * u64::from(channels) * bytes;
    let float = format == WavFormat::Float;
    // COMM: 18 bytes, and for AIFF-C the compression type and its name, a pstring
    // padded to an even length.
    let name: &[u8] = if float { b"\x0c32-bit float\0" } else { b"" };
    let comm = 18 + if float { 4 + name.len() as u64 } else { 0 };
    let fver = if float { 12 } else { 0 };
    let form = 4 + fver + (8 + comm) + (8 + 8 + data);
    if form > u64::from(u32::MAX) {
        return Err(WavError::new(format!("{data} bytes of samples do not fit in an AIFF file")));
    }
    let mut out = BufWriter::new(File::create(path).map_err(|e| WavError::new(e.to_string()))?);
    let mut header = Vec::with_capacity(64);
    header.extend_from_slice(b"FORM");
    header.extend_from_slice(&(form as u32).to_be_bytes());
    header.extend_from_slice(if float { b"AIFC" } else { b"AIFF" });
    if float {
        header.extend_from_slice(b"FVER");
        header.extend_from_slice(&4u32.to_be_bytes());
        header.extend_from_slice(&AIFC_VERSION.to_be_bytes());
    }
    header.extend_from_slice(b"COMM");
    header.extend_from_slice(&(comm as u32).to_be_bytes());
    header.extend_from_slice(&channels.to_be_bytes());
    header.extend_from_slice(&frames.to_be_bytes());
    header.extend_from_slice(&format.bits().to_be_bytes());
    header.extend_from_slice(&extended(sample_rate));
    if float {
        header.extend_from_slice(b"fl32");
        header.extend_from_slice(name);
    }
    header.extend_from_slice(b"SSND");
    header.extend_from_slice(&((8 + data) as u32).to_be_bytes());
    header.extend_from_slice(&[0; 8]);
    let io = |e: std::io::Error| WavError::new(e.to_string());
    out.write_all(&header).map_err(io)?;
    let mut written = 0u64;
    let wanted = u64::from(frames) * u64::from(channels);
    for x in samples.take(wanted as usize) {
        match format {
            WavFormat::Float => out.write_all(&x.to_be_bytes()),
            WavFormat::Int16 => out.write_all(&(format.quantize(x) as i16).to_be_bytes()),
            WavFormat::Int24 => out.write_all(&format.quantize(x).to_be_bytes()[1..]),
        }
        .map_err(io)?;
        written += 1;
    }
    if written < wanted {
        return Err(WavError::new(format!("{written} of {wanted} samples to write")));
    }
    out.flush().map_err(io)
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
        write_aiff(&path, 2, 2, 48000.0, WavFormat::Float, [0.5, -0.5, 1.0, 0.0].into_iter()).unwrap();
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
        write_aiff(&path, 1, 2, 44100.0, WavFormat::Int24, [1.0, -1.0].into_iter()).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[8..12], b"AIFF");
        let ssnd = bytes.windows(4).position(|w| w == b"SSND").unwrap();
        assert_eq!(&bytes[ssnd + 16..], [0x7f, 0xff, 0xff, 0x80, 0x00, 0x00]);
        assert!(write_aiff(&path, 1, 3, 44100.0, WavFormat::Int16, [0.0].into_iter()).is_err());
    }
}
