//! The open device inputs and the MIDI system they come from: listing the system's ports,
//! opening them (by name, index or all), a virtual input other programs connect to, an
//! input fed by the program itself, closing; and reading what they received.
//!
//! midir picks the MIDI system when the crate is built: the ALSA sequencer on Linux, JACK
//! MIDI with the `jack` feature. Where there is none (a container without
//! `/dev/snd/seq`, no JACK server running), [`MidiInputs::new`] says so once in the log and
//! the server runs on: only inputs fed by the program can be opened.
//!
//! Context: NRT (the network thread). midir's callbacks run on its threads and touch only
//! their [`MidiFeed`].

use std::sync::Arc;

use midir::{MidiInput, MidiInputConnection};

use super::input_feed::{feed, FeedEnd, MidiFeed};
use super::message::MidiEvent;
use super::parser::{MidiParser, Parsed};
use crate::engine::EventSignal;

/// The client name the server shows the MIDI system.
const CLIENT_NAME: &str = "oscine";

/// Which ports to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortChoice {
    /// Every input port of the system.
    All,
    /// The port at this place in the system's list (`oscine devices`, `/midi/list`).
    Index(usize),
    /// Every port whose name contains this (ignoring case).
    Name(String),
}

impl PortChoice {
    /// `all`, a number, or a name.
    pub fn parse(text: &str) -> PortChoice {
        if text == "all" {
            PortChoice::All
        } else if let Ok(index) = text.parse::<usize>() {
            PortChoice::Index(index)
        } else {
            PortChoice::Name(text.to_owned())
        }
    }
}

/// Why a device input could not be opened or closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MidiError {
    /// No MIDI system could be reached: why, in words for the log.
    #[error("{0}")]
    NoSystem(String),
    /// No port is what was asked for.
    #[error("no MIDI input port {0}")]
    NoPort(String),
    /// The system refused to connect a port, or to make a virtual one.
    #[error("cannot open MIDI input '{name}': {reason}")]
    Open {
        /// The port.
        name: String,
        /// What the system said.
        reason: String,
    },
    /// No open input has this device number.
    #[error("no open MIDI input has device number {0}")]
    UnknownDevice(u32),
}

/// Where an open input's bytes come from.
enum Source {
    /// A port of the MIDI system.
    Port(MidiInputConnection<MidiFeed>),
    /// A virtual port of the server's own, other programs connect to.
    Virtual(MidiInputConnection<MidiFeed>),
    /// The program, through a [`MidiFeed`] it holds.
    Fed,
}

/// What kind of input an open one is, for `/midi/list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A port of the MIDI system.
    Port,
    /// A virtual port of the server's own.
    Virtual,
    /// Fed by the program embedding the server.
    Fed,
}

struct DeviceInput {
    device: u32,
    name: String,
    source: Source,
    end: FeedEnd,
    parser: MidiParser,
}

/// Every open device input. Context: NRT (the network thread).
pub struct MidiInputs {
    /// Lists the system's ports; `Err` says why there is no MIDI system.
    system: Result<MidiInput, String>,
    inputs: Vec<DeviceInput>,
    next_device: u32,
    signal: Arc<EventSignal>,
    /// Bytes dropped by inputs already closed, so the total never goes down.
    dropped_closed: u64,
    /// Bytes read that made no message.
    not_understood: u64,
}

impl std::fmt::Debug for MidiInputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MidiInputs").field("open", &self.inputs.len()).finish_non_exhaustive()
    }
}

impl MidiInputs {
    /// Reaches the MIDI system, or says once in the log why there is none.
    pub fn new() -> std::io::Result<MidiInputs> {
        let system = MidiInput::new(CLIENT_NAME).map_err(|e| system_missing(&e.to_string()));
        if let Err(why) = &system {
            tracing::warn!("{why}: MIDI inputs cannot be opened; the server runs on without them");
        }
        Ok(MidiInputs {
            system,
            inputs: Vec::new(),
            next_device: 0,
            signal: Arc::new(EventSignal::new()?),
            dropped_closed: 0,
            not_understood: 0,
        })
    }

    /// What wakes the network thread when an input received bytes.
    pub fn signal(&self) -> &Arc<EventSignal> {
        &self.signal
    }

    /// The names of the system's input ports, in its order; empty without a MIDI system.
    pub fn ports(&self) -> Vec<String> {
        let Ok(system) = &self.system else { return Vec::new() };
        system.ports().iter().map(|p| system.port_name(p).unwrap_or_else(|_| "(gone)".into())).collect()
    }

    /// The open inputs: device number, name and kind.
    pub fn open_inputs(&self) -> impl Iterator<Item = (u32, &str, InputKind)> {
        self.inputs.iter().map(|i| {
            let kind = match i.source {
                Source::Port(_) => InputKind::Port,
                Source::Virtual(_) => InputKind::Virtual,
                Source::Fed => InputKind::Fed,
            };
            (i.device, i.name.as_str(), kind)
        })
    }

    /// Opens the ports `choice` names, each as a device input, and gives their device
    /// numbers and names; a port already open keeps its number.
    pub fn open(&mut self, choice: &PortChoice) -> Result<Vec<(u32, String)>, MidiError> {
        let system = self.system.as_ref().map_err(|why| MidiError::NoSystem(why.clone()))?;
        let ports = system.ports();
        let names: Vec<String> = ports.iter().map(|p| system.port_name(p).unwrap_or_default()).collect();
        let chosen: Vec<usize> = match choice {
            PortChoice::All => (0..ports.len()).collect(),
            PortChoice::Index(i) if *i < ports.len() => vec![*i],
            PortChoice::Index(i) => {
                return Err(MidiError::NoPort(format!("{i} (the system has {} input ports)", ports.len())))
            }
            PortChoice::Name(name) => {
                let lower = name.to_lowercase();
                (0..ports.len()).filter(|&k| names[k].to_lowercase().contains(&lower)).collect()
            }
        };
        if chosen.is_empty() {
            let what = match choice {
                PortChoice::Name(name) => format!("named like '{name}'"),
                _ => "at all".into(),
            };
            return Err(MidiError::NoPort(what));
        }
        let mut opened = Vec::new();
        for k in chosen {
            let name = &names[k];
            if let Some(open) = self.inputs.iter().find(|i| matches!(i.source, Source::Port(_)) && i.name == *name) {
                opened.push((open.device, name.clone()));
                continue;
            }
            let input = MidiInput::new(CLIENT_NAME).map_err(|e| MidiError::NoSystem(system_missing(&e.to_string())))?;
            let (midi_feed, end) = feed(Arc::clone(&self.signal));
            let connection = input
                .connect(&ports[k], "oscine-in", |_, bytes, feed: &mut MidiFeed| feed.receive(bytes), midi_feed)
                .map_err(|e| MidiError::Open { name: name.clone(), reason: e.to_string() })?;
            let device = self.add(name.clone(), Source::Port(connection), end);
            tracing::info!("MIDI input {device}: {name}");
            opened.push((device, name.clone()));
        }
        Ok(opened)
    }

    /// Makes a virtual input port named `name` that other programs connect to.
    pub fn open_virtual(&mut self, name: &str) -> Result<u32, MidiError> {
        self.system.as_ref().map_err(|why| MidiError::NoSystem(why.clone()))?;
        let input = MidiInput::new(CLIENT_NAME).map_err(|e| MidiError::NoSystem(system_missing(&e.to_string())))?;
        let (midi_feed, end) = feed(Arc::clone(&self.signal));
        let connection = virtual_input(input, name, midi_feed)?;
        let device = self.add(name.to_owned(), Source::Virtual(connection), end);
        tracing::info!("MIDI input {device}: virtual port {name}");
        Ok(device)
    }

    /// Opens an input the caller feeds itself, with the same FIFO, parser and mappings as
    /// a port's: its device number, and the end to hand bytes to (from any one thread).
    pub fn open_fed(&mut self, name: &str) -> (u32, MidiFeed) {
        let (midi_feed, end) = feed(Arc::clone(&self.signal));
        (self.add(name.to_owned(), Source::Fed, end), midi_feed)
    }

    fn add(&mut self, name: String, source: Source, end: FeedEnd) -> u32 {
        let device = self.next_device;
        self.next_device += 1;
        self.inputs.push(DeviceInput { device, name, source, end, parser: MidiParser::new() });
        device
    }

    /// Closes an input; what it received before is still read.
    pub fn close(&mut self, device: u32, read: impl FnMut(MidiEvent)) -> Result<(), MidiError> {
        let at = self.inputs.iter().position(|i| i.device == device).ok_or(MidiError::UnknownDevice(device))?;
        self.drain(read);
        let input = self.inputs.remove(at);
        self.dropped_closed += input.end.counters.dropped();
        match input.source {
            Source::Port(connection) | Source::Virtual(connection) => drop(connection.close()),
            Source::Fed => {}
        }
        tracing::info!("MIDI input {device} closed: {}", input.name);
        Ok(())
    }

    /// Hands `read` every message the inputs received, input by input, in arrival order
    /// within each.
    pub fn drain(&mut self, mut read: impl FnMut(MidiEvent)) {
        let mut not_understood = 0;
        for input in &mut self.inputs {
            let device = input.device;
            let parser = &mut input.parser;
            input.end.drain(|arrival, byte| {
                parser.push(byte, |parsed| match parsed {
                    Parsed::Message(message) => read(MidiEvent { device, arrival, message }),
                    Parsed::NotUnderstood(n) => not_understood += n as u64,
                })
            });
        }
        self.not_understood += not_understood;
    }

    /// Bytes the inputs dropped because their FIFO was full, since the server started.
    pub fn dropped(&self) -> u64 {
        self.dropped_closed + self.inputs.iter().map(|i| i.end.counters.dropped()).sum::<u64>()
    }

    /// Bytes read that made no MIDI message.
    pub fn not_understood(&self) -> u64 {
        self.not_understood
    }

    /// Whether a MIDI system was reached.
    pub fn has_system(&self) -> bool {
        self.system.is_ok()
    }
}

#[cfg(unix)]
fn virtual_input(
    input: MidiInput,
    name: &str,
    midi_feed: MidiFeed,
) -> Result<MidiInputConnection<MidiFeed>, MidiError> {
    use midir::os::unix::VirtualInput;
    input
        .create_virtual(name, |_, bytes, feed: &mut MidiFeed| feed.receive(bytes), midi_feed)
        .map_err(|e| MidiError::Open { name: name.to_owned(), reason: e.to_string() })
}

#[cfg(not(unix))]
fn virtual_input(_: MidiInput, name: &str, _: MidiFeed) -> Result<MidiInputConnection<MidiFeed>, MidiError> {
    Err(MidiError::Open { name: name.to_owned(), reason: "this system has no virtual MIDI ports".into() })
}

/// Why there is no MIDI system, in words for the log.
fn system_missing(reason: &str) -> String {
    if cfg!(feature = "jack") {
        format!("no MIDI system ({reason}; is a JACK server running?)")
    } else if cfg!(target_os = "linux") && !std::path::Path::new("/dev/snd/seq").exists() {
        format!("no MIDI system ({reason}; there is no ALSA sequencer, /dev/snd/seq)")
    } else {
        format!("no MIDI system ({reason})")
    }
}

/// The MIDI input ports `oscine devices` lists, one a line with its index.
pub fn list_ports() -> String {
    match MidiInput::new(CLIENT_NAME) {
        Err(e) => format!("MIDI inputs: none ({})\n", system_missing(&e.to_string())),
        Ok(system) => {
            let ports = system.ports();
            if ports.is_empty() {
                return "MIDI inputs: none\n".into();
            }
            let mut text = String::from("MIDI inputs:\n");
            for (k, port) in ports.iter().enumerate() {
                let name = system.port_name(port).unwrap_or_else(|_| "(gone)".into());
                text.push_str(&format!("  {k}: {name}\n"));
            }
            text
        }
    }
}
