//! The built-in UGens, for SynthDefs made from SuperCollider graphs (SCgf): each file is
//! one family, registered by SuperCollider class name. docs/ugens.md lists them with their
//! rates and how closely each matches scsynth.
//!
//! SuperCollider (scsynth, sclang) and supriya are GPL; Oscine is MIT/Apache. These UGens
//! are written from SuperCollider's documentation, textbook DSP and scsynth's observable
//! output (the conformance suite renders both and compares), never from SuperCollider's
//! or supriya's source, which is not to be read, fetched or copied for this work.
//! RT rules: `Unit::init` and `Unit::next` run on the audio thread and must not allocate,
//! lock, block, do I/O or panic; check input and output counts in `UGen::build`.

use oscine_plugin_api::{PluginError, Rate, Registrar, UnitSpec};

mod analysis;
mod band_limited;
mod binary_op;
mod biquad;
mod buf_rd;
mod buffer_info;
mod buffer_read;
mod constant_text;
mod control;
mod dc;
mod decay;
mod delay;
mod disk_out;
mod done;
mod envelope;
mod filter;
mod formant;
mod free_verb;
mod fsine;
mod g_verb;
mod info;
mod interpolation;
mod io;
mod lag;
mod lf_osc;
mod line;
mod math;
mod median;
mod mix;
mod moog;
mod noise;
mod osc;
mod pan;
mod play_buf;
mod poll;
mod random;
mod range;
mod rate_conversion;
mod record_buf;
mod resonator;
mod send;
mod signal;
mod simple_filter;
mod sine;
mod slew;
#[cfg(test)]
mod testing;
mod trigger;
mod unary_op;
mod vosc;
mod wavetable;

/// Registers every built-in UGen.
pub fn register(registrar: &mut dyn Registrar) {
    band_limited::register(registrar);
    analysis::register(registrar);
    binary_op::register(registrar);
    buffer_info::register(registrar);
    biquad::register(registrar);
    buf_rd::register(registrar);
    control::register(registrar);
    dc::register(registrar);
    decay::register(registrar);
    delay::register(registrar);
    disk_out::register(registrar);
    envelope::register(registrar);
    fsine::register(registrar);
    info::register(registrar);
    io::register(registrar);
    lag::register(registrar);
    lf_osc::register(registrar);
    line::register(registrar);
    median::register(registrar);
    mix::register(registrar);
    moog::register(registrar);
    noise::register(registrar);
    osc::register(registrar);
    pan::register(registrar);
    play_buf::register(registrar);
    random::register(registrar);
    range::register(registrar);
    rate_conversion::register(registrar);
    record_buf::register(registrar);
    resonator::register(registrar);
    simple_filter::register(registrar);
    sine::register(registrar);
    slew::register(registrar);
    trigger::register(registrar);
    unary_op::register(registrar);
    vosc::register(registrar);
    done::register(registrar);
    formant::register(registrar);
    free_verb::register(registrar);
    g_verb::register(registrar);
    poll::register(registrar);
    send::register(registrar);
}

/// Refuses a spec whose input count is outside `min..=max`.
pub(crate) fn expect_inputs(spec: &UnitSpec<'_>, min: usize, max: usize) -> Result<(), PluginError> {
    let n = spec.inputs.len();
    if n < min || n > max {
        let want = if min == max { format!("{min}") } else { format!("{min} to {max}") };
        return Err(PluginError::new(format!("{} takes {want} inputs, got {n}", spec.name)));
    }
    Ok(())
}

/// Refuses a spec whose output count is not `count`.
pub(crate) fn expect_outputs(spec: &UnitSpec<'_>, count: usize) -> Result<(), PluginError> {
    if spec.outputs.len() != count {
        return Err(PluginError::new(format!("{} has {count} outputs, got {}", spec.name, spec.outputs.len())));
    }
    Ok(())
}

/// Refuses a spec at a rate not in `rates`.
pub(crate) fn expect_rate(spec: &UnitSpec<'_>, rates: &[Rate]) -> Result<(), PluginError> {
    if !rates.contains(&spec.rate) {
        let names: Vec<&str> = rates.iter().map(|r| r.suffix()).collect();
        return Err(PluginError::new(format!(
            "{} runs at {}, not {}",
            spec.name,
            names.join(" or "),
            spec.rate.suffix()
        )));
    }
    Ok(())
}
