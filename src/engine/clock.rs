//! The sample clock: where each block starts in frames and in time, and timetags as frames.
//!
//! Context: RT: every function here runs on the audio thread, except `SampleClock::new`
//! (NRT, when the engine is built).

use super::Timetag;

/// How the engine maps timetags to frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClockMode {
    /// Realtime: timetags are NTP wall-clock times, followed through a delay-locked loop
    /// that estimates the device's real rate.
    #[default]
    Wall,
    /// Offline: timetags count seconds from the start of a score; frame = seconds × rate.
    Score,
}

/// Bandwidth of the delay-locked loop in Hz: low enough to average out the jitter of
/// blocks rendered in bursts (several per device callback), high enough to follow the
/// device's drift within seconds.
const DLL_BANDWIDTH: f64 = 0.5;

/// A wall-clock error beyond this resets the loop (a system clock step, a long stall).
const DLL_RESET_SECONDS: f64 = 0.5;

/// The engine's sample clock: where each block starts, in frames and in time, and how to
/// turn a timetag into a frame.
///
/// In [`ClockMode::Wall`] it runs Fons Adriaensen's second-order delay-locked loop ("Using
/// a DLL to filter time", 2005). The first block of each device callback is stamped with
/// the wall clock (blocks rendered back to back within a callback are recognised by their
/// stamps coming less than half a block apart, and only advance the prediction); the loop
/// filters the stamps into a smooth time for each block's start (`t0`) and a smooth block
/// period (`period`), whose ratio to the nominal period is the device's real rate. A
/// timetag `T` then lies `(T - t0) / period × block_size` frames after the block's start.
///
/// Context: RT (owned by the engine; no allocation).
#[derive(Debug, Clone)]
pub struct SampleClock {
    mode: ClockMode,
    sample_rate: f64,
    block_size: usize,
    frame: u64,
    t0: f64,
    t1: f64,
    period: f64,
    nominal_period: f64,
    last_stamp: f64,
    blocks_since_stamp: u32,
    origin: Timetag,
    started: bool,
}

impl SampleClock {
    /// A clock at frame 0. Context: NRT.
    pub fn new(mode: ClockMode, sample_rate: f64, block_size: usize) -> Self {
        let nominal_period = block_size as f64 / sample_rate;
        SampleClock {
            mode,
            sample_rate,
            block_size,
            frame: 0,
            t0: 0.0,
            t1: nominal_period,
            period: nominal_period,
            nominal_period,
            last_stamp: 0.0,
            blocks_since_stamp: 0,
            origin: Timetag(0),
            started: false,
        }
    }

    /// How this clock maps timetags.
    pub fn mode(&self) -> ClockMode {
        self.mode
    }

    /// The first frame of the current block.
    pub fn frame(&self) -> u64 {
        self.frame
    }

    /// The estimated sample rate (the nominal one in score mode).
    pub fn rate(&self) -> f64 {
        self.sample_rate * self.nominal_period / self.period
    }

    /// The time of the current block's start (NTP, or seconds into the score).
    #[cfg(test)]
    pub fn block_time(&self) -> Timetag {
        match self.mode {
            ClockMode::Score => Timetag::from_seconds(self.t0),
            ClockMode::Wall => Timetag(self.origin.0.wrapping_add((self.t0 * 4_294_967_296.0).round() as i64 as u64)),
        }
    }

    /// Seconds from the loop's origin to `time`, computed in fixed point so that the
    /// small differences the loop works with keep their precision.
    fn since_origin(&self, time: Timetag) -> f64 {
        (time.0 as i128 - self.origin.0 as i128) as f64 / 4_294_967_296.0
    }

    /// Starts a block: stamps it with the wall clock `now` (ignored in score mode).
    /// Context: RT.
    pub fn begin_block(&mut self, now: Timetag) {
        let wall = self.since_origin(now);
        match self.mode {
            ClockMode::Score => {
                self.t0 = self.frame as f64 / self.sample_rate;
            }
            ClockMode::Wall if !self.started || (wall - self.t1).abs() > DLL_RESET_SECONDS => {
                // Times are kept relative to this block's stamp: absolute NTP seconds in
                // an f64 would round each small step of the loop.
                self.started = true;
                self.origin = now;
                self.t0 = 0.0;
                self.period = self.nominal_period;
                self.t1 = self.period;
                self.last_stamp = 0.0;
                self.blocks_since_stamp = 0;
            }
            // A block rendered right after the previous one, in the same device callback:
            // its wall time says nothing about when its frames play, so only the loop's
            // prediction advances.
            ClockMode::Wall if wall - self.last_stamp < 0.5 * self.nominal_period => {
                self.t0 = self.t1;
                self.t1 += self.period;
                self.blocks_since_stamp += 1;
            }
            ClockMode::Wall => {
                // The first block of a callback: correct the loop with its stamp. The loop
                // runs once per callback, so its gains follow the callback's length.
                let n = (self.blocks_since_stamp + 1) as f64;
                let omega = 2.0 * std::f64::consts::PI * DLL_BANDWIDTH * n * self.nominal_period;
                let (b, c) = (std::f64::consts::SQRT_2 * omega, omega * omega);
                let e = wall - self.t1;
                self.t0 = self.t1;
                self.t1 += b * e + self.period;
                self.period += c * e / n;
                self.last_stamp = wall;
                self.blocks_since_stamp = 0;
            }
        }
    }

    /// Ends a block: the next one starts `block_size` frames later, at the time the loop
    /// predicts, so timetags map consistently between blocks too. Context: RT.
    pub fn end_block(&mut self) {
        self.frame += self.block_size as u64;
        self.t0 = match self.mode {
            ClockMode::Score => self.frame as f64 / self.sample_rate,
            ClockMode::Wall => self.t1,
        };
    }

    /// The frame a timetag names (rounded to the nearest frame; negative before the
    /// clock's start), or `None` for "immediately". Context: RT.
    pub fn frame_of(&self, time: Timetag) -> Option<i64> {
        if time.is_immediate() {
            return None;
        }
        let frame = match self.mode {
            ClockMode::Score => time.seconds() * self.sample_rate,
            ClockMode::Wall => {
                self.frame as f64 + (self.since_origin(time) - self.t0) * self.block_size as f64 / self.period
            }
        };
        Some(frame.round() as i64)
    }

    /// Seconds between the current block's start and `frame`, at the estimated rate.
    pub fn seconds_until(&self, frame: i64) -> f64 {
        (frame as f64 - self.frame as f64) / self.rate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn score_mode_maps_seconds_to_exact_frames() {
        let mut c = SampleClock::new(ClockMode::Score, 48_000.0, 64);
        c.begin_block(Timetag(0));
        assert_eq!(c.frame_of(Timetag::from_seconds(0.5)), Some(24_000));
        assert_eq!(c.frame_of(Timetag::IMMEDIATE), None);
        for _ in 0..10 {
            c.end_block();
            c.begin_block(Timetag(0));
        }
        assert_eq!(c.frame(), 640);
        assert_eq!(c.frame_of(Timetag::from_seconds(1.0 / 48_000.0)), Some(1));
    }

    #[test]
    fn the_loop_follows_a_device_running_fast_despite_bursty_stamps() {
        // A device at 48,048 Hz (0.1% fast), rendering four blocks per callback: the four
        // stamps of a callback come within microseconds of each other.
        let true_rate = 48_048.0;
        let mut c = SampleClock::new(ClockMode::Wall, 48_000.0, 64);
        let start = 3_900_000_000.0;
        for block in 0..(20 * 750u64) {
            let callback = block / 4;
            let wall = start + (callback * 256) as f64 / true_rate + (block % 4) as f64 * 2e-6;
            c.begin_block(Timetag::from_seconds(wall));
            c.end_block();
        }
        assert!((c.rate() - true_rate).abs() < 1.0, "estimated {}", c.rate());
        // A time 50 ms ahead maps to 50 ms of frames at the true rate, within a frame.
        let later = Timetag(c.block_time().0 + (0.05 * 4_294_967_296.0) as u64);
        let ahead = c.frame_of(later).unwrap() - c.frame() as i64;
        assert!((ahead as f64 - 0.05 * true_rate).abs() <= 1.0, "{ahead}");
    }

    #[test]
    fn a_clock_step_resets_the_loop() {
        let mut c = SampleClock::new(ClockMode::Wall, 48_000.0, 64);
        c.begin_block(Timetag::from_seconds(1000.0));
        c.end_block();
        c.begin_block(Timetag::from_seconds(2000.0));
        assert_eq!(c.block_time(), Timetag::from_seconds(2000.0));
        assert_eq!(c.rate(), 48_000.0);
    }
}
