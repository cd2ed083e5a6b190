use std::collections::{BinaryHeap, HashSet};
use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use oscine_plugin_api::ResourceId;

use super::{FrameSink, FrameSource, MemorySink, RenderOptions};
use crate::control::{EngineHandle, Registry};
use crate::drivers::ManualDriver;
use crate::engine::{ClientId, ClockMode, Command, Engine, Event, NodeId, ResourceState, SampleClock, Timetag};
use crate::osc::{parse, ErrorCode, LiveResources, MessageView, PacketView, Request, RequestError};
use crate::score::{ScoreBundle, ScoreError, ScoreErrorKind, ScoreMessage, ScoreReader};
use crate::{build, BuildError};

/// The client every score message comes from.
const CLIENT: ClientId = ClientId(0);

/// How long the renderer sleeps between looks at the engine while it waits for workers.
const POLL: Duration = Duration::from_micros(50);

/// How many blocks pass between progress bar updates.
const PROGRESS_BLOCKS: u64 = 64;

/// A score message the server refused or whose command failed, and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct CommandFailure {
    /// Byte offset of the message in the score.
    pub offset: usize,
    /// The message's time, in seconds from the score's start.
    pub seconds: f64,
    /// The message's address.
    pub address: String,
    /// The `/error` code the server would reply with (none for a failed construct, which
    /// the server answers with `/resource/error`).
    pub code: Option<i32>,
    /// The server's reason.
    pub message: String,
}

impl fmt::Display for CommandFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "byte {} (at {:.6} s): {}: {}", self.offset, self.seconds, self.address, self.message)?;
        if let Some(code) = self.code {
            write!(f, " (error {code})")?;
        }
        Ok(())
    }
}

/// Why a render stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The score's framing or timetags are wrong.
    #[error("bad score: {0}")]
    Score(#[from] ScoreError),
    /// A message was refused or its command failed.
    #[error("{0}")]
    Command(CommandFailure),
    /// A Synth's process panicked (the engine silenced it).
    #[error("synth {node} panicked in its process in the block starting at {seconds:.6} s")]
    SynthFaulted {
        /// The Synth.
        node: NodeId,
        /// When its block started.
        seconds: f64,
    },
    /// The engine reported something no score message caused.
    #[error("at {seconds:.6} s: {message}")]
    Engine {
        /// When.
        seconds: f64,
        /// What.
        message: String,
    },
    /// Resource work (a construct, destroy or operation) did not finish in time.
    #[error("byte {offset} (at {seconds:.6} s): {address}: resource work did not finish within {waited:?}")]
    Timeout {
        /// Byte offset of the message that was waiting.
        offset: usize,
        /// Its time.
        seconds: f64,
        /// Its address.
        address: String,
        /// How long the renderer waited.
        waited: Duration,
    },
    /// Engine events were lost, so errors may have gone unseen.
    #[error("{0} engine events were lost; errors may have gone unseen")]
    EventsLost(u64),
    /// The engine could not be built.
    #[error("cannot build the engine: {0}")]
    Build(#[from] BuildError),
    /// The input could not be read.
    #[error("input {}: {reason}", path.display())]
    Input {
        /// The input file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The output could not be written.
    #[error("output {}: {reason}", path.display())]
    Output {
        /// The output file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// What a finished render did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RenderReport {
    /// Frames written per channel: `round(T × rate)` for the latest score time `T`.
    pub frames: u64,
    /// Frames per second.
    pub sample_rate: u32,
    /// Output channels.
    pub channels: usize,
    /// Top-level bundles in the score.
    pub bundles: usize,
    /// Messages in the score, nested ones included.
    pub messages: usize,
    /// Wall-clock time the render took.
    pub elapsed: Duration,
    /// Output samples that were NaN or infinite, written as 0 instead.
    pub nonfinite_samples: u64,
}

impl RenderReport {
    /// The output's length in seconds.
    pub fn seconds(&self) -> f64 {
        self.frames as f64 / self.sample_rate as f64
    }

    /// Seconds of audio rendered per second of wall-clock time.
    pub fn speed(&self) -> f64 {
        self.seconds() / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Renders scores offline (see the [module documentation](super)).
///
/// ```
/// use oscine::render::{RenderOptions, Renderer};
/// use oscine::score::{message, Score};
///
/// let mut score = Score::new();
/// score.at(0.0, [message("/synth/new", vec!["test-unknown".into(), 1.into(), 0.into(), 0.into()])]);
/// score.end(0.1);
/// let error = Renderer::new(RenderOptions::default()).render_to_memory(&score.to_bytes().unwrap()).unwrap_err();
/// assert!(error.to_string().starts_with("byte 24 (at 0.000000 s): /synth/new: no synthdef named 'test-unknown'"));
///
/// let mut score = Score::new();
/// score.at(0.0, [message("/synth/new", vec!["sine".into(), 1.into(), 0.into(), 0.into()])]);
/// score.end(0.1);
/// let channels = Renderer::new(RenderOptions::default()).render_to_memory(&score.to_bytes().unwrap()).unwrap();
/// assert_eq!(channels.len(), 2);
/// assert_eq!(channels[0].len(), 4800);
/// assert!(channels[0].iter().any(|x| *x != 0.0));
/// ```
///
/// Context: NRT; the calling thread plays the audio thread too.
pub struct Renderer {
    options: RenderOptions,
    registry: Registry,
    input: Option<Box<dyn FrameSource>>,
}

impl Renderer {
    /// A renderer with Oscine's built-in SynthDefs and ResourceDefs.
    pub fn new(options: RenderOptions) -> Self {
        Self::with_registry(options, Registry::with_builtins())
    }

    /// A renderer with the definitions in `registry`.
    pub fn with_registry(options: RenderOptions, registry: Registry) -> Self {
        Renderer { options, registry, input: None }
    }

    /// Feeds the hardware inputs from `input` (otherwise they are silent). Its sample rate
    /// must be the render's; the renderer does not resample.
    pub fn with_input(mut self, input: impl FrameSource + 'static) -> Self {
        self.input = Some(Box::new(input));
        self
    }

    /// The options.
    pub fn options(&self) -> &RenderOptions {
        &self.options
    }

    /// Renders `score` (bytes in scsynth's NRT format) to `output`.
    ///
    /// # Errors
    /// See [`RenderError`]: the first problem stops the render. What `output` received
    /// until then is incomplete.
    pub fn render(self, score: &[u8], output: &mut dyn FrameSink) -> Result<RenderReport, RenderError> {
        let started = Instant::now();
        let engine_options = self.options.engine_options();
        let clock = SampleClock::new(ClockMode::Score, engine_options.sample_rate, engine_options.block_size);
        // The engine's own mapping, so each message is fed just before its block.
        let frames = Frames(clock);
        // First pass: the whole score is checked and decoded before any audio is rendered,
        // one bundle at a time, keeping only counts and the latest time.
        let (mut bundles, mut messages, mut end_frame) = (0, 0, 0);
        for bundle in ScoreReader::new(score) {
            let bundle = bundle?;
            bundles += 1;
            messages += bundle.messages.len();
            end_frame = end_frame.max(frames.of(bundle.latest));
        }
        if bundles == 0 {
            return Err(ScoreError { offset: 0, kind: ScoreErrorKind::Empty }.into());
        }

        let parts = build(engine_options, self.registry)?;
        let mut session = Session {
            driver: ManualDriver::with_engine(parts.engine),
            handle: parts.handle,
            resources: LiveResources::new(),
            resource_ids: HashSet::new(),
            sent: 0,
            block_start: 0,
            options: self.options,
        };
        let progress = progress_bar(session.options.progress, end_frame);
        let mut input = self.input;
        let mut score =
            Messages { reader: ScoreReader::new(score), next: None, queue: BinaryHeap::new(), seq: 0, frames };
        let result = session.run(&mut score, end_frame, &mut input, output, &progress);
        progress.finish_and_clear();
        let channels = session.options.outputs;
        let sample_rate = session.options.sample_rate;
        let nonfinite_samples = session.engine().status().snapshot().nonfinite_samples;
        let clean = !matches!(result, Err(RenderError::Timeout { .. })) && session.shutdown();
        drop(session);
        if clean {
            parts.workers.join();
        }
        // Otherwise a worker may be stuck in a plugin: leave the threads detached.
        result.map(|()| RenderReport {
            frames: end_frame,
            sample_rate,
            channels,
            bundles,
            messages,
            elapsed: started.elapsed(),
            nonfinite_samples,
        })
    }

    /// Renders `score` into memory and returns each output channel's samples.
    ///
    /// # Errors
    /// As [`render`](Self::render).
    pub fn render_to_memory(self, score: &[u8]) -> Result<Vec<Vec<f32>>, RenderError> {
        let mut sink = MemorySink { channels: vec![Vec::new(); self.options.outputs] };
        self.render(score, &mut sink)?;
        Ok(sink.channels)
    }
}

fn progress_bar(wanted: bool, frames: u64) -> ProgressBar {
    if !(wanted && std::io::stderr().is_terminal()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(frames), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("rendering [{bar:40}] {percent:>3}% {msg} (eta {eta})") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Maps score times to frames exactly as the engine does.
struct Frames(SampleClock);

impl Frames {
    fn of(&self, time: Timetag) -> u64 {
        self.0.frame_of(time).unwrap_or(0).max(0) as u64
    }
}

/// One score message, with the frame it applies at and the bundle it came in.
struct Item {
    frame: u64,
    /// Its position in the score, so messages of the same frame keep the score's order.
    seq: u64,
    bundle: u32,
    message: ScoreMessage,
}

impl PartialEq for Item {
    fn eq(&self, other: &Self) -> bool {
        (self.frame, self.seq) == (other.frame, other.seq)
    }
}
impl Eq for Item {}
impl PartialOrd for Item {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Item {
    // Reversed: the heap's top is the earliest frame, then the earliest in the score.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (other.frame, other.seq).cmp(&(self.frame, self.seq))
    }
}

/// The score's messages in the order they apply: by frame, then by position in the score.
/// Bundles are decoded as the render reaches them; a message of a nested bundle timed
/// later than its enclosing one waits in a queue for its frame.
struct Messages<'a> {
    reader: ScoreReader<'a>,
    next: Option<ScoreBundle>,
    queue: BinaryHeap<Item>,
    seq: u64,
    frames: Frames,
}

impl Messages<'_> {
    /// The next message due before frame `end`, if any.
    fn next_before(&mut self, end: u64) -> Result<Option<Item>, ScoreError> {
        loop {
            if self.next.is_none() {
                self.next = self.reader.next().transpose()?;
            }
            // A bundle's messages are never earlier than the bundle itself.
            match self.next.take() {
                Some(bundle) if self.frames.of(bundle.time) < end => {
                    let number = u32::try_from(bundle.index + 1).unwrap_or(u32::MAX);
                    for message in bundle.messages {
                        let frame = self.frames.of(message.time);
                        self.queue.push(Item { frame, seq: self.seq, bundle: number, message });
                        self.seq += 1;
                    }
                }
                later => {
                    self.next = later;
                    break;
                }
            }
        }
        Ok(if self.queue.peek().is_some_and(|item| item.frame < end) { self.queue.pop() } else { None })
    }
}

impl Item {
    fn fail(&self, code: Option<i32>, message: String) -> RenderError {
        RenderError::Command(CommandFailure {
            offset: self.message.offset,
            seconds: self.message.time.seconds(),
            address: self.message.message.addr.clone(),
            code,
            message,
        })
    }

    fn timeout(&self, waited: Duration) -> RenderError {
        RenderError::Timeout {
            offset: self.message.offset,
            seconds: self.message.time.seconds(),
            address: self.message.message.addr.clone(),
            waited,
        }
    }
}

/// A running render: the engine (played by this thread) and its handle.
struct Session {
    driver: ManualDriver,
    handle: EngineHandle,
    /// Which ResourceDef each Live resource id has, kept as the server keeps it: from
    /// `/resource/ready` until `/resource/destroyed`.
    resources: LiveResources,
    /// Resource ids that may have work running: every id a resource command named, until
    /// it is seen Free.
    resource_ids: HashSet<ResourceId>,
    /// Commands sent so far.
    sent: u64,
    /// The first frame of the block being rendered.
    block_start: u64,
    options: RenderOptions,
}

impl Session {
    fn engine(&mut self) -> &mut Engine {
        self.driver.engine()
    }

    fn seconds(&self, frame: u64) -> f64 {
        frame as f64 / self.options.sample_rate as f64
    }

    /// Renders block by block until `end_frame`, feeding each message just before the
    /// block that holds its frame.
    fn run(
        &mut self,
        score: &mut Messages<'_>,
        end_frame: u64,
        input: &mut Option<Box<dyn FrameSource>>,
        output: &mut dyn FrameSink,
        progress: &ProgressBar,
    ) -> Result<(), RenderError> {
        let block = self.options.block_size;
        let mut inputs = vec![0.0f32; self.options.inputs * block];
        let mut blocks = 0u64;
        loop {
            let start = self.engine().frame();
            let end = start + block as u64;
            while let Some(item) = score.next_before(end)? {
                self.feed(&item)?;
            }
            // Every message is at or before `end_frame`, so all have been fed.
            if start >= end_frame {
                break;
            }
            if let Some(source) = input.as_mut() {
                source.read(&mut inputs, block, block)?;
                self.engine().external_inputs_mut().copy_from_slice(&inputs);
            }
            self.block_start = start;
            self.engine().process_block();
            self.drain(None)?;
            // A recording (`DiskOut`) keeps up with a render of any speed.
            oscine_plugins::disk_stream::wait_until_written();
            let frames = (end_frame - start).min(block as u64) as usize;
            output.write(self.driver.engine().external_outputs(), block, frames)?;
            blocks += 1;
            if blocks.is_multiple_of(PROGRESS_BLOCKS) {
                let done = start + frames as u64;
                progress.set_position(done);
                progress.set_message(format!("{:.1}/{:.1} s", self.seconds(done), self.seconds(end_frame)));
            }
        }
        self.settle(None)
    }

    /// Parses one message as the server would and applies its commands now, at their
    /// frames in the coming block; resource work is awaited.
    fn feed(&mut self, item: &Item) -> Result<(), RenderError> {
        // Whatever a block started (a destroy after a Synth let go of its Resource) ends
        // before the next message is even parsed, so parsing sees the same state however
        // fast the workers are.
        self.settle(Some(item))?;
        // The score keeps rosc's messages; the parser reads encoded ones in place.
        let bytes = rosc::encoder::encode(&rosc::OscPacket::Message(item.message.message.clone()))
            .map_err(|e| item.fail(Some(ErrorCode::MalformedPacket.code()), format!("cannot encode it: {e}")))?;
        match crate::osc::read_packet(&bytes) {
            Ok(PacketView::Message(message)) => self.apply(item, &message),
            _ => Err(item.fail(Some(ErrorCode::MalformedPacket.code()), "it cannot be read back".into())),
        }
    }

    /// Applies `message`, which is `item`'s or came in its completion message.
    fn apply(&mut self, item: &Item, message: &MessageView<'_>) -> Result<(), RenderError> {
        let request = parse(message, &self.handle, CLIENT, &self.resources)
            .map_err(|e| item.fail(Some(e.code.code()), e.message))?;
        let commands = match request {
            Request::Commands(commands) => commands,
            Request::Plugin(_) => {
                return Err(item.fail(
                    Some(ErrorCode::PluginsUnavailable.code()),
                    "a score cannot load plugins; give oscine render --plugin-path instead".into(),
                ))
            }
            Request::Midi(_) => {
                return Err(item.fail(
                    Some(ErrorCode::MidiUnavailable.code()),
                    "a score cannot read MIDI: a render has no MIDI inputs or mappings".into(),
                ))
            }
            Request::GraphDefs(request, completion) => {
                self.handle
                    .apply_graph_defs(&request)
                    .map_err(|e| item.fail(Some(ErrorCode::SynthDefRefused.code()), e.to_string()))?;
                return match completion {
                    Some(bytes) => self.apply_completion(item, &bytes),
                    None => Ok(()),
                };
            }
            Request::CommandsThen(commands, bytes) => {
                // Resource work is awaited as each command is applied, so the completion
                // follows its success, as in scsynth.
                self.apply_commands(item, commands)?;
                return self.apply_completion(item, &bytes);
            }
            _ => return Ok(()),
        };
        self.apply_commands(item, commands)
    }

    /// Applies a completion message (an OSC packet's bytes) that came with `item`.
    fn apply_completion(&mut self, item: &Item, bytes: &[u8]) -> Result<(), RenderError> {
        // Framing and nesting first: reading walks nested bundles recursively.
        let packet = match crate::osc::check_structure(bytes).ok().and_then(|()| crate::osc::read_packet(bytes).ok()) {
            Some(packet) => packet,
            None => {
                return Err(item
                    .fail(Some(ErrorCode::MalformedPacket.code()), "the completion message cannot be decoded".into()))
            }
        };
        self.apply_packet(item, packet)
    }

    /// Applies the messages of `packet`, bundles opened, in order.
    fn apply_packet(&mut self, item: &Item, packet: PacketView<'_>) -> Result<(), RenderError> {
        match packet {
            PacketView::Message(message) => self.apply(item, &message),
            PacketView::Bundle(b) => b.elements().try_for_each(|element| self.apply_packet(item, element)),
        }
    }

    /// Sends `commands` one by one, each applied (and its resource work finished) before
    /// the next.
    fn apply_commands(&mut self, item: &Item, commands: impl IntoIterator<Item = Command>) -> Result<(), RenderError> {
        for command in commands {
            let resource = match &command {
                Command::ResourceNew { id, .. } | Command::ResourceFree { id, .. } => {
                    self.resource_ids.insert(*id);
                    true
                }
                Command::ResourcePerform { ids, .. } => {
                    self.resource_ids.extend(ids.as_slice());
                    true
                }
                _ => false,
            };
            if let Err(full) = self.handle.send_at(command, item.message.time, item.bundle) {
                // Cannot happen: every command is applied before the next is sent.
                return Err(item.fail(Some(ErrorCode::QueueFull.code()), full.to_string()));
            }
            self.sent += 1;
            self.wait(Some(item), |s| s.handle.status().commands_processed >= s.sent)?;
            if resource {
                self.settle(Some(item))?;
            }
        }
        Ok(())
    }

    /// Whether a construct, destroy or resource operation is running on a worker.
    fn resource_work_running(&mut self) -> bool {
        if self.handle.status().performs > 0 {
            return true;
        }
        let engine = self.driver.engine();
        self.resource_ids.retain(|&id| engine.resource_state(id) != ResourceState::Free);
        self.resource_ids
            .iter()
            .any(|&id| matches!(engine.resource_state(id), ResourceState::Constructing | ResourceState::Destroying))
    }

    /// Waits until no resource work is running.
    fn settle(&mut self, item: Option<&Item>) -> Result<(), RenderError> {
        if !self.resource_work_running() {
            return Ok(());
        }
        self.wait(item, |s| !s.resource_work_running())
    }

    /// Services the engine (applies commands and worker results, without rendering) until
    /// `done`, reporting any error the engine raises meanwhile against `item`.
    fn wait(&mut self, item: Option<&Item>, mut done: impl FnMut(&mut Self) -> bool) -> Result<(), RenderError> {
        let started = Instant::now();
        loop {
            self.engine().service();
            self.drain(item)?;
            if done(self) {
                return Ok(());
            }
            let waited = started.elapsed();
            if waited > self.options.resource_timeout {
                return Err(match item {
                    Some(item) => item.timeout(waited),
                    None => RenderError::Engine {
                        seconds: self.seconds(self.block_start),
                        message: format!("resource work did not finish within {waited:?}"),
                    },
                });
            }
            std::thread::sleep(POLL);
        }
    }

    /// Takes every event; the first failure becomes the render's error.
    fn drain(&mut self, item: Option<&Item>) -> Result<(), RenderError> {
        let seconds = self.seconds(self.block_start);
        let fail = |code: Option<i32>, message: String| match item {
            Some(item) => item.fail(code, message),
            None => RenderError::Engine { seconds, message },
        };
        while let Some(event) = self.handle.poll_event() {
            self.resources.observe(&event);
            match event {
                Event::Error { error, .. } => {
                    let e = RequestError::from(error);
                    return Err(fail(Some(e.code.code()), e.message));
                }
                Event::ResourceFailed { id, reason, .. } => {
                    return Err(fail(None, format!("resource {id} failed to construct: {reason}")));
                }
                Event::ResourcePerformed { id, operation: (def, index), result: Err(reason), .. } => {
                    let registry = self.handle.registry();
                    let name = registry.operation_name(def, index).unwrap_or("?");
                    let code = Some(ErrorCode::OperationFailed.code());
                    return Err(fail(code, format!("resource {id} {name}: {reason}")));
                }
                Event::SynthFaulted { id } => return Err(RenderError::SynthFaulted { node: id, seconds }),
                Event::Late { seconds: late, .. } => {
                    // Cannot happen: every command is queued before its block.
                    return Err(fail(None, format!("applied {late:.6} s late (a renderer bug)")));
                }
                _ => {}
            }
        }
        let status = self.handle.status();
        if status.events_dropped > 0 {
            return Err(RenderError::EventsLost(status.events_dropped));
        }
        if status.failed {
            return Err(RenderError::Engine {
                seconds,
                message: "the engine stopped after an internal failure".into(),
            });
        }
        Ok(())
    }

    /// Frees every node and destroys every Resource through the engine, as the server
    /// does on `/quit`; whether that finished.
    fn shutdown(&mut self) -> bool {
        if self.handle.status().failed || self.handle.send(Command::Shutdown { client: Some(CLIENT) }).is_err() {
            return false;
        }
        let started = Instant::now();
        while started.elapsed() < self.options.resource_timeout {
            self.engine().service();
            while let Some(event) = self.handle.poll_event() {
                if matches!(event, Event::Stopped { .. }) {
                    return true;
                }
            }
            std::thread::sleep(POLL);
        }
        false
    }
}
