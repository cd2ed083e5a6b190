//! Which events a mapping listens to.
//!
//! Context: any (plain data).

use super::message::MidiEvent;

/// A device input and a channel, each one or any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventFilter {
    /// The device number, or `None` for every input.
    pub device: Option<u32>,
    /// The channel (0 to 15), or `None` for every channel.
    pub channel: Option<u8>,
}

impl EventFilter {
    /// Whether `event` came from the device and, for a channel message, on the channel.
    /// System messages have no channel and pass any channel filter.
    pub fn passes(&self, event: &MidiEvent) -> bool {
        self.device.is_none_or(|d| d == event.device)
            && match (self.channel, event.message.channel()) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            }
    }

    /// The device as `/midi/map/list` gives it: -1 for any.
    pub fn device_arg(&self) -> i32 {
        self.device.map_or(-1, |d| d as i32)
    }

    /// The channel as `/midi/map/list` gives it: -1 for any.
    pub fn channel_arg(&self) -> i32 {
        self.channel.map_or(-1, i32::from)
    }
}
