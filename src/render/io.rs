use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};

use hound::{SampleFormat, WavIntoSamples, WavReader, WavSpec, WavWriter};

use super::{OutputFormat, RenderError};

/// Where a render's hardware outputs go, block by block.
pub trait FrameSink {
    /// Takes the first `frames` frames of each channel in `planar`, which holds
    /// `planar.len() / stride` channels of `stride` frames each, one after the other.
    fn write(&mut self, planar: &[f32], stride: usize, frames: usize) -> Result<(), RenderError>;
}

/// Where a render's hardware inputs come from, block by block.
pub trait FrameSource {
    /// Fills the first `frames` frames of each channel in `planar` (laid out as for
    /// [`FrameSink::write`]) with the next frames; silence once the source has run out.
    fn read(&mut self, planar: &mut [f32], stride: usize, frames: usize) -> Result<(), RenderError>;
}

/// Keeps a render in memory, one `Vec` per channel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemorySink {
    /// The samples of each channel.
    pub channels: Vec<Vec<f32>>,
}

impl FrameSink for MemorySink {
    fn write(&mut self, planar: &[f32], stride: usize, frames: usize) -> Result<(), RenderError> {
        let count = planar.len() / stride.max(1);
        self.channels.resize_with(count, Vec::new);
        for (samples, channel) in self.channels.iter_mut().zip(planar.chunks_exact(stride.max(1))) {
            samples.extend_from_slice(&channel[..frames]);
        }
        Ok(())
    }
}

/// Inputs from memory: channel `c` of the render reads `channels[c]` (silence past its
/// end, and for channels it does not have).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemorySource {
    channels: Vec<Vec<f32>>,
    position: usize,
}

impl MemorySource {
    /// A source playing these channels from their start.
    pub fn new(channels: Vec<Vec<f32>>) -> Self {
        MemorySource { channels, position: 0 }
    }
}

impl FrameSource for MemorySource {
    fn read(&mut self, planar: &mut [f32], stride: usize, frames: usize) -> Result<(), RenderError> {
        for (c, out) in planar.chunks_exact_mut(stride.max(1)).enumerate() {
            let out = &mut out[..frames];
            out.fill(0.0);
            if let Some(samples) = self.channels.get(c) {
                let from = self.position.min(samples.len());
                let to = (self.position + frames).min(samples.len());
                out[..to - from].copy_from_slice(&samples[from..to]);
            }
        }
        self.position += frames;
        Ok(())
    }
}

enum Samples {
    Float(WavIntoSamples<BufReader<File>, f32>),
    Int(WavIntoSamples<BufReader<File>, i32>, f32),
}

/// Hardware inputs from a WAV file: file channel `c` feeds input channel `c`; inputs the
/// file lacks are silent, file channels beyond the inputs are ignored, and every input is
/// silent once the file ends. Reads 8/16/24/32-bit integer files (scaled by
/// `2^-(bits-1)`, as `audio-buffer` reads them) and 32-bit float files.
///
/// Context: NRT (file I/O).
pub struct WavInput {
    path: PathBuf,
    channels: usize,
    sample_rate: u32,
    frames: u64,
    samples: Samples,
    ended: bool,
}

impl std::fmt::Debug for WavInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavInput")
            .field("path", &self.path)
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .field("frames", &self.frames)
            .finish()
    }
}

impl WavInput {
    /// Opens a WAV file and reads its header.
    ///
    /// # Errors
    /// [`RenderError::Input`] when the file cannot be opened or is not a WAV file in a
    /// supported encoding.
    pub fn open(path: impl AsRef<Path>) -> Result<WavInput, RenderError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| RenderError::Input { path: path.clone(), reason };
        let reader = WavReader::open(&path).map_err(|e| fail(e.to_string()))?;
        let spec = reader.spec();
        let frames = u64::from(reader.duration());
        let samples = match (spec.sample_format, spec.bits_per_sample) {
            (SampleFormat::Float, 32) => Samples::Float(reader.into_samples()),
            (SampleFormat::Int, bits @ 8..=32) => {
                Samples::Int(reader.into_samples(), (2.0f64).powi(1 - i32::from(bits)) as f32)
            }
            (format, bits) => return Err(fail(format!("unsupported encoding: {bits}-bit {format:?}"))),
        };
        Ok(WavInput {
            channels: usize::from(spec.channels),
            sample_rate: spec.sample_rate,
            frames,
            samples,
            ended: false,
            path,
        })
    }

    /// The file's channels.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The file's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The file's length in frames.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn next_sample(&mut self) -> Result<f32, RenderError> {
        if self.ended {
            return Ok(0.0);
        }
        let next = match &mut self.samples {
            Samples::Float(s) => s.next(),
            Samples::Int(s, scale) => s.next().map(|r| r.map(|x| x as f32 * *scale)),
        };
        match next {
            Some(Ok(x)) => Ok(x),
            Some(Err(e)) => Err(RenderError::Input { path: self.path.clone(), reason: e.to_string() }),
            None => {
                self.ended = true;
                Ok(0.0)
            }
        }
    }
}

impl FrameSource for WavInput {
    fn read(&mut self, planar: &mut [f32], stride: usize, frames: usize) -> Result<(), RenderError> {
        let inputs = planar.len() / stride.max(1);
        for c in 0..inputs {
            planar[c * stride..c * stride + frames].fill(0.0);
        }
        for f in 0..frames {
            if self.ended {
                break;
            }
            for c in 0..self.channels {
                let x = self.next_sample()?;
                if c < inputs {
                    planar[c * stride + f] = x;
                }
            }
        }
        Ok(())
    }
}

/// The hardware outputs to a WAV file.
///
/// The samples go to a temporary file next to the output, which [`finish`](Self::finish)
/// renames into place; if the render fails (or the `WavOutput` is dropped unfinished) the
/// temporary file is removed and an existing file at the path is left as it was.
///
/// Context: NRT (file I/O).
pub struct WavOutput {
    path: PathBuf,
    temporary: PathBuf,
    writer: Option<WavWriter<BufWriter<File>>>,
    format: OutputFormat,
    frames: u64,
}

impl std::fmt::Debug for WavOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavOutput").field("path", &self.path).field("format", &self.format).finish()
    }
}

impl WavOutput {
    /// Starts writing a WAV file of `channels` channels at `sample_rate` in `format`.
    ///
    /// # Errors
    /// [`RenderError::Output`] when the temporary file cannot be created.
    pub fn create(
        path: impl AsRef<Path>,
        channels: usize,
        sample_rate: u32,
        format: OutputFormat,
    ) -> Result<WavOutput, RenderError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| RenderError::Output { path: path.clone(), reason };
        let channels = u16::try_from(channels).map_err(|_| fail(format!("{channels} channels is too many")))?;
        let name = path.file_name().ok_or_else(|| fail("not a file name".into()))?.to_string_lossy();
        let temporary = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let spec = WavSpec {
            channels,
            sample_rate,
            bits_per_sample: format.bits(),
            sample_format: match format {
                OutputFormat::Float => SampleFormat::Float,
                OutputFormat::Int16 | OutputFormat::Int24 => SampleFormat::Int,
            },
        };
        let writer = WavWriter::create(&temporary, spec).map_err(|e| fail(e.to_string()))?;
        Ok(WavOutput { path, temporary, writer: Some(writer), format, frames: 0 })
    }

    /// The output's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Completes the file and moves it to its path.
    ///
    /// # Errors
    /// [`RenderError::Output`] when the header cannot be written or the file not moved.
    pub fn finish(mut self) -> Result<(), RenderError> {
        let fail = |reason: String| RenderError::Output { path: self.path.clone(), reason };
        let finalized = match self.writer.take() {
            Some(writer) => writer.finalize().map_err(|e| fail(e.to_string())),
            None => Ok(()),
        };
        let result =
            finalized.and_then(|()| std::fs::rename(&self.temporary, &self.path).map_err(|e| fail(e.to_string())));
        if result.is_err() {
            let _ = std::fs::remove_file(&self.temporary);
        }
        result
    }
}

impl FrameSink for WavOutput {
    fn write(&mut self, planar: &[f32], stride: usize, frames: usize) -> Result<(), RenderError> {
        let Some(writer) = self.writer.as_mut() else { return Ok(()) };
        let channels = planar.len() / stride.max(1);
        let mut result = Ok(());
        for f in 0..frames {
            for c in 0..channels {
                let x = planar[c * stride + f];
                result = match self.format {
                    OutputFormat::Float => writer.write_sample(x),
                    format => writer.write_sample(format.quantize(x)),
                };
                if result.is_err() {
                    break;
                }
            }
        }
        self.frames += frames as u64;
        result.map_err(|e| RenderError::Output { path: self.path.clone(), reason: e.to_string() })
    }
}

impl Drop for WavOutput {
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            drop(writer);
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}
