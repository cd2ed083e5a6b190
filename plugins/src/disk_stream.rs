//! Disk streams: sound files that grow while a Synth records. `DiskOut` writes its input
//! into a buffer used as a ring and counts the frames it wrote
//! ([`AudioBuffer::streamed_frames`]); the disk thread appends each new frame to the file
//! the buffer was opened on (scsynth's `/b_write` with `leaveOpen`), until the buffer is
//! closed (`/b_close`) or freed. It is scsynth's `DiskOut`, with every frame written
//! rather than whole halves of the buffer, and frames the disk could not keep up with
//! counted and reported when the stream closes.
//!
//! Context: the disk thread (`oscine-disk`, started with the first stream) owns every
//! open stream and its file; workers open and close streams by asking it (NRT). The audio
//! thread only writes samples and bumps the buffer's frame count (atomics).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use oscine_plugin_api::{downcast, PluginError, Resource};

use crate::sound_file_writer::SoundFileWriter;
use crate::AudioBuffer;

/// How often the disk thread looks for new frames while a stream is open: well inside the
/// smallest ring a recording uses (scsynth's clients use a second or more of frames).
const POLL: Duration = Duration::from_millis(5);

/// How a closed stream ended: the frames in the file, and those lost (written as
/// silence) because the ring was overwritten before the disk thread read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Closed {
    pub frames: u64,
    pub lost: u64,
}

/// A buffer as the disk thread knows it: by the address of its shared allocation, which
/// is the buffer's for as long as the stream holds it.
type Key = usize;

fn key(buffer: &Arc<dyn Resource>) -> Key {
    Arc::as_ptr(buffer) as *const () as usize
}

enum Request {
    Open { buffer: Arc<dyn Resource>, writer: SoundFileWriter, done: Sender<()> },
    Close { key: Key, done: Sender<Option<Result<Closed, String>>> },
    Flush { done: Sender<()> },
}

/// One open stream.
struct Stream {
    buffer: Arc<dyn Resource>,
    writer: Option<SoundFileWriter>,
    /// The buffer's frame count up to which frames are in the file (or lost).
    written: u64,
    frames: u64,
    lost: u64,
    /// The first write error; the stream writes nothing after it.
    error: Option<String>,
}

impl Stream {
    fn buffer(&self) -> &AudioBuffer {
        // Only audio buffers are opened (`open` checks).
        downcast::<AudioBuffer>(&*self.buffer).expect("an audio buffer")
    }

    /// Appends every frame the buffer's writer has put in the ring since the last call.
    /// Frames already overwritten are counted as lost and written as silence, so the file
    /// keeps the recording's timing.
    fn catch_up(&mut self, scratch: &mut Vec<f32>) {
        let (produced, ring, channels) = {
            let b = self.buffer();
            (b.streamed_frames(), b.frames() as u64, b.channels())
        };
        if produced <= self.written {
            return;
        }
        // A frame the writer may be overwriting as it is read is lost too: keep a quarter
        // of the ring's distance from it.
        let oldest = produced.saturating_sub(ring - ring / 4);
        if self.written < oldest {
            let lost = oldest - self.written;
            self.lost += lost;
            scratch.clear();
            scratch.resize(channels, 0.0);
            for _ in 0..lost {
                self.append(scratch);
            }
            self.written = oldest;
        }
        for n in self.written..produced {
            scratch.clear();
            scratch.resize(channels, 0.0);
            self.buffer().read_frame_into((n % ring) as usize, scratch);
            self.append(scratch);
        }
        self.written = produced;
    }

    fn append(&mut self, frame: &[f32]) {
        if self.error.is_some() {
            self.lost += 1;
            return;
        }
        let Some(writer) = self.writer.as_mut() else { return };
        match frame.iter().try_for_each(|&x| writer.write_sample(x)) {
            Ok(()) => self.frames += 1,
            Err(e) => {
                self.error = Some(e.to_string());
                self.lost += 1;
            }
        }
    }

    /// Writes what is left, completes the file's header and closes it.
    fn close(mut self, scratch: &mut Vec<f32>) -> Result<Closed, String> {
        self.catch_up(scratch);
        let finished = self.writer.take().map_or(Ok(()), |w| w.finalize().map_err(|e| e.to_string()));
        match (self.error, finished) {
            (Some(e), _) | (None, Err(e)) => Err(e),
            (None, Ok(())) => Ok(Closed { frames: self.frames, lost: self.lost }),
        }
    }
}

fn run(requests: Receiver<Request>) {
    let mut streams: HashMap<Key, Stream> = HashMap::new();
    let mut scratch = Vec::new();
    loop {
        let request = if streams.is_empty() {
            requests.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            requests.recv_timeout(POLL)
        };
        match request {
            Ok(Request::Open { buffer, writer, done }) => {
                let written = downcast::<AudioBuffer>(&*buffer).map_or(0, AudioBuffer::streamed_frames);
                let stream = Stream { buffer, writer: Some(writer), written, frames: 0, lost: 0, error: None };
                // A buffer opened again closes its earlier file first.
                if let Some(old) = streams.insert(key(&stream.buffer), stream) {
                    let _ = old.close(&mut scratch);
                }
                OPEN.store(streams.len(), Ordering::Release);
                let _ = done.send(());
            }
            Ok(Request::Close { key, done }) => {
                let closed = streams.remove(&key).map(|s| s.close(&mut scratch));
                OPEN.store(streams.len(), Ordering::Release);
                let _ = done.send(closed);
            }
            Ok(Request::Flush { done }) => {
                streams.values_mut().for_each(|s| s.catch_up(&mut scratch));
                let _ = done.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        streams.values_mut().for_each(|s| s.catch_up(&mut scratch));
        // A buffer freed while open (only its stream holds it now) ends its stream, as
        // scsynth's `/b_free` closes the file.
        let freed: Vec<Key> =
            streams.iter().filter(|(_, s)| Arc::strong_count(&s.buffer) == 1).map(|(k, _)| *k).collect();
        for k in freed {
            if let Some(s) = streams.remove(&k) {
                let _ = s.close(&mut scratch);
            }
            OPEN.store(streams.len(), Ordering::Release);
        }
    }
}

/// The disk thread's queue, and whether it has been started.
static DISK: OnceLock<Sender<Request>> = OnceLock::new();

/// How many streams are open (the disk thread's count).
static OPEN: AtomicUsize = AtomicUsize::new(0);

fn disk() -> Result<&'static Sender<Request>, PluginError> {
    if let Some(tx) = DISK.get() {
        return Ok(tx);
    }
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("oscine-disk".into())
        .spawn(move || run(rx))
        .map_err(|e| PluginError::new(format!("cannot start the disk thread: {e}")))?;
    // Two first streams at once: the loser's thread sees its queue closed and ends.
    Ok(DISK.get_or_init(|| tx))
}

fn ask<T>(request: impl FnOnce(Sender<T>) -> Request) -> Result<T, PluginError> {
    let (done, answer) = mpsc::channel();
    let gone = || PluginError::new("the disk thread has stopped");
    disk()?.send(request(done)).map_err(|_| gone())?;
    answer.recv().map_err(|_| gone())
}

/// Streams the frames `DiskOut` writes into `buffer` from now on to `writer`'s file.
///
/// Context: NRT (a worker).
///
/// # Errors
/// `buffer` is not an audio buffer, or the disk thread cannot be started.
pub(crate) fn open(buffer: &Arc<dyn Resource>, writer: SoundFileWriter) -> Result<(), PluginError> {
    if downcast::<AudioBuffer>(&**buffer).is_none() {
        return Err(PluginError::new("only an audio buffer streams to disk"));
    }
    ask(|done| Request::Open { buffer: Arc::clone(buffer), writer, done })
}

/// Ends `buffer`'s stream, if it has one: its last frames written, its file whole.
///
/// Context: NRT (a worker).
///
/// # Errors
/// Writing the file failed (the reason), or the disk thread has stopped.
pub(crate) fn close(buffer: &Arc<dyn Resource>) -> Result<Option<Closed>, PluginError> {
    if DISK.get().is_none() {
        return Ok(None);
    }
    match ask(|done| Request::Close { key: key(buffer), done })? {
        None => Ok(None),
        Some(Ok(closed)) => Ok(Some(closed)),
        Some(Err(reason)) => Err(PluginError::new(reason)),
    }
}

/// Waits until every open stream has written the frames its buffer holds: what an
/// offline render calls after each block, so that rendering faster than the disk loses
/// nothing. Returns at once when no stream is open.
///
/// Context: NRT (never the audio thread of a realtime server).
pub fn wait_until_written() {
    if OPEN.load(Ordering::Acquire) > 0 {
        let _ = ask(|done| Request::Flush { done });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use oscine_plugin_api::harness::WORLD;
    use oscine_plugin_api::{downcast, Resource, ResourceArg, ResourceDef};

    use crate::test_support::TempDir;
    use crate::{AudioBuffer, AudioBufferDef};

    const WRITE: usize = 1;
    const CLOSE: usize = 11;

    fn buffer(channels: i64, frames: i64) -> Arc<dyn Resource> {
        AudioBufferDef.construct(&WORLD, &[ResourceArg::Int(channels), ResourceArg::Int(frames)]).unwrap()
    }

    fn open(buffer: &Arc<dyn Resource>, path: &std::path::Path, file_type: &str) {
        let args = [
            ResourceArg::String(path.display().to_string()),
            ResourceArg::String("float".into()),
            ResourceArg::String(file_type.into()),
            ResourceArg::Int(0),
            ResourceArg::Int(0),
            ResourceArg::Int(1),
        ];
        AudioBufferDef.perform(&WORLD, WRITE, std::slice::from_ref(buffer), &args).unwrap();
    }

    fn close(buffer: &Arc<dyn Resource>) -> Result<Vec<ResourceArg>, String> {
        AudioBufferDef.perform(&WORLD, CLOSE, std::slice::from_ref(buffer), &[]).map_err(|e| e.reason().to_owned())
    }

    /// Records `frames` frames as `DiskOut` does, frame `n` of channel `c` holding
    /// `n + c / 10`.
    fn record(buffer: &Arc<dyn Resource>, from: u64, frames: u64) {
        let b = downcast::<AudioBuffer>(&**buffer).unwrap();
        let ring = b.frames() as u64;
        let before = b.streamed_frames();
        for n in 0..frames {
            for c in 0..b.channels() {
                b.set(c, ((before + n) % ring) as usize, (from + n) as f32 + c as f32 / 10.0);
            }
        }
        b.advance_stream(frames);
    }

    fn aiff_samples(path: &std::path::Path) -> (u16, u32, Vec<f32>) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(u32::from_be_bytes(bytes[4..8].try_into().unwrap()) as usize, bytes.len() - 8);
        let comm = bytes.windows(4).position(|w| w == b"COMM").unwrap();
        let channels = u16::from_be_bytes(bytes[comm + 8..comm + 10].try_into().unwrap());
        let frames = u32::from_be_bytes(bytes[comm + 10..comm + 14].try_into().unwrap());
        let ssnd = bytes.windows(4).position(|w| w == b"SSND").unwrap();
        let samples = bytes[ssnd + 16..].chunks_exact(4).map(|b| f32::from_be_bytes(b.try_into().unwrap())).collect();
        (channels, frames, samples)
    }

    #[test]
    fn a_stream_appends_every_frame_recorded_round_the_ring_until_it_closes() {
        let dir = TempDir::new("disk-stream");
        let path = dir.file("take.aiff");
        let b = buffer(2, 64);
        open(&b, &path, "aiff");
        // Ten times round the ring, a block at a time, the disk thread keeping up.
        for k in 0..40 {
            record(&b, k * 16, 16);
            super::wait_until_written();
        }
        record(&b, 640, 5);
        assert_eq!(close(&b).unwrap(), [ResourceArg::Int(645)]);
        let (channels, frames, samples) = aiff_samples(&path);
        assert_eq!((channels, frames), (2, 645));
        let want: Vec<f32> = (0..645).flat_map(|n| [n as f32, n as f32 + 0.1]).collect();
        assert_eq!(samples, want);
        // Closing again, or a buffer never opened, has nothing to close.
        assert_eq!(close(&b).unwrap(), [ResourceArg::Int(0)]);
    }

    #[test]
    fn frames_overwritten_before_the_disk_read_them_are_silence_and_make_close_fail() {
        let dir = TempDir::new("disk-stream-lost");
        let path = dir.file("take.wav");
        let b = buffer(1, 64);
        open(&b, &path, "wav");
        // Three rings' worth at once: the oldest frames are gone before the disk looks.
        record(&b, 0, 192);
        super::wait_until_written();
        let reason = close(&b).unwrap_err();
        assert!(reason.contains("192 frames") && reason.contains("keep up"), "{reason}");
        let samples: Vec<f32> = hound::WavReader::open(&path).unwrap().into_samples().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 192, "the file keeps the recording's length");
        let first_kept = samples.iter().position(|&x| x != 0.0).unwrap();
        assert!((100..192).contains(&first_kept), "{first_kept}");
        assert!(samples[..first_kept].iter().all(|&x| x == 0.0));
        assert_eq!(samples[first_kept..], (first_kept..192).map(|n| n as f32).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn a_buffer_freed_while_open_finishes_its_file() {
        let dir = TempDir::new("disk-stream-freed");
        let path = dir.file("take.wav");
        let b = buffer(1, 32);
        open(&b, &path, "wav");
        record(&b, 0, 10);
        super::wait_until_written();
        drop(b);
        // The disk thread notices within a poll or two; the file is whole once it has.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Ok(r) = hound::WavReader::open(&path) {
                if r.duration() == 10 {
                    break;
                }
            }
            assert!(std::time::Instant::now() < deadline, "the stream of a freed buffer was never finished");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
