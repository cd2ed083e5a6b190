//! A sound file being written, WAV or AIFF, sample by sample: what a buffer's whole
//! contents and a disk stream's frames are written through.
//!
//! Context: NRT (file I/O).

use std::fs::File;

use crate::aiff::AiffWriter;
use crate::wav::{WavError, WavFormat, WavWriter};
use crate::FileType;

/// A WAV or AIFF file open for writing, its header made whole by
/// [`finalize`](Self::finalize).
#[derive(Debug)]
pub enum SoundFileWriter {
    /// A RIFF WAVE file.
    Wav(WavWriter),
    /// An AIFF file (AIFF-C for float samples).
    Aiff(AiffWriter),
}

impl SoundFileWriter {
    /// Writes a sound file of `file_type` into `file` (open for writing, empty), for
    /// `channels` channels at `sample_rate` (rounded to whole Hz in a WAV header) in
    /// `format`.
    ///
    /// # Errors
    /// As [`WavWriter::new`] and [`AiffWriter::new`].
    pub fn create(
        file: File,
        file_type: FileType,
        channels: u16,
        sample_rate: f64,
        format: WavFormat,
    ) -> Result<SoundFileWriter, WavError> {
        Ok(match file_type {
            FileType::Wav => SoundFileWriter::Wav(WavWriter::new(file, channels, sample_rate.round() as u32, format)?),
            FileType::Aiff => SoundFileWriter::Aiff(AiffWriter::new(file, channels, sample_rate, format)?),
        })
    }

    /// Writes one sample, quantized for an integer format.
    ///
    /// # Errors
    /// Writing fails, or the file would outgrow its format's sizes.
    pub fn write_sample(&mut self, x: f32) -> Result<(), WavError> {
        match self {
            SoundFileWriter::Wav(w) => w.write_sample(x),
            SoundFileWriter::Aiff(w) => w.write_sample(x),
        }
    }

    /// Writes the header to match the samples written and closes the file.
    ///
    /// # Errors
    /// The samples do not fill whole frames, or writing fails.
    pub fn finalize(self) -> Result<(), WavError> {
        match self {
            SoundFileWriter::Wav(w) => w.finalize(),
            SoundFileWriter::Aiff(w) => w.finalize(),
        }
    }
}
