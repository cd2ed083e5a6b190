//! Builds a score in Rust and renders it, without hand-encoding any bytes.
//!
//! ```sh
//! cargo run --example score -- chord.osc          # writes the score only
//! oscine render chord.osc chord.wav               # renders it with the CLI
//! cargo run --example score -- chord.osc chord.wav  # or writes and renders it here
//! ```
//!
//! The score: a noise burst through an envelope, then a three-note chord of sines that
//! glides down by a fifth and is freed, on hardware outputs 0 and 1.

use std::process::ExitCode;

use oscine::render::{RenderOptions, Renderer, WavFormat, WavOutput};
use oscine::score::{message, Score};
use rosc::OscType;

fn synth(def: &str, id: i32, controls: &[(&str, f32)]) -> rosc::OscMessage {
    // Head of the root group (target 0, add action 0).
    let mut args = vec![def.into(), id.into(), 0.into(), 0.into()];
    for (name, value) in controls {
        args.push((*name).into());
        args.push((*value).into());
    }
    message("/synth/new", args)
}

fn score() -> Score {
    let mut score = Score::new();
    // Seeded noise on internal bus 0, an envelope from bus 0 to output 1.
    score.at(
        0.0,
        [
            synth("noise", 100, &[("amp", 0.2), ("seed", 7.0)]),
            message("/synth/map/output", vec![100.into(), 0.into(), 0.into()]),
            message("/synth/new", vec!["asr-envelope".into(), 101.into(), 100.into(), 3.into()]),
            message("/synth/map/input", vec![101.into(), 0.into(), 0.into()]),
            message("/synth/map/output", vec![101.into(), 0.into(), 1.into(), 1.into()]),
        ],
    );
    // Closing the gate starts the release at exactly this frame (sample-accurate control).
    score.at(0.25, [message("/node/set", vec![101.into(), "gate".into(), OscType::Float(0.0)])]);
    score.at(0.5, [message("/node/free", vec![100.into(), 101.into()])]);
    for (k, freq) in [220.0f32, 277.18, 329.63].into_iter().enumerate() {
        let id = 1000 + k as i32;
        score.at(0.5, [synth("sine", id, &[("freq", freq), ("amp", 0.1)])]);
        score.at(1.0, [message("/node/set", vec![id.into(), "freq".into(), (freq * 2.0 / 3.0).into()])]);
        score.at(1.5, [message("/node/free", vec![id.into()])]);
    }
    // Let the render run on half a second after the last note.
    score.end(2.0);
    score
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(score_path) = args.first() else {
        eprintln!("usage: score SCORE.osc [OUTPUT.wav]");
        return ExitCode::FAILURE;
    };
    let score = score();
    if let Err(e) = score.write(score_path) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {} bundles ({} s) to {score_path}", score.len(), score.duration());
    let Some(wav_path) = args.get(1) else { return ExitCode::SUCCESS };
    let options = RenderOptions::default();
    let rendered =
        WavOutput::create(wav_path, options.outputs, options.sample_rate, WavFormat::Float).and_then(|mut output| {
            let bytes = score
                .to_bytes()
                .map_err(|e| oscine::render::RenderError::Output { path: score_path.into(), reason: e.to_string() })?;
            let report = Renderer::new(options).render(&bytes, &mut output)?;
            output.finish()?;
            Ok(report)
        });
    match rendered {
        Ok(report) => {
            println!("rendered {:.3} s to {wav_path} ({:.0}x realtime)", report.seconds(), report.speed());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}
