//! The SynthDefs and ResourceDefs built into Oscine. Each module holds one definition;
//! [`register`] adds them all to a [`Registrar`].
//!
//! | name | inputs | outputs | controls | resource ports |
//! |---|---|---|---|---|
//! | `sine` | | `out` | `freq`, `amp` | |
//! | `saw` | | `out` | `freq`, `amp` | |
//! | `pulse` | | `out` | `freq`, `amp`, `width` | |
//! | `noise` | | `out` | `amp`, `seed` | |
//! | `patch-cable` | `in` | `out` | | |
//! | `amplifier` | `in` | `out` | `gain` | |
//! | `pan` | `in` | `left`, `right` | `pos`, `amp` | |
//! | `done-after` | | | `seconds` | |
//! | `asr-envelope` | `in` | `out` | `attack`, `sustain`, `release`, `gate` | |
//! | `exponential-fade` | `in` | `out` | `duration`, `start`, `end` | |
//! | `sampler` | | `left`, `right` | `rate`, `loop`, `start`, `amp` | `buffer` (read) |
//! | `recorder` | `left`, `right` | | `loop`, `start`, `run` | `buffer` (written) |
//!
//! The one ResourceDef is `audio-buffer` ([`AudioBufferDef`]): sample buffers, empty or
//! loaded from WAV files, that `sampler` plays and `recorder` fills. Their WAV reading and
//! writing is the [`wav`] module, which `oscine render` uses for its files too.
//!
//! Every Synth allocates only in `construct` (the band-limited tables are built once per
//! process and shared), and its `process` neither allocates, locks nor panics. Where a
//! SynthDef's documentation says its Synth "says done" in a call, `process` returns
//! [`ProcessStatus::Done`](oscine_plugin_api::ProcessStatus::Done) from that call.
#![deny(missing_docs)]

use std::sync::Arc;

use oscine_plugin_api::{PluginDescriptor, Registrar, SynthDefTable};

mod aiff;
pub mod amplifier;
pub mod asr_envelope;
pub mod audio_buffer;
mod buffer_edit;
mod buffer_gen;
mod common;
pub mod disk_stream;
pub mod done_after;
pub mod exponential_fade;
mod memo;
pub mod noise;
pub mod pan;
pub mod patch_cable;
mod polynomial_sine;
pub mod pulse;
pub mod recorder;
pub mod sampler;
pub mod saw;
pub mod sine;
mod sound_file_writer;
#[cfg(test)]
mod test_support;
pub mod ugens;
pub mod wav;
mod wavetable;

pub use amplifier::Amplifier;
pub use asr_envelope::AsrEnvelope;
pub use audio_buffer::{AudioBuffer, AudioBufferDef, FileType};
pub use done_after::DoneAfter;
pub use exponential_fade::ExponentialFade;
pub use noise::Noise;
pub use pan::Pan;
pub use patch_cable::PatchCable;
pub use pulse::Pulse;
pub use recorder::Recorder;
pub use sampler::Sampler;
pub use saw::Saw;
pub use sine::Sine;
pub use wav::WavFormat;

/// Oscine's built-in plugin, as the server installs it: through the same registration as
/// a plugin library's.
pub const PLUGIN: PluginDescriptor =
    PluginDescriptor { name: "oscine-builtins", version: env!("CARGO_PKG_VERSION"), register };

/// Registers every built-in ResourceDef and SynthDef.
///
/// Context: NRT, once, before the engine starts. Also builds the oscillators' shared
/// wavetables now, so the first `saw` or `pulse` does not pay for them.
pub fn register(registrar: &mut dyn Registrar) {
    drop(wavetable::SawTables::shared());
    registrar.register_resource_def(Arc::new(AudioBufferDef));
    registrar.register_synthdef(SynthDefTable::new(Sine));
    registrar.register_synthdef(SynthDefTable::new(Saw));
    registrar.register_synthdef(SynthDefTable::new(Pulse));
    registrar.register_synthdef(SynthDefTable::new(Noise));
    registrar.register_synthdef(SynthDefTable::new(PatchCable));
    registrar.register_synthdef(SynthDefTable::new(Amplifier));
    registrar.register_synthdef(SynthDefTable::new(Pan));
    registrar.register_synthdef(SynthDefTable::new(DoneAfter));
    registrar.register_synthdef(SynthDefTable::new(AsrEnvelope));
    registrar.register_synthdef(SynthDefTable::new(ExponentialFade));
    registrar.register_synthdef(SynthDefTable::new(Sampler));
    registrar.register_synthdef(SynthDefTable::new(Recorder));
    ugens::register(registrar);
}

#[cfg(test)]
mod tests {
    use super::*;
    use oscine_plugin_api::harness::{Harness, RAGGED, WORLD};
    use oscine_plugin_api::{NoResources, ProcessArgs, ResourceBinding, ResourceDef};
    use std::collections::HashSet;

    #[derive(Default)]
    struct Collect {
        synthdefs: Vec<SynthDefTable>,
        resource_defs: Vec<Arc<dyn ResourceDef>>,
        ugens: Vec<oscine_plugin_api::UGenTable>,
    }

    impl Registrar for Collect {
        fn register_synthdef(&mut self, def: SynthDefTable) {
            self.synthdefs.push(def);
        }

        fn register_resource_def(&mut self, def: Arc<dyn ResourceDef>) {
            self.resource_defs.push(def);
        }

        fn register_ugen(&mut self, ugen: oscine_plugin_api::UGenTable) {
            self.ugens.push(ugen);
        }
    }

    fn collected() -> Collect {
        let mut collect = Collect::default();
        register(&mut collect);
        collect
    }

    fn registered() -> Vec<SynthDefTable> {
        collected().synthdefs
    }

    #[test]
    fn registers_all_twelve_synthdef_names_once() {
        let mut names: Vec<String> = registered().iter().map(|d| d.info().name.to_string()).collect();
        names.sort();
        assert_eq!(
            names,
            [
                "amplifier",
                "asr-envelope",
                "done-after",
                "exponential-fade",
                "noise",
                "pan",
                "patch-cable",
                "pulse",
                "recorder",
                "sampler",
                "saw",
                "sine",
            ]
        );
    }

    #[test]
    fn registers_the_audio_buffer_resource_def_once() {
        let names: Vec<String> = collected().resource_defs.iter().map(|d| d.info().name.to_string()).collect();
        assert_eq!(names, ["audio-buffer"]);
    }

    #[test]
    fn resource_ports_name_registered_defs_and_do_not_clash_with_controls() {
        let collect = collected();
        let defs: HashSet<String> = collect.resource_defs.iter().map(|d| d.info().name.to_string()).collect();
        let mut with_ports = 0;
        for table in &collect.synthdefs {
            let def = table.info();
            // Resource ports share `/node/set`'s name space with the controls.
            let mut names: HashSet<&str> = def.controls.iter().map(|c| &*c.name).collect();
            for port in &def.resource_ports {
                assert!(names.insert(&port.name), "{}: {} is taken", def.name, port.name);
                assert!(defs.contains(&*port.def), "{}.{}: no ResourceDef {}", def.name, port.name, port.def);
                with_ports += 1;
            }
        }
        assert_eq!(with_ports, 2);
    }

    #[test]
    fn control_specs_are_consistent() {
        for table in registered() {
            let def = table.info();
            let mut names = HashSet::new();
            for c in &def.controls {
                assert!(names.insert(&c.name), "{}: duplicate {}", def.name, c.name);
                assert!(c.min.is_finite() && c.max.is_finite() && c.default.is_finite());
                assert!(
                    c.min <= c.default && c.default <= c.max,
                    "{}.{}: default {} outside {}..={}",
                    def.name,
                    c.name,
                    c.default,
                    c.min,
                    c.max
                );
                assert_eq!(c.clamp(c.default), c.default);
            }
            let ports = def.audio_inputs.iter().chain(&def.audio_outputs);
            let mut port_names = HashSet::new();
            for p in ports {
                assert!(!p.name.is_empty());
                assert!(port_names.insert(&p.name), "{}: duplicate port {}", def.name, p.name);
            }
        }
    }

    #[test]
    fn every_synthdef_runs_with_its_defaults() {
        for table in registered() {
            let name = table.info().name.to_string();
            let input_count = table.info().audio_inputs.len();
            let mut h = Harness::from_table(table, WORLD, &[]).unwrap_or_else(|(name, e)| panic!("{name}: {e}"));
            let input: Vec<f32> = (0..500).map(|i| (i as f32 * 0.01).sin()).collect();
            let inputs: Vec<&[f32]> = (0..input_count).map(|_| &input[..]).collect();
            // The harness checks every output sample is written in every call.
            let render = h.run(&inputs, 500, RAGGED);
            for out in &render.outputs {
                assert!(out.iter().all(|x| x.is_finite() && x.abs() <= 1.1), "{name}");
            }
        }
    }

    /// One Synth's state, in memory laid out for its table, built and dropped through it.
    struct State<'a> {
        table: &'a SynthDefTable,
        place: std::ptr::NonNull<u8>,
    }

    impl<'a> State<'a> {
        fn new(table: &'a SynthDefTable, controls: &[f32]) -> Self {
            let layout = table.state_layout();
            let place = if layout.size() == 0 {
                // Zero-sized states are never read or written: any aligned pointer will do.
                std::ptr::NonNull::new(layout.align() as *mut u8).unwrap()
            } else {
                // SAFETY: the size is non-zero.
                let ptr = unsafe { std::alloc::alloc(layout) };
                std::ptr::NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
            };
            // SAFETY: `place` is fresh memory of the table's layout.
            let built = unsafe { table.construct(&WORLD, controls, place) };
            if let Err(e) = built {
                free(place, layout);
                panic!("constructing {}: {e}", table.info().name);
            }
            State { table, place }
        }
    }

    fn free(place: std::ptr::NonNull<u8>, layout: std::alloc::Layout) {
        if layout.size() != 0 {
            // SAFETY: allocated by `State::new` with this layout.
            unsafe { std::alloc::dealloc(place.as_ptr(), layout) }
        }
    }

    impl Drop for State<'_> {
        fn drop(&mut self) {
            // SAFETY: the state is live (built in `new`) and never used again.
            let dropped = unsafe { self.table.drop_state(self.place) };
            free(self.place, self.table.state_layout());
            dropped.unwrap_or_else(|text| panic!("{} panicked in drop: {text}", self.table.info().name));
        }
    }

    #[test]
    fn missing_controls_give_silence_not_a_panic() {
        for table in registered() {
            let def = table.info();
            let defaults: Vec<f32> = def.controls.iter().map(|c| c.default).collect();
            let state = State::new(&table, &defaults);
            let inputs = vec![0.5; def.audio_inputs.len() * 16];
            let mut outputs = vec![f32::NAN; def.audio_outputs.len() * 16];
            let ports: Vec<Option<ResourceBinding>> = vec![None; def.resource_ports.len()];
            let args = ProcessArgs {
                sample_rate: 48_000.0,
                frame: 0,
                frames: 16,
                controls: &[],
                control_maps: Default::default(),
                inputs: &inputs,
                outputs: &mut outputs,
                stride: 16,
                offset: 0,
                ports: &ports,
                access: &NoResources,
                buses: &mut oscine_plugin_api::NoBuses,
                reports: &mut oscine_plugin_api::NoReports,
                wire_buffers: &mut [],
            };
            // SAFETY: the state is live and used by nothing else.
            let status = unsafe { table.process(state.place, args) };
            assert!(status.is_ok(), "{} panicked", def.name);
            if !def.controls.is_empty() {
                assert!(outputs.iter().all(|&x| x == 0.0), "{}", def.name);
            }
        }
    }
}
