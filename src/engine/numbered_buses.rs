//! The buses as scsynth numbers them, for Synths that address buses themselves.
//!
//! Context: RT.

use oscine_plugin_api::Buses;

use super::{AudioBuses, BusMapping, ControlBuses};

/// The engine's AudioBuses and control buses behind the plugin API's [`Buses`], numbered
/// as scsynth numbers them: audio buses `0..outputs` are the hardware outputs, then come
/// the hardware inputs, then the internal buses.
pub(crate) struct NumberedBuses<'a> {
    pub(crate) audio: &'a mut AudioBuses,
    pub(crate) control: &'a mut ControlBuses,
}

/// Where a scsynth-numbered audio bus is.
enum AudioBus {
    HardwareOutput(u32),
    HardwareInput(u32),
    Internal(u32),
    None,
}

impl NumberedBuses<'_> {
    fn locate(&self, bus: usize) -> AudioBus {
        let outputs = self.audio.hardware_outputs();
        let inputs = self.audio.hardware_inputs();
        if bus < outputs {
            AudioBus::HardwareOutput(bus as u32)
        } else if bus < outputs + inputs {
            AudioBus::HardwareInput((bus - outputs) as u32)
        } else if bus - outputs - inputs < self.audio.internal_buses() {
            AudioBus::Internal((bus - outputs - inputs) as u32)
        } else {
            AudioBus::None
        }
    }
}

impl Buses for NumberedBuses<'_> {
    fn hardware_outputs(&self) -> usize {
        self.audio.hardware_outputs()
    }

    fn hardware_inputs(&self) -> usize {
        self.audio.hardware_inputs()
    }

    fn audio_buses(&self) -> usize {
        self.audio.hardware_outputs() + self.audio.hardware_inputs() + self.audio.internal_buses()
    }

    fn control_buses(&self) -> usize {
        self.control.count()
    }

    fn read_audio(&self, bus: usize, offset: usize, dst: &mut [f32], feedback: bool) {
        match self.locate(bus) {
            AudioBus::HardwareOutput(b) => self.audio.read_output(b, offset, dst, feedback),
            AudioBus::HardwareInput(b) => self.audio.read(BusMapping::external(b), offset, dst),
            AudioBus::Internal(b) => {
                let mut mapping = BusMapping::internal(b);
                mapping.feedback = feedback;
                self.audio.read(mapping, offset, dst)
            }
            AudioBus::None => dst.fill(0.0),
        }
    }

    fn write_audio(&mut self, bus: usize, offset: usize, src: &[f32], replace: bool) {
        let mapping = match self.locate(bus) {
            AudioBus::HardwareOutput(b) => BusMapping::external(b),
            AudioBus::HardwareInput(b) => return self.audio.write_input(b, offset, src, replace),
            AudioBus::Internal(b) => BusMapping::internal(b),
            AudioBus::None => return,
        };
        let mut mapping = mapping;
        mapping.replace = replace;
        self.audio.write(mapping, offset, src)
    }

    fn sum_into_audio(&mut self, bus: usize, offset: usize, frames: usize) -> Option<&mut [f32]> {
        let mapping = match self.locate(bus) {
            AudioBus::HardwareOutput(b) => BusMapping::external(b),
            AudioBus::Internal(b) => BusMapping::internal(b),
            AudioBus::HardwareInput(_) | AudioBus::None => return None,
        };
        self.audio.sum_target(mapping, offset, frames)
    }

    fn read_control(&self, bus: usize) -> f32 {
        self.control.get(bus)
    }

    fn write_control(&mut self, bus: usize, value: f32, replace: bool) {
        self.control.write(bus, value, replace)
    }
}
