//! Small helpers and limits shared by several SynthDefs.

use oscine_plugin_api::AudioOutputs;

/// Highest oscillator frequency a client may ask for, in Hz. Below Nyquist at 44.1 kHz, so
/// the band-limited oscillators always have at least their fundamental.
pub(crate) const MAX_FREQ: f32 = 20_000.0;

/// Highest gain or level a processing SynthDef accepts: +24 dB, room to boost a quiet input
/// without inviting accidental blasts.
pub(crate) const MAX_GAIN: f32 = 16.0;

/// Longest envelope segment or fade, in seconds.
pub(crate) const MAX_SEGMENT_SECONDS: f32 = 3_600.0;

/// Fastest a `sampler` plays, as a multiple of the buffer's own speed, either direction:
/// four octaves.
pub(crate) const MAX_RATE: f32 = 16.0;

/// Furthest into a buffer a `start` control reaches, in seconds: 2^32, past the end of the
/// longest buffer there can be (2^31 frames at 1 Hz), so every frame is within reach.
pub(crate) const MAX_BUFFER_SECONDS: f32 = 4_294_967_296.0;

/// Whether a switch control (`loop`, `run`) is on: any positive value, like a gate.
///
/// Context: RT.
pub(crate) fn is_on(value: f32) -> bool {
    value > 0.0
}

/// Writes zeros to every output. Used when the engine hands a Synth fewer controls than
/// its SynthDef declares, so that a bug there yields silence instead of a panic or stale
/// data on the audio thread.
///
/// Context: RT.
pub(crate) fn silence(outputs: &mut AudioOutputs<'_>) {
    for channel in outputs.channels() {
        channel.fill(0.0);
    }
}

/// A duration in seconds as the nearest whole number of frames. Negative and NaN durations
/// count as zero frames (the cast saturates), so no control value can make this misbehave.
///
/// Context: RT (once per call, never per sample).
pub(crate) fn frames_for(seconds: f32, sample_rate: f64) -> u64 {
    // Adding a half and truncating rounds non-negative values without a libm call (x86-64
    // has no rounding instruction before SSE4.1).
    (f64::from(seconds) * sample_rate + 0.5) as u64
}

/// The per-sample step of a 32-bit fixed-point phase (one cycle = 2^32) for `freq` Hz.
/// Wrapping the phase modulo one cycle is what makes a u32 accumulator wrap for free, and
/// the 2^-32 cycle resolution keeps frequency error far below audibility.
///
/// Context: RT (once per call, never per sample).
pub(crate) fn phase_increment(freq: f32, sample_rate: f64) -> u32 {
    phase_from_turns(f64::from(freq) / sample_rate)
}

/// A fraction of a cycle (either sign) as a 32-bit fixed-point phase, modulo a cycle,
/// truncated towards zero: an error under 2^-32 cycle, 1e-5 Hz as a step at 48 kHz.
///
/// Context: RT (once per call, never per sample).
pub(crate) fn phase_from_turns(turns: f64) -> u32 {
    const CYCLE: f64 = 4_294_967_296.0;
    // Two's complement wrapping from i64 to u32 is exactly the reduction modulo a cycle,
    // negative turns included, with no libm floor. The cast saturates rather than panics
    // on NaN or absurd values (never reached with clamped controls).
    (turns * CYCLE) as i64 as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_for_rounds_to_nearest_frame() {
        assert_eq!(frames_for(0.01, 48_000.0), 480);
        assert_eq!(frames_for(1.0, 44_100.0), 44_100);
        assert_eq!(frames_for(0.0, 48_000.0), 0);
        assert_eq!(frames_for(-1.0, 48_000.0), 0);
        assert_eq!(frames_for(f32::NAN, 48_000.0), 0);
        // 1.5 frames rounds away from zero.
        assert_eq!(frames_for(1.5 / 48_000.0, 48_000.0), 2);
    }

    #[test]
    fn phase_increment_is_cycle_fraction_of_two_to_the_32() {
        assert_eq!(phase_increment(12_000.0, 48_000.0), 1 << 30);
        assert_eq!(phase_increment(0.0, 48_000.0), 0);
        assert_eq!(phase_increment(48_000.0, 48_000.0), 0);
        // 440 Hz: 440 / 48000 * 2^32 = 39370533.55, truncated.
        assert_eq!(phase_increment(440.0, 48_000.0), 39_370_533);
        // Above the sample rate the phase wraps like the sampled signal does.
        assert_eq!(phase_increment(60_000.0, 48_000.0), 1 << 30);
    }

    #[test]
    fn phase_from_turns_wraps_negative_turns() {
        assert_eq!(phase_from_turns(-0.25), 3 << 30);
        assert_eq!(phase_from_turns(1.25), 1 << 30);
        assert_eq!(phase_from_turns(-0.2), (0.8 * 4_294_967_296.0_f64) as u32 + 1);
        assert_eq!(phase_from_turns(0.5), 1 << 31);
        assert_eq!(phase_from_turns(-1.0), 0);
        assert_eq!(phase_from_turns(f64::NAN), 0);
    }
}
