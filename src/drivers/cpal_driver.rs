//! The cpal driver: a sound device through one of cpal's hosts.
//!
//! Context: NRT: every function here runs on the control side (finding hosts and devices,
//! building, starting and stopping streams), except the stream callbacks built in
//! `build_output` and `build_input` (RT, marked inside them) and `stream_error` (cpal's
//! error callback, marked).

use std::fmt::Write as _;
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample, SupportedBufferSize};
use rtrb::RingBuffer;

use super::driver::check_rate;
use super::{BlockAdapter, Driver, DriverConfig, DriverError};
use crate::engine::{Engine, EngineStatus};

/// Frames converted per step when the device's sample type is not `f32`; a larger device
/// buffer is handled in several steps.
const CONVERT_FRAMES: usize = 4096;

/// One of cpal's audio hosts on Linux, by the name `--driver` gives it.
///
/// A build has ALSA always, and each of the others when built with its cargo feature
/// (`pipewire` and `pulseaudio` by default, `jack` on request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CpalHost {
    /// The PipeWire server, through its own API.
    PipeWire,
    /// A PulseAudio server (or PipeWire's PulseAudio service), through its protocol.
    PulseAudio,
    /// The kernel's sound devices (and ALSA's plugins) directly.
    Alsa,
    /// A JACK server.
    Jack,
}

impl CpalHost {
    /// Every host Oscine knows, in the order cpal prefers them.
    pub const ALL: [CpalHost; 4] = [CpalHost::PipeWire, CpalHost::PulseAudio, CpalHost::Jack, CpalHost::Alsa];

    /// The name `--driver` takes.
    pub fn flag(self) -> &'static str {
        match self {
            CpalHost::PipeWire => "pipewire",
            CpalHost::PulseAudio => "pulse",
            CpalHost::Alsa => "alsa",
            CpalHost::Jack => "jack",
        }
    }

    /// The host's name as cpal and `oscine devices` spell it.
    pub fn label(self) -> &'static str {
        match self {
            CpalHost::PipeWire => "PipeWire",
            CpalHost::PulseAudio => "PulseAudio",
            CpalHost::Alsa => "ALSA",
            CpalHost::Jack => "JACK",
        }
    }

    /// The cargo feature that adds the host to a build (`None`: every Linux build has it).
    pub fn feature(self) -> Option<&'static str> {
        match self {
            CpalHost::PipeWire => Some("pipewire"),
            CpalHost::PulseAudio => Some("pulseaudio"),
            CpalHost::Alsa => None,
            CpalHost::Jack => Some("jack"),
        }
    }

    /// cpal's id for the host, or `None` when this build does not have it.
    fn id(self) -> Option<cpal::HostId> {
        cpal::ALL_HOSTS.iter().copied().find(|id| id.name().eq_ignore_ascii_case(self.label()))
    }

    /// Whether this build has the host.
    pub fn in_build(self) -> bool {
        self.id().is_some()
    }

    fn of(id: cpal::HostId) -> Option<CpalHost> {
        CpalHost::ALL.into_iter().find(|h| h.id() == Some(id))
    }

    /// Why this build cannot open the host, for an error message.
    fn not_in_build(self) -> String {
        match self.feature() {
            Some(feature) => {
                format!("this build has no {} host (build with --features {feature})", self.label())
            }
            None => format!("cpal has no {} host on this system", self.label()),
        }
    }
}

/// What to open: every field `None` means the default host and device at their defaults.
#[derive(Debug, Clone, Default)]
pub struct CpalOptions {
    /// The host; cpal's default when `None` (PipeWire, then PulseAudio when their server
    /// runs and the build has them, else ALSA).
    pub host: Option<CpalHost>,
    /// Output device name or id, or a part of either, as `oscine devices` lists them.
    pub device: Option<String>,
    /// Frames per second; the device's default when `None`.
    pub sample_rate: Option<u32>,
    /// Output channels; the device's default when `None`.
    pub outputs: Option<u16>,
    /// Input channels to open from the host's default input device (0: none).
    pub inputs: u16,
    /// Frames per device callback; the host's default when `None` (a JACK server's own,
    /// which is the only one it accepts).
    pub buffer_size: Option<u32>,
}

/// A real sound device through cpal: PipeWire, PulseAudio, ALSA or JACK, as the build
/// has them.
///
/// Context: opened and started on the control side; the engine then runs in cpal's
/// audio callback.
pub struct CpalDriver {
    host: cpal::HostId,
    output_device: cpal::Device,
    output_config: cpal::StreamConfig,
    output_format: SampleFormat,
    input: Option<(cpal::Device, cpal::StreamConfig, SampleFormat)>,
    streams: Vec<cpal::Stream>,
}

fn find_host(host: Option<CpalHost>) -> Result<cpal::Host, DriverError> {
    let Some(host) = host else { return Ok(cpal::default_host()) };
    let id = host.id().ok_or_else(|| DriverError::NoDevice(host.not_in_build()))?;
    if !cpal::available_hosts().contains(&id) {
        return Err(DriverError::NoDevice(format!("no {} server is running", host.label())));
    }
    cpal::host_from_id(id).map_err(|e| DriverError::NoDevice(format!("cannot open the {} host: {e}", host.label())))
}

/// A host's name for messages.
fn host_label(id: cpal::HostId) -> &'static str {
    CpalHost::of(id).map_or(id.name(), CpalHost::label)
}

/// A device's name for people, or its id when it has none.
fn device_name(device: &cpal::Device) -> String {
    match device.description() {
        Ok(d) => d.name().to_owned(),
        Err(_) => device_id(device).unwrap_or_else(|| "(unnamed)".into()),
    }
}

/// A device's id within its host (ALSA's PCM name, PipeWire's node name...).
fn device_id(device: &cpal::Device) -> Option<String> {
    device.id().ok().map(|id| id.id().to_owned())
}

/// Whether a device plays and whether it records, as its host describes it (asking it
/// only when the host does not say).
fn directions(device: &cpal::Device) -> (bool, bool) {
    match device.description().map(|d| d.direction()) {
        Ok(cpal::DeviceDirection::Input) => (false, true),
        Ok(cpal::DeviceDirection::Output) => (true, false),
        Ok(cpal::DeviceDirection::Duplex) => (true, true),
        _ => (device.supports_output(), device.supports_input()),
    }
}

/// The only buffer size a device accepts, when it has one (a JACK server's period).
fn fixed_buffer(size: &SupportedBufferSize) -> Option<u32> {
    match *size {
        SupportedBufferSize::Range { min, max } if min == max && min > 0 => Some(min),
        _ => None,
    }
}

/// The output device whose name or id is `wanted`, else the first whose name or id
/// contains it.
fn find_output_device(host: &cpal::Host, wanted: &str) -> Result<cpal::Device, DriverError> {
    let label = host_label(host.id());
    let devices: Vec<_> = host
        .output_devices()
        .map_err(|e| DriverError::NoDevice(format!("cannot list the devices of {label}: {e}")))?
        .map(|d| {
            let keys = [Some(device_name(&d)), device_id(&d)];
            (d, keys)
        })
        .collect();
    let matches = |exact: bool| {
        devices
            .iter()
            .find(|(_, keys)| keys.iter().flatten().any(|k| if exact { k == wanted } else { k.contains(wanted) }))
    };
    matches(true)
        .or_else(|| matches(false))
        .map(|(d, _)| d.clone())
        .ok_or_else(|| DriverError::NoDevice(format!("no output device named '{wanted}' on {label}")))
}

impl CpalDriver {
    /// Opens the output device (and, when `inputs > 0`, the host's default input device).
    /// Context: NRT.
    pub fn open(options: &CpalOptions) -> Result<Self, DriverError> {
        let host = find_host(options.host)?;
        let label = host_label(host.id());
        let output_device = match &options.device {
            None => host.default_output_device().ok_or_else(|| {
                DriverError::NoDevice(match CpalHost::of(host.id()) {
                    Some(CpalHost::Jack) => "no JACK server is running".into(),
                    _ => format!("no default output device on {label}"),
                })
            })?,
            Some(wanted) => find_output_device(&host, wanted)?,
        };
        let name = device_name(&output_device);
        let default = output_device
            .default_output_config()
            .map_err(|e| DriverError::Config(format!("{name} on {label}: {e}")))?;
        let output_format = default.sample_format();
        let mut output_config: cpal::StreamConfig = default.config();
        // A JACK server takes streams at its own rate and period only: its device's default
        // config has them. Ask for the period, so the engine knows it.
        let server = CpalHost::of(host.id()) == Some(CpalHost::Jack);
        if let Some(rate) = options.sample_rate {
            if server && rate != default.sample_rate() {
                return Err(DriverError::Config(format!(
                    "the {label} server runs at {} Hz; it cannot take {rate} Hz",
                    default.sample_rate()
                )));
            }
            output_config.sample_rate = rate;
        }
        if let Some(channels) = options.outputs {
            output_config.channels = channels;
        }
        let period = if server { fixed_buffer(default.buffer_size()) } else { None };
        output_config.buffer_size = match (options.buffer_size, period) {
            (Some(frames), Some(period)) if frames != period => {
                return Err(DriverError::Config(format!(
                    "the {label} server's period is {period} frames; it cannot take buffers of {frames}"
                )));
            }
            (Some(frames), _) | (None, Some(frames)) => cpal::BufferSize::Fixed(frames),
            (None, None) => cpal::BufferSize::Default,
        };
        let input = if options.inputs > 0 {
            host.default_input_device().and_then(|device| {
                let default = device.default_input_config().ok()?;
                let format = default.sample_format();
                let mut config: cpal::StreamConfig = default.config();
                config.sample_rate = output_config.sample_rate;
                config.channels = options.inputs;
                if server {
                    config.buffer_size = output_config.buffer_size;
                }
                Some((device, config, format))
            })
        } else {
            None
        };
        Ok(CpalDriver { host: host.id(), output_device, output_config, output_format, input, streams: Vec::new() })
    }

    /// The output device's name.
    pub fn device_name(&self) -> String {
        device_name(&self.output_device)
    }

    /// The output device's id within its host (ALSA's PCM name, PipeWire's node name...),
    /// which `--device` also takes.
    pub fn device_id(&self) -> Option<String> {
        device_id(&self.output_device)
    }

    /// The host's name (`PipeWire`, `PulseAudio`, `ALSA`, `JACK`).
    pub fn host_name(&self) -> &'static str {
        host_label(self.host)
    }

    fn build_output<T>(
        &self,
        mut engine: Engine,
        mut input: Option<rtrb::Consumer<f32>>,
    ) -> Result<cpal::Stream, DriverError>
    where
        T: SizedSample + FromSample<f32> + Send + 'static,
    {
        let outputs = self.output_config.channels as usize;
        let inputs = self.input.as_ref().map_or(0, |(_, c, _)| c.channels as usize);
        let mut adapter = BlockAdapter::new(&mut engine, inputs, outputs);
        let mut out_scratch = vec![0.0f32; CONVERT_FRAMES * outputs.max(1)];
        let mut in_scratch = vec![0.0f32; CONVERT_FRAMES * inputs];
        let status = Arc::clone(engine.status());
        let error_status = Arc::clone(&status);
        self.output_device
            .build_output_stream(
                self.output_config,
                // Context: RT (cpal's audio callback).
                move |data: &mut [T], _: &cpal::OutputCallbackInfo| {
                    for chunk in data.chunks_mut(CONVERT_FRAMES * outputs.max(1)) {
                        let frames = chunk.len() / outputs.max(1);
                        let ins = &mut in_scratch[..frames * inputs];
                        if let Some(ring) = input.as_mut() {
                            let mut short = false;
                            for s in ins.iter_mut() {
                                *s = ring.pop().unwrap_or_else(|_| {
                                    short = true;
                                    0.0
                                });
                            }
                            if short {
                                status.add_xrun();
                            }
                        }
                        let outs = &mut out_scratch[..chunk.len()];
                        adapter.process(&mut engine, ins, outs);
                        for (d, s) in chunk.iter_mut().zip(outs.iter()) {
                            *d = T::from_sample(*s);
                        }
                    }
                },
                move |err| stream_error(&error_status, err),
                None,
            )
            .map_err(|e| DriverError::Stream(e.to_string()))
    }

    fn build_input<T>(
        &self,
        mut ring: rtrb::Producer<f32>,
        status: Arc<EngineStatus>,
    ) -> Result<Option<cpal::Stream>, DriverError>
    where
        T: SizedSample + Send + 'static,
        f32: FromSample<T>,
    {
        let Some((device, config, _)) = &self.input else { return Ok(None) };
        let error_status = Arc::clone(&status);
        device
            .build_input_stream(
                *config,
                // Context: RT (cpal's input callback).
                move |data: &[T], _: &cpal::InputCallbackInfo| {
                    for s in data {
                        if ring.push(<f32 as FromSample<T>>::from_sample_(*s)).is_err() {
                            status.add_xrun();
                            break;
                        }
                    }
                },
                move |err| stream_error(&error_status, err),
                None,
            )
            .map(Some)
            .map_err(|e| DriverError::Stream(e.to_string()))
    }
}

/// A stream error: the device is gone (its server quit, it was unplugged, the stream can
/// no longer run), or an xrun.
// Context: cpal's error callback, which may run on the audio thread.
fn stream_error(status: &EngineStatus, error: cpal::Error) {
    match error.kind() {
        cpal::ErrorKind::DeviceNotAvailable | cpal::ErrorKind::StreamInvalidated => status.set_device_lost(),
        // The stream followed the default device elsewhere and plays on.
        cpal::ErrorKind::DeviceChanged => {}
        _ => status.add_xrun(),
    }
}

macro_rules! with_sample_type {
    ($format:expr, $f:ident, $($args:expr),*) => {
        match $format {
            SampleFormat::F32 => $f::<f32>($($args),*),
            SampleFormat::F64 => $f::<f64>($($args),*),
            SampleFormat::I8 => $f::<i8>($($args),*),
            SampleFormat::I16 => $f::<i16>($($args),*),
            SampleFormat::I24 => $f::<cpal::I24>($($args),*),
            SampleFormat::I32 => $f::<i32>($($args),*),
            SampleFormat::U8 => $f::<u8>($($args),*),
            SampleFormat::U16 => $f::<u16>($($args),*),
            SampleFormat::U24 => $f::<cpal::U24>($($args),*),
            SampleFormat::U32 => $f::<u32>($($args),*),
            other => Err(DriverError::Config(format!("unsupported sample format {other}"))),
        }
    };
}

fn output_stream<T>(
    d: &CpalDriver,
    engine: Engine,
    input: Option<rtrb::Consumer<f32>>,
) -> Result<cpal::Stream, DriverError>
where
    T: SizedSample + FromSample<f32> + Send + 'static,
{
    d.build_output::<T>(engine, input)
}

fn input_stream<T>(
    d: &CpalDriver,
    ring: rtrb::Producer<f32>,
    status: Arc<EngineStatus>,
) -> Result<Option<cpal::Stream>, DriverError>
where
    T: SizedSample + Send + 'static,
    f32: FromSample<T>,
{
    d.build_input::<T>(ring, status)
}

impl Driver for CpalDriver {
    fn name(&self) -> &'static str {
        "cpal"
    }

    fn config(&self) -> DriverConfig {
        DriverConfig {
            sample_rate: self.output_config.sample_rate as f64,
            inputs: self.input.as_ref().map_or(0, |(_, c, _)| c.channels as usize),
            outputs: self.output_config.channels as usize,
            buffer_size: match self.output_config.buffer_size {
                cpal::BufferSize::Fixed(n) => Some(n as usize),
                cpal::BufferSize::Default => None,
            },
        }
    }

    fn start(&mut self, engine: Engine) -> Result<(), DriverError> {
        if !self.streams.is_empty() {
            return Err(DriverError::AlreadyRunning);
        }
        check_rate(&engine, &self.config())?;
        let status = Arc::clone(engine.status());
        let (input_stream, ring) = match &self.input {
            Some((_, config, format)) => {
                // Room for a quarter second of input between the two callbacks.
                let capacity = (config.sample_rate as usize / 4).max(4096) * config.channels as usize;
                let (tx, rx) = RingBuffer::new(capacity);
                (with_sample_type!(*format, input_stream, self, tx, Arc::clone(&status))?, Some(rx))
            }
            None => (None, None),
        };
        let output = with_sample_type!(self.output_format, output_stream, self, engine, ring)?;
        if let Some(stream) = input_stream {
            stream.play().map_err(|e| DriverError::Stream(e.to_string()))?;
            self.streams.push(stream);
        }
        output.play().map_err(|e| DriverError::Stream(e.to_string()))?;
        self.streams.push(output);
        Ok(())
    }

    fn stop(&mut self) {
        // Dropping a stream stops its callback and drops the engine with it, here.
        self.streams.clear();
    }
}

/// The hosts this build has and their devices, as text for `oscine devices`. A host
/// whose server is not running gets one line saying so. Context: NRT.
pub fn list_devices() -> String {
    let mut out = String::new();
    let available = cpal::available_hosts();
    for host in CpalHost::ALL.into_iter().filter(|h| h.in_build()) {
        let _ = writeln!(out, "host: {} (--driver {})", host.label(), host.flag());
        let Some(id) = host.id().filter(|id| available.contains(id)) else {
            let _ = writeln!(out, "  (no {} server is running)", host.label());
            continue;
        };
        match cpal::host_from_id(id) {
            Ok(h) => list_host_devices(&mut out, host, &h),
            Err(e) => {
                let _ = writeln!(out, "  (unavailable: {e})");
            }
        }
    }
    let missing: Vec<String> = CpalHost::ALL
        .into_iter()
        .filter(|h| !h.in_build())
        .map(|h| match h.feature() {
            Some(f) => format!("{} (--features {f})", h.label()),
            None => h.label().to_owned(),
        })
        .collect();
    if !missing.is_empty() {
        let _ = writeln!(out, "not in this build: {}", missing.join(", "));
    }
    out
}

fn list_host_devices(out: &mut String, kind: CpalHost, host: &cpal::Host) {
    let devices = match host.devices() {
        Ok(devices) => devices,
        Err(e) => {
            let _ = writeln!(out, "  (cannot list devices: {e})");
            return;
        }
    };
    let default_out = host.default_output_device().and_then(|d| d.id().ok());
    let describe = |c: Result<cpal::SupportedStreamConfig, cpal::Error>| {
        c.map(|c| format!("{} ch @ {} Hz", c.channels(), c.sample_rate())).ok()
    };
    let mut any = false;
    for device in devices {
        any = true;
        let name = device_name(&device);
        let id = device_id(&device);
        let is_default = default_out.is_some() && device.id().ok() == default_out;
        let mark = if is_default { " (default output)" } else { "" };
        let also = match &id {
            Some(id) if *id != name => format!(" [{id}]"),
            _ => String::new(),
        };
        let (plays, records) = directions(&device);
        let outs = plays.then(|| describe(device.default_output_config())).flatten();
        let ins = records.then(|| describe(device.default_input_config())).flatten();
        let _ = writeln!(
            out,
            "  {name}{also}{mark}: output {}, input {}",
            outs.as_deref().unwrap_or("none"),
            ins.as_deref().unwrap_or("none")
        );
    }
    if !any {
        let _ = match kind {
            CpalHost::Jack => writeln!(out, "  (no JACK server is running)"),
            _ => writeln!(out, "  (no devices)"),
        };
    }
}
