//! WAV fixtures for the resource loopback tests, written and parsed by hand (16-bit PCM and
//! 32-bit float, the encodings the tests use), and temporary paths removed on drop.
//!
//! Included with `#[path = "support/wav.rs"] mod wav;` by the tests that need it, so the
//! shared `support` module is left as it is.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A unique path in the system's temporary directory; the file (if any) is removed when
/// this is dropped.
pub struct TempPath(PathBuf);

impl TempPath {
    /// A path ending in `-tag`, unique to this process, this call and this moment.
    pub fn new(tag: &str) -> TempPath {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let name = format!("oscine-test-{}-{n}-{nanos}-{tag}", std::process::id());
        TempPath(std::env::temp_dir().join(name))
    }

    /// The path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The path as the string a client sends.
    pub fn string(&self) -> String {
        self.0.to_str().expect("temporary paths are UTF-8").to_owned()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Samples of a WAV file, interleaved by frame.
#[derive(Debug, Clone, PartialEq)]
pub enum Samples {
    /// 16-bit PCM.
    Int16(Vec<i16>),
    /// 24-bit PCM, sign-extended.
    Int24(Vec<i32>),
    /// 32-bit IEEE float.
    Float(Vec<f32>),
}

/// A parsed WAV file.
#[derive(Debug, Clone, PartialEq)]
pub struct Wav {
    /// 1 (PCM) or 3 (IEEE float); WAVE_FORMAT_EXTENSIBLE is resolved to its sub-format.
    pub format: u16,
    pub channels: u16,
    pub sample_rate: u32,
    pub bits: u16,
    pub samples: Samples,
}

impl Wav {
    /// Frames in the file.
    pub fn frames(&self) -> usize {
        let n = match &self.samples {
            Samples::Int16(v) => v.len(),
            Samples::Int24(v) => v.len(),
            Samples::Float(v) => v.len(),
        };
        n / usize::from(self.channels)
    }

    /// The samples as the engine loads them: integers scaled by 2^-(bits - 1).
    pub fn as_f32(&self) -> Vec<f32> {
        match &self.samples {
            Samples::Int16(v) => v.iter().map(|&x| f32::from(x) / 32_768.0).collect(),
            Samples::Int24(v) => v.iter().map(|&x| x as f32 / 8_388_608.0).collect(),
            Samples::Float(v) => v.clone(),
        }
    }
}

fn header(format: u16, channels: u16, sample_rate: u32, bits: u16, data_bytes: usize) -> Vec<u8> {
    let block_align = channels * bits / 8;
    let mut h = Vec::with_capacity(44);
    h.extend_from_slice(b"RIFF");
    h.extend_from_slice(&(36 + data_bytes as u32).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&format.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&sample_rate.to_le_bytes());
    h.extend_from_slice(&(sample_rate * u32::from(block_align)).to_le_bytes());
    h.extend_from_slice(&block_align.to_le_bytes());
    h.extend_from_slice(&bits.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&(data_bytes as u32).to_le_bytes());
    h
}

/// Writes a 32-bit float WAV file of interleaved samples.
pub fn write_float(path: &Path, channels: u16, sample_rate: u32, samples: &[f32]) {
    let mut bytes = header(3, channels, sample_rate, 32, samples.len() * 4);
    for x in samples {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

/// Writes a 16-bit PCM WAV file of interleaved samples.
pub fn write_int16(path: &Path, channels: u16, sample_rate: u32, samples: &[i16]) {
    let mut bytes = header(1, channels, sample_rate, 16, samples.len() * 2);
    for x in samples {
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Parses a WAV file, checking that its sizes are consistent: the RIFF size matches the
/// file, the byte rate and block alignment match the format, and the data chunk holds
/// whole frames. Panics with the reason otherwise.
#[track_caller]
pub fn read(path: &Path) -> Wav {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let what = path.display();
    assert!(b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WAVE", "{what}: not a RIFF WAVE file");
    assert_eq!(u32_at(&b, 4) as usize, b.len() - 8, "{what}: RIFF size does not match the file's length");
    let mut fmt = None;
    let mut data = None;
    let mut at = 12;
    while at + 8 <= b.len() {
        let id = &b[at..at + 4];
        let size = u32_at(&b, at + 4) as usize;
        let body = at + 8;
        assert!(body + size <= b.len(), "{what}: chunk {:?} runs past the end", String::from_utf8_lossy(id));
        match id {
            b"fmt " => fmt = Some(&b[body..body + size]),
            b"data" => data = Some(&b[body..body + size]),
            _ => {}
        }
        at = body + size + (size & 1);
    }
    let fmt = fmt.unwrap_or_else(|| panic!("{what}: no fmt chunk"));
    let data = data.unwrap_or_else(|| panic!("{what}: no data chunk"));
    assert!(fmt.len() >= 16, "{what}: fmt chunk of {} bytes", fmt.len());
    let mut format = u16_at(fmt, 0);
    let channels = u16_at(fmt, 2);
    let sample_rate = u32_at(fmt, 4);
    let byte_rate = u32_at(fmt, 8);
    let block_align = u16_at(fmt, 12);
    let bits = u16_at(fmt, 14);
    if format == 0xfffe {
        assert!(fmt.len() >= 40, "{what}: WAVE_FORMAT_EXTENSIBLE fmt chunk of {} bytes", fmt.len());
        format = u16_at(fmt, 24);
    }
    assert!(channels > 0, "{what}: no channels");
    assert_eq!(block_align, channels * bits.div_ceil(8), "{what}: block alignment");
    assert_eq!(byte_rate, sample_rate * u32::from(block_align), "{what}: byte rate");
    assert_eq!(data.len() % usize::from(block_align), 0, "{what}: data is not whole frames");
    let samples = match (format, bits) {
        (1, 16) => Samples::Int16(data.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect()),
        (1, 24) => {
            Samples::Int24(data.chunks_exact(3).map(|c| i32::from_le_bytes([0, c[0], c[1], c[2]]) >> 8).collect())
        }
        (3, 32) => Samples::Float(data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
        other => panic!("{what}: unexpected format/bits {other:?}"),
    };
    Wav { format, channels, sample_rate, bits, samples }
}
