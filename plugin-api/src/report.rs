use std::sync::Arc;

/// The most values one [`Report`] carries: a `SendReply` of more values is refused when
/// its unit is built, and `SendPeakRMS` meters at most half as many channels.
pub const MAX_REPORT_VALUES: usize = 32;

/// What a Synth tells the non-realtime side during a `process` call: a graph Synth's
/// `Poll` value, `SendTrig` trigger or `SendReply` message. Plain data of a fixed size:
/// making one never allocates (a label or address was made when the unit was built, and
/// is only shared here).
///
/// Context: made RT, read NRT.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// What the report is, and so where it goes.
    pub kind: ReportKind,
    /// The id clients hear the values with: `Poll`'s and `SendTrig`'s trigger id
    /// (negative for none: scsynth's `trigid: -1`), `SendReply`'s reply id.
    pub id: i32,
    /// The values.
    pub values: ReportValues,
}

/// The kinds of [`Report`].
#[derive(Debug, Clone, PartialEq)]
pub enum ReportKind {
    /// `Poll`: the value is logged under the label, and sent to notified clients as
    /// `/tr node id value` when the id is 0 or more.
    Poll {
        /// The label to log the value under.
        label: Arc<str>,
    },
    /// `SendTrig`: sent to notified clients as `/tr node id value`.
    Trigger,
    /// `SendReply`, `SendPeakRMS`: sent to notified clients as `address node id values...`.
    Reply {
        /// The message's address (`SendReply`'s `cmdName`).
        address: Arc<str>,
    },
}

/// Up to [`MAX_REPORT_VALUES`] values, kept in place (no allocation).
#[derive(Clone, Copy, PartialEq)]
pub struct ReportValues {
    len: u8,
    values: [f32; MAX_REPORT_VALUES],
}

impl ReportValues {
    /// One value.
    pub fn one(value: f32) -> ReportValues {
        let mut values = [0.0; MAX_REPORT_VALUES];
        values[0] = value;
        ReportValues { len: 1, values }
    }

    /// The values `values` yields, or `None` if it yields more than [`MAX_REPORT_VALUES`].
    pub fn collect(values: impl IntoIterator<Item = f32>) -> Option<ReportValues> {
        let mut out = ReportValues { len: 0, values: [0.0; MAX_REPORT_VALUES] };
        for v in values {
            *out.values.get_mut(usize::from(out.len))? = v;
            out.len += 1;
        }
        Some(out)
    }

    /// The values, in order.
    pub fn as_slice(&self) -> &[f32] {
        &self.values[..usize::from(self.len)]
    }

    /// The first value (0 if there is none).
    pub fn first(&self) -> f32 {
        self.as_slice().first().copied().unwrap_or(0.0)
    }
}

impl std::fmt::Debug for ReportValues {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_in_order_up_to_the_limit() {
        let v = ReportValues::collect([1.0, 2.0, 3.0]).unwrap();
        assert_eq!(v.as_slice(), [1.0, 2.0, 3.0]);
        assert_eq!(v.first(), 1.0);
        assert_eq!(ReportValues::one(4.0).as_slice(), [4.0]);
        assert_eq!(ReportValues::collect(std::iter::empty()).unwrap().first(), 0.0);
        assert!(ReportValues::collect((0..MAX_REPORT_VALUES).map(|i| i as f32)).is_some());
        assert!(ReportValues::collect((0..=MAX_REPORT_VALUES).map(|i| i as f32)).is_none());
    }
}
