//! Text a graph spells in constant inputs, as sclang writes a `Poll` label or a
//! `SendReply` address: a length, then one character code per input.
//!
//! Context: NRT (when a unit is built).

use std::sync::Arc;

use oscine_plugin_api::{PluginError, UnitSpec};

/// The text whose length is `spec`'s constant input `at` and whose characters are the
/// constant inputs after it, and the index of the first input after the text.
///
/// # Errors
/// The length or a character is not a constant, not a whole number, or runs past the
/// inputs; a character code is not a character.
pub(super) fn text(spec: &UnitSpec<'_>, at: usize, what: &str) -> Result<(Arc<str>, usize), PluginError> {
    let bad = |why: String| PluginError::new(format!("{}: {why}", spec.name));
    let len = spec.constant(at).ok_or_else(|| bad(format!("the {what}'s length must be a constant")))?;
    let available = spec.inputs.len().saturating_sub(at + 1);
    if len < 0.0 || len.fract() != 0.0 || len as usize > available {
        return Err(bad(format!(
            "a {what} of {len} characters needs {len} inputs after input {at}, there are {available}"
        )));
    }
    let end = at + 1 + len as usize;
    let text = (at + 1..end)
        .map(|i| {
            let c = spec.constant(i).ok_or_else(|| bad(format!("the {what}'s characters must be constants")))?;
            char::from_u32(c as u32)
                .filter(|_| c >= 0.0 && c.fract() == 0.0)
                .ok_or_else(|| bad(format!("input {i} of the {what} is not a character")))
        })
        .collect::<Result<String, _>>()?;
    Ok((Arc::from(text), end))
}
