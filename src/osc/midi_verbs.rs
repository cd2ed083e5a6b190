//! The MIDI verbs, parsed: opening and closing device inputs, MIDI notifications, and
//! setting up, listing and removing mappings.
//!
//! Context: NRT (the network thread).

use super::Arg;

use super::args::{finite, type_name, Args};
use super::{ErrorCode, RequestError, Verb};
use crate::control::EngineHandle;
use crate::engine::ControlRef;
use crate::midi::{
    CcMapping, CcMappingSpec, Curve, EventFilter, MappingKind, NamedControl, NoteMapping, NoteMappingSpec, PortChoice,
    ValueMap, MAX_VOICES,
};

/// What a `/midi/*` verb asks for.
#[derive(Debug)]
pub enum MidiRequest {
    /// Reply with the system's input ports and the open inputs.
    List,
    /// Open the ports chosen.
    Open(PortChoice),
    /// Make a virtual input port with this name.
    Virtual(String),
    /// Close the input with this device number.
    Close(u32),
    /// MIDI notifications on or off for the sender.
    Notify(bool),
    /// Set up (or replace) the mapping with this id.
    Map(i32, MappingKind),
    /// Reply with every mapping.
    MapList,
    /// Remove the mapping with this id.
    Unmap(i32),
}

/// Parses one of the MIDI verbs. Context: NRT.
pub(super) fn parse_midi(verb: Verb, a: &mut Args<'_>, handle: &EngineHandle) -> Result<MidiRequest, RequestError> {
    let request = match verb {
        Verb::MidiList => MidiRequest::List,
        Verb::MidiMapList => MidiRequest::MapList,
        Verb::MidiOpen => match a.any("input")? {
            Arg::String("") => {
                return Err(RequestError::new(ErrorCode::ArgumentValue, "an input name cannot be empty"))
            }
            Arg::String(name) => MidiRequest::Open(PortChoice::parse(name)),
            Arg::Int(index) if index >= 0 => MidiRequest::Open(PortChoice::Index(index as usize)),
            other => {
                return Err(RequestError::new(
                    ErrorCode::ArgumentType,
                    format!("an input is a name, \"all\" or a non-negative port index, got {}", type_name(other)),
                ))
            }
        },
        Verb::MidiVirtual => {
            let name = a.string("port name")?;
            if name.is_empty() {
                return Err(RequestError::new(ErrorCode::ArgumentValue, "a port name cannot be empty"));
            }
            MidiRequest::Virtual(name.to_owned())
        }
        Verb::MidiClose => MidiRequest::Close(device(a.int("device")?)?),
        Verb::MidiNotify => MidiRequest::Notify(a.int_or("flag", 1)? != 0),
        Verb::MidiUnmap => MidiRequest::Unmap(a.int("mapping id")?),
        Verb::MidiMapCc => {
            let id = a.int("mapping id")?;
            let filter = filter(a)?;
            let controller = seven_bit(a.int("controller")?, "controller")?;
            let node = a.node_id("node id")?;
            let control = named_control(handle, a.any("control")?)?;
            let mut options = CcOptions::default();
            options.read(a)?;
            let map = ValueMap::new(options.min, options.max, options.curve).map_err(value_error)?;
            let spec = CcMappingSpec { filter, controller, node, control, map, smoothing: options.smooth };
            MidiRequest::Map(id, MappingKind::Cc(CcMapping::new(spec)))
        }
        Verb::MidiMapNote => {
            let id = a.int("mapping id")?;
            let filter = filter(a)?;
            let synthdef = a.string("synthdef name")?.to_owned();
            let group = a.node_id("group id")?;
            let spec = note_spec(handle, a, filter, synthdef, group)?;
            MidiRequest::Map(id, MappingKind::Note(Box::new(NoteMapping::new(spec))))
        }
        _ => unreachable!("parse_midi is called for the MIDI verbs only"),
    };
    a.finish()?;
    Ok(request)
}

/// A device number: -1 is refused here (only mappings take "any").
fn device(n: i32) -> Result<u32, RequestError> {
    u32::try_from(n)
        .map_err(|_| RequestError::new(ErrorCode::ArgumentValue, format!("a device number is 0 or more, got {n}")))
}

/// A mapping's device (-1 any) and channel (-1 any, else 0 to 15).
fn filter(a: &mut Args<'_>) -> Result<EventFilter, RequestError> {
    let device = match a.int("device")? {
        -1 => None,
        n => Some(device(n)?),
    };
    let channel = match a.int("channel")? {
        -1 => None,
        c @ 0..=15 => Some(c as u8),
        c => return Err(RequestError::new(ErrorCode::ArgumentValue, format!("a channel is 0 to 15 or -1, got {c}"))),
    };
    Ok(EventFilter { device, channel })
}

fn seven_bit(n: i32, what: &str) -> Result<u8, RequestError> {
    u8::try_from(n)
        .ok()
        .filter(|&v| v < 128)
        .ok_or_else(|| RequestError::new(ErrorCode::ArgumentValue, format!("{what} is 0 to 127, got {n}")))
}

fn value_error(reason: String) -> RequestError {
    RequestError::new(ErrorCode::ArgumentValue, reason)
}

/// A control by name (some SynthDef must have it) or by index.
fn named_control(handle: &EngineHandle, control: Arg<'_>) -> Result<NamedControl, RequestError> {
    match control {
        Arg::String(name) => {
            let control = handle.control_ref(name).ok_or_else(|| {
                RequestError::new(ErrorCode::UnknownControl, format!("no synthdef has a control named '{name}'"))
            })?;
            Ok(NamedControl { name: name.to_owned(), control })
        }
        Arg::Int(i) if i >= 0 => Ok(NamedControl { name: i.to_string(), control: ControlRef::Index(i as u32) }),
        other => Err(RequestError::new(
            ErrorCode::ArgumentType,
            format!("a control is named by a string or a non-negative int32, got {}", type_name(other)),
        )),
    }
}

/// The option pairs of `/midi/map/cc`.
struct CcOptions {
    min: f32,
    max: f32,
    curve: Curve,
    smooth: f64,
}

impl Default for CcOptions {
    fn default() -> Self {
        CcOptions { min: 0.0, max: 1.0, curve: Curve::Linear, smooth: 0.0 }
    }
}

impl CcOptions {
    fn read(&mut self, a: &mut Args<'_>) -> Result<(), RequestError> {
        while !a.is_empty() {
            match a.string("option name")? {
                "min" => self.min = a.control_value("min")?,
                "max" => self.max = a.control_value("max")?,
                "curve" => self.curve = curve(a.string("curve")?)?,
                "table" => self.curve = Curve::Table(table(a)?),
                "smooth" => {
                    let seconds = f64::from(a.control_value("smooth")?);
                    if !(0.0..=60.0).contains(&seconds) {
                        return Err(value_error(format!("smooth is 0 to 60 seconds, got {seconds}")));
                    }
                    self.smooth = seconds;
                }
                other => return Err(unknown_option(other, "min, max, curve, table, smooth")),
            }
        }
        Ok(())
    }
}

fn curve(name: &str) -> Result<Curve, RequestError> {
    match name {
        "linear" | "lin" => Ok(Curve::Linear),
        "exponential" | "exp" => Ok(Curve::Exponential),
        other => Err(value_error(format!("a curve is linear or exponential (or a table), got '{other}'"))),
    }
}

/// A table's points: the numbers up to the next option name or the end.
fn table(a: &mut Args<'_>) -> Result<Vec<f32>, RequestError> {
    let mut points = Vec::new();
    while !a.is_empty() && !a.peek_is_any_string() {
        points.push(a.control_value("table point")?);
    }
    if points.len() < 2 {
        return Err(value_error(format!("a table needs at least 2 points, got {}", points.len())));
    }
    Ok(points)
}

fn unknown_option(name: &str, known: &str) -> RequestError {
    RequestError::new(ErrorCode::ArgumentValue, format!("unknown option '{name}' (the options are {known})"))
}

/// The rest of `/midi/map/note`: its option pairs, checked against the SynthDef.
fn note_spec(
    handle: &EngineHandle,
    a: &mut Args<'_>,
    filter: EventFilter,
    synthdef: String,
    group: i32,
) -> Result<NoteMappingSpec, RequestError> {
    let entry = handle
        .registry()
        .get(&synthdef)
        .ok_or_else(|| RequestError::new(ErrorCode::UnknownSynthDef, format!("no synthdef named '{synthdef}'")))?;
    let has = |name: &str| entry.controls().iter().any(|c| c.name == name);
    let control = |name: &str| -> Result<NamedControl, RequestError> {
        if !has(name) {
            return Err(RequestError::new(
                ErrorCode::UnknownControl,
                format!("synthdef '{synthdef}' has no control named '{name}'"),
            ));
        }
        named_control(handle, Arg::String(name))
    };
    // Named controls the SynthDef has, by default.
    let default = |name: &str| has(name).then(|| name.to_owned());
    let mut freq = default("freq");
    let mut velocity = default("amp");
    let mut gate = default("gate");
    let (mut velocity_min, mut velocity_max, mut velocity_curve) = (0.0, 1.0, Curve::Linear);
    let (mut voices, mut sustain, mut bend, mut bend_range, mut pressure) = (16, true, None, 2.0, None);
    while !a.is_empty() {
        let option = a.string("option name")?;
        // "" turns a named control off.
        let name = |a: &mut Args<'_>| -> Result<Option<String>, RequestError> {
            let name = a.string(option)?;
            if name.is_empty() {
                return Ok(None);
            }
            control(name)?;
            Ok(Some(name.to_owned()))
        };
        match option {
            "freq" => freq = name(a)?,
            "velocity" => velocity = name(a)?,
            "gate" => gate = name(a)?,
            "bend" => bend = name(a)?,
            "pressure" => pressure = name(a)?,
            "velocity_min" => velocity_min = a.control_value(option)?,
            "velocity_max" => velocity_max = a.control_value(option)?,
            "velocity_curve" => velocity_curve = curve(a.string(option)?)?,
            "bend_range" => {
                bend_range = finite(a.number(option)?, option)?;
                if !(0.0..=48.0).contains(&bend_range) {
                    return Err(value_error(format!("bend_range is 0 to 48 semitones, got {bend_range}")));
                }
            }
            "voices" => {
                let n = a.int(option)?;
                voices = usize::try_from(n)
                    .ok()
                    .filter(|n| (1..=MAX_VOICES).contains(n))
                    .ok_or_else(|| value_error(format!("voices is 1 to {MAX_VOICES}, got {n}")))?;
            }
            "sustain" => sustain = a.int(option)? != 0,
            other => {
                return Err(unknown_option(
                    other,
                    "freq, velocity, velocity_min, velocity_max, velocity_curve, gate, voices, sustain, bend, \
                     bend_range, pressure",
                ))
            }
        }
    }
    let velocity = match velocity {
        Some(name) => Some((name, ValueMap::new(velocity_min, velocity_max, velocity_curve).map_err(value_error)?)),
        None => None,
    };
    let resolve = |name: Option<String>| name.map(|n| control(&n)).transpose();
    Ok(NoteMappingSpec {
        filter,
        synthdef: synthdef.clone(),
        group,
        freq,
        velocity,
        gate: resolve(gate)?,
        voices,
        sustain,
        bend: resolve(bend)?,
        bend_range,
        pressure: resolve(pressure)?,
    })
}
