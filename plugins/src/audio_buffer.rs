//! `audio-buffer`: the sample buffer Resource that `sampler` plays and `recorder` fills, its
//! ResourceDef, and its loading and saving of WAV files (through [`crate::wav`]).

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use oscine_plugin_api::{
    downcast, CreatedFile, CreatedPath, FileAccess, MemoryBudget, MemoryGrant, Mutability, OperationSpec, PluginError,
    Resource, ResourceArg, ResourceDef, ResourceDefInfo, ResourceId, ResourcePorts, World,
};

use crate::sound_file_writer::SoundFileWriter;
use crate::wav::{self, WavFormat, WavReader};
use crate::{buffer_edit, buffer_gen, disk_stream};

/// Most channels a buffer may have.
pub const MAX_CHANNELS: usize = 1024;

/// Most samples (channels times frames) a buffer may hold: 2^31, 8 GiB of storage. A
/// guard against a typo or a hostile header asking for more memory than the host has.
pub const MAX_SAMPLES: usize = 1 << 31;

/// Lowest sample rate a buffer may have, in Hz. Sample rates are positive so that a
/// duration in seconds always names a frame, and whole-Hz-or-more so a WAV header can
/// carry them.
pub const MIN_SAMPLE_RATE: f64 = 1.0;

/// Highest sample rate a buffer may have, in Hz: the largest a WAV header can carry.
pub const MAX_SAMPLE_RATE: f64 = u32::MAX as f64;

/// A block of audio: `channels` channels of `frames` frames each, at `sample_rate` frames
/// per second.
///
/// The samples live in atomics holding `f32` bits, interleaved by frame. The audio thread
/// (a `sampler` reading, a `recorder` writing) and workers (a `write` operation) may touch
/// the same buffer at once; atomics make that data-race free without locks or `unsafe`, and
/// the relaxed loads and stores they use compile to plain moves on x86-64 and AArch64.
/// Each sample is read or written whole, but there is no ordering between samples: a
/// worker that saves a buffer while a recorder fills it sees some mix of old and new
/// frames. Operations that must see a quiet buffer are exclusive (the engine runs them only
/// when nothing else holds it), and the engine's hand-over between threads publishes what
/// they wrote.
///
/// The shape and sample rate never change after construction; only the samples do.
///
/// ```
/// use oscine_plugins::AudioBuffer;
/// let buffer = AudioBuffer::new(2, 4, 48_000.0).unwrap();
/// buffer.set(1, 3, 0.5);
/// assert_eq!(buffer.get(1, 3), 0.5);
/// assert_eq!(buffer.get(0, 3), 0.0);
/// ```
pub struct AudioBuffer {
    channels: usize,
    frames: usize,
    sample_rate: f64,
    /// Sample `c` of frame `f` at `f * channels + c`. Interleaved so that a frame (what the
    /// sampler and recorder touch per step, and the order WAV files use) is contiguous.
    samples: Box<[AtomicU32]>,
    /// The frames `DiskOut` has written into the buffer, used as a ring, since it was
    /// made: where the next goes (modulo the frames), and how far a disk stream may read.
    streamed: AtomicU64,
    /// The samples' bytes in the resource memory budget, given back with the buffer.
    _grant: MemoryGrant,
}

impl Resource for AudioBuffer {}

impl fmt::Debug for AudioBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the samples: a buffer may hold billions of them.
        f.debug_struct("AudioBuffer")
            .field("channels", &self.channels)
            .field("frames", &self.frames)
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

impl AudioBuffer {
    /// A silent buffer.
    ///
    /// Context: NRT (allocates; may take a while for a large buffer, as every page is
    /// written).
    ///
    /// # Errors
    /// If `channels` is not in `1..=1024`, `frames` is 0, the buffer would hold more than
    /// [`MAX_SAMPLES`] samples, the sample rate is not in
    /// [`MIN_SAMPLE_RATE`]`..=`[`MAX_SAMPLE_RATE`], or the memory cannot be had.
    pub fn new(channels: usize, frames: usize, sample_rate: f64) -> Result<AudioBuffer, PluginError> {
        Self::within(&MemoryBudget::UNLIMITED, channels, frames, sample_rate)
    }

    /// Like [`new`](Self::new), its samples' bytes reserved in `budget` first (and given
    /// back when the buffer is dropped).
    ///
    /// Context: NRT (allocates).
    ///
    /// # Errors
    /// As [`new`](Self::new), and when the samples would pass the budget.
    pub fn within(
        budget: &MemoryBudget,
        channels: usize,
        frames: usize,
        sample_rate: f64,
    ) -> Result<AudioBuffer, PluginError> {
        let len = check_shape(channels, frames)?;
        check_sample_rate(sample_rate)?;
        let (samples, grant) = zeroed(budget, len)?;
        Ok(AudioBuffer { channels, frames, sample_rate, samples, streamed: AtomicU64::new(0), _grant: grant })
    }

    /// A buffer holding a WAV file, at the file's sample rate. Reads 8, 16, 24 and 32-bit
    /// integer and 32-bit float files, as [`WavReader`] does: integers are scaled by
    /// `2^-(bits - 1)`, so full scale is `[-1, 1)` (32-bit values within 2^-25 of the top
    /// round to 1.0 in `f32`), and floats are taken as they are.
    ///
    /// The samples stream from the file straight into the buffer, so loading needs no
    /// memory beyond the buffer itself, and the buffer is allocated only once the header
    /// has been checked against the file's size (a truncated or lying header fails before
    /// it can claim more memory than the file justifies).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// With the path and the reason: the file cannot be opened, is not a WAV file, is
    /// shorter than its header says, uses an encoding listed as unsupported above, or has
    /// a shape or sample rate [`new`](Self::new) rejects.
    pub fn from_wav(path: impl AsRef<Path>) -> Result<AudioBuffer, PluginError> {
        Self::from_wav_frames(path, 0, None)
    }

    /// A buffer holding `frames` frames of a WAV file from frame `start` on (all the
    /// frames from `start` when `frames` is `None`), at the file's sample rate; otherwise
    /// as [`from_wav`](Self::from_wav).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As [`from_wav`](Self::from_wav), and when `start` is past the file's end or
    /// `frames` asks for more frames than the file has from `start`.
    pub fn from_wav_frames(
        path: impl AsRef<Path>,
        start: usize,
        frames: Option<usize>,
    ) -> Result<AudioBuffer, PluginError> {
        Self::from_wav_channels(&World::new(48_000.0, 64), path, start, frames, &[])
    }

    /// Like [`from_wav_frames`](Self::from_wav_frames), reading only the file's channels
    /// listed in `channels`, in that order: buffer channel `k` holds file channel
    /// `channels[k]` (a channel may be listed twice). An empty list reads every channel.
    /// The file is opened through `world.files` and the samples' bytes reserved in
    /// `world.memory` (the others open any file, with no budget: a ResourceDef loading a
    /// client's path passes its [`World`]).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As [`from_wav_frames`](Self::from_wav_frames), when `world.files` refuses the path,
    /// when the samples would pass `world.memory`, and when the file has no channel of a
    /// number listed.
    pub fn from_wav_channels(
        world: &World,
        path: impl AsRef<Path>,
        start: usize,
        frames: Option<usize>,
        channels: &[usize],
    ) -> Result<AudioBuffer, PluginError> {
        let path = path.as_ref();
        let fail = |reason: String| load_error(path, reason);
        let file = world.files.open_read(path).map_err(|e| fail(e.to_string()))?;
        let mut reader = WavReader::new(file).map_err(|e| fail(e.to_string()))?;
        let file_channels = reader.channels();
        check_channels(file_channels, channels).map_err(fail)?;
        let selected = channels;
        let channels = if selected.is_empty() { file_channels } else { selected.len() };
        let available = usize::try_from(reader.frames()).unwrap_or(usize::MAX);
        if start > 0 && start >= available {
            return Err(fail(format!("frame {start} is past the file's end ({available} frames)")));
        }
        let frames = match frames {
            None => available - start,
            Some(n) if n <= available - start => n,
            Some(n) => return Err(fail(format!("{n} frames from frame {start} are more than the file's {available}"))),
        };
        let len = check_shape(channels, frames).map_err(|e| fail(e.reason().to_owned()))?;
        let sample_rate = f64::from(reader.sample_rate());
        check_sample_rate(sample_rate).map_err(|e| fail(e.reason().to_owned()))?;
        let (samples, grant) = zeroed(&world.memory, len).map_err(|e| fail(e.reason().to_owned()))?;
        let buffer = AudioBuffer { channels, frames, sample_rate, samples, streamed: AtomicU64::new(0), _grant: grant };
        let read = decode_channels_into(&mut reader, start, file_channels, selected, &buffer.samples)
            .map_err(|e| fail(e.to_string()))?;
        if read < len {
            return Err(fail(format!("the file ends after {read} of its {len} samples")));
        }
        Ok(buffer)
    }

    /// Replaces the start of this buffer with a WAV file's frames, as many as both hold,
    /// and returns how many that was. Frames past the end of a shorter file keep their
    /// samples; the buffer keeps its own sample rate whatever the file's. The file must
    /// have as many channels as the buffer. Encodings as in [`from_wav`](Self::from_wav).
    ///
    /// Context: NRT (file I/O). Meant for exclusive access: a concurrent reader sees a mix
    /// of old and new frames.
    ///
    /// # Errors
    /// With the path and the reason, as for [`from_wav`](Self::from_wav), or when the
    /// channel counts differ. A file that turns out to be truncated fails part-way, leaving
    /// the frames before the damage loaded.
    pub fn read_wav(&self, path: impl AsRef<Path>) -> Result<usize, PluginError> {
        self.read_wav_at(path, 0, None, 0)
    }

    /// Like [`read_wav`](Self::read_wav), from the file's frame `file_start` into the
    /// buffer from its frame `buffer_start`, at most `frames` frames (as many as fit when
    /// `None`). Returns the frames read: as many as the file has from `file_start`, the
    /// buffer has room for from `buffer_start`, and `frames` allows.
    ///
    /// Context: NRT (file I/O). Meant for exclusive access, as `read_wav`.
    ///
    /// # Errors
    /// As [`read_wav`](Self::read_wav), and when `buffer_start` is past the buffer's end.
    pub fn read_wav_at(
        &self,
        path: impl AsRef<Path>,
        file_start: usize,
        frames: Option<usize>,
        buffer_start: usize,
    ) -> Result<usize, PluginError> {
        self.read_wav_channels(&FileAccess::UNCONFINED, path, file_start, frames, buffer_start, &[])
    }

    /// Like [`read_wav_at`](Self::read_wav_at), reading only the file's channels listed in
    /// `channels`, in that order, into the buffer's channels: buffer channel `k` gets file
    /// channel `channels[k]`. The list must have as many entries as the buffer has
    /// channels; an empty list reads every channel of a file with the buffer's channel
    /// count. The file is opened through `files`, as for
    /// [`from_wav_channels`](Self::from_wav_channels).
    ///
    /// Context: NRT (file I/O). Meant for exclusive access, as `read_wav`.
    ///
    /// # Errors
    /// As [`read_wav_at`](Self::read_wav_at), when `files` refuses the path, and when the
    /// list's length is not the buffer's channel count or the file has no channel of a
    /// number listed.
    pub fn read_wav_channels(
        &self,
        files: &FileAccess,
        path: impl AsRef<Path>,
        file_start: usize,
        frames: Option<usize>,
        buffer_start: usize,
        channels: &[usize],
    ) -> Result<usize, PluginError> {
        let path = path.as_ref();
        let fail = |reason: String| load_error(path, reason);
        if buffer_start >= self.frames {
            return Err(fail(format!("buffer frame {buffer_start} is past the buffer's end ({})", self.frames)));
        }
        if !channels.is_empty() && channels.len() != self.channels {
            return Err(fail(format!(
                "{} channels listed for a buffer of {}; list one file channel per buffer channel",
                channels.len(),
                self.channels
            )));
        }
        let file = files.open_read(path).map_err(|e| fail(e.to_string()))?;
        let mut reader = WavReader::new(file).map_err(|e| fail(e.to_string()))?;
        let file_channels = reader.channels();
        check_channels(file_channels, channels).map_err(fail)?;
        if channels.is_empty() && file_channels != self.channels {
            return Err(fail(format!(
                "the file has {file_channels} channels and the buffer {}; they must match",
                self.channels
            )));
        }
        let in_file = usize::try_from(reader.frames()).unwrap_or(usize::MAX).saturating_sub(file_start);
        let frames = in_file.min(self.frames - buffer_start).min(frames.unwrap_or(usize::MAX));
        let start = buffer_start * self.channels;
        let len = frames * self.channels;
        let dest = &self.samples[start..start + len];
        let read = decode_channels_into(&mut reader, file_start, file_channels, channels, dest)
            .map_err(|e| fail(e.to_string()))?;
        if read < len {
            return Err(fail(format!("the file ends after {read} of its {len} samples")));
        }
        Ok(frames)
    }

    /// Writes the whole buffer to a WAV file at its sample rate (rounded to whole Hz),
    /// replacing any file there. Integer formats are quantized as
    /// [`WavFormat::quantize`] says: scaled by `2^(bits - 1)`, rounded to nearest and
    /// clipped to the format's range (so `1.0` becomes the largest positive value); NaN
    /// becomes 0. Reading the file back therefore gives every sample within half a step of
    /// the original, and exactly the original for samples already on the format's grid.
    ///
    /// Context: NRT (file I/O). A concurrent writer to the buffer makes the file a mix of
    /// old and new frames.
    ///
    /// # Errors
    /// With the path and the reason: the data would not fit a WAV file's 4 GiB, the file
    /// cannot be created, or writing fails (the partial file is then removed).
    pub fn write_wav(&self, path: impl AsRef<Path>, format: WavFormat) -> Result<(), PluginError> {
        self.write_frames(&FileAccess::UNCONFINED, path, format, FileType::Wav, 0..self.frames)
    }

    /// Writes frames `range` (clamped to the buffer) to a file of `file_type`, as
    /// [`write_wav`](Self::write_wav) and [`write_aiff`](Self::write_aiff) do for the
    /// whole buffer, opening the file through `files` (as for
    /// [`from_wav_channels`](Self::from_wav_channels)).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As `write_wav`, and when `files` refuses the path. A file this call created is
    /// removed when writing fails; one that was there is left, never deleted.
    pub fn write_frames(
        &self,
        files: &FileAccess,
        path: impl AsRef<Path>,
        format: WavFormat,
        file_type: FileType,
        range: std::ops::Range<usize>,
    ) -> Result<(), PluginError> {
        let path = path.as_ref();
        let (writer, created) = self.write_frames_open(files, path, format, file_type, range)?;
        if let Err(e) = writer.finalize() {
            // Its header would not match its data.
            created.discard();
            return Err(write_error(path, e));
        }
        Ok(())
    }

    /// Writes frames `range` (clamped to the buffer) to a new file, as
    /// [`write_frames`](Self::write_frames) does, and returns the file still open, for a
    /// disk stream to append to.
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// As `write_frames`.
    pub(crate) fn write_frames_open(
        &self,
        files: &FileAccess,
        path: &Path,
        format: WavFormat,
        file_type: FileType,
        range: std::ops::Range<usize>,
    ) -> Result<(SoundFileWriter, CreatedPath), PluginError> {
        let range = range.start.min(self.frames)..range.end.min(self.frames);
        let samples = &self.samples[range.start * self.channels..range.end.max(range.start) * self.channels];
        let data_bytes = samples.len() as u64 * u64::from(format.bits() / 8);
        if data_bytes > wav::MAX_DATA_BYTES {
            let reason = format!("{data_bytes} bytes of {} samples do not fit in a sound file", format.name());
            return Err(write_error(path, reason));
        }
        // The channels are in 1..=1024 by construction.
        let CreatedFile { file, path: created } = files.create(path).map_err(|e| write_error(path, e))?;
        let mut writer = match SoundFileWriter::create(file, file_type, self.channels as u16, self.sample_rate, format)
        {
            Ok(writer) => writer,
            Err(e) => {
                created.discard();
                return Err(write_error(path, e));
            }
        };
        if let Err(e) =
            samples.iter().try_for_each(|sample| writer.write_sample(f32::from_bits(sample.load(Ordering::Relaxed))))
        {
            drop(writer);
            created.discard();
            return Err(write_error(path, e));
        }
        Ok((writer, created))
    }

    /// Writes the whole buffer to an AIFF file (AIFF-C for float samples) at its sample
    /// rate, replacing any file there; samples are quantized as for
    /// [`write_wav`](Self::write_wav).
    ///
    /// Context: NRT (file I/O).
    ///
    /// # Errors
    /// With the path and the reason, as `write_wav` (the partial file is removed).
    pub fn write_aiff(&self, path: impl AsRef<Path>, format: WavFormat) -> Result<(), PluginError> {
        self.write_frames(&FileAccess::UNCONFINED, path, format, FileType::Aiff, 0..self.frames)
    }

    /// The number of channels, in `1..=1024`.
    ///
    /// Context: any.
    pub fn channels(&self) -> usize {
        self.channels
    }

    /// The number of frames, at least 1.
    ///
    /// Context: any.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Frames per second of the buffer's own material (a loaded file's rate), which may
    /// differ from the engine's.
    ///
    /// Context: any.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The sample of `channel` at `frame`, or 0 outside the buffer (so no index can make
    /// the audio thread panic, and reading past the end reads silence).
    ///
    /// Context: any, including RT.
    #[inline]
    pub fn get(&self, channel: usize, frame: usize) -> f32 {
        if channel < self.channels && frame < self.frames {
            // No overflow: both factors are in range, and the product is at most 2^31.
            f32::from_bits(self.samples[frame * self.channels + channel].load(Ordering::Relaxed))
        } else {
            0.0
        }
    }

    /// Sets the sample of `channel` at `frame`; outside the buffer it does nothing.
    ///
    /// Context: any, including RT.
    #[inline]
    pub fn set(&self, channel: usize, frame: usize, value: f32) {
        if channel < self.channels && frame < self.frames {
            self.samples[frame * self.channels + channel].store(value.to_bits(), Ordering::Relaxed);
        }
    }

    /// The number of samples: channels times frames.
    ///
    /// Context: any.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    /// Never: a buffer has at least one channel and one frame.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Sample `index` counted across frames and channels as they are stored, interleaved
    /// (`frame * channels + channel`, scsynth's sample index), or 0 outside the buffer.
    ///
    /// Context: any, including RT.
    #[inline]
    pub fn sample(&self, index: usize) -> f32 {
        self.samples.get(index).map_or(0.0, |s| f32::from_bits(s.load(Ordering::Relaxed)))
    }

    /// Sets sample `index` (interleaved, as [`sample`](Self::sample) counts); outside the
    /// buffer it does nothing.
    ///
    /// Context: any, including RT.
    #[inline]
    pub fn set_sample(&self, index: usize, value: f32) {
        if let Some(s) = self.samples.get(index) {
            s.store(value.to_bits(), Ordering::Relaxed);
        }
    }

    /// Copies the first `out.len()` channels of `frame` (or all of them, if there are
    /// fewer) into `out`, and returns how many it copied: 0 outside the buffer. The rest of
    /// `out` is left as it was.
    ///
    /// Context: any, including RT. Never allocates.
    ///
    /// ```
    /// let buffer = oscine_plugins::AudioBuffer::new(1, 2, 48_000.0).unwrap();
    /// buffer.set(0, 1, 0.25);
    /// let mut out = [9.0; 2];
    /// assert_eq!(buffer.read_frame_into(1, &mut out), 1);
    /// assert_eq!(out, [0.25, 9.0]);
    /// ```
    #[inline]
    pub fn read_frame_into(&self, frame: usize, out: &mut [f32]) -> usize {
        let Some(samples) = self.frame_samples(frame, out.len()) else { return 0 };
        for (o, s) in out.iter_mut().zip(samples) {
            *o = f32::from_bits(s.load(Ordering::Relaxed));
        }
        samples.len()
    }

    /// Writes `values` to the first channels of `frame` (as many as the buffer has) and
    /// returns how many it wrote: 0 outside the buffer. Channels past `values.len()` keep
    /// their samples.
    ///
    /// Context: any, including RT. Never allocates.
    ///
    /// ```
    /// let buffer = oscine_plugins::AudioBuffer::new(2, 2, 48_000.0).unwrap();
    /// assert_eq!(buffer.write_frame(0, &[0.5, -0.5, 1.0]), 2);
    /// assert_eq!((buffer.get(0, 0), buffer.get(1, 0)), (0.5, -0.5));
    /// ```
    #[inline]
    pub fn write_frame(&self, frame: usize, values: &[f32]) -> usize {
        let Some(samples) = self.frame_samples(frame, values.len()) else { return 0 };
        for (s, v) in samples.iter().zip(values) {
            s.store(v.to_bits(), Ordering::Relaxed);
        }
        samples.len()
    }

    /// The first `channels` samples of `frame` (fewer if the buffer has fewer channels).
    ///
    /// Context: RT.
    #[inline]
    fn frame_samples(&self, frame: usize, channels: usize) -> Option<&[AtomicU32]> {
        if frame >= self.frames {
            return None;
        }
        let start = frame * self.channels;
        Some(&self.samples[start..start + channels.min(self.channels)])
    }

    /// Counts `frames` more frames written into the ring from frame
    /// `streamed_frames() % frames()` on (wrapping round), publishing them to the disk
    /// stream, and returns the count since the buffer was made.
    ///
    /// Context: any, including RT (one atomic add).
    #[inline]
    pub fn advance_stream(&self, frames: u64) -> u64 {
        self.streamed.fetch_add(frames, Ordering::Release).wrapping_add(frames)
    }

    /// The frames written into the buffer's ring for a disk stream since it was made: the
    /// next one goes to frame `streamed_frames() % frames()`.
    ///
    /// Context: any.
    #[inline]
    pub fn streamed_frames(&self) -> u64 {
        self.streamed.load(Ordering::Acquire)
    }

    /// Sets every sample to 0.
    ///
    /// Context: NRT (touches the whole buffer; meant for exclusive access).
    pub fn zero(&self) {
        for s in self.samples.iter() {
            s.store(0, Ordering::Relaxed);
        }
    }

    /// The frame `seconds` into the buffer at its own sample rate, rounded to the nearest
    /// frame and clamped to the buffer, so it always names a frame: negative and NaN times
    /// give frame 0, times past the end the last frame.
    ///
    /// Context: any, including RT (no libm calls).
    ///
    /// ```
    /// let buffer = oscine_plugins::AudioBuffer::new(1, 100, 1_000.0).unwrap();
    /// assert_eq!(buffer.frame_at_seconds(0.0123), 12);
    /// assert_eq!(buffer.frame_at_seconds(5.0), 99);
    /// ```
    pub fn frame_at_seconds(&self, seconds: f64) -> usize {
        // Adding a half and truncating rounds non-negative values; the cast saturates, so
        // negative and NaN times become 0 and huge ones usize::MAX before the clamp.
        ((seconds * self.sample_rate + 0.5) as usize).min(self.frames - 1)
    }
}

/// The kind of sound file a buffer is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// RIFF WAVE.
    Wav,
    /// AIFF (AIFF-C for float samples).
    Aiff,
}

/// What identifies a Synth's binding of a buffer: the id and the buffer itself, so that
/// both re-binding the port to another id and re-creating the Resource under the same id
/// count as a new buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BindingKey {
    id: ResourceId,
    address: usize,
}

/// The [`AudioBuffer`] bound to resource port `port`, if one is bound and it is an
/// `AudioBuffer` (a Resource of another type counts as none), with its [`BindingKey`].
///
/// Context: RT.
pub(crate) fn bound_buffer<'a>(ports: &ResourcePorts<'a>, port: usize) -> Option<(&'a AudioBuffer, BindingKey)> {
    let buffer = ports.get::<AudioBuffer>(port)?;
    let id = ports.id(port)?;
    Some((buffer, BindingKey { id, address: std::ptr::from_ref(buffer).addr() }))
}

/// The number of samples in the buffer for a shape, if the shape is allowed.
///
/// Context: NRT.
fn check_shape(channels: usize, frames: usize) -> Result<usize, PluginError> {
    if channels == 0 || channels > MAX_CHANNELS {
        return Err(PluginError::new(format!("a buffer has 1 to {MAX_CHANNELS} channels, not {channels}")));
    }
    if frames == 0 {
        return Err(PluginError::new("a buffer has at least one frame"));
    }
    match channels.checked_mul(frames) {
        Some(len) if len <= MAX_SAMPLES => Ok(len),
        _ => Err(PluginError::new(format!(
            "{channels} channels of {frames} frames exceed the limit of {MAX_SAMPLES} samples per buffer"
        ))),
    }
}

/// Context: NRT.
fn check_sample_rate(sample_rate: f64) -> Result<(), PluginError> {
    // Written so NaN fails too.
    if (MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        Ok(())
    } else {
        Err(PluginError::new(format!(
            "a buffer's sample rate is from {MIN_SAMPLE_RATE} to {MAX_SAMPLE_RATE} Hz, not {sample_rate}"
        )))
    }
}

/// `len` zeroed samples, or an error instead of an abort if the memory cannot be had.
///
/// Context: NRT.
fn zeroed(budget: &MemoryBudget, len: usize) -> Result<(Box<[AtomicU32]>, MemoryGrant), PluginError> {
    let bytes = len * std::mem::size_of::<AtomicU32>();
    let grant = budget.reserve(bytes as u64).map_err(|e| PluginError::new(format!("{len} samples: {e}")))?;
    let cannot = || PluginError::new(format!("cannot allocate {len} samples ({bytes} bytes)"));
    let layout = std::alloc::Layout::array::<AtomicU32>(len).map_err(|_| cannot())?;
    if layout.size() == 0 {
        return Ok((Box::new([]), grant));
    }
    // Zeroed memory from the allocator: for a large buffer, fresh pages the kernel
    // commits only as they are first written, so an empty buffer costs no memory yet.
    // SAFETY: the layout's size is not zero.
    let memory = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<AtomicU32>();
    if memory.is_null() {
        return Err(cannot());
    }
    // SAFETY: `len` AtomicU32s, allocated with the global allocator with this layout (as a
    // boxed slice's is), and all-zero bits are a valid AtomicU32.
    let samples = unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(memory, len)) };
    Ok((samples, grant))
}

/// Context: NRT.
fn load_error(path: &Path, reason: impl fmt::Display) -> PluginError {
    PluginError::new(format!("cannot load '{}': {reason}", path.display()))
}

/// Checks that a file of `file_channels` channels has every channel listed.
///
/// Context: NRT.
fn check_channels(file_channels: usize, channels: &[usize]) -> Result<(), String> {
    match channels.iter().find(|&&c| c >= file_channels) {
        Some(c) => Err(format!(
            "the file has {file_channels} channel{} (0 to {}); it has no channel {c}",
            if file_channels == 1 { "" } else { "s" },
            file_channels.saturating_sub(1)
        )),
        None => Ok(()),
    }
}

/// Decodes frames of a file of `file_channels` channels from frame `skip` on into `dest`:
/// every channel, or only those `channels` lists, in its order. Returns how many samples
/// it stored (until either runs out).
///
/// Context: NRT (file I/O).
fn decode_channels_into(
    reader: &mut WavReader,
    skip: usize,
    file_channels: usize,
    channels: &[usize],
    dest: &[AtomicU32],
) -> Result<usize, wav::WavError> {
    if channels.is_empty() {
        return decode_into(reader, skip * file_channels, dest);
    }
    let mut samples = reader.samples();
    for _ in 0..skip * file_channels {
        match samples.next() {
            Some(s) => drop(s?),
            None => return Ok(0),
        }
    }
    let mut frame = vec![0.0f32; file_channels];
    let mut stored = 0;
    for out in dest.chunks(channels.len()) {
        for slot in frame.iter_mut() {
            match samples.next() {
                Some(s) => *slot = s?,
                None => return Ok(stored),
            }
        }
        for (d, &c) in out.iter().zip(channels) {
            d.store(frame[c].to_bits(), Ordering::Relaxed);
            stored += 1;
        }
    }
    Ok(stored)
}

/// Decodes samples from `reader` into `dest` in order until either runs out, and returns
/// how many it stored.
///
/// Context: NRT (file I/O).
fn decode_into(reader: &mut WavReader, skip: usize, dest: &[AtomicU32]) -> Result<usize, wav::WavError> {
    let mut samples = reader.samples();
    for _ in 0..skip {
        match samples.next() {
            Some(s) => drop(s?),
            None => return Ok(0),
        }
    }
    let mut stored = 0;
    // `dest` comes first in the zip, so a full buffer stops the reading without pulling
    // another sample from the file.
    for (d, s) in dest.iter().zip(samples) {
        d.store(s?.to_bits(), Ordering::Relaxed);
        stored += 1;
    }
    Ok(stored)
}

/// The `audio-buffer` ResourceDef: builds [`AudioBuffer`]s and runs operations on them.
///
/// Construct arguments, either:
/// - `channels frames [sample_rate]`: a silent buffer, at the engine's sample rate unless
///   one is given;
/// - `path`: a WAV file loaded whole (see [`AudioBuffer::from_wav`]), at its own rate;
/// - `path start frames [channel...]`: `frames` frames of it from frame `start` (the rest
///   of the file when `frames` is 0 or less), only the file channels listed, in that
///   order, when some are (see [`AudioBuffer::from_wav_channels`]).
///
/// Operations (the buffer is the operation's first resource):
///
/// | name | access | arguments | reply |
/// |---|---|---|---|
/// | `query` | shared | | `channels frames sample_rate` |
/// | `write` | shared | `path [format [type [frames [start]]]]` (`float`, `int16`, `int24`; default `float`; `wav` or `aiff`; frames -1 to the end) | `path frames` |
/// | `zero` | exclusive | | |
/// | `read` | exclusive | `path [file-start [frames [buffer-start [channel...]]]]` | frames read |
/// | `set` | shared | `index value ...` | |
/// | `setn` | shared | `start count values... ...` | |
/// | `fill` | shared | `start count value ...` | |
/// | `gen` | shared | `command flags values...` (`sine1`, `sine2`, `sine3`) | |
/// | `get` | shared | `index ...` | `index value ...` |
/// | `getn` | shared | `start count ...` | `start count values... ...` |
/// | `copy` (+1 resource: the source) | shared | `dst-start src-start count` (count -1: as many as fit) | samples copied |
///
/// `write` saves the whole buffer (see [`AudioBuffer::write_wav`]); `read` loads a file
/// with the buffer's channel count into the buffer's start (see
/// [`AudioBuffer::read_wav`]), or, with channels listed (one per buffer channel), those
/// channels of the file (see [`AudioBuffer::read_wav_channels`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct AudioBufferDef;

impl AudioBufferDef {
    /// The ResourceDef name, which resource ports for buffers name too.
    pub const NAME: &'static str = "audio-buffer";
}

/// The operations, in the order of their indices (`QUERY` and so on) that `perform` gets.
const OPERATIONS: &[OperationSpec] = &[
    OperationSpec::new("query"),
    OperationSpec::new("write"),
    OperationSpec::new("zero").exclusive(),
    OperationSpec::new("read").exclusive(),
    OperationSpec::new("set"),
    OperationSpec::new("setn"),
    OperationSpec::new("fill"),
    OperationSpec::new("gen"),
    OperationSpec::new("get"),
    OperationSpec::new("getn"),
    OperationSpec::new("copy").with_extra_resources(1),
    OperationSpec::new("close"),
];
const QUERY: usize = 0;
const WRITE: usize = 1;
const ZERO: usize = 2;
const READ: usize = 3;
const SET: usize = 4;
const SETN: usize = 5;
const FILL: usize = 6;
const GEN: usize = 7;
const GET: usize = 8;
const GETN: usize = 9;
const COPY: usize = 10;
const CLOSE: usize = 11;

const USAGE: &str = "audio-buffer takes either channels, frames and an optional sample rate (an empty buffer), \
                     or the path of a WAV file to load and optionally its start frame and frame count, \
                     then the file channels to read";

impl ResourceDef for AudioBufferDef {
    // Context: NRT, once.
    fn info(&self) -> ResourceDefInfo {
        ResourceDefInfo::new(Self::NAME, Mutability::Mutable).operations(OPERATIONS)
    }

    // Context: NRT
    fn construct(&self, world: &World, args: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
        let buffer = match args {
            [ResourceArg::String(path)] => AudioBuffer::from_wav_channels(world, path, 0, None, &[])?,
            [ResourceArg::String(path), start, frames, channels @ ..] => {
                let start = count(start, "the start frame")?;
                // scsynth's convention: 0 (or less) frames means the rest of the file.
                let frames = frames
                    .as_int()
                    .ok_or_else(|| PluginError::new(format!("{USAGE}; frames is not a whole number")))?;
                let channels = channel_list(channels)?;
                let frames = usize::try_from(frames).ok().filter(|&n| n > 0);
                AudioBuffer::from_wav_channels(world, path, start, frames, &channels)?
            }
            [channels, frames] => AudioBuffer::within(
                &world.memory,
                count(channels, "channels")?,
                count(frames, "frames")?,
                world.sample_rate,
            )?,
            [channels, frames, rate] => {
                let rate = rate
                    .as_float()
                    .ok_or_else(|| PluginError::new(format!("{USAGE}; the sample rate is not a number")))?;
                AudioBuffer::within(&world.memory, count(channels, "channels")?, count(frames, "frames")?, rate)?
            }
            _ => return Err(PluginError::new(USAGE)),
        };
        Ok(Arc::new(buffer))
    }

    // Context: NRT
    fn perform(
        &self,
        world: &World,
        operation: usize,
        resources: &[Arc<dyn Resource>],
        args: &[ResourceArg],
    ) -> Result<Vec<ResourceArg>, PluginError> {
        let Some(spec) = OPERATIONS.get(operation) else {
            return Err(PluginError::new(format!("audio-buffer has no operation number {operation}")));
        };
        let name = &spec.name;
        let buffer = resources
            .first()
            .and_then(|r| downcast::<AudioBuffer>(&**r))
            .ok_or_else(|| PluginError::new(format!("{name}: the resource is not an audio buffer")))?;
        match (operation, args) {
            (QUERY, []) => Ok(vec![
                ResourceArg::Int(buffer.channels() as i64),
                ResourceArg::Int(buffer.frames() as i64),
                ResourceArg::Float(buffer.sample_rate()),
            ]),
            (WRITE, [ResourceArg::String(path), rest @ ..]) if rest.len() <= 5 => {
                let format = match rest.first() {
                    None => WavFormat::default(),
                    Some(ResourceArg::String(name)) => {
                        name.parse::<WavFormat>().map_err(|e| PluginError::new(format!("write: {e}")))?
                    }
                    _ => return Err(PluginError::new(format!("write: the format is a name: {}", WavFormat::names()))),
                };
                let file_type = match rest.get(1).map(|c| c.as_str()) {
                    None | Some(Some("wav")) => FileType::Wav,
                    Some(Some("aiff")) => FileType::Aiff,
                    _ => return Err(PluginError::new("write: the file type is wav or aiff")),
                };
                // A negative frame count (scsynth's -1) writes to the buffer's end.
                let start = rest.get(3).map_or(Ok(0), |a| count(a, "the start frame"))?;
                let frames = match rest.get(2) {
                    None => None,
                    Some(a) => {
                        let n = a.as_int().ok_or_else(|| PluginError::new("write: frames is a whole number"))?;
                        usize::try_from(n).ok()
                    }
                };
                let leave_open = match rest.get(4) {
                    None => false,
                    Some(a) => a.as_int().ok_or_else(|| PluginError::new("write: leave open is 0 or 1"))? != 0,
                };
                let end = frames.map_or(buffer.frames(), |n| start.saturating_add(n));
                let written = end.min(buffer.frames()).saturating_sub(start);
                if leave_open {
                    let (writer, _) =
                        buffer.write_frames_open(&world.files, Path::new(path), format, file_type, start..end)?;
                    disk_stream::open(&resources[0], writer)?;
                } else {
                    buffer.write_frames(&world.files, path, format, file_type, start..end)?;
                }
                Ok(vec![ResourceArg::String(path.clone()), ResourceArg::Int(written as i64)])
            }
            (ZERO, []) => {
                buffer.zero();
                Ok(Vec::new())
            }
            (READ, [ResourceArg::String(path), rest @ ..]) => {
                let file_start = rest.first().map_or(Ok(0), |a| count(a, "the file's start frame"))?;
                // A negative frame count (scsynth's -1) reads as many as fit.
                let frames = match rest.get(1) {
                    None => None,
                    Some(a) => {
                        let n = a.as_int().ok_or_else(|| PluginError::new("read: frames is a whole number"))?;
                        usize::try_from(n).ok()
                    }
                };
                let buffer_start = rest.get(2).map_or(Ok(0), |a| count(a, "the buffer's start frame"))?;
                let channels = channel_list(rest.get(3..).unwrap_or_default())?;
                let read = buffer.read_wav_channels(&world.files, path, file_start, frames, buffer_start, &channels)?;
                Ok(vec![ResourceArg::Int(read as i64)])
            }
            (SET, _) => buffer_edit::set(buffer, args).map(|()| Vec::new()),
            (SETN, _) => buffer_edit::setn(buffer, args).map(|()| Vec::new()),
            (FILL, _) => buffer_edit::fill(buffer, args).map(|()| Vec::new()),
            (GEN, _) => buffer_gen::gen(buffer, args).map(|()| Vec::new()),
            (GET, _) => buffer_edit::get(buffer, args),
            (GETN, _) => buffer_edit::getn(buffer, args),
            (COPY, _) => {
                let source = resources
                    .get(1)
                    .and_then(|r| downcast::<AudioBuffer>(&**r))
                    .ok_or_else(|| PluginError::new("copy: the source is not an audio buffer"))?;
                buffer_edit::copy(buffer, source, args).map(|n| vec![ResourceArg::Int(n as i64)])
            }
            (CLOSE, []) => match disk_stream::close(&resources[0])? {
                Some(closed) if closed.lost > 0 => Err(PluginError::new(format!(
                    "close: the sound file has {} frames, {} of them silence in place of frames the disk did not \
                     keep up with",
                    closed.frames, closed.lost
                ))),
                Some(closed) => Ok(vec![ResourceArg::Int(closed.frames as i64)]),
                None => Ok(vec![ResourceArg::Int(0)]),
            },
            (QUERY | ZERO | CLOSE, _) => Err(PluginError::new(format!("{name} takes no arguments"))),
            (WRITE, _) => Err(PluginError::new(
                "write takes a path, and optionally a format, a file type, frames, a start frame and whether to \
                 leave the file open",
            )),
            _ => Err(PluginError::new(
                "read takes a path, and optionally the file's start frame, frames and the buffer's start frame",
            )),
        }
    }
}

/// The file channels a read lists (each a whole number of at least 0), at most
/// [`MAX_CHANNELS`] of them.
///
/// Context: NRT.
fn channel_list(args: &[ResourceArg]) -> Result<Vec<usize>, PluginError> {
    if args.len() > MAX_CHANNELS {
        return Err(PluginError::new(format!("{} channels listed; a buffer has at most {MAX_CHANNELS}", args.len())));
    }
    args.iter().map(|a| count(a, "a file channel")).collect()
}

/// A failure to write the sound file at `path`.
fn write_error(path: &Path, reason: impl fmt::Display) -> PluginError {
    PluginError::new(format!("cannot write '{}': {reason}", path.display()))
}

/// A construct argument that counts something: a whole number of at least 0.
///
/// Context: NRT.
fn count(arg: &ResourceArg, what: &str) -> Result<usize, PluginError> {
    let value = arg.as_int().ok_or_else(|| PluginError::new(format!("{USAGE}; {what} is not a whole number")))?;
    usize::try_from(value).map_err(|_| PluginError::new(format!("{what} cannot be negative ({value})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::TempDir;
    use hound::{SampleFormat, WavReader, WavSpec, WavWriter};
    use oscine_plugin_api::harness::WORLD;
    use std::f64::consts::TAU;
    use std::fs;

    fn reason<T: fmt::Debug>(result: Result<T, PluginError>) -> String {
        result.expect_err("should fail").reason().to_owned()
    }

    fn assert_reason<T: fmt::Debug>(result: Result<T, PluginError>, parts: &[&str]) {
        let reason = reason(result);
        for part in parts {
            assert!(reason.contains(part), "{reason:?} lacks {part:?}");
        }
    }

    /// Every sample of a buffer, interleaved, as bits.
    fn bits(buffer: &AudioBuffer) -> Vec<u32> {
        (0..buffer.frames()).flat_map(|f| (0..buffer.channels()).map(move |c| buffer.get(c, f).to_bits())).collect()
    }

    fn filled(channels: usize, samples: &[f32], sample_rate: f64) -> AudioBuffer {
        let buffer = AudioBuffer::new(channels, samples.len() / channels, sample_rate).unwrap();
        for (f, frame) in samples.chunks(channels).enumerate() {
            assert_eq!(buffer.write_frame(f, frame), channels);
        }
        buffer
    }

    fn write_with_hound<S: hound::Sample + Copy>(path: &Path, spec: WavSpec, samples: &[S]) {
        let mut writer = WavWriter::create(path, spec).unwrap();
        for &s in samples {
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
    }

    fn spec(channels: u16, sample_rate: u32, bits: u16, float: bool) -> WavSpec {
        let sample_format = if float { SampleFormat::Float } else { SampleFormat::Int };
        WavSpec { channels, sample_rate, bits_per_sample: bits, sample_format }
    }

    /// A WAV file by hand, for headers hound will not write: a `fmt ` chunk with `tag` (and,
    /// for WAVE_FORMAT_EXTENSIBLE, `valid_bits` and the PCM subformat), then `data`.
    fn handmade_wav(tag: u16, channels: u16, sample_rate: u32, bits: u16, valid_bits: u16, data: &[u8]) -> Vec<u8> {
        let block_align = channels * bits.div_ceil(8);
        let mut fmt = Vec::new();
        fmt.extend(tag.to_le_bytes());
        fmt.extend(channels.to_le_bytes());
        fmt.extend(sample_rate.to_le_bytes());
        fmt.extend((sample_rate * u32::from(block_align)).to_le_bytes());
        fmt.extend(block_align.to_le_bytes());
        fmt.extend(bits.to_le_bytes());
        if tag == 0xfffe {
            fmt.extend(22u16.to_le_bytes());
            fmt.extend(valid_bits.to_le_bytes());
            fmt.extend(0u32.to_le_bytes());
            fmt.extend([1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xaa, 0, 0x38, 0x9b, 0x71]);
        }
        let mut file = Vec::new();
        file.extend(b"RIFF");
        file.extend((4 + 8 + fmt.len() as u32 + 8 + data.len() as u32).to_le_bytes());
        file.extend(b"WAVEfmt ");
        file.extend((fmt.len() as u32).to_le_bytes());
        file.extend(&fmt);
        file.extend(b"data");
        file.extend((data.len() as u32).to_le_bytes());
        file.extend(data);
        file
    }

    #[test]
    fn new_buffers_are_silent_and_sized() {
        let b = AudioBuffer::new(3, 10, 44_100.0).unwrap();
        assert_eq!((b.channels(), b.frames(), b.sample_rate()), (3, 10, 44_100.0));
        assert!(bits(&b).iter().all(|&x| x == 0));
        assert_eq!(format!("{b:?}"), "AudioBuffer { channels: 3, frames: 10, sample_rate: 44100.0 }");
    }

    #[test]
    fn get_and_set_address_one_sample() {
        let b = AudioBuffer::new(3, 10, 48_000.0).unwrap();
        b.set(2, 7, 0.5);
        b.set(0, 0, -0.25);
        b.set(1, 9, f32::from_bits(0x7fc0_0001));
        assert_eq!(b.get(2, 7), 0.5);
        assert_eq!(b.get(0, 0), -0.25);
        assert_eq!(b.get(1, 9).to_bits(), 0x7fc0_0001);
        let nonzero = bits(&b).iter().filter(|&&x| x != 0).count();
        assert_eq!(nonzero, 3);
        // Interleaved storage: frame 7 channel 2 is sample 23.
        assert_eq!(b.samples[23].load(Ordering::Relaxed), 0.5_f32.to_bits());
        // Outside the buffer: reads silence, writes nothing, never panics.
        assert_eq!(b.get(3, 0), 0.0);
        assert_eq!(b.get(0, 10), 0.0);
        assert_eq!(b.get(usize::MAX, usize::MAX), 0.0);
        b.set(3, 0, 1.0);
        b.set(0, 10, 1.0);
        b.set(usize::MAX, usize::MAX, 1.0);
        assert_eq!(bits(&b).iter().filter(|&&x| x != 0).count(), 3);
    }

    #[test]
    fn frame_helpers_copy_what_fits() {
        let b = AudioBuffer::new(3, 4, 48_000.0).unwrap();
        assert_eq!(b.write_frame(1, &[1.0, 2.0, 3.0]), 3);
        // Longer input: only the buffer's channels; shorter: only those given.
        assert_eq!(b.write_frame(2, &[4.0, 5.0, 6.0, 7.0]), 3);
        assert_eq!(b.write_frame(3, &[8.0]), 1);
        assert_eq!(b.write_frame(4, &[9.0]), 0);
        assert_eq!(b.write_frame(usize::MAX, &[9.0]), 0);
        let mut out = [-1.0; 4];
        assert_eq!(b.read_frame_into(2, &mut out), 3);
        assert_eq!(out, [4.0, 5.0, 6.0, -1.0]);
        let mut two = [-1.0; 2];
        assert_eq!(b.read_frame_into(1, &mut two), 2);
        assert_eq!(two, [1.0, 2.0]);
        assert_eq!(b.read_frame_into(3, &mut out), 3);
        assert_eq!(out, [8.0, 0.0, 0.0, -1.0]);
        assert_eq!(b.read_frame_into(4, &mut out), 0);
        assert_eq!(out, [8.0, 0.0, 0.0, -1.0]);
        b.zero();
        assert!(bits(&b).iter().all(|&x| x == 0));
    }

    #[test]
    fn frame_at_seconds_rounds_and_clamps() {
        let b = AudioBuffer::new(1, 1000, 44_100.0).unwrap();
        assert_eq!(b.frame_at_seconds(0.0), 0);
        assert_eq!(b.frame_at_seconds(0.01), 441);
        assert_eq!(b.frame_at_seconds(100.4 / 44_100.0), 100);
        assert_eq!(b.frame_at_seconds(100.6 / 44_100.0), 101);
        assert_eq!(b.frame_at_seconds(999.0 / 44_100.0), 999);
        assert_eq!(b.frame_at_seconds(1.0), 999);
        assert_eq!(b.frame_at_seconds(f64::INFINITY), 999);
        assert_eq!(b.frame_at_seconds(-1.0), 0);
        assert_eq!(b.frame_at_seconds(f64::NAN), 0);
    }

    #[test]
    fn sizes_and_rates_are_guarded() {
        assert_reason(AudioBuffer::new(0, 10, 48_000.0), &["1 to 1024 channels, not 0"]);
        assert_reason(AudioBuffer::new(1025, 10, 48_000.0), &["not 1025"]);
        assert_reason(AudioBuffer::new(1, 0, 48_000.0), &["at least one frame"]);
        assert_reason(AudioBuffer::new(1024, (1 << 21) + 1, 48_000.0), &["exceed the limit of 2147483648"]);
        assert_reason(AudioBuffer::new(2, usize::MAX, 48_000.0), &["exceed the limit"]);
        // The limit itself is allowed (checked without allocating 8 GiB).
        assert_eq!(check_shape(1024, 1 << 21).unwrap(), MAX_SAMPLES);
        assert_eq!(check_shape(1, MAX_SAMPLES).unwrap(), MAX_SAMPLES);
        assert!(check_shape(1, MAX_SAMPLES + 1).is_err());
        assert!(AudioBuffer::new(1024, 1, 48_000.0).is_ok());
        for rate in [0.0, 0.5, -48_000.0, f64::NAN, f64::INFINITY, 4_294_967_296.0] {
            assert_reason(AudioBuffer::new(1, 10, rate), &["sample rate"]);
        }
        assert!(AudioBuffer::new(1, 10, 1.0).is_ok());
        assert!(AudioBuffer::new(1, 10, 4_294_967_295.0).is_ok());
    }

    #[test]
    fn float_wav_round_trip_is_exact() {
        let dir = TempDir::new("float-round-trip");
        let samples: Vec<f32> = (0..600)
            .map(|i| match i % 7 {
                0 => f32::MAX,
                1 => -f32::MIN_POSITIVE / 8.0,
                2 => f32::NEG_INFINITY,
                3 => -0.0,
                _ => (i as f32 * 0.1).sin() * 3.0,
            })
            .collect();
        let b = filled(3, &samples, 44_100.0);
        let path = dir.file("float.wav");
        b.write_wav(&path, WavFormat::Float).unwrap();
        let reader = WavReader::open(&path).unwrap();
        assert_eq!(reader.spec(), spec(3, 44_100, 32, true));
        assert_eq!(reader.duration(), 200);
        let back = AudioBuffer::from_wav(&path).unwrap();
        assert_eq!((back.channels(), back.frames(), back.sample_rate()), (3, 200, 44_100.0));
        assert_eq!(bits(&back), bits(&b));
    }

    /// Writes `samples` in an integer format and checks the file holds them scaled by
    /// `full_scale`, rounded and clipped, and reads back as those integers over `full_scale`.
    fn check_int_round_trip(format: WavFormat, full_scale: f64) {
        let dir = TempDir::new(format.name());
        let step = 1.0 / full_scale;
        let mut samples = vec![0.0, 1.0, -1.0, 2.0, -2.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.5];
        samples.extend([(3.0 * step) as f32, (-3.0 * step) as f32, (2.5 * step) as f32, (-2.5 * step) as f32]);
        samples.extend((0..1000).map(|i| (i as f32 * 0.0731).sin() * 0.99));
        samples.push(0.0);
        let b = filled(2, &samples, 22_050.0);
        let path = dir.file("int.wav");
        b.write_wav(&path, format).unwrap();

        let mut reader = WavReader::open(&path).unwrap();
        assert_eq!(reader.spec(), spec(2, 22_050, format.bits(), false));
        let stored: Vec<i32> = reader.samples::<i32>().map(Result::unwrap).collect();
        let max = full_scale - 1.0;
        let expected: Vec<i32> = samples
            .iter()
            .map(|&x| if x.is_nan() { 0.0 } else { (f64::from(x) * full_scale).round().clamp(-full_scale, max) })
            .map(|x| x as i32)
            .collect();
        assert_eq!(stored, expected);
        // The top of the range clips to one step below 1; the bottom is exactly -1.
        assert_eq!(&stored[1..5], &[max as i32, -full_scale as i32, max as i32, -full_scale as i32]);
        // Halves round away from zero.
        assert_eq!(&stored[9..13], &[3, -3, 3, -3]);

        let back = AudioBuffer::from_wav(&path).unwrap();
        assert_eq!((back.channels(), back.frames(), back.sample_rate()), (2, samples.len() / 2, 22_050.0));
        for (i, &s) in stored.iter().enumerate() {
            let got = back.get(i % 2, i / 2);
            assert_eq!(f64::from(got), f64::from(s) / full_scale, "sample {i}");
            let original = f64::from(samples[i]);
            if original.abs() <= 0.99 {
                assert!((f64::from(got) - original).abs() <= 0.5 * step + 1e-12, "sample {i}");
            }
        }
        // Samples already on the grid survive a second trip unchanged.
        let again = dir.file("again.wav");
        back.write_wav(&again, format).unwrap();
        assert_eq!(bits(&AudioBuffer::from_wav(&again).unwrap()), bits(&back));
    }

    #[test]
    fn int16_wav_round_trip() {
        check_int_round_trip(WavFormat::Int16, 32_768.0);
    }

    #[test]
    fn int24_wav_round_trip() {
        check_int_round_trip(WavFormat::Int24, 8_388_608.0);
    }

    #[test]
    fn loads_a_sine_written_by_hound() {
        let dir = TempDir::new("hound-sine");
        let sine = |n: usize| (TAU * 440.0 * n as f64 / 44_100.0).sin();
        // 16-bit stereo: the sine on the left, inverted on the right.
        let path = dir.file("sine16.wav");
        let ints: Vec<i16> = (0..1000)
            .flat_map(|n| [(sine(n) * 32_767.0).round() as i16, -(sine(n) * 32_767.0).round() as i16])
            .collect();
        write_with_hound(&path, spec(2, 44_100, 16, false), &ints);
        let b = AudioBuffer::from_wav(&path).unwrap();
        assert_eq!((b.channels(), b.frames(), b.sample_rate()), (2, 1000, 44_100.0));
        for n in 0..1000 {
            assert_eq!(b.get(0, n), f32::from(ints[2 * n]) / 32_768.0, "{n}");
            assert_eq!(b.get(1, n), f32::from(ints[2 * n + 1]) / 32_768.0, "{n}");
            assert!((f64::from(b.get(0, n)) - sine(n)).abs() < 1e-4, "{n}");
        }
        // Float mono: exactly the f32 values.
        let path = dir.file("sine-float.wav");
        let floats: Vec<f32> = (0..1000).map(|n| sine(n) as f32 * 0.5).collect();
        write_with_hound(&path, spec(1, 96_000, 32, true), &floats);
        let b = AudioBuffer::from_wav(&path).unwrap();
        assert_eq!((b.channels(), b.frames(), b.sample_rate()), (1, 1000, 96_000.0));
        assert!((0..1000).all(|n| b.get(0, n).to_bits() == floats[n].to_bits()));
    }

    #[test]
    fn loads_every_integer_width_normalized() {
        let dir = TempDir::new("widths");
        for bits in [8u16, 16, 24, 32] {
            let full = 1i64 << (bits - 1);
            let values = [-full, -full / 2, -1, 0, 1, full / 2, full - 1];
            let path = dir.file(&format!("int{bits}.wav"));
            let ints: Vec<i32> = values.iter().map(|&v| v as i32).collect();
            write_with_hound(&path, spec(1, 8_000, bits, false), &ints);
            let b = AudioBuffer::from_wav(&path).unwrap();
            assert_eq!(b.frames(), values.len());
            for (i, &v) in values.iter().enumerate() {
                assert_eq!(b.get(0, i), (v as f64 / full as f64) as f32, "{bits} bits, value {v}");
            }
            assert_eq!(b.get(0, 0), -1.0);
            // f32 holds 24 bits exactly; the largest 32-bit value rounds up to 1.
            assert_eq!(b.get(0, 6) < 1.0, bits <= 24);
        }
    }

    #[test]
    fn load_errors_name_the_path_and_the_reason() {
        let dir = TempDir::new("load-errors");
        let missing = dir.file("missing.wav");
        assert_reason(AudioBuffer::from_wav(&missing), &["cannot load", "missing.wav", "No such file"]);

        let text = dir.file("notes.wav");
        fs::write(&text, "these are not samples, just some words in a file").unwrap();
        assert_reason(AudioBuffer::from_wav(&text), &["notes.wav", "not a readable WAV file"]);
        let short = dir.file("short.wav");
        fs::write(&short, "RIFF").unwrap();
        assert_reason(AudioBuffer::from_wav(&short), &["short.wav", "not a readable WAV file"]);
        assert_reason(AudioBuffer::from_wav(dir.path()), &["cannot load"]);

        // ADPCM (tag 2).
        let adpcm = dir.file("adpcm.wav");
        fs::write(&adpcm, handmade_wav(2, 1, 8_000, 16, 0, &[0; 8])).unwrap();
        assert_reason(AudioBuffer::from_wav(&adpcm), &["adpcm.wav", "unsupported WAV encoding"]);
        // 20 valid bits in 24-bit containers.
        let twenty = dir.file("twenty.wav");
        fs::write(&twenty, handmade_wav(0xfffe, 1, 8_000, 24, 20, &[0; 9])).unwrap();
        assert_reason(AudioBuffer::from_wav(&twenty), &["twenty.wav", "unsupported sample format: 20-bit integer"]);
        // 64-bit float: hound refuses the header.
        let double = dir.file("double.wav");
        fs::write(&double, handmade_wav(3, 1, 8_000, 64, 0, &[0; 16])).unwrap();
        assert_reason(AudioBuffer::from_wav(&double), &["double.wav", "bits per sample is not 32"]);

        // Shapes and rates the buffer rejects.
        let wide = dir.file("wide.wav");
        fs::write(&wide, handmade_wav(1, 2000, 8_000, 16, 0, &[0; 4000])).unwrap();
        assert_reason(AudioBuffer::from_wav(&wide), &["wide.wav", "1 to 1024 channels, not 2000"]);
        let empty = dir.file("empty.wav");
        write_with_hound::<i16>(&empty, spec(1, 8_000, 16, false), &[]);
        assert_reason(AudioBuffer::from_wav(&empty), &["empty.wav", "at least one frame"]);
        let no_rate = dir.file("no-rate.wav");
        fs::write(&no_rate, handmade_wav(1, 1, 0, 16, 0, &[0; 4])).unwrap();
        assert_reason(AudioBuffer::from_wav(&no_rate), &["no-rate.wav", "sample rate"]);

        // A header promising far more data than the file has fails before allocating it.
        let liar = dir.file("liar.wav");
        let mut bytes = handmade_wav(1, 2, 8_000, 16, 0, &[0; 8]);
        let data_len = bytes.len() - 8 - 4;
        bytes[data_len..data_len + 4].copy_from_slice(&0xffff_fff0_u32.to_le_bytes());
        fs::write(&liar, bytes).unwrap();
        assert_reason(AudioBuffer::from_wav(&liar), &["liar.wav", "promises 4294967280 bytes", "has 52 bytes"]);
        // A file cut off a little short fails while reading.
        let cut = dir.file("cut.wav");
        write_with_hound(&cut, spec(1, 8_000, 16, false), &[1i16; 100]);
        let file = fs::OpenOptions::new().write(true).open(&cut).unwrap();
        file.set_len(fs::metadata(&cut).unwrap().len() - 3).unwrap();
        assert_reason(AudioBuffer::from_wav(&cut), &["cut.wav"]);
    }

    #[test]
    fn write_errors_name_the_path_and_the_reason() {
        let dir = TempDir::new("write-errors");
        let b = AudioBuffer::new(1, 10, 48_000.0).unwrap();
        let nowhere = dir.file("no-such-dir").join("x.wav");
        assert_reason(b.write_wav(&nowhere, WavFormat::Float), &["cannot write", "x.wav", "No such file"]);
        // A directory is not replaced.
        assert_reason(b.write_wav(dir.path(), WavFormat::Int16), &["cannot write"]);
        assert!(dir.path().is_dir());
        // A sample rate whose byte rate overflows the header's 32 bits.
        let fast = AudioBuffer::new(2, 10, 4_000_000_000.0).unwrap();
        let path = dir.file("fast.wav");
        assert_reason(fast.write_wav(&path, WavFormat::Float), &["fast.wav", "bytes per second"]);
        assert!(!path.exists());
        // The same rate fits as mono 16-bit.
        let fast = AudioBuffer::new(1, 10, 2_000_000_000.0).unwrap();
        fast.write_wav(&path, WavFormat::Int16).unwrap();
        assert_eq!(AudioBuffer::from_wav(&path).unwrap().sample_rate(), 2_000_000_000.0);
    }

    fn construct(args: &[ResourceArg]) -> Result<Arc<dyn Resource>, PluginError> {
        AudioBufferDef.construct(&WORLD, args)
    }

    fn as_buffer(resource: &Arc<dyn Resource>) -> &AudioBuffer {
        downcast::<AudioBuffer>(&**resource).expect("an AudioBuffer")
    }

    #[test]
    fn def_describes_itself() {
        let info = AudioBufferDef.info();
        assert_eq!(info.name, "audio-buffer");
        assert_eq!(AudioBufferDef::NAME, "audio-buffer");
        assert_eq!(info.mutability, Mutability::Mutable);
        let ops: Vec<(&str, bool, usize)> =
            info.operations.iter().map(|o| (&*o.name, o.exclusive, o.extra_resources)).collect();
        assert_eq!(
            ops,
            [
                ("query", false, 0),
                ("write", false, 0),
                ("zero", true, 0),
                ("read", true, 0),
                ("set", false, 0),
                ("setn", false, 0),
                ("fill", false, 0),
                ("gen", false, 0),
                ("get", false, 0),
                ("getn", false, 0),
                ("copy", false, 1),
                ("close", false, 0)
            ]
        );
    }

    #[test]
    fn def_constructs_empty_buffers() {
        use ResourceArg::{Float, Int};
        let r = construct(&[Int(2), Int(100)]).unwrap();
        let b = as_buffer(&r);
        assert_eq!((b.channels(), b.frames(), b.sample_rate()), (2, 100, WORLD.sample_rate));
        assert!(bits(b).iter().all(|&x| x == 0));
        let r = construct(&[Int(1), Float(64.0), Float(44_100.0)]).unwrap();
        assert_eq!((as_buffer(&r).frames(), as_buffer(&r).sample_rate()), (64, 44_100.0));
        let r = construct(&[Float(3.0), Int(5), Int(22_050)]).unwrap();
        assert_eq!((as_buffer(&r).channels(), as_buffer(&r).sample_rate()), (3, 22_050.0));
    }

    #[test]
    fn def_loads_files() {
        let dir = TempDir::new("def-load");
        let path = dir.file("in.wav");
        let b = filled(2, &[0.5, -0.5, 0.25, -0.25], 32_000.0);
        b.write_wav(&path, WavFormat::Float).unwrap();
        let r = construct(&[ResourceArg::String(path.display().to_string())]).unwrap();
        assert_eq!(as_buffer(&r).sample_rate(), 32_000.0);
        assert_eq!(bits(as_buffer(&r)), bits(&b));
        assert_reason(construct(&[ResourceArg::String(dir.file("gone.wav").display().to_string())]), &["gone.wav"]);
    }

    #[test]
    fn def_rejects_bad_arguments() {
        use ResourceArg::{Blob, Float, Int, String as Str};
        let usage = "either channels, frames and an optional sample rate";
        assert_reason(construct(&[]), &[usage, "path of a WAV file"]);
        assert_reason(construct(&[Int(2)]), &[usage]);
        assert_reason(construct(&[Int(1), Int(2), Int(3), Int(4)]), &[usage]);
        assert_reason(construct(&[Blob(vec![1])]), &[usage]);
        assert_reason(construct(&[Str("a.wav".into()), Int(2)]), &[usage, "channels is not a whole number"]);
        assert_reason(construct(&[Float(1.5), Int(10)]), &["channels is not a whole number"]);
        assert_reason(construct(&[Int(1), Str("x".into())]), &["frames is not a whole number"]);
        assert_reason(construct(&[Int(1), Int(10), Str("fast".into())]), &["sample rate is not a number"]);
        assert_reason(construct(&[Int(-1), Int(10)]), &["channels cannot be negative (-1)"]);
        assert_reason(construct(&[Int(1), Int(-10)]), &["frames cannot be negative (-10)"]);
        assert_reason(construct(&[Int(0), Int(10)]), &["1 to 1024 channels, not 0"]);
        assert_reason(construct(&[Int(1025), Int(10)]), &["not 1025"]);
        assert_reason(construct(&[Int(1), Int(0)]), &["at least one frame"]);
        assert_reason(construct(&[Int(1024), Int(1 << 40)]), &["exceed the limit"]);
        assert_reason(construct(&[Int(1), Int(10), Float(0.0)]), &["sample rate"]);
        assert_reason(construct(&[Int(1), Int(10), Float(f64::NAN)]), &["sample rate"]);
    }

    /// The index of the operation named `op`, as the engine resolves a client's name.
    fn index(op: &str) -> usize {
        AudioBufferDef.info().operations.iter().position(|o| o.name == op).unwrap_or_else(|| panic!("no {op}"))
    }

    fn perform(op: &str, resource: &Arc<dyn Resource>, args: &[ResourceArg]) -> Result<Vec<ResourceArg>, PluginError> {
        AudioBufferDef.perform(&WORLD, index(op), std::slice::from_ref(resource), args)
    }

    #[test]
    fn query_reports_the_shape() {
        let r = construct(&[ResourceArg::Int(2), ResourceArg::Int(100), ResourceArg::Int(44_100)]).unwrap();
        assert_eq!(
            perform("query", &r, &[]).unwrap(),
            [ResourceArg::Int(2), ResourceArg::Int(100), ResourceArg::Float(44_100.0)]
        );
        assert_reason(perform("query", &r, &[ResourceArg::Int(1)]), &["query takes no arguments"]);
    }

    #[test]
    fn write_saves_the_whole_buffer() {
        use ResourceArg::{Int, String as Str};
        let dir = TempDir::new("op-write");
        let r: Arc<dyn Resource> = Arc::new(filled(2, &[0.5, -0.5, 0.25, -0.25, 1.0 / 3.0, 0.1], 44_100.0));
        let path = dir.file("out.wav").display().to_string();
        assert_eq!(perform("write", &r, &[Str(path.clone())]).unwrap(), [Str(path.clone()), Int(3)]);
        assert_eq!(WavReader::open(&path).unwrap().spec(), spec(2, 44_100, 32, true));
        assert_eq!(bits(&AudioBuffer::from_wav(&path).unwrap()), bits(as_buffer(&r)));
        for (name, bits_per_sample) in [("int16", 16), ("int24", 24), ("float", 32)] {
            let reply = perform("write", &r, &[Str(path.clone()), Str(name.into())]).unwrap();
            assert_eq!(reply, [Str(path.clone()), Int(3)]);
            assert_eq!(WavReader::open(&path).unwrap().spec().bits_per_sample, bits_per_sample);
        }
        assert_reason(perform("write", &r, &[Str(path.clone()), Str("mp3".into())]), &["unknown format 'mp3'"]);
        assert_reason(perform("write", &r, &[Str(path.clone()), Int(16)]), &["the format is a name"]);
        assert_reason(perform("write", &r, &[]), &["write takes a path, and optionally a format, a file type"]);
        assert_reason(perform("write", &r, &[Int(1)]), &["write takes a path"]);
        assert_reason(
            perform("write", &r, &[Str(path.clone()), Str("float".into()), Str("x".into())]),
            &["the file type is wav or aiff"],
        );
        // Part of the buffer, and an AIFF file.
        let part = dir.file("part.wav").display().to_string();
        let written =
            perform("write", &r, &[Str(part.clone()), Str("float".into()), Str("wav".into()), Int(2), Int(1)]);
        assert_eq!(written.unwrap(), [Str(part.clone()), Int(2)]);
        assert_eq!(WavReader::open(&part).unwrap().duration(), 2);
        let aiff = dir.file("all.aiff").display().to_string();
        let written =
            perform("write", &r, &[Str(aiff.clone()), Str("int16".into()), Str("aiff".into()), Int(-1), Int(0)]);
        assert_eq!(written.unwrap()[1], Int(as_buffer(&r).frames() as i64));
        assert_eq!(&std::fs::read(&aiff).unwrap()[8..12], b"AIFF");
        let bad = dir.file("missing-dir").join("out.wav").display().to_string();
        assert_reason(perform("write", &r, &[Str(bad)]), &["cannot write", "out.wav"]);
    }

    #[test]
    fn zero_clears() {
        let r: Arc<dyn Resource> = Arc::new(filled(1, &[0.5, -0.5, 0.25], 48_000.0));
        assert_eq!(perform("zero", &r, &[]).unwrap(), []);
        assert!(bits(as_buffer(&r)).iter().all(|&x| x == 0));
        assert_reason(perform("zero", &r, &[ResourceArg::Int(0)]), &["zero takes no arguments"]);
    }

    #[test]
    fn read_loads_into_the_buffer() {
        use ResourceArg::{Int, String as Str};
        let dir = TempDir::new("op-read");
        let short = dir.file("short.wav").display().to_string();
        filled(2, &[0.5, -0.5, 0.25, -0.25], 8_000.0).write_wav(&short, WavFormat::Float).unwrap();
        let long = dir.file("long.wav").display().to_string();
        let long_samples: Vec<f32> = (0..20).map(|i| i as f32 / 32.0).collect();
        filled(2, &long_samples, 8_000.0).write_wav(&long, WavFormat::Int16).unwrap();
        let mono = dir.file("mono.wav").display().to_string();
        filled(1, &[0.5], 8_000.0).write_wav(&mono, WavFormat::Float).unwrap();

        let r: Arc<dyn Resource> = Arc::new(filled(2, &[9.0; 8], 48_000.0));
        let b = as_buffer(&r);
        // A shorter file replaces the start; the rest is kept, and so is the sample rate.
        assert_eq!(perform("read", &r, &[Str(short.clone())]).unwrap(), [Int(2)]);
        assert_eq!(
            (0..4).map(|f| (b.get(0, f), b.get(1, f))).collect::<Vec<_>>(),
            [(0.5, -0.5), (0.25, -0.25), (9.0, 9.0), (9.0, 9.0)]
        );
        assert_eq!(b.sample_rate(), 48_000.0);
        // A longer file fills the buffer and stops.
        assert_eq!(perform("read", &r, &[Str(long.clone())]).unwrap(), [Int(4)]);
        assert_eq!(bits(b), long_samples[..8].iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        // Channel counts must match; nothing changes otherwise.
        assert_reason(perform("read", &r, &[Str(mono.clone())]), &["mono.wav", "1 channels and the buffer 2"]);
        assert_eq!(b.get(0, 0), 0.0);
        assert_reason(perform("read", &r, &[Str(dir.file("nope.wav").display().to_string())]), &["nope.wav"]);
        assert_reason(perform("read", &r, &[]), &["read takes a path"]);
        assert_reason(
            perform("read", &r, &[Str(short.clone()), Str("x".into())]),
            &["start frame is not a whole number"],
        );
        // From the file's frame 1, at most 2 frames, into the buffer from its frame 1.
        assert_eq!(perform("read", &r, &[Str(long.clone()), Int(1), Int(2), Int(1)]).unwrap(), [Int(2)]);
        let frame = |f: usize| (b.get(0, f), b.get(1, f));
        assert_eq!(frame(1), (long_samples[2], long_samples[3]));
        assert_eq!(frame(2), (long_samples[4], long_samples[5]));
        assert_eq!(frame(3), (long_samples[6], long_samples[7]));
        // -1 frames reads as many as fit; a start past the buffer is refused.
        assert_eq!(perform("read", &r, &[Str(short.clone()), Int(0), Int(-1), Int(3)]).unwrap(), [Int(1)]);
        assert_reason(perform("read", &r, &[Str(short), Int(0), Int(-1), Int(4)]), &["past the buffer's end"]);
    }

    #[test]
    fn def_loads_part_of_a_file() {
        use ResourceArg::{Int, String as Str};
        let dir = TempDir::new("audio-buffer-part");
        let path = dir.file("ramp.wav").display().to_string();
        let samples: Vec<f32> = (0..10).map(|i| i as f32).collect();
        filled(1, &samples, 8_000.0).write_wav(&path, WavFormat::Float).unwrap();
        let part = construct(&[Str(path.clone()), Int(3), Int(4)]).unwrap();
        assert_eq!((0..4).map(|f| as_buffer(&part).get(0, f)).collect::<Vec<_>>(), [3.0, 4.0, 5.0, 6.0]);
        let rest = construct(&[Str(path.clone()), Int(8), Int(0)]).unwrap();
        assert_eq!(as_buffer(&rest).frames(), 2);
        assert_reason(construct(&[Str(path.clone()), Int(10), Int(0)]), &["frame 10 is past the file's end"]);
        assert_reason(construct(&[Str(path), Int(8), Int(3)]), &["3 frames from frame 8"]);
    }

    #[test]
    fn operations_check_the_resource_and_the_index() {
        struct NotABuffer;
        impl Resource for NotABuffer {}
        let other: Arc<dyn Resource> = Arc::new(NotABuffer);
        for op in ["query", "write", "zero", "read"] {
            assert_reason(perform(op, &other, &[]), &[op, "not an audio buffer"]);
            assert_reason(AudioBufferDef.perform(&WORLD, index(op), &[], &[]), &["not an audio buffer"]);
        }
        // The engine resolves names to indices and refuses unknown names itself; an index
        // past the list is refused here, whatever the resources.
        let r = construct(&[ResourceArg::Int(1), ResourceArg::Int(1)]).unwrap();
        assert_reason(AudioBufferDef.perform(&WORLD, 12, std::slice::from_ref(&r), &[]), &["no operation number 12"]);
        assert_reason(AudioBufferDef.perform(&WORLD, usize::MAX, &[], &[]), &["no operation number"]);
    }
}
