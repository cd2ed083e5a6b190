//! Which protocol a client speaks: Oscine's own verbs and replies, or scsynth's. The
//! server learns a client's dialect from what it sends (Oscine's own verbs; scsynth's
//! `/notify` with a client id, or a command number) and answers it in that dialect; a
//! client that has shown none is answered in the server's default (`--dialect`).
//!
//! Context: NRT (the network thread).

use super::Verb;

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
    /// The dialect a client that sends this verb speaks, if only one dialect has it:
    /// Oscine's own verbs. scsynth's names are Oscine's too (its aliases), so they show no
    /// dialect; a scsynth client shows itself by `/notify` with a client id, or by a
    /// command number.
    pub fn dialect(self) -> Option<Dialect> {
        let address = self.address();
        let oscine = ["/resource/", "/plugin/", "/synth/", "/group/", "/node/", "/synthdef/"];
        oscine.iter().any(|prefix| address.starts_with(prefix)).then_some(Dialect::Oscine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_oscines_own_verbs_show_a_dialect() {
        assert_eq!(Verb::SynthNew.dialect(), Some(Dialect::Oscine));
        assert_eq!(Verb::ResourceNew.dialect(), Some(Dialect::Oscine));
        assert_eq!(Verb::SynthDefList.dialect(), Some(Dialect::Oscine));
        for verb in [Verb::SNew, Verb::BAlloc, Verb::DRecv, Verb::Status, Verb::Notify, Verb::Sync] {
            assert_eq!(verb.dialect(), None, "{verb:?}");
        }
    }
}
