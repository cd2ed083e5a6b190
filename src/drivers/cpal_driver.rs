use std::fmt::Write as _;
use std::sync::Arc;

use cpal::traits::{DeviceTrait, HostTrait, StreamTrait};
use cpal::{FromSample, SampleFormat, SizedSample};
use rtrb::RingBuffer;

use super::driver::check_rate;
use super::{BlockAdapter, Driver, DriverConfig, DriverError};
use crate::engine::{Engine, EngineStatus};

/// Frames converted per step when the device's sample type is not `f32`; a larger device
/// buffer is handled in several steps.
const CONVERT_FRAMES: usize = 4096;

/// What to open: every field `None` means the default host and device at their defaults.
#[derive(Debug, Clone, Default)]
pub struct CpalOptions {
    /// Host name as `oscine devices` lists it (`ALSA`, `JACK`).
    pub host: Option<String>,
    /// Output device name, or a unique part of it.
    pub device: Option<String>,
    /// Frames per second; the device's default when `None`.
    pub sample_rate: Option<u32>,
    /// Output channels; the device's default when `None`.
    pub outputs: Option<u16>,
    /// Input channels to open from the host's default input device (0: none).
    pub inputs: u16,
    /// Frames per device callback; the host's default when `None`.
    pub buffer_size: Option<u32>,
}

/// A real sound device through cpal (ALSA on Linux; JACK with the `jack` feature).
///
/// Context: opened and started on the control side; the engine then runs in cpal's
/// audio callback.
pub struct CpalDriver {
    output_device: cpal::Device,
    output_config: cpal::StreamConfig,
    output_format: SampleFormat,
    input: Option<(cpal::Device, cpal::StreamConfig, SampleFormat)>,
    streams: Vec<cpal::Stream>,
}

fn find_host(name: Option<&str>) -> Result<cpal::Host, DriverError> {
    let Some(name) = name else { return Ok(cpal::default_host()) };
    let id = cpal::available_hosts()
        .into_iter()
        .find(|id| id.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| DriverError::NoDevice(format!("no audio host named '{name}'")))?;
    cpal::host_from_id(id).map_err(|e| DriverError::NoDevice(e.to_string()))
}

impl CpalDriver {
    /// Opens the output device (and, when `inputs > 0`, the host's default input device).
    /// Context: NRT.
    pub fn open(options: &CpalOptions) -> Result<Self, DriverError> {
        let host = find_host(options.host.as_deref())?;
        let output_device = match &options.device {
            None => {
                host.default_output_device().ok_or_else(|| DriverError::NoDevice("no default output device".into()))?
            }
            Some(wanted) => host
                .output_devices()
                .map_err(|e| DriverError::NoDevice(e.to_string()))?
                .find(|d| d.name().map(|n| n == *wanted || n.contains(wanted.as_str())).unwrap_or(false))
                .ok_or_else(|| DriverError::NoDevice(format!("no output device named '{wanted}'")))?,
        };
        let default = output_device.default_output_config().map_err(|e| DriverError::Config(e.to_string()))?;
        let output_format = default.sample_format();
        let mut output_config: cpal::StreamConfig = default.config();
        if let Some(rate) = options.sample_rate {
            output_config.sample_rate = cpal::SampleRate(rate);
        }
        if let Some(channels) = options.outputs {
            output_config.channels = channels;
        }
        if let Some(frames) = options.buffer_size {
            output_config.buffer_size = cpal::BufferSize::Fixed(frames);
        }
        let input = if options.inputs > 0 {
            host.default_input_device().and_then(|device| {
                let default = device.default_input_config().ok()?;
                let format = default.sample_format();
                let mut config: cpal::StreamConfig = default.config();
                config.sample_rate = output_config.sample_rate;
                config.channels = options.inputs;
                Some((device, config, format))
            })
        } else {
            None
        };
        Ok(CpalDriver { output_device, output_config, output_format, input, streams: Vec::new() })
    }

    /// The output device's name.
    pub fn device_name(&self) -> String {
        self.output_device.name().unwrap_or_else(|_| "(unnamed)".into())
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
                &self.output_config,
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
                config,
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

/// A stream error: the device is gone (its server quit, it was unplugged), or an xrun.
// Context: cpal's error callback.
fn stream_error(status: &EngineStatus, error: cpal::StreamError) {
    match error {
        cpal::StreamError::DeviceNotAvailable => status.set_device_lost(),
        cpal::StreamError::BackendSpecific { .. } => status.add_xrun(),
    }
}

macro_rules! with_sample_type {
    ($format:expr, $f:ident, $($args:expr),*) => {
        match $format {
            SampleFormat::F32 => $f::<f32>($($args),*),
            SampleFormat::I16 => $f::<i16>($($args),*),
            SampleFormat::I32 => $f::<i32>($($args),*),
            SampleFormat::U16 => $f::<u16>($($args),*),
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
            sample_rate: self.output_config.sample_rate.0 as f64,
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
                let capacity = (config.sample_rate.0 as usize / 4).max(4096) * config.channels as usize;
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

/// Every audio host and its devices, as text for `oscine devices`. Context: NRT.
pub fn list_devices() -> String {
    let mut out = String::new();
    for id in cpal::available_hosts() {
        let _ = writeln!(out, "host: {}", id.name());
        let Ok(host) = cpal::host_from_id(id) else {
            let _ = writeln!(out, "  (unavailable)");
            continue;
        };
        let default_out = host.default_output_device().and_then(|d| d.name().ok());
        match host.devices() {
            Ok(devices) => {
                let mut any = false;
                for device in devices {
                    any = true;
                    let name = device.name().unwrap_or_else(|_| "(unnamed)".into());
                    let mark = if Some(&name) == default_out.as_ref() { " (default output)" } else { "" };
                    let describe = |c: Result<cpal::SupportedStreamConfig, cpal::DefaultStreamConfigError>| {
                        c.map(|c| format!("{} ch @ {} Hz", c.channels(), c.sample_rate().0)).ok()
                    };
                    let outs = describe(device.default_output_config());
                    let ins = describe(device.default_input_config());
                    let _ = writeln!(
                        out,
                        "  {name}{mark}: output {}, input {}",
                        outs.as_deref().unwrap_or("none"),
                        ins.as_deref().unwrap_or("none")
                    );
                }
                if !any {
                    let _ = writeln!(out, "  (no devices)");
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  (cannot list devices: {e})");
            }
        }
    }
    out
}
