//! The boxes Synths' reports travel in: the network side makes them and keeps a queue of
//! empty ones full, the audio thread fills one per report and sends it in its event. An
//! event then carries a pointer instead of a report's values, so every slot of the event
//! queue (an `/ack`'s too) is a fifth of the size.
//!
//! Context: `ReportBoxSupply` NRT (the network thread, or whoever reads the events); the
//! audio thread's end is a plain `Consumer`, popped in `BlockReports::send`.

use oscine_plugin_api::{Report, ReportKind, ReportValues};
use rtrb::{Consumer, Producer, RingBuffer};

use super::block_reports::MAX_REPORTS_PER_BLOCK;

/// Empty boxes waiting for the audio thread: four blocks' worth of reports.
pub const REPORT_BOXES: usize = 4 * MAX_REPORTS_PER_BLOCK;

/// The network side's end: puts empty boxes in the queue as the audio thread takes them.
///
/// Context: NRT.
pub struct ReportBoxSupply {
    boxes: Producer<Box<Report>>,
}

impl ReportBoxSupply {
    /// Fills the queue again. Cheap when it is full.
    pub fn refill(&mut self) {
        while self.boxes.slots() > 0 {
            // An empty report holds nothing on the heap: the audio thread's write over it
            // frees nothing.
            let empty = Report { kind: ReportKind::Trigger, id: -1, values: ReportValues::one(0.0) };
            if self.boxes.push(Box::new(empty)).is_err() {
                break;
            }
        }
    }
}

/// A full queue of empty boxes: the supply's end, and the audio thread's.
///
/// Context: NRT (when the engine is built).
pub(crate) fn report_boxes() -> (ReportBoxSupply, Consumer<Box<Report>>) {
    let (boxes, taken) = RingBuffer::new(REPORT_BOXES);
    let mut supply = ReportBoxSupply { boxes };
    supply.refill();
    (supply, taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_starts_full_of_empty_boxes_and_refills_what_was_taken() {
        let (mut supply, mut taken) = report_boxes();
        assert_eq!(taken.slots(), REPORT_BOXES);
        for _ in 0..3 {
            let boxed = taken.pop().expect("a box");
            assert_eq!(boxed.kind, ReportKind::Trigger, "empty: nothing on the heap to free");
        }
        assert_eq!(taken.slots(), REPORT_BOXES - 3);
        supply.refill();
        assert_eq!(taken.slots(), REPORT_BOXES);
        supply.refill();
        assert_eq!(taken.slots(), REPORT_BOXES, "a full queue takes no more");
    }
}
