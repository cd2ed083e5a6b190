//! The stable numbers of `/error` replies: one table, used by the engine
//! ([`EngineError::code`](crate::engine::EngineError::code)), the OSC protocol and the
//! server ([`RequestError`](crate::osc::RequestError)), and the renderer.
//!
//! A leaf module: it imports nothing of the crate, so every layer, the audio thread's
//! engine included, can use it without depending on another layer. docs/osc-api.md lists
//! the same table for clients, and `tests/error_codes.rs` checks that the two agree.
//!
//! One condition has one code. Where two engine errors share a code, they are one
//! condition to a client: [`ErrorCode::ResourceUnavailable`] (65) is the answer both when
//! a resource port cannot bind a Resource (`EngineError::ResourceBind`) and when an
//! operation cannot hold one (`EngineError::Acquire`); the message tells the port and the
//! reason apart.
//!
//! Context: any (constants).

use std::fmt;

macro_rules! error_codes {
    ($($variant:ident = $code:literal, $name:literal, $meaning:literal;)*) => {
        /// A stable `/error` code: its number, its name in docs/osc-api.md, and what it
        /// means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(i32)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $(
                #[doc = $meaning]
                $variant = $code,
            )*
        }

        impl ErrorCode {
            /// Every code, in increasing order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The name docs/osc-api.md gives the code.
            pub const fn name(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $name,)*
                }
            }

            /// What the code means, in one sentence.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $meaning,)*
                }
            }
        }
    };
}

error_codes! {
    MalformedPacket = 1, "malformed packet", "The datagram is not a well-formed OSC packet.";
    TruncatedPacket = 2, "truncated packet", "A bundle element's declared size runs past the end of its bundle.";
    BundleTooDeep = 3, "bundle too deep", "Bundles are nested deeper than the server accepts.";
    PacketTooLarge = 4, "packet too large", "The datagram or TCP message is larger than the server accepts.";
    TimetagOrder = 5, "timetag order", "An enclosed bundle's timetag is earlier than its enclosing bundle's.";
    FirstContact = 6, "first contact",
        "An address's first datagram asks for a reply that can be larger than the request.";
    DatagramsDropped = 7, "datagrams dropped",
        "The kernel dropped datagrams to the server because its receive buffer was full.";
    TooManyConnections = 8, "too many connections", "Every TCP connection the server allows is open.";
    UnknownVerb = 10, "unknown verb", "No verb has this address.";
    ArgumentCount = 11, "argument count", "Too few or too many arguments.";
    ArgumentType = 12, "argument type", "An argument has the wrong OSC type.";
    ArgumentValue = 13, "argument value", "An argument has the right type but an unusable value.";
    UnknownSynthDef = 14, "unknown SynthDef", "No SynthDef has the name.";
    UnknownControl = 15, "unknown control",
        "The SynthDef (at creation), or every SynthDef (`/node/set`), lacks the control.";
    SynthConstruct = 16, "synth construct failed",
        "The Synth could not be built from the SynthDef and the arguments given.";
    NodeIdInUse = 20, "node id in use", "A node with this id exists.";
    NodeNotFound = 21, "node not found", "No node has this id.";
    NotAGroup = 22, "not a group", "The command needs a Group.";
    NotASynth = 23, "not a synth", "The command needs a Synth.";
    RootGroup = 24, "root group", "The root Group cannot be freed, nor have nodes placed before or after it.";
    MoveIntoItself = 25, "move into itself",
        "A node cannot be moved before or after itself, nor a Group into itself or its subtree.";
    NodeCapacity = 30, "node capacity", "The node tree is full.";
    OutputMappingsFull = 31, "output mappings full", "The output port already feeds as many buses as it can.";
    QueueFull = 32, "queue full", "The command queue to the audio thread has no room for the datagram's commands.";
    EventsLost = 33, "events lost", "Notifications or replies were lost because the event queue was full.";
    ShuttingDown = 34, "shutting down", "The server is shutting down and takes no more commands.";
    SchedulerFull = 35, "scheduler full", "A timed command found the scheduler full.";
    WorkersFull = 36, "worker queues full", "The worker queues cannot take back what the change would let go of.";
    ReplyTooLarge = 37, "reply too large", "The reply does not fit one datagram; nothing was sent in its place.";
    ReplyInParts = 38, "reply in parts", "The reply does not fit one datagram; it follows in parts, each a reply of its own.";
    QueryCapacity = 39, "query capacity", "The client has as many queries waiting for their replies as it may.";
    ControlIndex = 40, "control index", "The Synth has no control with this index.";
    ControlName = 41, "control name", "The Synth has no control with this name.";
    InputPort = 42, "input port", "The Synth has no input port with this index.";
    OutputPort = 43, "output port", "The Synth has no output port with this index.";
    Bus = 44, "bus", "The bus does not exist.";
    ResourceIdValue = 45, "resource id value", "A resource port's new value is neither -1 nor a resource id.";
    SynthFaulted = 50, "synth faulted", "A Synth's process panicked; it was silenced.";
    EngineFailed = 51, "engine failed", "The engine stopped after an internal failure.";
    DeviceLost = 52, "device lost", "The audio device is gone; no blocks are rendered.";
    NonFiniteOutput = 53, "non-finite output", "Output samples were NaN or infinite; they went out as 0.";
    ResourceIdOutOfRange = 60, "resource id out of range", "The resource id is outside the pool.";
    ResourceIdInUse = 61, "resource id in use", "The resource id is not Free.";
    UnknownResourceDef = 62, "unknown ResourceDef", "No ResourceDef has the name.";
    ResourceNotLive = 63, "resource not live", "Nothing at the id can be freed: it is Free, or already Destroying.";
    FreePending = 64, "free pending", "The Resource's free is already pending.";
    ResourceUnavailable = 65, "resource unavailable",
        "A Resource cannot be held, by a resource port or by an operation.";
    ResourceBusy = 66, "resource busy", "An exclusive operation found a Resource with holders.";
    OperationCapacity = 67, "operation capacity", "Too many resource operations are running.";
    OperationFailed = 68, "operation failed", "A resource operation failed in the plugin.";
    SyncCapacity = 69, "sync capacity", "Too many `/sync` requests are waiting for Resource work, in all or from this client.";
    UnknownOperation = 70, "unknown operation", "The Resource's ResourceDef has no operation with this name.";
    ResourceNotReady = 71, "resource not ready",
        "The server has sent no `/resource/ready` for the id since it was last Free.";
    PluginRefused = 80, "plugin refused",
        "A plugin library was refused; the message names the file and the step that failed.";
    UnknownPlugin = 81, "unknown plugin", "No loaded plugin has the name.";
    BuiltInPlugin = 82, "built-in plugin", "A built-in plugin cannot be unloaded or reloaded.";
    PluginsUnavailable = 83, "plugins unavailable", "This server has no plugin loader.";
    SynthDefRefused = 90, "synthdef refused",
        "A SynthDef file or graph was refused; the message names the def and the problem.";
    MidiUnavailable = 100, "midi unavailable", "The server has no MIDI system to open inputs from.";
    UnknownMidiInput = 101, "unknown midi input",
        "No MIDI input port is the one named, or no open input has the device number.";
    MidiInputRefused = 102, "midi input refused", "The MIDI system refused to open the port or make the virtual one.";
    UnknownMapping = 103, "unknown mapping", "No mapping has the id.";
    MappingCapacity = 104, "mapping capacity", "As many mappings are set up as the server holds.";
    MidiBytesLost = 105, "midi bytes lost",
        "MIDI bytes were dropped because a device input's queue to the network thread was full.";
    MappingFailed = 106, "mapping failed",
        "A mapping could not act on a MIDI event: its Synth could not be built, or its commands found the queue full.";
}

impl ErrorCode {
    /// The number sent in `/error` replies.
    pub const fn code(self) -> i32 {
        self as i32
    }

    /// The code with this number, if there is one.
    pub fn from_code(code: i32) -> Option<ErrorCode> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }
}

/// The number, as `/error` sends it.
impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    #[test]
    fn numbers_increase_and_names_are_unique() {
        for pair in ErrorCode::ALL.windows(2) {
            assert!(pair[0].code() < pair[1].code(), "{:?} before {:?}", pair[0], pair[1]);
        }
        for (i, a) in ErrorCode::ALL.iter().enumerate() {
            assert!(ErrorCode::ALL[i + 1..].iter().all(|b| a.name() != b.name()), "{} twice", a.name());
            assert_eq!(ErrorCode::from_code(a.code()), Some(*a));
            assert!(a.meaning().ends_with('.'), "{a:?}");
        }
        assert_eq!(ErrorCode::from_code(0), None);
    }
}
