//! Which protocol a client speaks: Oscine's own verbs and replies, or scsynth's. Each
//! verb belongs to one, except the few both have (`/notify`, `/status`, `/sync`,
//! `/version`, `/quit`), which are answered in the dialect the client has shown.
//!
//! Context: NRT (the network thread).

use super::Verb;
use crate::engine::CommandKind;

/// A client's protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Dialect {
    /// Oscine's verbs: `/ack`, `/error`, `/node/ended`, `/status/reply`.
    #[default]
    Oscine,
    /// scsynth's command set: `/done`, `/fail`, `/status.reply`, no acknowledgement of
    /// synchronous commands.
    Scsynth,
}

impl Verb {
    /// The dialect of this verb's address, or `None` for the verbs both dialects have.
    pub fn dialect(self) -> Option<Dialect> {
        match self {
            Verb::Notify | Verb::Status | Verb::Sync | Verb::Version | Verb::Quit => None,
            v if v.address().starts_with("/resource/")
                || v.address().starts_with("/plugin/")
                || v.address().starts_with("/synth/")
                || v.address().starts_with("/group/")
                || v.address().starts_with("/node/")
                || v.address().starts_with("/synthdef/") =>
            {
                Some(Dialect::Oscine)
            }
            _ => Some(Dialect::Scsynth),
        }
    }

    /// The scsynth address that answers for commands of `kind` sent by a scsynth
    /// client: scsynth's name for the command where it has one.
    pub fn scsynth(kind: CommandKind) -> &'static str {
        match kind {
            CommandKind::GroupNew => "/g_new",
            CommandKind::GroupFreeAll => "/g_freeAll",
            CommandKind::SynthNew => "/s_new",
            CommandKind::NodeSet => "/n_set",
            CommandKind::NodeFree => "/n_free",
            CommandKind::ControlBusSet => "/c_set",
            CommandKind::Sync => "/sync",
            CommandKind::Shutdown => "/quit",
            other => Verb::native(other).address(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verb_has_its_dialect() {
        assert_eq!(Verb::SNew.dialect(), Some(Dialect::Scsynth));
        assert_eq!(Verb::BAlloc.dialect(), Some(Dialect::Scsynth));
        assert_eq!(Verb::SynthNew.dialect(), Some(Dialect::Oscine));
        assert_eq!(Verb::ResourceNew.dialect(), Some(Dialect::Oscine));
        assert_eq!(Verb::SynthDefList.dialect(), Some(Dialect::Oscine));
        assert_eq!(Verb::Status.dialect(), None);
        for verb in Verb::ALL {
            let scsynth_style = verb.address()[1..].contains('_') || verb.address() == "/dumpOSC";
            if verb.dialect() == Some(Dialect::Scsynth) {
                assert!(scsynth_style, "{verb:?}");
            }
        }
        assert_eq!(Verb::scsynth(CommandKind::NodeFree), "/n_free");
    }
}
