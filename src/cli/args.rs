use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::LazyLock;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Parser, ValueEnum};
use oscine::engine::EngineOptions;
use oscine::network::{AddressRange, TcpLimits, DEFAULT_MAX_QUERIES_PER_CLIENT, DEFAULT_UDP_RECEIVE_BUFFER};
use oscine::osc::Dialect;
use oscine::render::{RenderOptions, WavFormat};

/// The default UDP port: clear of scsynth (57110) and sclang (57120).
pub const DEFAULT_PORT: u16 = 57130;

/// The engine's own defaults, which the engine flags default to.
static ENGINE: LazyLock<EngineOptions> = LazyLock::new(EngineOptions::default);

/// The TCP limits' defaults.
static TCP: LazyLock<TcpLimits> = LazyLock::new(TcpLimits::default);

/// The renderer's own defaults, which `oscine render`'s flags default to.
static RENDER: LazyLock<RenderOptions> = LazyLock::new(RenderOptions::default);

/// Oscine: a realtime audio engine server controlled over OSC.
#[derive(Debug, Parser)]
#[command(name = "oscine", version, about, long_about = None)]
pub struct Cli {
    /// What to do instead of serving.
    #[command(subcommand)]
    pub command: Option<Subcommand>,

    /// Address to listen on. Use 0.0.0.0 to accept clients from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// UDP port to listen on (0 picks a free one).
    #[arg(long, short, default_value_t = DEFAULT_PORT)]
    pub port: u16,

    /// Take datagrams only from this address, or from this range of addresses
    /// (ADDR/PREFIX: 10.0.0.0/8, fd00::/8); repeatable. Datagrams from other sources get no
    /// reply and are counted in /status. Without it, every source that can reach the bound
    /// address is served.
    #[arg(long, value_name = "ADDR[/PREFIX]")]
    pub allow: Vec<AddressRange>,

    /// Bytes of UDP receive buffer to ask the kernel for, so that bursts of datagrams wait
    /// instead of being dropped (Linux caps it at net.core.rmem_max unless the server has
    /// CAP_NET_ADMIN). The log and /status say what the kernel granted; datagrams dropped
    /// anyway are counted.
    #[arg(
        long,
        value_name = "BYTES",
        default_value_t = DEFAULT_UDP_RECEIVE_BUFFER,
        value_parser = clap::value_parser!(u32).range(1024..=1 << 30).map(|b| b as usize),
    )]
    pub udp_receive_buffer: usize,

    /// Listen for TCP connections too, on this port of the same address (0 picks a free
    /// one): OSC packets each preceded by its length as a big-endian int32 (scsynth's and
    /// liblo's framing). A TCP client loses no command: when the command queue is full, its
    /// commands wait. Off by default.
    #[arg(long, value_name = "PORT")]
    pub tcp_port: Option<u16>,

    /// Queries (tree queries, control and bus reads) one client may have waiting for
    /// their replies, timed ones included; more are refused with error 39. Each holds
    /// storage for its reply until the reply is sent.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QUERIES_PER_CLIENT,
        value_parser = clap::value_parser!(u32).range(1..=1 << 20))]
    pub max_queries_per_client: u32,

    /// TCP connections open at once; more are refused with error 8.
    #[arg(long, value_name = "N", default_value_t = TCP.max_connections as u32,
        value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub tcp_max_connections: u32,

    /// The largest TCP message in bytes; a client that sends a larger one gets error 4
    /// and is disconnected.
    #[arg(long, value_name = "BYTES", default_value_t = TCP.max_message as u32,
        value_parser = clap::value_parser!(u32).range(16..=1 << 30))]
    pub tcp_max_message: u32,

    /// Bytes of replies that may wait for a TCP client to read them; a client that leaves
    /// more unread is disconnected, so that it holds no one else back.
    #[arg(long, value_name = "BYTES", default_value_t = TCP.max_output as u32,
        value_parser = clap::value_parser!(u32).range(1024..=1 << 30))]
    pub tcp_max_output: u32,

    /// Audio driver: the default sound device (falling back to dummy when none opens),
    /// cpal (the default host's device, or fail), one of cpal's hosts by name (its
    /// device, or fail; only the hosts this build has are listed), or dummy (no sound
    /// card; paced by the wall clock).
    #[arg(long, value_enum, default_value_t = DriverChoice::Auto)]
    pub driver: DriverChoice,

    /// Output device name (or a unique part of it), as `oscine devices` lists it.
    #[arg(long)]
    pub device: Option<String>,

    /// Sample rate in Hz [default: the device's; 48000 for dummy].
    #[arg(long, value_parser = clap::value_parser!(u32).range(8000..=768000))]
    pub sample_rate: Option<u32>,

    /// Device buffer size in frames [default: the device's; 1024 for dummy, which keeps an
    /// idle server nearly asleep at 21 ms of latency].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub buffer_size: Option<u32>,

    /// Hardware input channels.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=256))]
    pub inputs: u16,

    /// Hardware output channels [default: the device's; 2 for dummy].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub outputs: Option<u16>,

    /// Open a MIDI input: a port's name (or a part of it; every port it matches), its
    /// index as `oscine devices` lists it, or `all`; repeatable. With the `jack` feature,
    /// JACK MIDI ports.
    #[arg(long, value_name = "NAME|INDEX|all")]
    pub midi_in: Vec<String>,

    /// Make a virtual MIDI input port with this name that other programs connect to;
    /// repeatable.
    #[arg(long, value_name = "NAME")]
    pub midi_virtual: Vec<String>,

    /// Seconds after its arrival a MIDI event takes effect, at that exact frame: room for
    /// the network thread to read it and queue its commands (/status reports it).
    #[arg(long, value_name = "SECONDS", default_value_t = oscine::midi::DEFAULT_LATENCY.as_secs_f64(),
        value_parser = midi_latency)]
    pub midi_latency: f64,

    /// The engine's sizes.
    #[command(flatten)]
    pub engine: EngineArgs,

    /// Do not ask for realtime scheduling for the thread that runs blocks (by default it
    /// asks for SCHED_FIFO before the first block; `/status/reply` says whether it got it).
    #[arg(long)]
    pub no_realtime: bool,

    /// Do not lock the process's memory in RAM (by default it locks it, page by page as
    /// it is first touched, when the system allows).
    #[arg(long)]
    pub no_memory_lock: bool,

    /// The memory Resources (sample buffers) may take together, in bytes, or with a suffix
    /// K, M, G or T (powers of 1024): a construct beyond it fails before it allocates
    /// [default: half the machine's memory].
    #[arg(long, value_name = "BYTES", value_parser = byte_count)]
    pub max_resource_memory: Option<u64>,

    /// Seconds one worker job (a resource construct, destroy or operation: loading or
    /// writing a file) may run before it fails as timed out, its client is answered and a
    /// new worker thread takes the stuck one's place.
    #[arg(long, value_name = "SECONDS", default_value_t = ENGINE.job_deadline.as_secs_f64(), value_parser = positive_seconds)]
    pub job_deadline: f64,

    /// The commands one block takes from the command queue whatever the time they take, in
    /// whole datagrams; past them it takes more while its commands and the previous
    /// block's rendering fit in three quarters of the period.
    #[arg(
        long,
        default_value_t = ENGINE.min_commands_per_block as u32,
        value_parser = clap::value_parser!(u32).range(1..),
    )]
    pub min_commands_per_block: u32,

    /// The most commands one block takes from the command queue, in whole datagrams (the
    /// datagrams after wait for the next block; one larger datagram is still taken whole).
    #[arg(
        long,
        default_value_t = ENGINE.max_commands_per_block as u32,
        value_parser = clap::value_parser!(u32).range(1..),
    )]
    pub max_commands_per_block: u32,

    /// Timed commands (from bundles with a future timetag) the scheduler holds.
    #[arg(
        long,
        default_value_t = ENGINE.max_scheduled as u32,
        value_parser = clap::value_parser!(u32).range(1..=4_194_304),
    )]
    pub max_scheduled: u32,

    /// Plugin libraries to load.
    #[command(flatten)]
    pub plugins: PluginArgs,

    /// The files clients may have the server open.
    #[command(flatten)]
    pub files: FileArgs,

    /// Reload a plugin library when its file changes, and load new libraries that appear
    /// in a plugin path directory.
    #[arg(long)]
    pub watch_plugins: bool,

    /// How the verbs both protocols have (/status, /notify, /version, /quit) answer a
    /// client that has not yet sent a verb of only one: Oscine's replies (/status/reply,
    /// /ack) or scsynth's (/status.reply, /done). Use scsynth for sclang's Server.remote,
    /// whose first message is /status.
    #[arg(long, value_enum, default_value_t = Dialect::Oscine)]
    pub dialect: Dialect,

    /// scsynth clients that may log in (/notify 1) at once; their client ids are 0 to
    /// this minus 1 (at most 32: sclang gives each client 2^26 node ids).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(i32).range(1..=32))]
    pub max_logins: i32,

    /// Print "SuperCollider 3 server ready." on standard output once listening, as
    /// scsynth does (sclang's Server.program and supriya wait for that line). Implied by
    /// a scsynth command line (`oscine -u 57110 ...`).
    #[arg(long)]
    pub announce_ready: bool,

    /// Log level: error, warn, info, debug or trace (RUST_LOG, when set, takes precedence
    /// and may name modules, e.g. RUST_LOG=oscine::network=debug).
    #[arg(long, default_value = "info")]
    pub log_level: tracing_subscriber::filter::LevelFilter,
}

/// The engine flags the server and `oscine render` share.
#[derive(Debug, clap::Args)]
pub struct EngineArgs {
    /// Engine block size in frames: the engine renders in blocks of this size whatever
    /// the device's buffer size.
    #[arg(
        long,
        default_value_t = ENGINE.block_size as u32,
        value_parser = clap::value_parser!(u32).range(1..=8192),
    )]
    pub block_size: u32,

    /// Worker threads for non-realtime work.
    #[arg(
        long,
        default_value_t = ENGINE.workers as u32,
        value_parser = clap::value_parser!(u32).range(1..=64),
    )]
    pub workers: u32,

    /// Most Groups and Synths at once.
    #[arg(
        long,
        default_value_t = ENGINE.max_nodes as u32,
        value_parser = clap::value_parser!(u32).range(1..=1_048_576),
    )]
    pub max_nodes: u32,

    /// Resource ids (0 to this minus one).
    #[arg(
        long,
        default_value_t = ENGINE.max_resources as u32,
        value_parser = clap::value_parser!(u32).range(1..=1_048_576),
    )]
    pub max_resources: u32,

    /// Internal audio buses.
    #[arg(
        long,
        default_value_t = ENGINE.max_audio_buses as u32,
        value_parser = clap::value_parser!(u32).range(0..=65536),
    )]
    pub max_audio_buses: u32,

    /// Control buses.
    #[arg(
        long,
        default_value_t = ENGINE.max_control_buses as u32,
        value_parser = clap::value_parser!(u32).range(0..=1_048_576),
    )]
    pub max_control_buses: u32,
}

/// The plugin flags the server and `oscine render` share.
#[derive(Debug, clap::Args)]
pub struct PluginArgs {
    /// A directory whose plugin libraries (*.so on Linux) are loaded at start; repeatable.
    /// Without this flag, the directories of OSCINE_PLUGIN_PATH (separated by ':').
    #[arg(long = "plugin-path", value_name = "DIR")]
    pub plugin_path: Vec<PathBuf>,

    /// Seconds a plugin library may take to load in the probe (a child process) before it
    /// is refused.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = positive_seconds)]
    pub plugin_probe_timeout: f64,
}

impl PluginArgs {
    /// The plugin path: the `--plugin-path` directories, or else OSCINE_PLUGIN_PATH's; empty
    /// entries name no directory.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let dirs = if self.plugin_path.is_empty() {
            std::env::var_os("OSCINE_PLUGIN_PATH").map(|v| std::env::split_paths(&v).collect()).unwrap_or_default()
        } else {
            self.plugin_path.clone()
        };
        dirs.into_iter().filter(|d: &PathBuf| !d.as_os_str().is_empty()).collect()
    }
}

/// The flags that confine the paths clients name (loading and writing buffers, SynthDef
/// files, plugin libraries, recordings) to directories: the file roots.
#[derive(Debug, clap::Args)]
pub struct FileArgs {
    /// A directory whose files (and its subdirectories') clients may have the server read
    /// and write; repeatable. Paths are resolved (links, `.` and `..`) before the check.
    /// Without this flag or --read-root, the directories of OSCINE_FILE_ROOTS (separated by
    /// ':'), or else the server's defaults (docs/osc-api.md, "Files"); `--file-root /`
    /// allows every file the process may open.
    #[arg(long = "file-root", value_name = "DIR")]
    pub file_root: Vec<PathBuf>,

    /// A directory whose files clients may have the server read but never write;
    /// repeatable.
    #[arg(long = "read-root", value_name = "DIR")]
    pub read_root: Vec<PathBuf>,
}

impl FileArgs {
    /// Whether any root was given on the command line.
    pub fn given(&self) -> bool {
        !self.file_root.is_empty() || !self.read_root.is_empty()
    }
}

/// What `oscine` can do besides serving.
#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    /// List audio hosts and devices, and MIDI inputs.
    Devices,
    /// Render a score to a WAV file, faster than realtime (like `scsynth -N`).
    #[command(long_about = "Render a score to a WAV file, faster than realtime (like `scsynth -N`).\n\n\
    A score is a sequence of OSC bundles, each preceded by its length as a big-endian int32 \
    (scsynth's NRT format). Each bundle's timetag counts seconds from the start of the score, \
    and timetags never decrease. The bundles hold the server's own verbs (/synth/new, \
    /node/set, /resource/new, ...). Resource constructs are awaited, so a /resource/new at \
    time t is ready for a /synth/new at t. The output lasts until the latest bundle time.\n\n\
    Any error (a malformed score, an unknown verb, a command the engine refuses, a failed \
    construct) stops the render with the byte offset of the message in the score; no output \
    file is written then. A progress bar shows on a terminal.")]
    Render(RenderArgs),
    /// Plugin libraries.
    #[command(subcommand)]
    Plugin(PluginSubcommand),
}

/// `oscine plugin ...`.
#[derive(Debug, clap::Subcommand)]
pub enum PluginSubcommand {
    /// Open a plugin library in this process and print what it registers, as JSON (the
    /// server runs this in a child process before it opens a library itself). Exits with
    /// 0 for a plugin this server can load, 2 otherwise.
    Probe {
        /// The library file.
        path: PathBuf,
    },
}

/// `oscine render`: the score, the output and the engine it renders with.
///
/// The engine flags are the server's, with the render's own help for two of them.
#[derive(Debug, clap::Args)]
#[command(mut_arg("block_size", |a| a.help(
    "Engine block size in frames. Synth starts and stops, and control changes for SynthDefs that ask for \
     sample-accurate controls, land on their exact frame whatever the block size; other control changes take \
     effect at the start of their block",
)))]
#[command(mut_arg("workers", |a| a.help("Worker threads for resource work (constructs, destroys, operations)")))]
pub struct RenderArgs {
    /// The score to render (length-prefixed OSC bundles, timetags in seconds from the start).
    pub score: PathBuf,

    /// The WAV file to write (replaced only once the render has succeeded).
    pub output: PathBuf,

    /// Sample rate in Hz of the render and of the output file.
    #[arg(long, default_value_t = RENDER.sample_rate, value_parser = clap::value_parser!(u32).range(8000..=768000))]
    pub sample_rate: u32,

    /// Hardware output channels: the channels of the output file.
    #[arg(long, default_value_t = RENDER.outputs as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub outputs: u16,

    /// A WAV file to play into the hardware inputs (its sample rate must be the render's;
    /// silence after its end).
    #[arg(long, value_name = "INPUT.wav")]
    pub inputs: Option<PathBuf>,

    /// Hardware input channels [default: the input file's channels, or 0 without one].
    /// Input channels the file lacks are silent; file channels beyond them are ignored.
    #[arg(long, value_parser = clap::value_parser!(u16).range(0..=256))]
    pub input_channels: Option<u16>,

    /// Sample format of the output file: 32-bit float, or 16/24-bit integer (clipped to
    /// full scale, no dither).
    #[arg(long, default_value_t = WavFormat::default(), value_parser = wav_format())]
    pub format: WavFormat,

    /// The engine's sizes.
    #[command(flatten)]
    pub engine: EngineArgs,

    /// Plugin libraries to load before rendering (a library that is refused stops the
    /// render).
    #[command(flatten)]
    pub plugins: PluginArgs,

    /// The files the score's paths may lead to: without --file-root or --read-root, any
    /// the process may open (a score is the user's own).
    #[command(flatten)]
    pub files: FileArgs,

    /// Seconds to wait for one resource construct, destroy or operation before giving up.
    #[arg(long, default_value_t = RENDER.resource_timeout.as_secs_f64(), value_parser = positive_seconds)]
    pub resource_timeout: f64,
}

/// Parses `--format`: one of the [`WavFormat`] names, each listed in the help with what
/// it stores.
fn wav_format() -> impl TypedValueParser<Value = WavFormat> {
    PossibleValuesParser::new(WavFormat::ALL.map(|f| PossibleValue::new(f.name()).help(f.description())))
        .try_map(|name| name.parse::<WavFormat>())
}

/// Parses a byte count: digits, optionally followed by K, M, G or T (powers of 1024).
fn byte_count(text: &str) -> Result<u64, String> {
    let fail = || format!("'{text}' is not a byte count (digits, optionally followed by K, M, G or T)");
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => return Err(fail()),
    };
    let n: u64 = digits.parse().map_err(|_| fail())?;
    n.checked_mul(1 << shift).ok_or_else(fail)
}

fn midi_latency(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if (0.0..=1.0).contains(&s) => Ok(s),
        _ => Err(format!("'{text}' is not a number of seconds from 0 to 1")),
    }
}

fn positive_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s > 0.0 && s <= 1e6 => Ok(s),
        _ => Err(format!("'{text}' is not a number of seconds between 0 and 1000000")),
    }
}

/// The audio driver to run the engine with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriverChoice {
    /// The default device; the dummy driver if none can be opened.
    Auto,
    /// The default host's device through cpal; fail if it cannot be opened.
    Cpal,
    /// cpal's PipeWire host (needs a running PipeWire server).
    #[cfg_attr(not(feature = "pipewire"), value(hide = true))]
    Pipewire,
    /// cpal's PulseAudio host (needs a running PulseAudio server, or PipeWire's).
    #[cfg_attr(not(feature = "pulseaudio"), value(hide = true))]
    Pulse,
    /// cpal's ALSA host: the sound card and ALSA's plugins directly.
    #[cfg_attr(
        not(any(target_os = "linux", target_os = "freebsd", target_os = "netbsd", target_os = "dragonfly")),
        value(hide = true)
    )]
    Alsa,
    /// cpal's JACK host (needs a running JACK server).
    #[cfg_attr(not(feature = "jack"), value(hide = true))]
    Jack,
    /// No sound card: a thread paced by the wall clock.
    Dummy,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn byte_counts_take_binary_suffixes() {
        assert_eq!(byte_count("4096"), Ok(4096));
        assert_eq!(byte_count("64K"), Ok(64 << 10));
        assert_eq!(byte_count("3m"), Ok(3 << 20));
        assert_eq!(byte_count("2GiB"), Ok(2 << 30));
        assert_eq!(byte_count("1T"), Ok(1 << 40));
        for bad in ["", "G", "1.5G", "12Q", "99999999999T"] {
            assert!(byte_count(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn engine_flags_default_to_the_engine_defaults_in_both_commands() {
        let serve = Cli::try_parse_from(["oscine"]).unwrap();
        let Some(Subcommand::Render(render)) =
            Cli::try_parse_from(["oscine", "render", "in.osc", "out.wav"]).unwrap().command
        else {
            panic!("not a render")
        };
        let defaults = EngineOptions::default();
        for engine in [&serve.engine, &render.engine] {
            assert_eq!(engine.block_size as usize, defaults.block_size);
            assert_eq!(engine.workers as usize, defaults.workers);
            assert_eq!(engine.max_nodes as usize, defaults.max_nodes);
            assert_eq!(engine.max_resources as usize, defaults.max_resources);
            assert_eq!(engine.max_audio_buses as usize, defaults.max_audio_buses);
            assert_eq!(engine.max_control_buses as usize, defaults.max_control_buses);
        }
        assert_eq!(serve.max_scheduled as usize, defaults.max_scheduled);
        let defaults = RenderOptions::default();
        assert_eq!(render.sample_rate, defaults.sample_rate);
        assert_eq!(render.outputs as usize, defaults.outputs);
        assert_eq!(render.resource_timeout, defaults.resource_timeout.as_secs_f64());
        assert_eq!(render.format, WavFormat::Float);
    }

    #[test]
    fn format_takes_every_wav_format_name() {
        for format in WavFormat::ALL {
            let cli =
                Cli::try_parse_from(["oscine", "render", "in.osc", "out.wav", "--format", format.name()]).unwrap();
            let Some(Subcommand::Render(render)) = cli.command else { panic!("not a render") };
            assert_eq!(render.format, format);
        }
        assert!(Cli::try_parse_from(["oscine", "render", "in.osc", "out.wav", "--format", "int8"]).is_err());
    }
}
