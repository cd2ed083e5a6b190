//! The reports Synths make during one block (`Poll`, `SendTrig`, `SendReply`, `SendPeakRMS`),
//! kept until the block ends and then sent out as events.
//!
//! Context: RT, except `BlockReports::new` (NRT, when the engine is built).

use oscine_plugin_api::{Report, Reports};
use rtrb::Consumer;

use super::outbox::Outbox;
use super::{Event, NodeId};

/// The most reports the engine takes in one block, from every Synth together. Beyond it a
/// report is counted (`StatusSnapshot::reports_dropped`) and lost, so that a `Poll` run
/// at audio rate cannot crowd the event queue out.
pub const MAX_REPORTS_PER_BLOCK: usize = 64;

/// The reports of one block, with the Synth each came from. Its capacity is fixed when the
/// engine is built; it never grows.
pub(crate) struct BlockReports {
    reports: Vec<(NodeId, Report)>,
    dropped: u64,
    /// Empty boxes from the network side, one for each report sent (`report_boxes`).
    boxes: Consumer<Box<Report>>,
}

impl BlockReports {
    /// Context: NRT (when the engine is built).
    pub(crate) fn new(boxes: Consumer<Box<Report>>) -> Self {
        BlockReports { reports: Vec::with_capacity(MAX_REPORTS_PER_BLOCK), dropped: 0, boxes }
    }

    /// Where Synth `id`'s reports go during its process call.
    pub(crate) fn of(&mut self, id: NodeId) -> SynthReports<'_> {
        SynthReports { id, block: self }
    }

    /// Sends the block's reports to the network side as events, each in an empty box the
    /// network side supplied, and counts those that did not fit or found no box. Call once
    /// a block, after the Synths ran.
    pub(crate) fn send(&mut self, outbox: &mut Outbox) {
        for (id, report) in self.reports.drain(..) {
            match self.boxes.pop() {
                Ok(mut boxed) => {
                    // The box holds an empty report: overwriting it frees nothing.
                    *boxed = report;
                    outbox.emit(Event::Report { id, report: boxed });
                }
                // As when the block has too many: the label outlives this drop.
                Err(_) => self.dropped += 1,
            }
        }
        if self.dropped > 0 {
            outbox.status.add_reports_dropped(self.dropped);
            self.dropped = 0;
        }
    }
}

/// One Synth's view of [`BlockReports`].
pub(crate) struct SynthReports<'b> {
    id: NodeId,
    block: &'b mut BlockReports,
}

impl Reports for SynthReports<'_> {
    fn report(&mut self, report: Report) {
        let block = &mut *self.block;
        if block.reports.len() < block.reports.capacity() {
            block.reports.push((self.id, report));
        } else {
            // The label is shared with the unit that made the report, which outlives this
            // call: dropping this reference never frees it.
            block.dropped += 1;
        }
    }
}
