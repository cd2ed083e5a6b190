use crate::engine::EngineError;
use crate::error_code::ErrorCode;

/// Why a request failed: a code and a message for the client.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestError {
    /// The stable code.
    pub code: ErrorCode,
    /// A human-readable explanation.
    pub message: String,
}

impl RequestError {
    /// An error with code `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        RequestError { code, message: message.into() }
    }
}

impl From<EngineError> for RequestError {
    fn from(e: EngineError) -> Self {
        RequestError { code: e.code(), message: e.to_string() }
    }
}
