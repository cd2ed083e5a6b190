use std::sync::Arc;

/// What a Synth tells the non-realtime side during a `process` call: a graph Synth's
/// `Poll` value, with its label, and the trigger id to send clients as scsynth's `/tr`.
/// Plain data of a fixed size: making one never allocates (the label was made when the
/// unit was built, and is only shared here).
///
/// Context: made RT, read NRT.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The label to log the value under (`Poll`'s `label`), if any.
    pub label: Option<Arc<str>>,
    /// The id clients hear the value with in `/tr`; negative for none (scsynth's
    /// `trigid: -1`).
    pub trigger_id: i32,
    /// The value.
    pub value: f32,
}

/// Where a Synth's [`Report`]s go: the host sends them to the non-realtime side, or counts
/// them when it cannot (its queue is full, or the Synth reports more in one block than the
/// host takes).
///
/// Context: RT: `report` must not allocate, lock or block.
pub trait Reports {
    /// Takes one report.
    fn report(&mut self, report: Report);
}

/// Reports that go nowhere: what a Synth sees where the host takes none (a harness, a
/// plugin library's Synth).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoReports;

impl Reports for NoReports {
    fn report(&mut self, _: Report) {}
}
