//! The UGens that send clients messages: `SendTrig` (`/tr node id value`), `SendReply`
//! (`cmdName node replyID values...`) and `SendPeakRMS` (`cmdName node replyID peak rms
//! ...`, a level meter's reading). A unit makes a [`Report`]; the server sends it to the
//! clients that asked for notifications. sclang's graphs give them no output; a graph that
//! gives one (supriya's) gets 0 there.
//!
//! Inputs as sclang writes them:
//! - `SendTrig`: trigger, id, value.
//! - `SendReply`: trigger, reply id, the address's length and characters, the values.
//! - `SendPeakRMS`: replies per second, peak lag (seconds), reply id, channel count, the
//!   channels, the address's length and characters.
//!
//! A trigger fires on a rise from 0 or below to above 0, read frame by frame at audio
//! rate and once a block at control rate; the values are read at the frame it fires.

use std::sync::Arc;

use oscine_plugin_api::{
    PluginError, Rate, Registrar, Report, ReportKind, ReportValues, UGen, UGenTable, Unit, UnitIo, UnitSpec,
    MAX_REPORT_VALUES,
};

use super::constant_text::text;
use super::signal::frame;
use super::{expect_inputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("SendTrig", SendTrig));
    registrar.register_ugen(UGenTable::new("SendReply", SendReply));
    registrar.register_ugen(UGenTable::new("SendPeakRMS", SendPeakRms));
}

/// Rising edges of a trigger input: from 0 or below to above 0.
#[derive(Default)]
struct Edge {
    prev: f32,
}

impl Edge {
    fn rises(&mut self, value: f32) -> bool {
        let rises = self.prev <= 0.0 && value > 0.0;
        self.prev = value;
        rises
    }
}

/// Refuses a spec with more than one output (see the module's documentation).
fn expect_no_output(spec: &UnitSpec<'_>) -> Result<(), PluginError> {
    if spec.outputs.len() > 1 {
        return Err(PluginError::new(format!("{} has no output, got {}", spec.name, spec.outputs.len())));
    }
    Ok(())
}

/// Writes 0 to the output, if the graph gave the unit one.
fn silence(io: &mut UnitIo<'_, '_>) {
    io.outputs().for_each(|o| o.fill(0.0));
}

/// How many frames a unit reads its trigger at: every frame at audio rate, one a block at
/// control rate.
fn trigger_frames(io: &UnitIo<'_, '_>, audio: bool) -> usize {
    if audio {
        io.frames()
    } else {
        1
    }
}

struct SendTrig;

struct SendTrigUnit {
    audio: bool,
    edge: Edge,
}

impl UGen for SendTrig {
    type Unit = SendTrigUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SendTrigUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_inputs(spec, 3, 3)?;
        expect_no_output(spec)?;
        Ok(SendTrigUnit { audio: spec.rate == Rate::Audio, edge: Edge::default() })
    }
}

impl Unit for SendTrigUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        silence(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        silence(io);
        let (trigger, value) = (io.input(0), io.input(2));
        let id = io.in0(1) as i32;
        for f in 0..trigger_frames(io, self.audio) {
            if self.edge.rises(frame(trigger, f)) {
                let values = ReportValues::one(frame(value, f));
                io.ctx.report(Report { kind: ReportKind::Trigger, id, values });
            }
        }
    }
}

struct SendReply;

struct SendReplyUnit {
    address: Arc<str>,
    audio: bool,
    first_value: usize,
    edge: Edge,
}

/// `SendReply`'s inputs before its address.
const REPLY_ADDRESS: usize = 2;

impl UGen for SendReply {
    type Unit = SendReplyUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SendReplyUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_no_output(spec)?;
        if spec.inputs.len() <= REPLY_ADDRESS {
            return Err(PluginError::new("SendReply takes a trigger, a reply id and an address"));
        }
        let (address, first_value) = text(spec, REPLY_ADDRESS, "address")?;
        check_address(&address)?;
        let values = spec.inputs.len() - first_value;
        if values > MAX_REPORT_VALUES {
            return Err(PluginError::new(format!(
                "SendReply sends at most {MAX_REPORT_VALUES} values in one message, this one {values}"
            )));
        }
        Ok(SendReplyUnit { address, audio: spec.rate == Rate::Audio, first_value, edge: Edge::default() })
    }
}

/// Refuses an address a message cannot have.
fn check_address(address: &str) -> Result<(), PluginError> {
    if address.starts_with('/') {
        Ok(())
    } else {
        Err(PluginError::new(format!("the reply address '{address}' does not start with '/'")))
    }
}

impl Unit for SendReplyUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        silence(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        silence(io);
        let trigger = io.input(0);
        let id = io.in0(1) as i32;
        for f in 0..trigger_frames(io, self.audio) {
            if self.edge.rises(frame(trigger, f)) {
                let values = (self.first_value..io.num_inputs()).map(|i| frame(io.input(i), f));
                // The count was checked when the unit was built.
                if let Some(values) = ReportValues::collect(values) {
                    let kind = ReportKind::Reply { address: Arc::clone(&self.address) };
                    io.ctx.report(Report { kind, id, values });
                }
            }
        }
    }
}

struct SendPeakRms;

/// `SendPeakRMS`'s inputs before its channels.
const PEAK_CHANNELS: usize = 4;

/// The most channels one `SendPeakRMS` meters: two values each.
const MAX_PEAK_CHANNELS: usize = MAX_REPORT_VALUES / 2;

struct SendPeakRmsUnit {
    address: Arc<str>,
    audio: bool,
    channels: usize,
    /// Frames until the next reply.
    countdown: f64,
    /// Each channel's peak since the last reply, and its lagged peak as last sent.
    peaks: [f32; MAX_PEAK_CHANNELS],
    shown: [f32; MAX_PEAK_CHANNELS],
    /// Each channel's sum of squares since the last reply, over `frames` frames.
    squares: [f64; MAX_PEAK_CHANNELS],
    frames: u64,
}

impl UGen for SendPeakRms {
    type Unit = SendPeakRmsUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<SendPeakRmsUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        expect_no_output(spec)?;
        let bad = |why: String| PluginError::new(format!("SendPeakRMS: {why}"));
        let channels =
            spec.constant(PEAK_CHANNELS - 1).ok_or_else(|| bad("the channel count must be a constant".into()))?;
        if !(1.0..=MAX_PEAK_CHANNELS as f32).contains(&channels) || channels.fract() != 0.0 {
            return Err(bad(format!("meters 1 to {MAX_PEAK_CHANNELS} channels, not {channels}")));
        }
        let channels = channels as usize;
        if spec.inputs.len() <= PEAK_CHANNELS + channels {
            return Err(bad(format!("{channels} channels and an address need more than {} inputs", spec.inputs.len())));
        }
        let (address, end) = text(spec, PEAK_CHANNELS + channels, "address")?;
        check_address(&address)?;
        if end != spec.inputs.len() {
            return Err(bad(format!("{} inputs after the address", spec.inputs.len() - end)));
        }
        Ok(SendPeakRmsUnit {
            address,
            audio: spec.rate == Rate::Audio,
            channels,
            countdown: 0.0,
            peaks: [0.0; MAX_PEAK_CHANNELS],
            shown: [0.0; MAX_PEAK_CHANNELS],
            squares: [0.0; MAX_PEAK_CHANNELS],
            frames: 0,
        })
    }
}

impl SendPeakRmsUnit {
    /// The frames between replies at `rate` replies a second: at control rate a whole
    /// number of blocks, at least one.
    fn period(&self, io: &UnitIo<'_, '_>) -> f64 {
        let rate = f64::from(io.in0(0));
        let frames = if rate > 0.0 { io.ctx.sample_rate / rate } else { f64::INFINITY };
        if self.audio {
            frames.max(1.0)
        } else {
            let block = io.ctx.block_size as f64;
            (frames / block).round().max(1.0) * block
        }
    }

    /// Takes frames `range` of every channel into the peaks and sums.
    fn take(&mut self, io: &UnitIo<'_, '_>, range: std::ops::Range<usize>) {
        for c in 0..self.channels {
            let input = io.audio_input(PEAK_CHANNELS + c);
            let (mut peak, mut squares) = (self.peaks[c], 0.0f64);
            for f in range.clone() {
                let x = frame(input, f);
                peak = peak.max(x.abs());
                squares += f64::from(x) * f64::from(x);
            }
            self.peaks[c] = peak;
            self.squares[c] += squares;
        }
        self.frames += range.len() as u64;
    }

    /// Sends each channel's peak, falling by 60 dB over the peak lag when the signal's
    /// own peak is lower, and its RMS level since the last reply; then starts the next
    /// period.
    fn reply(&mut self, io: &mut UnitIo<'_, '_>, period: f64) {
        let lag = f64::from(io.in0(1));
        let fall = if lag > 0.0 { 0.001f64.powf(period / (lag * io.ctx.sample_rate)) as f32 } else { 0.0 };
        let frames = self.frames.max(1) as f64;
        let mut values = [0.0f32; MAX_REPORT_VALUES];
        for c in 0..self.channels {
            self.shown[c] = self.peaks[c].max(self.shown[c] * fall);
            values[2 * c] = self.shown[c];
            values[2 * c + 1] = (self.squares[c] / frames).sqrt() as f32;
            self.peaks[c] = 0.0;
            self.squares[c] = 0.0;
        }
        self.frames = 0;
        if let Some(values) = ReportValues::collect(values[..2 * self.channels].iter().copied()) {
            let kind = ReportKind::Reply { address: Arc::clone(&self.address) };
            io.ctx.report(Report { kind, id: io.in0(2) as i32, values });
        }
    }
}

impl Unit for SendPeakRmsUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        self.countdown = self.period(io);
        silence(io);
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        silence(io);
        // All of an audio-rate input's frames, at either rate.
        let n = io.ctx.frames;
        let period = self.period(io);
        let mut at = 0;
        while self.countdown <= (n - at) as f64 {
            // The reply falls within this block: at its frame at audio rate, at the
            // block's end at control rate (where the period is whole blocks).
            let end = at + (self.countdown.ceil() as usize).clamp(1, n - at);
            self.take(io, at..end);
            self.reply(io, period);
            self.countdown += period - (end - at) as f64;
            at = end;
            if at == n {
                return;
            }
        }
        self.take(io, at..n);
        self.countdown -= (n - at) as f64;
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::{Rate, ReportKind};

    use super::super::testing::{held, wire, Input, Runner, BLOCK};
    use super::{SendPeakRms, SendReply, SendTrig};

    fn text(s: &str) -> Vec<Input> {
        let mut all = vec![Input::Constant(s.len() as f32)];
        all.extend(s.chars().map(|c| Input::Constant(c as u32 as f32)));
        all
    }

    #[test]
    fn send_trig_reports_each_rise_with_the_value_at_its_frame() {
        let trigger = wire(Rate::Audio, |n| if n % 100 == 10 { 1.0 } else { 0.0 });
        let inputs = [trigger, Input::Constant(7.0), wire(Rate::Audio, |n| n as f32 * 0.5)];
        let mut unit = Runner::with_outputs(&SendTrig, Rate::Audio, 0, &inputs, 0).unwrap();
        unit.run(4);
        let got: Vec<(i32, f32)> = unit.reports().iter().map(|r| (r.id, r.values.first())).collect();
        assert_eq!(got, [(7, 5.0), (7, 55.0), (7, 105.0)]);
        assert!(unit.reports().iter().all(|r| r.kind == ReportKind::Trigger));
    }

    #[test]
    fn send_reply_sends_its_values_to_its_address_and_refuses_too_many() {
        let mut inputs = vec![held(Rate::Control, 1.0), Input::Constant(3.0)];
        inputs.extend(text("/meter"));
        inputs.extend([Input::Constant(1.5), held(Rate::Control, -2.0)]);
        let mut unit = Runner::with_outputs(&SendReply, Rate::Control, 0, &inputs, 0).unwrap();
        unit.run(3);
        assert_eq!(unit.reports().len(), 1, "a held trigger fires once");
        let r = &unit.reports()[0];
        assert_eq!((r.id, r.values.as_slice()), (3, &[1.5, -2.0][..]));
        assert_eq!(r.kind, ReportKind::Reply { address: "/meter".into() });
        inputs.extend((0..31).map(|_| Input::Constant(0.0)));
        let error = Runner::with_outputs(&SendReply, Rate::Control, 0, &inputs, 0).err().unwrap();
        assert!(error.reason().contains("at most 32 values"), "{error}");
        let mut unnamed = vec![held(Rate::Control, 1.0), Input::Constant(3.0)];
        unnamed.extend(text("meter"));
        assert!(Runner::with_outputs(&SendReply, Rate::Control, 0, &unnamed, 0).is_err());
    }

    fn peak_rms(replies: f32, lag: f32, channels: Vec<Input>) -> Vec<Input> {
        let mut inputs = vec![Input::Constant(replies), Input::Constant(lag), Input::Constant(9.0)];
        inputs.push(Input::Constant(channels.len() as f32));
        inputs.extend(channels);
        inputs.extend(text("/levels"));
        inputs
    }

    #[test]
    fn send_peak_rms_reports_peak_and_rms_per_channel_at_its_rate() {
        // 48 kHz, 64-frame blocks: 375 replies a second is one reply every 2 blocks.
        let square = wire(Rate::Audio, |n| if n % 2 == 0 { 0.5 } else { -0.5 });
        let ramp = wire(Rate::Audio, |n| if n == 3 { 0.8 } else { 0.0 });
        let inputs = peak_rms(375.0, 0.0, vec![square, ramp]);
        let mut unit = Runner::with_outputs(&SendPeakRms, Rate::Control, 0, &inputs, 0).unwrap();
        unit.run(6);
        let reports = unit.reports();
        assert_eq!(reports.len(), 3);
        assert_eq!(reports[0].kind, ReportKind::Reply { address: "/levels".into() });
        assert_eq!(reports[0].id, 9);
        let rms = (0.64f64 / (2 * BLOCK) as f64).sqrt() as f32;
        assert_eq!(reports[0].values.as_slice(), [0.5, 0.5, 0.8, rms]);
        // With no lag the peak shown is the period's own.
        assert_eq!(reports[1].values.as_slice(), [0.5, 0.5, 0.0, 0.0]);
    }

    #[test]
    fn send_peak_rms_peaks_fall_by_60_db_over_the_lag() {
        // An impulse at frame 0, then silence; a reply every 480 frames (100 a second) at
        // audio rate, with a lag of 0.03 s: three periods take the peak down 60 dB.
        let impulse = wire(Rate::Audio, |n| if n == 0 { 1.0 } else { 0.0 });
        let inputs = peak_rms(100.0, 0.03, vec![impulse]);
        let mut unit = Runner::with_outputs(&SendPeakRms, Rate::Audio, 0, &inputs, 0).unwrap();
        unit.run(4 * 480 / BLOCK + 1);
        let peaks: Vec<f32> = unit.reports().iter().map(|r| r.values.as_slice()[0]).collect();
        assert_eq!(peaks.len(), 4);
        assert_eq!(peaks[0], 1.0);
        assert!((peaks[1] - 0.1).abs() < 1e-6, "{peaks:?}");
        assert!((peaks[3] - 0.001).abs() < 1e-7, "{peaks:?}");
    }

    #[test]
    fn send_peak_rms_refuses_a_count_its_inputs_do_not_have() {
        let mut inputs = peak_rms(20.0, 3.0, vec![held(Rate::Audio, 0.0)]);
        inputs[3] = Input::Constant(2.0);
        assert!(Runner::with_outputs(&SendPeakRms, Rate::Control, 0, &inputs, 0).is_err());
        let many: Vec<Input> = (0..17).map(|_| held(Rate::Audio, 0.0)).collect();
        let inputs = peak_rms(20.0, 3.0, many);
        assert!(Runner::with_outputs(&SendPeakRms, Rate::Control, 0, &inputs, 0).is_err());
    }
}
