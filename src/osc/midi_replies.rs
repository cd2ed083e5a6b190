//! The MIDI notifications and the answers to `/midi/list` and `/midi/map/list`.
//!
//! Context: NRT (the network thread).

use rosc::{OscPacket, OscTime, OscType};

use super::replies::message;
use crate::midi::{InputKind, Mapping, MappingKind, MidiEvent, MidiMessage};

/// The notification a MIDI event becomes for the clients that asked for MIDI:
/// `/midi/<kind> i:device [i:channel] values... t:arrival`.
pub fn midi_notification(event: &MidiEvent) -> OscPacket {
    let int = |v: u8| OscType::Int(i32::from(v));
    let (address, mut args) = match &event.message {
        MidiMessage::NoteOn { channel, note, velocity } => {
            ("/midi/note_on", vec![int(*channel), int(*note), int(*velocity)])
        }
        MidiMessage::NoteOff { channel, note, velocity } => {
            ("/midi/note_off", vec![int(*channel), int(*note), int(*velocity)])
        }
        MidiMessage::PolyAftertouch { channel, note, pressure } => {
            ("/midi/poly_aftertouch", vec![int(*channel), int(*note), int(*pressure)])
        }
        MidiMessage::ControlChange { channel, controller, value } => {
            ("/midi/cc", vec![int(*channel), int(*controller), int(*value)])
        }
        MidiMessage::ProgramChange { channel, program } => ("/midi/program", vec![int(*channel), int(*program)]),
        MidiMessage::Aftertouch { channel, pressure } => ("/midi/aftertouch", vec![int(*channel), int(*pressure)]),
        MidiMessage::PitchBend { channel, value } => {
            ("/midi/pitch_bend", vec![int(*channel), OscType::Int(i32::from(*value))])
        }
        MidiMessage::SysEx(bytes) => ("/midi/sysex", vec![OscType::Blob(bytes.clone())]),
        MidiMessage::TimeCode(v) => ("/midi/timecode", vec![int(*v)]),
        MidiMessage::SongPosition(v) => ("/midi/song_position", vec![OscType::Int(i32::from(*v))]),
        MidiMessage::SongSelect(v) => ("/midi/song_select", vec![int(*v)]),
        MidiMessage::TuneRequest => ("/midi/tune_request", Vec::new()),
        MidiMessage::Clock => ("/midi/clock", Vec::new()),
        MidiMessage::Start => ("/midi/start", Vec::new()),
        MidiMessage::Continue => ("/midi/continue", Vec::new()),
        MidiMessage::Stop => ("/midi/stop", Vec::new()),
        MidiMessage::ActiveSensing => ("/midi/active_sensing", Vec::new()),
        MidiMessage::Reset => ("/midi/reset", Vec::new()),
    };
    args.insert(0, OscType::Int(event.device as i32));
    let (seconds, fractional) = event.arrival.parts();
    args.push(OscType::Time(OscTime { seconds, fractional }));
    message(address, args)
}

/// `/midi/list`: for each port of the MIDI system, `i:index s:name i:device` (the device
/// number it is open as, or -1); then for each open input that is not a port (a virtual
/// port, an input the program feeds), `i:-1 s:name i:device`.
pub fn midi_inputs<'a>(ports: &[String], open: impl Iterator<Item = (u32, &'a str, InputKind)>) -> OscPacket {
    let open: Vec<(u32, &str, InputKind)> = open.collect();
    let mut args = Vec::new();
    for (k, name) in ports.iter().enumerate() {
        let device = open.iter().find(|(_, n, kind)| *kind == InputKind::Port && n == name).map_or(-1, |o| o.0 as i32);
        args.extend([OscType::Int(k as i32), OscType::String(name.clone()), OscType::Int(device)]);
    }
    for (device, name, _) in open.iter().filter(|(_, _, kind)| *kind != InputKind::Port) {
        args.extend([OscType::Int(-1), OscType::String((*name).to_owned()), OscType::Int(*device as i32)]);
    }
    message("/midi/list", args)
}

/// `/midi/map/list`: for each mapping, `i:id s:kind i:device i:channel i:number i:node
/// s:name`: for `cc` the controller, the node and its control; for `note` the voice
/// limit, the Group and the SynthDef.
pub fn midi_mappings<'a>(mappings: impl Iterator<Item = &'a Mapping>) -> OscPacket {
    let mut args = Vec::new();
    for mapping in mappings {
        let (kind, filter, number, node, name) = match &mapping.kind {
            MappingKind::Cc(cc) => {
                let s = cc.spec();
                ("cc", s.filter, i32::from(s.controller), s.node, s.control.name.clone())
            }
            MappingKind::Note(note) => {
                let s = note.spec();
                ("note", s.filter, s.voices as i32, s.group, s.synthdef.clone())
            }
        };
        args.extend([
            OscType::Int(mapping.id),
            OscType::String(kind.into()),
            OscType::Int(filter.device_arg()),
            OscType::Int(filter.channel_arg()),
            OscType::Int(number),
            OscType::Int(node),
            OscType::String(name),
        ]);
    }
    message("/midi/map/list", args)
}
