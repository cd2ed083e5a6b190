//! `oscine render`: a score to a WAV file, offline.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use oscine::render::{RenderOptions, Renderer, WavInput, WavOutput};

use super::{file_roots, plugins, RenderArgs};

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("oscine render: {message}");
    ExitCode::FAILURE
}

/// Renders the score `args` names; on a terminal, shows progress and a summary line.
/// Errors go to stderr with a non-zero exit code, and leave no output file behind.
pub fn render(args: &RenderArgs) -> ExitCode {
    let score = match std::fs::read(&args.score) {
        Ok(bytes) => bytes,
        Err(e) => return fail(format!("cannot read the score {}: {e}", args.score.display())),
    };
    let input = match args.inputs.as_ref().map(WavInput::open).transpose() {
        Ok(input) => input,
        Err(e) => return fail(e),
    };
    if let Some(input) = &input {
        if input.sample_rate() != args.sample_rate {
            return fail(format!(
                "the input {} is at {} Hz but the render runs at {} Hz; give --sample-rate {}",
                input.path().display(),
                input.sample_rate(),
                args.sample_rate,
                input.sample_rate()
            ));
        }
    }
    let inputs = args.input_channels.map(usize::from).or(input.as_ref().map(WavInput::channels)).unwrap_or(0);
    let terminal = std::io::stderr().is_terminal();
    let files = match file_roots::render_files(&args.files) {
        Ok(files) => files,
        Err(e) => return fail(e),
    };
    let options = RenderOptions {
        sample_rate: args.sample_rate,
        block_size: args.engine.block_size as usize,
        outputs: args.outputs as usize,
        inputs,
        max_nodes: args.engine.max_nodes as usize,
        max_resources: args.engine.max_resources as usize,
        max_audio_buses: args.engine.max_audio_buses as usize,
        max_control_buses: args.engine.max_control_buses as usize,
        workers: args.engine.workers as usize,
        resource_timeout: Duration::from_secs_f64(args.resource_timeout),
        progress: terminal,
        files,
    };
    let mut output = match WavOutput::create(&args.output, options.outputs, options.sample_rate, args.format) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let mut loader = match plugins::loader(&args.plugins) {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let (registry, loaded) = plugins::registry(&mut loader, &args.plugins);
    if let Some(refused) = loaded.refused.first() {
        let _ = std::fs::remove_dir_all(loader.private_dir());
        return fail(refused);
    }
    let private_dir = loader.private_dir().to_owned();
    let mut renderer = Renderer::with_registry(options, registry);
    if let Some(input) = input {
        renderer = renderer.with_input(input);
    }
    let rendered = renderer.render(&score, &mut output);
    let _ = std::fs::remove_dir_all(&private_dir);
    let report = match rendered {
        Ok(report) => report,
        // Dropping `output` removes the partial file.
        Err(e) => return fail(format!("{}: {e}", args.score.display())),
    };
    if let Err(e) = output.finish() {
        return fail(e);
    }
    if report.nonfinite_samples > 0 {
        tracing::warn!("{} output samples were NaN or infinite; they were written as 0", report.nonfinite_samples);
    }
    if terminal {
        eprintln!(
            "rendered {:.3} s ({} channels, {} Hz) to {} in {:.2} s ({:.0}x realtime)",
            report.seconds(),
            report.channels,
            report.sample_rate,
            args.output.display(),
            report.elapsed.as_secs_f64(),
            report.speed()
        );
    }
    ExitCode::SUCCESS
}
