//! The engine's constants as UGens: `SampleRate`, `SampleDur`, `ControlRate`,
//! `ControlDur`, `RadiansPerSample`, `BlockSize`, `NumOutputBuses`, `NumInputBuses`,
//! `NumAudioBuses`, `NumControlBuses`, `SubsampleOffset`.

use oscine_plugin_api::{PluginError, Rate, Registrar, UGen, UGenTable, Unit, UnitIo, UnitSpec};

use super::{expect_inputs, expect_outputs};

pub(super) fn register(registrar: &mut dyn Registrar) {
    for (name, what) in [
        ("SampleRate", What::SampleRate),
        ("SampleDur", What::SampleDur),
        ("ControlRate", What::ControlRate),
        ("ControlDur", What::ControlDur),
        ("RadiansPerSample", What::RadiansPerSample),
        ("BlockSize", What::BlockSize),
        ("NumOutputBuses", What::OutputBuses),
        ("NumInputBuses", What::InputBuses),
        ("NumAudioBuses", What::AudioBuses),
        ("NumControlBuses", What::ControlBuses),
        ("SubsampleOffset", What::SubsampleOffset),
    ] {
        registrar.register_ugen(UGenTable::new(name, Info(what)));
    }
}

#[derive(Debug, Clone, Copy)]
enum What {
    SampleRate,
    SampleDur,
    ControlRate,
    ControlDur,
    RadiansPerSample,
    BlockSize,
    OutputBuses,
    InputBuses,
    AudioBuses,
    ControlBuses,
    SubsampleOffset,
}

struct Info(What);

struct InfoUnit(What);

impl UGen for Info {
    type Unit = InfoUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<InfoUnit, PluginError> {
        expect_inputs(spec, 0, 0)?;
        expect_outputs(spec, 1)?;
        if spec.rate == Rate::Demand {
            return Err(PluginError::new(format!("{} does not run at demand rate", spec.name)));
        }
        Ok(InfoUnit(self.0))
    }
}

impl InfoUnit {
    fn value(&self, io: &UnitIo<'_, '_>) -> f32 {
        let sr = io.ctx.sample_rate;
        let block = io.ctx.block_size as f64;
        (match self.0 {
            What::SampleRate => sr,
            What::SampleDur => 1.0 / sr,
            What::ControlRate => sr / block,
            What::ControlDur => block / sr,
            What::RadiansPerSample => std::f64::consts::TAU / sr,
            What::BlockSize => block,
            What::OutputBuses => io.ctx.buses.hardware_outputs() as f64,
            What::InputBuses => io.ctx.buses.hardware_inputs() as f64,
            What::AudioBuses => io.ctx.buses.audio_buses() as f64,
            What::ControlBuses => io.ctx.buses.control_buses() as f64,
            // Oscine starts Synths on their exact frame: no offset inside a frame.
            What::SubsampleOffset => 0.0,
        }) as f32
    }
}

impl Unit for InfoUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        let v = self.value(io);
        io.output(0).fill(v);
    }
    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let v = self.value(io);
        io.output(0).fill(v);
    }
}
