//! What the network thread knows of one client's commands in the engine: enough to
//! answer a `/sync` that waits for nothing at once, without a trip through the audio
//! thread (which would cost up to a block).

/// One client's commands on their way through the engine, as the network thread sees
/// them: whether any was sent that no `/sync` sent after it covers, and how many of its
/// `/sync`s the engine has not yet answered, refused or dropped.
///
/// The engine answers a client's `/sync`s in the order they were sent, each after
/// everything the client sent before it. So when the client is *quiet* (every command
/// it sent is covered by a `/sync`, and every `/sync` has come back), a new `/sync` has
/// nothing to wait for, and answering it at once says the same as the engine would.
/// Errors in the count only ever make the watch less quiet: a `/sync` is then answered
/// by the engine, as every `/sync` would be without the watch.
///
/// Context: NRT (network thread).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SyncWatch {
    /// A command may be in flight that no counted `/sync` covers.
    uncovered: bool,
    /// `/sync`s sent to the engine and not yet answered, refused or dropped.
    syncs_in_engine: u32,
}

impl SyncWatch {
    /// A command (a `/sync` too) is about to be sent to the engine; until
    /// [`sent`](Self::sent) says it went, it is uncovered.
    pub fn queued(&mut self) {
        self.uncovered = true;
    }

    /// A group of the client's commands reached the engine's queue, `syncs` of them
    /// `/sync`s (each counted until it comes back), `uncovered_after` if a command that
    /// is not a `/sync` came after the last of them: a `/sync` covers what came before it.
    pub fn sent(&mut self, syncs: u32, uncovered_after: bool) {
        self.syncs_in_engine = self.syncs_in_engine.saturating_add(syncs);
        self.uncovered = syncs == 0 || uncovered_after;
    }

    /// One of the client's `/sync`s came back from the engine: answered, refused, or
    /// dropped unanswered with the scheduler it waited in.
    pub fn sync_ended(&mut self) {
        self.syncs_in_engine = self.syncs_in_engine.saturating_sub(1);
    }

    /// Whether a `/sync` sent now would wait for nothing.
    pub fn quiet(&self) -> bool {
        !self.uncovered && self.syncs_in_engine == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_client_is_quiet() {
        assert!(SyncWatch::default().quiet());
    }

    #[test]
    fn a_command_in_flight_makes_a_client_wait_until_a_sync_after_it_comes_back() {
        let mut w = SyncWatch::default();
        w.queued();
        assert!(!w.quiet(), "queued, not yet sent");
        w.sent(0, true);
        assert!(!w.quiet());
        w.queued();
        w.sent(1, false);
        assert!(!w.quiet(), "the sync covering it is still in the engine");
        w.sync_ended();
        assert!(w.quiet());
    }

    #[test]
    fn a_command_after_the_last_sync_keeps_the_client_waiting() {
        let mut w = SyncWatch::default();
        w.queued();
        w.sent(1, false);
        w.queued();
        w.sent(0, true);
        w.sync_ended();
        assert!(!w.quiet());
    }

    #[test]
    fn a_group_ending_in_a_sync_is_covered_by_it() {
        let mut w = SyncWatch::default();
        w.queued();
        w.sent(2, false);
        w.sync_ended();
        assert!(!w.quiet());
        w.sync_ended();
        assert!(w.quiet());
    }

    #[test]
    fn every_sync_in_the_engine_must_come_back() {
        let mut w = SyncWatch::default();
        for _ in 0..3 {
            w.queued();
            w.sent(1, false);
        }
        w.sync_ended();
        w.sync_ended();
        assert!(!w.quiet());
        w.sync_ended();
        assert!(w.quiet());
        w.sync_ended();
        assert!(w.quiet(), "an end the watch never counted leaves it quiet, not below zero");
    }

    #[test]
    fn a_queued_sync_that_never_reached_the_engine_leaves_the_client_waiting() {
        let mut w = SyncWatch::default();
        w.queued();
        assert!(!w.quiet(), "a refused send falls back to the engine's answer, never an early one");
    }
}
