use crate::engine::EngineError;

/// The stable numeric codes of `/error` replies (documented in docs/osc-api.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    /// The datagram is not a well-formed OSC packet.
    MalformedPacket = 1,
    /// An element's declared size runs past the end of the packet.
    TruncatedPacket = 2,
    /// Bundles are nested deeper than the server accepts.
    BundleTooDeep = 3,
    /// The packet is larger than the server accepts.
    PacketTooLarge = 4,
    /// An enclosed bundle's timetag is earlier than its enclosing bundle's.
    TimetagOrder = 5,
    /// No verb has this address.
    UnknownVerb = 10,
    /// Too few or too many arguments.
    ArgumentCount = 11,
    /// An argument has the wrong OSC type.
    ArgumentType = 12,
    /// An argument has the right type but an unusable value.
    ArgumentValue = 13,
    /// No SynthDef has the name.
    UnknownSynthDef = 14,
    /// The SynthDef has no such control.
    UnknownControl = 15,
    /// The SynthDef refused to build a Synth.
    SynthConstruct = 16,
    /// No ResourceDef has the name.
    UnknownResourceDef = 62,
    /// The resource id was never created (as far as the server knows).
    ResourceUnknown = 71,
    /// The ResourceDef has no such operation.
    UnknownOperation = 70,
    /// A resource operation failed in the plugin.
    OperationFailed = 68,
    /// The command queue to the audio thread is full.
    QueueFull = 32,
    /// Notifications were lost because the event queue was full.
    EventsLost = 33,
    /// The server is shutting down and takes no more commands.
    ShuttingDown = 34,
    /// A Synth's process panicked; it was silenced.
    SynthFaulted = 50,
    /// The engine stopped after an internal failure.
    EngineFailed = 51,
    /// The audio device is gone; no more blocks are rendered.
    DeviceLost = 52,
}

/// Why a request failed: a code and a message for the client.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    /// The stable code.
    pub code: i32,
    /// A human-readable explanation.
    pub message: String,
}

impl RequestError {
    /// An error with one of the network layer's codes.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RequestError { code: code as i32, message: message.into() }
    }
}

impl From<EngineError> for RequestError {
    fn from(e: EngineError) -> Self {
        RequestError { code: e.code(), message: e.to_string() }
    }
}
