//! What the filters share: reading a signal input frame by frame, and moving coefficients
//! across a call when a control input changes.
//!
//! Measured against scsynth's output: an audio-rate filter whose frequency (or Q, or
//! any input its coefficients come from) changes between blocks computes its new
//! coefficients once, at the start of the block, and steps its coefficients from the old
//! values to the new ones in ⌊frames / 3⌋ equal steps, one every three frames, the
//! frames after the last whole group of three using the new values (with 64-frame
//! blocks: 21 steps, the last frame at the new values). A control-rate filter uses the
//! new coefficients at once. Coefficients are computed from the inputs' values when the
//! Synth starts, so the first block is not ramped.
//!
//! Context: RT.

/// Input `values` at frame `i` of a call: an audio-rate input frame by frame, any other
/// held (its one value).
#[inline(always)]
pub(crate) fn at(values: &[f32], i: usize) -> f32 {
    if values.len() > 1 {
        values[i]
    } else {
        values[0]
    }
}

/// Calls `f(frame, coefficients)` for each of `frames` frames while `coefs` steps from
/// its old values to `new` (see the module's documentation); leaves `coefs` at `new`.
#[inline(always)]
pub(crate) fn ramp<const N: usize>(
    coefs: &mut [f64; N],
    new: [f64; N],
    frames: usize,
    mut f: impl FnMut(usize, &[f64; N]),
) {
    let groups = frames / 3;
    if groups == 0 {
        *coefs = new;
        for i in 0..frames {
            f(i, coefs);
        }
        return;
    }
    let mut slope = [0.0; N];
    for k in 0..N {
        slope[k] = (new[k] - coefs[k]) / groups as f64;
    }
    let mut c = *coefs;
    for g in 0..groups {
        for j in 0..3 {
            f(3 * g + j, &c);
        }
        for k in 0..N {
            c[k] += slope[k];
        }
    }
    for i in 3 * groups..frames {
        f(i, &c);
    }
    *coefs = new;
}

/// A filter's state as it is kept between calls: values too small to matter (at most
/// 1e-15, which keeps denormals out of the recurrence), absurdly large (1e15 or more) or
/// NaN become 0, so that silence costs no more than sound and one bad input frame does
/// not poison the filter for good.
pub(crate) trait Zap {
    /// Zeroes the values out of range.
    fn zap(&mut self);
}

impl Zap for f64 {
    #[inline(always)]
    fn zap(&mut self) {
        let a = self.abs();
        if !(a > 1e-15 && a < 1e15) {
            *self = 0.0;
        }
    }
}

impl<T: Zap, const N: usize> Zap for [T; N] {
    #[inline(always)]
    fn zap(&mut self) {
        for x in self {
            x.zap();
        }
    }
}

/// How a filter's coefficients move across a call from their old values to new ones,
/// when the inputs they come from change. scsynth's filters differ, and each is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Glide {
    /// In ⌊frames / 3⌋ equal steps, one every three frames, the last frames at the new
    /// values; a call of one or two frames uses the new values.
    Thirds,
    /// Frame `i` at `old + (new - old) · i / frames`: the new values are reached at the
    /// next call (a control-rate filter uses the old ones for this call).
    FromOld,
    /// Frame `i` at `old + (new - old) · (i + 1) / frames`: the new values are reached at
    /// the call's last frame (a control-rate filter uses them at once).
    ToNew,
}

/// Calls `f(frame, coefficients)` for each of `frames` frames while `coefs` moves from
/// its old values to `new` as `glide` says; leaves `coefs` at `new`.
#[inline(always)]
pub(crate) fn glide<const N: usize>(
    glide: Glide,
    coefs: &mut [f64; N],
    new: [f64; N],
    frames: usize,
    mut f: impl FnMut(usize, &[f64; N]),
) {
    if glide == Glide::Thirds {
        ramp(coefs, new, frames, f);
        return;
    }
    let mut slope = [0.0; N];
    for k in 0..N {
        slope[k] = (new[k] - coefs[k]) / frames as f64;
    }
    let mut c = *coefs;
    if glide == Glide::ToNew {
        for k in 0..N {
            c[k] += slope[k];
        }
    }
    for i in 0..frames {
        f(i, &c);
        for k in 0..N {
            c[k] += slope[k];
        }
    }
    *coefs = new;
}

/// A filter of one signal input (input 0) and up to four control inputs after it, whose
/// coefficients (up to four) come from the controls alone.
pub(crate) trait Recurrence: Send + Sync + 'static {
    /// Control inputs after the signal.
    const CONTROLS: usize;
    /// Whether audio-rate control inputs are read every frame (their coefficients
    /// computed every frame) rather than once a call.
    const AUDIO_CONTROLS: bool = false;
    /// What the filter remembers between frames.
    type State: Copy + Send + Zap + 'static;
    /// How the coefficients move when the controls change, at audio rate (`audio`) or
    /// control rate.
    fn glide(audio: bool) -> Glide;
    /// The coefficients for `controls`, at `steps` frames per second.
    fn coefs(controls: [f32; 4], steps: f64) -> [f64; 4];
    /// The coefficients for one frame's values of audio-rate controls (with
    /// [`AUDIO_CONTROLS`](Self::AUDIO_CONTROLS)).
    fn frame_coefs(controls: [f32; 4], steps: f64) -> [f64; 4] {
        Self::coefs(controls, steps)
    }
    /// The state when the Synth starts, from the first input frame, and the output
    /// written then (for the units after this one to start from).
    fn start(x0: f64, coefs: &[f64; 4]) -> (Self::State, f64);
    /// One frame.
    fn tick(coefs: &[f64; 4], x: f64, state: &mut Self::State) -> f64;
    /// A call's frames at coefficients that hold still: `input` is a value a frame, or one
    /// value held. Frame by frame unless the filter knows a faster way to the same values.
    #[inline(always)]
    fn run(coefs: &[f64; 4], input: &[f32], out: &mut [f32], state: &mut Self::State) {
        for (i, o) in out.iter_mut().enumerate() {
            *o = Self::tick(coefs, f64::from(at(input, i)), state) as f32;
        }
    }
}

/// [`Recurrence::run`] for a two-pole filter `R` whose frame computes `y0 = g·x + p·y1 +
/// q·y2` (`poles`) and outputs `output(y0, y1, y2)`, at coefficients `coefs` that hold
/// still, from `y` (`[y1, y2]`, left at the last two frames' values). A held input runs
/// frame by frame through `R::tick`; an audio-rate one four frames at a time, the frames
/// after the last whole four through `R::tick`.
///
/// Frame by frame, each `y0` waits for the one before: a multiply and two adds in a row,
/// frame after frame. Here the four `y0`s of a group come straight from the two values
/// before the group, with the recurrence unrolled into their coefficients
/// (`y[n+k] = C[k]·y[n-1] + D[k]·y[n-2] + Σ H[k-j]·x[n+j]`), so the chain from group to
/// group is a multiply and two adds for four frames, and the rest runs beside it. The
/// values are the recurrence's, rounded in another order: in `f64`, which puts the
/// difference far below the `f32` the output is kept in.
#[inline(always)]
pub(crate) fn run_two_poles<R: Recurrence<State = [f64; 2]>>(
    coefs: &[f64; 4],
    (g, p, q): (f64, f64, f64),
    input: &[f32],
    out: &mut [f32],
    y: &mut [f64; 2],
    output: impl Fn(f64, f64, f64) -> f64,
) {
    if input.len() != out.len() {
        for (i, o) in out.iter_mut().enumerate() {
            *o = R::tick(coefs, f64::from(at(input, i)), y) as f32;
        }
        return;
    }
    let (mut cs, mut ds, mut hs) = ([0.0; 4], [0.0; 4], [0.0; 4]);
    // `C`, `D` and `H` all follow the recurrence `r[k] = p·r[k-1] + q·r[k-2]`, from
    // `y[n-1]`'s own (1, 0), `y[n-2]`'s (0, 1) and the input's (g, then none before it).
    let (mut c1, mut c2, mut d1, mut d2, mut h1, mut h2) = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    for k in 0..4 {
        cs[k] = p * c1 + q * c2;
        ds[k] = p * d1 + q * d2;
        hs[k] = if k == 0 { g } else { p * h1 + q * h2 };
        (c2, c1, d2, d1, h2, h1) = (c1, cs[k], d1, ds[k], h1, hs[k]);
    }
    let [mut a, mut b] = *y;
    let mut ins = input.chunks_exact(4);
    let mut outs = out.chunks_exact_mut(4);
    for (x, o) in (&mut ins).zip(&mut outs) {
        let x = [f64::from(x[0]), f64::from(x[1]), f64::from(x[2]), f64::from(x[3])];
        let y0 = cs[0] * a + (ds[0] * b + hs[0] * x[0]);
        let y1 = cs[1] * a + (ds[1] * b + (hs[0] * x[1] + hs[1] * x[0]));
        let y2 = cs[2] * a + (ds[2] * b + (hs[0] * x[2] + hs[1] * x[1] + hs[2] * x[0]));
        let y3 = cs[3] * a + (ds[3] * b + (hs[0] * x[3] + hs[1] * x[2] + hs[2] * x[1] + hs[3] * x[0]));
        o[0] = output(y0, a, b) as f32;
        o[1] = output(y1, y0, a) as f32;
        o[2] = output(y2, y1, y0) as f32;
        o[3] = output(y3, y2, y1) as f32;
        (a, b) = (y3, y2);
    }
    *y = [a, b];
    for (x, o) in ins.remainder().iter().zip(outs.into_remainder()) {
        *o = R::tick(coefs, f64::from(*x), y) as f32;
    }
}

/// The UGen of one [`Recurrence`], at audio or control rate.
pub(crate) struct Filter<R>(std::marker::PhantomData<fn() -> R>);

impl<R> Default for Filter<R> {
    fn default() -> Self {
        Filter(std::marker::PhantomData)
    }
}

pub(crate) struct FilterUnit<R: Recurrence> {
    steps: f64,
    /// Whether some control input is read every frame.
    audio_controls: bool,
    glide: Glide,
    controls: [f32; 4],
    coefs: [f64; 4],
    state: R::State,
}

impl<R: Recurrence> oscine_plugin_api::UGen for Filter<R> {
    type Unit = FilterUnit<R>;
    fn build(&self, spec: &oscine_plugin_api::UnitSpec<'_>) -> Result<FilterUnit<R>, oscine_plugin_api::PluginError> {
        use oscine_plugin_api::Rate;
        super::expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        super::expect_inputs(spec, 1 + R::CONTROLS, 1 + R::CONTROLS)?;
        super::expect_outputs(spec, 1)?;
        let audio = spec.rate == Rate::Audio;
        Ok(FilterUnit {
            steps: if audio { spec.sample_rate } else { spec.sample_rate / spec.block_size as f64 },
            glide: R::glide(audio),
            audio_controls: audio && R::AUDIO_CONTROLS && (1..=R::CONTROLS).any(|i| spec.input_rate(i) == Rate::Audio),
            controls: [0.0; 4],
            coefs: [0.0; 4],
            state: R::start(0.0, &[0.0; 4]).0,
        })
    }
}

impl<R: Recurrence> FilterUnit<R> {
    fn controls(io: &oscine_plugin_api::UnitIo<'_, '_>) -> [f32; 4] {
        let mut controls = [0.0; 4];
        for (k, c) in controls.iter_mut().enumerate().take(R::CONTROLS) {
            *c = io.in0(1 + k);
        }
        controls
    }
}

impl<R: Recurrence> FilterUnit<R> {
    /// A call with the coefficients computed every frame from the controls' values then.
    fn next_audio_controls(&mut self, io: &mut oscine_plugin_api::UnitIo<'_, '_>) {
        let input = io.input(0);
        let mut controls: [&[f32]; 4] = [&[0.0]; 4];
        for (k, c) in controls.iter_mut().enumerate().take(R::CONTROLS) {
            *c = io.input(1 + k);
        }
        let mut state = self.state;
        for (i, out) in io.output(0).iter_mut().enumerate() {
            let values = controls.map(|c| at(c, i));
            let coefs = R::frame_coefs(values, self.steps);
            *out = R::tick(&coefs, f64::from(at(input, i)), &mut state) as f32;
        }
        state.zap();
        self.state = state;
        self.controls = Self::controls(io);
        self.coefs = R::coefs(self.controls, self.steps);
    }
}

impl<R: Recurrence> oscine_plugin_api::Unit for FilterUnit<R> {
    fn init(&mut self, io: &mut oscine_plugin_api::UnitIo<'_, '_>) {
        self.controls = Self::controls(io);
        self.coefs = R::coefs(self.controls, self.steps);
        let x0 = f64::from(io.in0(0));
        let (state, out) = R::start(x0, &self.coefs);
        self.state = state;
        io.output(0)[0] = out as f32;
    }

    fn next(&mut self, io: &mut oscine_plugin_api::UnitIo<'_, '_>) {
        if self.audio_controls {
            self.next_audio_controls(io);
            return;
        }
        let input = io.input(0);
        let controls = Self::controls(io);
        let mut state = self.state;
        let out = io.output(0);
        let frames = out.len();
        if controls != self.controls {
            self.controls = controls;
            let tick = |i: usize, c: &[f64; 4]| {
                out[i] = R::tick(c, f64::from(at(input, i)), &mut state) as f32;
            };
            glide(self.glide, &mut self.coefs, R::coefs(controls, self.steps), frames, tick);
        } else {
            R::run(&self.coefs, input, out, &mut state);
        }
        state.zap();
        self.state = state;
    }
}

#[cfg(test)]
mod tests {
    use super::{glide, Glide};

    fn schedule(kind: Glide, frames: usize) -> Vec<f64> {
        let mut coefs = [0.0];
        let mut seen = vec![f64::NAN; frames];
        glide(kind, &mut coefs, [1.0], frames, |i, c| seen[i] = c[0]);
        assert_eq!(coefs, [1.0]);
        seen
    }

    #[test]
    fn thirds_step_every_three_frames_and_end_at_the_new_values() {
        let c = schedule(Glide::Thirds, 64);
        assert_eq!(&c[..3], &[0.0; 3]);
        assert!((c[3] - 1.0 / 21.0).abs() < 1e-12);
        assert!((c[62] - 20.0 / 21.0).abs() < 1e-12);
        assert!((c[63] - 1.0).abs() < 1e-12);
        assert_eq!(schedule(Glide::Thirds, 2), [1.0, 1.0]);
    }

    #[test]
    fn linear_glides_start_at_the_old_values_or_end_at_the_new_ones() {
        let from = schedule(Glide::FromOld, 64);
        assert_eq!(from[0], 0.0);
        assert!((from[63] - 63.0 / 64.0).abs() < 1e-12);
        let to = schedule(Glide::ToNew, 64);
        assert!((to[0] - 1.0 / 64.0).abs() < 1e-12);
        assert!((to[63] - 1.0).abs() < 1e-12);
        // At control rate (one frame a call): the old values, or the new ones.
        assert_eq!(schedule(Glide::FromOld, 1), [0.0]);
        assert_eq!(schedule(Glide::ToNew, 1), [1.0]);
    }
}

#[cfg(test)]
mod zap_tests {
    use oscine_plugin_api::Rate;

    use super::super::simple_filter::OnePole;
    use super::super::testing::{held_inputs, Runner};
    use super::Filter;

    #[test]
    fn a_filter_recovers_from_a_nan_input_at_the_next_call() {
        let ugen = Filter::<OnePole>::default();
        let inputs = held_inputs(&[Rate::Audio, Rate::Scalar], &[f32::NAN, 0.5]);
        let mut filter = Runner::new(&ugen, Rate::Audio, 0, &inputs).unwrap();
        filter.init();
        assert!(filter.next(64).0.iter().all(|x| x.is_nan()));
        filter.set(0, 1.0);
        let (out, _) = filter.next(64);
        assert!(out.iter().all(|x| x.is_finite()), "{out:?}");
        assert_eq!(out[0], 0.5);
    }

    #[test]
    fn a_decayed_state_becomes_zero_rather_than_denormal() {
        let ugen = Filter::<OnePole>::default();
        let inputs = held_inputs(&[Rate::Audio, Rate::Scalar], &[1.0, 0.5]);
        let mut filter = Runner::new(&ugen, Rate::Audio, 0, &inputs).unwrap();
        filter.init();
        filter.next(64);
        filter.set(0, 0.0);
        // 0.5^64 per call: below 1e-15 after the first silent call.
        filter.next(64);
        assert!(filter.next(64).0.iter().all(|&x| x == 0.0));
    }
}

#[cfg(test)]
mod four_at_a_time_tests {
    use super::super::biquad::{Biquad, Bpf, Brf, Hpf, Lpf, Rhpf, Rlpf};
    use super::super::resonator::{Resonz, Ringz};
    use super::Recurrence;

    /// A noisy input with a step in it, the same every run.
    fn input(len: usize) -> Vec<f32> {
        let mut seed = 0x1234_5678_u32;
        (0..len)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (seed >> 8) as f32 / (1 << 24) as f32 - 0.5 + if i > len / 2 { 0.75 } else { 0.0 }
            })
            .collect()
    }

    /// `R::run`, four frames at a time, against `R::tick` frame by frame, as scsynth runs,
    /// for frequencies from 20 Hz to near Nyquist and each of `seconds` (the second
    /// control: `rq`, or a decay time).
    fn agrees<R: Recurrence<State = [f64; 2]>>(name: &str, seconds: &[f32]) {
        for freq in [20.0, 440.0, 2000.0, 12_000.0, 23_000.0] {
            for &s in seconds {
                let c = R::coefs([freq, s, 0.0, 0.0], 48_000.0);
                let (mut fast, mut slow) = ([0.0; 2], [0.0; 2]);
                let mut worst: f32 = 0.0;
                // Calls of a whole block, and calls that leave frames after the last four.
                for len in [64, 64, 61, 3, 64, 7, 64] {
                    let x = input(len);
                    let mut out = vec![0.0; len];
                    R::run(&c, &x, &mut out, &mut fast);
                    for (&x, &o) in x.iter().zip(&out) {
                        let want = R::tick(&c, f64::from(x), &mut slow) as f32;
                        worst = worst.max((o - want).abs() / want.abs().max(1.0));
                    }
                }
                assert!(worst <= 1e-6, "{name} at {freq} Hz, {s}: {worst:e}");
                for (a, b) in fast.iter().zip(&slow) {
                    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{name} state {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn four_frames_at_a_time_give_the_frame_by_frame_values() {
        let rqs = [1.0, 0.3, 0.05, 2.0];
        agrees::<Biquad<Lpf>>("LPF", &rqs);
        agrees::<Biquad<Hpf>>("HPF", &rqs);
        agrees::<Biquad<Bpf>>("BPF", &rqs);
        agrees::<Biquad<Brf>>("BRF", &rqs);
        agrees::<Biquad<Rlpf>>("RLPF", &rqs);
        agrees::<Biquad<Rhpf>>("RHPF", &rqs);
        agrees::<Resonz>("Resonz", &[1.0, 0.1, 0.002]);
        agrees::<Ringz>("Ringz", &[0.01, 0.5, 4.0]);
    }
}
