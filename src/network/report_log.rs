//! Synths' reports in the server's log (a graph Synth's `Poll`), at a bounded rate.
//!
//! Context: NRT (the network thread).

use std::time::{Duration, Instant};

use oscine_plugin_api::{Report, ReportKind};

use crate::engine::{NodeId, MAX_REPORTS_PER_BLOCK};

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
    /// The engine's count of lost reports when it was last logged, and when that was.
    lost_logged: (u64, Option<Instant>),
}

impl ReportLog {
    pub(crate) fn new() -> Self {
        ReportLog { window: Instant::now(), logged: 0, suppressed: 0, lost_logged: (0, None) }
    }

    /// Logs how many reports the engine lost (its count, `total`, since the start) since
    /// the last time, at most once a second.
    pub(crate) fn lost(&mut self, total: u64) {
        self.lost_at(Instant::now(), total);
    }

    fn lost_at(&mut self, now: Instant, total: u64) -> bool {
        let (logged, at) = self.lost_logged;
        if total <= logged || at.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
            return false;
        }
        tracing::warn!(
            "{} reports (Poll, SendTrig, SendReply, SendPeakRMS) lost: more than {MAX_REPORTS_PER_BLOCK} in one block",
            total - logged
        );
        self.lost_logged = (total, Some(now));
        true
    }

    /// Logs Synth `id`'s report if it is a `Poll`'s, unless this second's lines are used
    /// up.
    pub(crate) fn log(&mut self, id: NodeId, report: &Report) {
        self.log_at(Instant::now(), id, report);
    }

    fn log_at(&mut self, now: Instant, id: NodeId, report: &Report) -> bool {
        let ReportKind::Poll { label } = &report.kind else {
            return false;
        };
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
        tracing::info!(target: "oscine::poll", node = id, "{label}: {}", Significant(report.values.first()));
        true
    }
}

/// A value with six significant digits and no trailing zeros, as C's `%g` prints it (and
/// scsynth prints `Poll`'s values): `0.0133333`, `1e+06`, `-2.5e-05`.
struct Significant(f32);

impl std::fmt::Display for Significant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = f64::from(self.0);
        if !v.is_finite() {
            return f.write_str(if v.is_nan() {
                "nan"
            } else if v > 0.0 {
                "inf"
            } else {
                "-inf"
            });
        }
        if v == 0.0 {
            return f.write_str(if v.is_sign_negative() { "-0" } else { "0" });
        }
        // The exponent after rounding to six digits.
        let scientific = format!("{v:.5e}");
        let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let trim = |s: &str| -> String {
            if s.contains('.') {
                s.trim_end_matches('0').trim_end_matches('.').to_owned()
            } else {
                s.to_owned()
            }
        };
        if !(-4..6).contains(&exponent) {
            let sign = if exponent < 0 { '-' } else { '+' };
            write!(f, "{}e{sign}{:02}", trim(mantissa), exponent.abs())
        } else {
            let decimals = (5 - exponent).max(0) as usize;
            f.write_str(&trim(&format!("{v:.decimals$}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::ReportValues;

    #[test]
    fn lost_reports_are_logged_at_most_once_a_second_with_what_was_lost_meanwhile() {
        let mut log = ReportLog::new();
        let start = log.window;
        assert!(!log.lost_at(start, 0));
        assert!(log.lost_at(start, 5));
        assert!(!log.lost_at(start + Duration::from_millis(500), 9));
        assert!(log.lost_at(start + Duration::from_secs(1), 9));
        assert_eq!(log.lost_logged.0, 9);
    }

    #[test]
    fn values_are_written_as_printf_g_writes_them() {
        let cases = [
            (0.013333334, "0.0133333"),
            (0.22666667, "0.226667"),
            (0.0, "0"),
            (1.0, "1"),
            (-0.872495, "-0.872495"),
            (1e6, "1e+06"),
            (123456.7, "123457"),
            (-2.5e-5, "-2.5e-05"),
            (0.0001, "0.0001"),
            (f32::INFINITY, "inf"),
        ];
        for (value, text) in cases {
            assert_eq!(Significant(value).to_string(), text, "{value}");
        }
    }

    #[test]
    fn lines_beyond_the_rate_are_counted_and_the_count_logged_with_the_next_second() {
        let mut log = ReportLog::new();
        let report = Report { kind: ReportKind::Poll { label: "x".into() }, id: -1, values: ReportValues::one(1.0) };
        let start = log.window;
        let logged = (0..REPORT_LINES_PER_SECOND + 7).filter(|_| log.log_at(start, 1000, &report)).count();
        assert_eq!(logged, REPORT_LINES_PER_SECOND as usize);
        assert_eq!(log.suppressed, 7);
        assert!(log.log_at(start + Duration::from_secs(1), 1000, &report));
        assert_eq!(log.suppressed, 0);
    }
}
