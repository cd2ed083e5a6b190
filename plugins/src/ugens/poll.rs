//! `Poll`: reports its input's value, with a label, each time its trigger goes from zero
//! or below to above zero: `Poll.kr(trig, in, label, trigid)`, `Poll.ar(...)`. The server
//! logs `label: value` (as scsynth prints it), and with a `trigid` of 0 or more also sends
//! notified clients `/tr node trigid value`.
//!
//! The graph gives the inputs as `trig, in, trigid, n, c1 .. cn`: the label's length and
//! its characters, constants from which the label is made when the unit is built. The
//! unit never formats or allocates when it runs: a report shares the label made then.
//! An audio-rate unit reads an audio-rate trigger frame by frame (and reports the input's
//! value at that frame); a control-rate one once per block. Its output, which sclang's
//! graphs leave unused (sclang's `Poll` returns its input), copies the trigger at audio
//! rate and is 0 at control rate, as scsynth's is.

use std::sync::Arc;

use oscine_plugin_api::{
    PluginError, Rate, Registrar, Report, ReportKind, ReportValues, UGen, UGenTable, Unit, UnitIo, UnitSpec,
};

use super::constant_text::text;
use super::signal::frame;
use super::{expect_outputs, expect_rate};

pub(super) fn register(registrar: &mut dyn Registrar) {
    registrar.register_ugen(UGenTable::new("Poll", Poll));
}

/// The inputs before the label's characters: trigger, input, trigger id, label length.
const FIXED: usize = 4;

struct Poll;

struct PollUnit {
    label: Arc<str>,
    audio: bool,
    prev: f32,
}

impl UGen for Poll {
    type Unit = PollUnit;
    fn build(&self, spec: &UnitSpec<'_>) -> Result<PollUnit, PluginError> {
        expect_rate(spec, &[Rate::Control, Rate::Audio])?;
        if spec.inputs.len() < FIXED {
            return Err(PluginError::new(format!("Poll takes at least {FIXED} inputs, got {}", spec.inputs.len())));
        }
        expect_outputs(spec, 1)?;
        let (label, end) = text(spec, FIXED - 1, "label")?;
        if end != spec.inputs.len() {
            return Err(PluginError::new(format!("Poll: {} inputs after its label", spec.inputs.len() - end)));
        }
        Ok(PollUnit { label, audio: spec.rate == Rate::Audio, prev: 0.0 })
    }
}

impl PollUnit {
    fn report(&self, io: &mut UnitIo<'_, '_>, value: f32) {
        let trigger_id = io.in0(2) as i32;
        let kind = ReportKind::Poll { label: Arc::clone(&self.label) };
        io.ctx.report(Report { kind, id: trigger_id, values: ReportValues::one(value) });
    }
}

impl Unit for PollUnit {
    fn init(&mut self, io: &mut UnitIo<'_, '_>) {
        io.output(0)[0] = if self.audio { io.in0(0) } else { 0.0 };
    }

    fn next(&mut self, io: &mut UnitIo<'_, '_>) {
        let (trig, input) = (io.input(0), io.input(1));
        let frames = if self.audio { io.frames() } else { 1 };
        for f in 0..frames {
            let t = frame(trig, f);
            if self.prev <= 0.0 && t > 0.0 {
                self.report(io, frame(input, f));
            }
            self.prev = t;
        }
        let out = io.output(0);
        if self.audio {
            for (f, o) in out.iter_mut().enumerate() {
                *o = frame(trig, f);
            }
        } else {
            out[0] = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use oscine_plugin_api::{Rate, ReportKind};

    use super::super::testing::{held, wire, Input, Runner, BLOCK};
    use super::Poll;

    fn inputs(trigger: Input, label: &str, trigger_id: f32) -> Vec<Input> {
        let mut all = vec![trigger, wire(Rate::Audio, |n| n as f32), Input::Constant(trigger_id)];
        all.push(Input::Constant(label.len() as f32));
        all.extend(label.chars().map(|c| Input::Constant(c as u32 as f32)));
        all
    }

    #[test]
    fn reports_the_input_at_each_trigger_with_the_label_made_at_build() {
        let trigger = wire(Rate::Audio, |n| if n % 100 == 5 { 1.0 } else { 0.0 });
        let mut poll = Runner::new(&Poll, Rate::Audio, 0, &inputs(trigger, "sig", 2.0)).unwrap();
        let (_, out, _) = poll.run(4);
        let values: Vec<f32> = poll.reports().iter().map(|r| r.values.first()).collect();
        assert_eq!(values, [5.0, 105.0, 205.0]);
        let sig = ReportKind::Poll { label: "sig".into() };
        assert!(poll.reports().iter().all(|r| r.kind == sig && r.id == 2));
        assert_eq!((out[5], out[6]), (1.0, 0.0), "its output copies the trigger");
        assert_eq!(out.len(), 4 * BLOCK);
    }

    #[test]
    fn a_held_trigger_fires_once_and_a_label_must_be_constants() {
        let mut poll = Runner::new(&Poll, Rate::Control, 0, &inputs(held(Rate::Control, 1.0), "", -1.0)).unwrap();
        poll.run(5);
        assert_eq!(poll.reports().len(), 1);
        assert_eq!(poll.reports()[0].kind, ReportKind::Poll { label: "".into() });
        let mut bad = inputs(held(Rate::Control, 1.0), "ab", -1.0);
        bad[5] = held(Rate::Control, 98.0);
        assert!(Runner::new(&Poll, Rate::Control, 0, &bad).is_err());
        let mut short = inputs(held(Rate::Control, 1.0), "ab", -1.0);
        short.pop();
        assert!(Runner::new(&Poll, Rate::Control, 0, &short).is_err());
    }
}
