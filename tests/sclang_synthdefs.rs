//! The SynthDefs sclang itself writes (tests/fixtures/scgf/sclang, made by
//! `write_defs.scd` there with SuperCollider 3.13): its `default` instrument and its
//! `system_*` defs, installed and played through scores.

use std::path::{Path, PathBuf};

use oscine::render::{RenderOptions, Renderer};
use oscine::score::{message, Score};
use rosc::OscType;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/scgf/sclang")
}

fn def_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(format!("{name}.scsyndef"))).unwrap()
}

fn s(x: &str) -> OscType {
    OscType::String(x.into())
}

fn render(score: &Score) -> Result<Vec<Vec<f32>>, String> {
    let options = RenderOptions { outputs: 2, ..RenderOptions::default() };
    Renderer::new(options).render_to_memory(&score.to_bytes().unwrap()).map_err(|e| e.to_string())
}

/// The UGens the remaining defs need: the GUI's frequency scope.
const NOT_PROVIDED: &[(&str, &str)] = &[("system_freqScope", "MaxLocalBufs")];

#[test]
fn every_def_sclang_writes_installs_or_is_refused_naming_its_missing_ugen() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".scsyndef").map(str::to_owned))
        .collect();
    names.sort();
    assert!(names.len() >= 100, "{}", names.len());
    let mut installed = 0;
    for name in &names {
        let mut score = Score::new();
        score.at(0.0, [message("/d_recv", vec![OscType::Blob(def_bytes(name))])]);
        score.end(0.001);
        match NOT_PROVIDED.iter().find(|(prefix, _)| name.starts_with(prefix)) {
            None => {
                render(&score).unwrap_or_else(|e| panic!("{name}: {e}"));
                installed += 1;
            }
            Some((_, ugen)) => {
                let error = render(&score).unwrap_err();
                assert!(error.contains(&format!("'{name}'")) && error.contains(ugen), "{name}: {error}");
            }
        }
    }
    // default, and the diskout, link, setbus and setbus_hold defs for 1 to 16 channels.
    assert_eq!(installed, 1 + 16 * 6);
}

#[test]
fn the_default_instrument_plays_a_note_and_frees_itself_after_its_release() {
    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![OscType::Blob(def_bytes("default"))])]);
    let note = vec![s("default"), 1000.into(), 0.into(), 0.into(), s("freq"), 330.0f32.into(), s("pan"), 0.5f32.into()];
    score.at(0.0, [message("/s_new", note)]);
    score.at(0.2, [message("/n_set", vec![1000.into(), s("gate"), 0.0f32.into()])]);
    // Its Linen releases over 0.3 s (done action 2); the node is gone by 0.6 s, so
    // freeing it then is refused.
    score.end(0.6);
    let channels = render(&score).unwrap();
    let peak = |c: &[f32]| c.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let (left, right) = (&channels[0], &channels[1]);
    // Panned right of centre: both sides sound, the right louder.
    let (l, r) = (peak(&left[4800..9600]), peak(&right[4800..9600]));
    assert!(l > 0.01 && r > l, "left {l}, right {r}");
    // Silent once the release is over (its filter's tail included).
    assert!(peak(&left[26_400..]) < 1e-6 && peak(&right[26_400..]) < 1e-6);

    let mut freed = score.clone();
    freed.at(0.59, [message("/n_free", vec![1000.into()])]);
    let error = render(&freed).unwrap_err();
    assert!(error.contains("node 1000 does not exist"), "{error}");
}
