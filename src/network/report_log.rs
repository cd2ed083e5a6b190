//! Synths' reports (a graph Synth's `Poll`) in the server's log, at a bounded rate.
//!
//! Context: NRT (the network thread).

use std::time::{Duration, Instant};

use oscine_plugin_api::Report;

use crate::engine::NodeId;

/// The most report lines logged in one second; the rest are counted, and the count is
/// logged when the next second's first line is.
pub const REPORT_LINES_PER_SECOND: u32 = 50;

/// Logs reports as scsynth prints `Poll`'s, `label: value`, at most
/// [`REPORT_LINES_PER_SECOND`] a second.
#[derive(Debug)]
pub(crate) struct ReportLog {
    window: Instant,
    logged: u32,
    suppressed: u64,
}

impl ReportLog {
    pub(crate) fn new() -> Self {
        ReportLog { window: Instant::now(), logged: 0, suppressed: 0 }
    }

    /// Logs Synth `id`'s report, unless this second's lines are used up.
    pub(crate) fn log(&mut self, id: NodeId, report: &Report) {
        self.log_at(Instant::now(), id, report);
    }

    fn log_at(&mut self, now: Instant, id: NodeId, report: &Report) -> bool {
        if now.duration_since(self.window) >= Duration::from_secs(1) {
            self.window = now;
            self.logged = 0;
            if self.suppressed > 0 {
                tracing::warn!(
                    "{} Poll lines not logged: more than {REPORT_LINES_PER_SECOND} a second",
                    self.suppressed
                );
                self.suppressed = 0;
            }
        }
        if self.logged >= REPORT_LINES_PER_SECOND {
            self.suppressed += 1;
            return false;
        }
        self.logged += 1;
        let label = report.label.as_deref().unwrap_or("");
        tracing::info!(target: "oscine::poll", node = id, "{label}: {}", report.value);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_beyond_the_rate_are_counted_and_the_count_logged_with_the_next_second() {
        let mut log = ReportLog::new();
        let report = Report { label: Some("x".into()), trigger_id: -1, value: 1.0 };
        let start = log.window;
        let logged = (0..REPORT_LINES_PER_SECOND + 7).filter(|_| log.log_at(start, 1000, &report)).count();
        assert_eq!(logged, REPORT_LINES_PER_SECOND as usize);
        assert_eq!(log.suppressed, 7);
        assert!(log.log_at(start + Duration::from_secs(1), 1000, &report));
        assert_eq!(log.suppressed, 0);
    }
}
