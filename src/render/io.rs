use std::path::{Path, PathBuf};

use oscine_plugins::wav::{WavFormat, WavReader, WavWriter};

use super::RenderError;

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

/// Hardware inputs from a WAV file: file channel `c` feeds input channel `c`; inputs the
/// file lacks are silent, file channels beyond the inputs are ignored, and every input is
/// silent once the file ends. Reads what `audio-buffer` reads, the same way
/// ([`oscine_plugins::wav::WavReader`]): 8/16/24/32-bit integer files (scaled by
/// `2^-(bits-1)`) and 32-bit float files.
///
/// Context: NRT (file I/O).
pub struct WavInput {
    path: PathBuf,
    reader: WavReader,
    ended: bool,
}

impl std::fmt::Debug for WavInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavInput")
            .field("path", &self.path)
            .field("channels", &self.channels())
            .field("sample_rate", &self.sample_rate())
            .field("frames", &self.frames())
            .finish()
    }
}

impl WavInput {
    /// Opens a WAV file and reads its header.
    ///
    /// # Errors
    /// [`RenderError::Input`] when the file cannot be opened, is not a WAV file in a
    /// supported encoding, or is shorter than its header says.
    pub fn open(path: impl AsRef<Path>) -> Result<WavInput, RenderError> {
        let path = path.as_ref().to_path_buf();
        match WavReader::open(&path) {
            Ok(reader) => Ok(WavInput { path, reader, ended: false }),
            Err(e) => Err(RenderError::Input { path, reason: e.to_string() }),
        }
    }

    /// The file's channels.
    pub fn channels(&self) -> usize {
        self.reader.channels()
    }

    /// The file's sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.reader.sample_rate()
    }

    /// The file's length in frames.
    pub fn frames(&self) -> u64 {
        self.reader.frames()
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn next_sample(&mut self) -> Result<f32, RenderError> {
        if self.ended {
            return Ok(0.0);
        }
        match self.reader.samples().next() {
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
            for c in 0..self.channels() {
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
    writer: Option<WavWriter>,
    format: WavFormat,
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
        format: WavFormat,
    ) -> Result<WavOutput, RenderError> {
        let path = path.as_ref().to_path_buf();
        let fail = |reason: String| RenderError::Output { path: path.clone(), reason };
        let channels = u16::try_from(channels).map_err(|_| fail(format!("{channels} channels is too many")))?;
        let name = path.file_name().ok_or_else(|| fail("not a file name".into()))?.to_string_lossy();
        let temporary = path.with_file_name(format!(".{name}.{}.partial", std::process::id()));
        let writer = WavWriter::create(&temporary, channels, sample_rate, format).map_err(|e| fail(e.to_string()))?;
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
        for f in 0..frames {
            for c in 0..channels {
                // The first failure ends the write; nothing after it may hide it.
                writer
                    .write_sample(planar[c * stride + f])
                    .map_err(|e| RenderError::Output { path: self.path.clone(), reason: e.to_string() })?;
            }
        }
        self.frames += frames as u64;
        Ok(())
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
