use std::borrow::Cow;
use std::fmt;

/// Why a plugin's non-realtime callback failed: a reason for the client who asked. The one
/// error type of the plugin API, for building Synths and Resources and for operations.
///
/// Context: NRT (it holds a string).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    reason: Cow<'static, str>,
}

impl PluginError {
    /// An error with a reason.
    ///
    /// ```
    /// assert_eq!(oscine_plugin_api::PluginError::new("no such file").to_string(), "no such file");
    /// ```
    pub fn new(reason: impl Into<Cow<'static, str>>) -> Self {
        PluginError { reason: reason.into() }
    }

    /// The reason, as the client reads it.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for PluginError {}
