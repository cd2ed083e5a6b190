use std::net::IpAddr;

use clap::{Parser, ValueEnum};

/// The default UDP port: clear of scsynth (57110) and sclang (57120).
pub const DEFAULT_PORT: u16 = 57130;

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

    /// Audio driver: the default sound device (falling back to dummy when none opens),
    /// cpal (the device, or fail), jack (cpal's JACK host), or dummy (no sound card;
    /// paced by the wall clock).
    #[arg(long, value_enum, default_value_t = DriverChoice::Auto)]
    pub driver: DriverChoice,

    /// Output device name (or a unique part of it), as `oscine devices` lists it.
    #[arg(long)]
    pub device: Option<String>,

    /// Sample rate in Hz [default: the device's; 48000 for dummy].
    #[arg(long, value_parser = clap::value_parser!(u32).range(8000..=768000))]
    pub sample_rate: Option<u32>,

    /// Engine block size in frames: the engine renders in blocks of this size whatever
    /// the device's buffer size.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=8192))]
    pub block_size: u32,

    /// Device buffer size in frames [default: the device's; 256 for dummy].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=65536))]
    pub buffer_size: Option<u32>,

    /// Hardware input channels.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u16).range(0..=256))]
    pub inputs: u16,

    /// Hardware output channels [default: the device's; 2 for dummy].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub outputs: Option<u16>,

    /// Worker threads for non-realtime work.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub workers: u32,

    /// Most Groups and Synths at once.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub max_nodes: u32,

    /// Resource ids (0 to this minus one).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_048_576))]
    pub max_resources: u32,

    /// Timed commands (from bundles with a future timetag) the scheduler holds.
    #[arg(long, default_value_t = 8192, value_parser = clap::value_parser!(u32).range(1..=4_194_304))]
    pub max_scheduled: u32,

    /// Internal audio buses.
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u32).range(0..=65536))]
    pub max_audio_buses: u32,

    /// Log level: error, warn, info, debug or trace (RUST_LOG, when set, takes precedence
    /// and may name modules, e.g. RUST_LOG=oscine::network=debug).
    #[arg(long, default_value = "info")]
    pub log_level: tracing_subscriber::filter::LevelFilter,
}

/// What `oscine` can do besides serving.
#[derive(Debug, clap::Subcommand)]
pub enum Subcommand {
    /// List audio hosts and devices.
    Devices,
}

/// The audio driver to run the engine with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriverChoice {
    /// The default device; the dummy driver if none can be opened.
    Auto,
    /// The sound device through cpal; fail if it cannot be opened.
    Cpal,
    /// cpal's JACK host (needs a build with the `jack` feature and a running server).
    Jack,
    /// No sound card: a thread paced by the wall clock.
    Dummy,
}
