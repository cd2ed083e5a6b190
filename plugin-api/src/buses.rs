use std::fmt;

/// The engine's buses as a Synth that addresses them by number sees them (a graph Synth's
/// `In` and `Out`), numbered as scsynth numbers them: audio buses from 0 are the hardware
/// outputs, then the hardware inputs, then the internal buses; control buses from 0.
///
/// Within a block, the first write to an audio bus assigns and later writes add (or, with
/// `replace`, overwrite); a bus nobody wrote this block reads as zeros unless read with
/// `feedback`, which reads whatever it holds (last block's contents until someone writes
/// it). Control buses keep their value from block to block; the first write to one in a
/// block assigns, later writes add (or overwrite, with `replace`).
///
/// Context: RT. A bus number out of range reads zeros and writes nothing.
pub trait Buses {
    /// Hardware output channels: audio buses `0..hardware_outputs()`.
    fn hardware_outputs(&self) -> usize;
    /// Hardware input channels: the audio buses after the outputs.
    fn hardware_inputs(&self) -> usize;
    /// Every audio bus: hardware outputs, hardware inputs and internal buses.
    fn audio_buses(&self) -> usize;
    /// Control buses.
    fn control_buses(&self) -> usize;
    /// Reads `dst.len()` frames of audio bus `bus`, from frame `offset` of the block.
    fn read_audio(&self, bus: usize, offset: usize, dst: &mut [f32], feedback: bool);
    /// Writes `src` into audio bus `bus` from frame `offset` of the block.
    fn write_audio(&mut self, bus: usize, offset: usize, src: &[f32], replace: bool);
    /// Control bus `bus`'s value.
    fn read_control(&self, bus: usize) -> f32;
    /// Writes `value` into control bus `bus`.
    fn write_control(&mut self, bus: usize, value: f32, replace: bool);

    /// Frames `offset..offset + frames` of audio bus `bus` in this block, to add into:
    /// what is added there is the bus's sum, as if [`write_audio`](Self::write_audio)
    /// had written it without `replace` (a bus nobody wrote yet this block is zeroed
    /// first). `None` where the host has no such view of the bus (there is no bus `bus`,
    /// it is a hardware input, or the frames run past the block): write it with
    /// `write_audio` instead.
    fn sum_into_audio(&mut self, bus: usize, offset: usize, frames: usize) -> Option<&mut [f32]> {
        let _ = (bus, offset, frames);
        None
    }
}

/// A bus number read from a signal (a graph's `Out`, `In`) as a bus index: the value
/// truncated, none for a negative number or NaN.
#[inline]
pub fn bus_number(value: f32) -> Option<usize> {
    if (0.0..2_147_483_648.0).contains(&value) {
        // SAFETY: finite and within `i32`'s range, so the truncation is defined.
        Some(unsafe { value.to_int_unchecked::<i32>() } as usize)
    } else {
        // Past every bus there is (or negative, or NaN).
        (value >= 0.0).then_some(usize::MAX)
    }
}

impl fmt::Debug for dyn Buses + '_ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Buses").field("audio", &self.audio_buses()).field("control", &self.control_buses()).finish()
    }
}

/// No buses at all: what a Synth sees where the host gives it none (a harness, a plugin
/// library's Synth).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoBuses;

impl Buses for NoBuses {
    fn hardware_outputs(&self) -> usize {
        0
    }
    fn hardware_inputs(&self) -> usize {
        0
    }
    fn audio_buses(&self) -> usize {
        0
    }
    fn control_buses(&self) -> usize {
        0
    }
    fn read_audio(&self, _: usize, _: usize, dst: &mut [f32], _: bool) {
        dst.fill(0.0);
    }
    fn write_audio(&mut self, _: usize, _: usize, _: &[f32], _: bool) {}
    fn read_control(&self, _: usize) -> f32 {
        0.0
    }
    fn write_control(&mut self, _: usize, _: f32, _: bool) {}
}

/// Where one control of a Synth reads its value from, when it does not keep the value it
/// was set to: scsynth's `/n_map` (a control bus) and `/n_mapa` (an audio bus).
///
/// The engine reads a mapped control before each `process` call: a control bus's value,
/// or an audio bus's first frame of the block (as scsynth's control-rate controls read an
/// audio bus), into [`ProcessContext::controls`](crate::ProcessContext::controls). A Synth
/// that reads controls frame by frame (a graph Synth's `AudioControl`) reads the audio
/// bus itself, through [`Buses::read_audio`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ControlMap {
    /// The control keeps its value.
    #[default]
    None,
    /// It reads this control bus.
    ControlBus(u32),
    /// It reads this audio bus, numbered as [`Buses`] numbers them.
    AudioBus(u32),
}

/// Which controls of a Synth read a bus ([`ControlMap`]), in control order; empty when the
/// host gives none (a harness, a plugin library's Synth), which reads as no control mapped.
///
/// Context: RT.
#[derive(Debug, Clone, Copy, Default)]
pub struct ControlMaps<'a>(&'a [ControlMap]);

impl<'a> ControlMaps<'a> {
    /// The maps of a Synth's controls, one per control.
    pub const fn new(maps: &'a [ControlMap]) -> Self {
        ControlMaps(maps)
    }

    /// Where control `index` reads from.
    ///
    /// ```
    /// use oscine_plugin_api::{ControlMap, ControlMaps};
    /// let maps = [ControlMap::None, ControlMap::AudioBus(16)];
    /// let maps = ControlMaps::new(&maps);
    /// assert_eq!(maps.get(1), ControlMap::AudioBus(16));
    /// assert_eq!(maps.get(7), ControlMap::None);
    /// ```
    #[inline]
    pub fn get(&self, index: usize) -> ControlMap {
        self.0.get(index).copied().unwrap_or_default()
    }

    /// The audio bus control `index` reads, if it reads one.
    #[inline]
    pub fn audio_bus(&self, index: usize) -> Option<usize> {
        match self.get(index) {
            ControlMap::AudioBus(bus) => Some(bus as usize),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::bus_number;

    #[test]
    fn a_bus_number_is_the_value_truncated_and_none_below_zero() {
        assert_eq!(bus_number(0.0), Some(0));
        assert_eq!(bus_number(-0.0), Some(0));
        assert_eq!(bus_number(3.9), Some(3));
        assert_eq!(bus_number(2_147_483_520.0), Some(2_147_483_520));
        assert_eq!(bus_number(-0.5), None);
        assert_eq!(bus_number(-1.0), None);
        assert_eq!(bus_number(f32::NAN), None);
        assert_eq!(bus_number(f32::NEG_INFINITY), None);
        // Past every bus: a number no bus has.
        assert_eq!(bus_number(2_147_483_648.0), Some(usize::MAX));
        assert_eq!(bus_number(f32::INFINITY), Some(usize::MAX));
    }
}
