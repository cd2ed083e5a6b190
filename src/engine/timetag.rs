//! OSC timetags.
//!
//! Context: any: every function here is arithmetic on a `u64`, and `Timetag::now` reads
//! the system clock (marked).

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// An OSC timetag: NTP time, 32 bits of seconds and 32 bits of fraction.
///
/// In a realtime server it names an absolute time; in an offline score, seconds from the
/// start of the score. The value `(0, 1)` means "immediately".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timetag(pub u64);

impl Timetag {
    /// "Immediately".
    pub const IMMEDIATE: Timetag = Timetag(1);

    /// A timetag from its two wire halves.
    pub fn from_parts(seconds: u32, fraction: u32) -> Self {
        Timetag(((seconds as u64) << 32) | fraction as u64)
    }

    /// The wire halves (seconds, fraction).
    pub fn parts(self) -> (u32, u32) {
        ((self.0 >> 32) as u32, self.0 as u32)
    }

    /// Whether this is the "immediately" timetag.
    pub fn is_immediate(self) -> bool {
        self.0 == 1
    }

    /// The time as seconds since the epoch it counts from (NTP's 1900, or a score's start).
    pub fn seconds(self) -> f64 {
        (self.0 >> 32) as f64 + (self.0 & 0xffff_ffff) as f64 / 4_294_967_296.0
    }

    /// A timetag `seconds` after its epoch (negative values clamp to 0).
    pub fn from_seconds(seconds: f64) -> Self {
        let s = seconds.max(0.0);
        let whole = s.floor();
        let fraction = ((s - whole) * 4_294_967_296.0).round().min(4_294_967_295.0);
        Timetag(((whole as u64) << 32) | fraction as u64)
    }

    /// The current wall-clock time as an NTP timetag. Context: any (reads the system
    /// clock through the vDSO on Linux: no system call, no allocation).
    pub fn now() -> Self {
        let since_unix = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let seconds = since_unix.as_secs() + NTP_UNIX_OFFSET;
        let fraction = ((since_unix.subsec_nanos() as u64) << 32) / 1_000_000_000;
        Timetag((seconds << 32) | fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_trip_and_parts() {
        let t = Timetag::from_seconds(1.25);
        assert_eq!(t.parts(), (1, 1 << 30));
        assert_eq!(t.seconds(), 1.25);
        assert_eq!(Timetag::from_parts(3, 0).seconds(), 3.0);
        assert!(Timetag::IMMEDIATE.is_immediate());
        // Now is after 2020 and before 2100 in NTP seconds.
        let now = Timetag::now().seconds();
        assert!(now > 3_786_825_600.0 && now < 6_311_433_600.0, "{now}");
    }
}
