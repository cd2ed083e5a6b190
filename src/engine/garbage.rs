use super::{SynthInstance, TreeSnapshot};

/// Something the audio thread is done with and must not drop itself: it travels to a
/// worker, which drops it.
#[derive(Debug)]
pub enum Garbage {
    /// A freed Synth, or one whose command failed.
    Synth(Box<SynthInstance>),
    /// A snapshot that could not be delivered.
    Snapshot(Box<TreeSnapshot>),
}

impl std::fmt::Debug for SynthInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SynthInstance").field("def", &self.entry().name()).finish()
    }
}
