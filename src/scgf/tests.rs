//! Tests of the SCgf reader: supriya's files (tests/fixtures/scgf, made by its
//! make_fixtures.py) against the descriptions written with them, hostile bytes, and
//! random mutations.

use oscine_plugin_api::Rate;
use proptest::prelude::*;
use serde_json::Value;

use super::*;

macro_rules! fixture {
    ($stem:literal) => {
        (
            $stem,
            include_bytes!(concat!("../../tests/fixtures/scgf/", $stem, ".scsyndef")) as &[u8],
            include_str!(concat!("../../tests/fixtures/scgf/", $stem, ".json")),
        )
    };
}

/// Every fixture: its stem, its bytes and its JSON description.
const FIXTURES: &[(&str, &[u8], &str)] = &[
    fixture!("sine"),
    fixture!("chord"),
    fixture!("voice"),
    fixture!("supriya_default"),
    fixture!("sine_and_voice"),
    fixture!("sine_v1"),
    fixture!("voice_v1"),
    fixture!("sine_variants"),
    fixture!("chord_variants_v1"),
];

fn fixture(stem: &str) -> &'static [u8] {
    FIXTURES.iter().find(|f| f.0 == stem).unwrap().1
}

fn read(stem: &str) -> SynthDefFile {
    read_synthdefs(fixture(stem)).unwrap_or_else(|e| panic!("{stem}: {e}"))
}

fn floats(value: &Value) -> Vec<f32> {
    let values = value.as_array().unwrap().iter();
    values.map(|v| v.as_f64().unwrap() as f32).collect()
}

fn int(value: &Value) -> i64 {
    value.as_i64().unwrap()
}

fn rate(value: &Value) -> Rate {
    Rate::from_code(int(value) as u8).unwrap()
}

/// The file as its JSON description has it.
fn described(json: &str) -> SynthDefFile {
    let file: Value = serde_json::from_str(json).unwrap();
    let def = |d: &Value| GraphDef {
        name: d["name"].as_str().unwrap().to_string(),
        constants: floats(&d["constants"]),
        initial_values: floats(&d["initial_values"]),
        parameter_names: (d["parameter_names"].as_array().unwrap().iter())
            .map(|p| ParameterName { name: p["name"].as_str().unwrap().to_string(), index: int(&p["index"]) as u32 })
            .collect(),
        ugens: (d["ugens"].as_array().unwrap().iter())
            .map(|u| UGenSpec {
                name: u["name"].as_str().unwrap().to_string(),
                rate: rate(&u["rate"]),
                special_index: int(&u["special_index"]) as i16,
                inputs: (u["inputs"].as_array().unwrap().iter())
                    .map(|i| match i.get("constant") {
                        Some(c) => Input::Constant(int(c) as u32),
                        None => Input::UGen { ugen: int(&i["ugen"]) as u32, output: int(&i["output"]) as u32 },
                    })
                    .collect(),
                outputs: u["outputs"].as_array().unwrap().iter().map(rate).collect(),
            })
            .collect(),
        variants: (d["variants"].as_array().unwrap().iter())
            .map(|v| Variant { name: v["name"].as_str().unwrap().to_string(), values: floats(&v["values"]) })
            .collect(),
    };
    SynthDefFile {
        version: int(&file["version"]) as u32,
        defs: file["defs"].as_array().unwrap().iter().map(def).collect(),
    }
}

/// Checks what the reader promises of a file it accepted: every reference resolves.
fn assert_consistent(file: &SynthDefFile) {
    for def in &file.defs {
        for name in &def.parameter_names {
            assert!((name.index as usize) < def.initial_values.len());
        }
        for (u, ugen) in def.ugens.iter().enumerate() {
            for input in &ugen.inputs {
                match *input {
                    Input::Constant(c) => assert!((c as usize) < def.constants.len()),
                    Input::UGen { ugen, output } => {
                        assert!((ugen as usize) < u);
                        assert!((output as usize) < def.ugens[ugen as usize].outputs.len());
                    }
                }
            }
        }
        for variant in &def.variants {
            assert_eq!(variant.values.len(), def.initial_values.len());
        }
    }
}

#[test]
fn every_fixture_reads_as_described() {
    for &(stem, bytes, json) in FIXTURES {
        let file = read_synthdefs(bytes).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(file, described(json), "{stem}");
        assert_consistent(&file);
    }
}

#[test]
fn sine_reads_as_written() {
    let file = read("sine");
    assert_eq!(file.version, 2);
    let [def] = &file.defs[..] else { panic!("{} defs", file.defs.len()) };
    assert_eq!(def.name, "sine");
    assert_eq!(def.controls(), vec![("amp".to_string(), 0, 1), ("freq".to_string(), 1, 1)]);
    assert_eq!(def.initial_values, vec![0.1, 440.0]);
    let classes: Vec<&str> = def.ugens.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(classes, ["Control", "SinOsc", "BinaryOpUGen", "Out"]);
    let times = &def.ugens[2];
    assert_eq!((times.rate, times.special_index), (Rate::Audio, 2));
    assert_eq!(times.inputs, vec![Input::UGen { ugen: 1, output: 0 }, Input::UGen { ugen: 0, output: 0 }]);
    assert_eq!(def.ugens[0].outputs, vec![Rate::Control; 2]);
    assert!(def.ugens[3].outputs.is_empty());
    assert!(def.variants.is_empty());
}

#[test]
fn an_array_control_covers_its_values() {
    let def = &read("chord").defs[0];
    assert_eq!(def.controls(), vec![("amp".to_string(), 0, 1), ("freqs".to_string(), 1, 3)]);
    assert_eq!(def.initial_values[1..], [220.0, 277.2, 329.6]);
}

#[test]
fn version_1_reads_as_version_2() {
    for (v1, v2) in [("sine_v1", "sine"), ("voice_v1", "voice")] {
        let (v1, v2) = (read(v1), read(v2));
        assert_eq!((v1.version, v2.version), (1, 2));
        assert_eq!(v1.defs, v2.defs);
    }
}

#[test]
fn variants_become_defs_of_their_own() {
    let def = &read("sine_variants").defs[0];
    let names: Vec<&str> = def.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["low", "high"]);
    let low = def.with_variant(&def.variants[0]);
    assert_eq!(low.name, "sine.low");
    assert_eq!(low.initial_values, vec![110.0, 0.2]);
    assert!(low.variants.is_empty());
    assert_eq!((&low.ugens, &low.constants), (&def.ugens, &def.constants));
    assert_eq!(low.controls(), def.controls());

    let chord = &read("chord_variants_v1").defs[0];
    let minor = chord.with_variant(&chord.variants[0]);
    assert_eq!(minor.name, "chord.minor");
    assert_eq!(minor.initial_values, vec![0.25, 220.0, 261.6, 329.6]);
}

#[test]
fn a_short_variant_keeps_the_other_defaults() {
    let def = &read("sine").defs[0];
    let short = Variant { name: "short".into(), values: vec![0.5] };
    assert_eq!(def.with_variant(&short).initial_values, vec![0.5, 440.0]);
}

#[test]
fn supriyas_default_def_reads() {
    let def = &read("supriya_default").defs[0];
    assert_eq!(def.name, "supriya:default");
    let names: Vec<(String, u32, u32)> = def.controls();
    let names: Vec<&str> = names.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(names, ["out", "amplitude", "frequency", "gate", "pan"]);
    let count = |class: &str| def.ugens.iter().filter(|u| u.name == class).count();
    assert_eq!((count("VarSaw"), count("Rand"), count("LPF")), (3, 4, 1));
    let out = def.ugens.last().unwrap();
    assert_eq!(out.name, "OffsetOut");
    assert_eq!(out.inputs.len(), 3);
}

#[test]
fn two_defs_in_one_file() {
    let file = read("sine_and_voice");
    assert_eq!(file.defs, [read("sine").defs, read("voice").defs].concat());
}

#[test]
fn every_truncation_is_refused() {
    for &(stem, bytes, _) in FIXTURES {
        for len in 0..bytes.len() {
            let err =
                read_synthdefs(&bytes[..len]).err().unwrap_or_else(|| panic!("{stem} cut to {len} bytes was read"));
            assert!(
                matches!(err.problem(), Problem::Truncated { .. } | Problem::CountTooLarge { .. }),
                "{stem} cut to {len}: {err}"
            );
            assert!(err.offset() <= len, "{stem} cut to {len}: {err}");
        }
    }
}

#[test]
fn a_truncation_names_the_field() {
    let sine = fixture("sine");
    let end = sine.len();
    let err = read_synthdefs(&sine[..end - 1]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("synthdef 'sine': truncated in the variant count: it needs 2 bytes, 1 are left at byte {}", end - 2)
    );
    let err = read_synthdefs(&sine[..end - 3]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "synthdef 'sine': truncated in the output or constant index of ugen 3 (Out) input 1: it needs 4 bytes, 3 are left at byte {}",
            end - 6
        )
    );
    // A name longer than the file: the def has no name yet, so its position names it.
    let mut bytes = b"SCgf\0\0\0\x02\0\x01\xc8".to_vec();
    bytes.extend_from_slice(&[b'a'; 30]);
    let err = read_synthdefs(&bytes).unwrap_err();
    assert_eq!(
        err.to_string(),
        "synthdef #0: truncated in the synthdef name: it needs 200 bytes, 30 are left at byte 11"
    );
    // A file too short for the defs it counts is refused at the count.
    let err = read_synthdefs(&sine[..17]).unwrap_err();
    assert_eq!(err.to_string(), "the synthdef count is 1, but 1 items take at least 19 bytes and 7 are left at byte 8");
}

/// The sine fixture with the bytes at `at` replaced.
fn patched(stem: &str, at: usize, with: &[u8]) -> Vec<u8> {
    let mut bytes = fixture(stem).to_vec();
    bytes[at..at + with.len()].copy_from_slice(with);
    bytes
}

/// Sine's constant count: after the header (10 bytes) and the name (5).
const SINE_CONSTANT_COUNT: usize = 15;

#[test]
fn huge_counts_are_refused_before_allocating() {
    let err = read_synthdefs(&patched("sine", SINE_CONSTANT_COUNT, &[0x7f, 0xff, 0xff, 0xff])).unwrap_err();
    assert!(matches!(err.problem(), Problem::CountTooLarge { count: 0x7fff_ffff, .. }), "{err}");
    assert_eq!(err.offset(), SINE_CONSTANT_COUNT);
    let err = read_synthdefs(&patched("sine", SINE_CONSTANT_COUNT, &[0xff, 0xff, 0xff, 0xfe])).unwrap_err();
    assert_eq!(err.to_string(), "synthdef 'sine': the constant count is negative (-2) at byte 15");
    // Every 32-bit field of every fixture set huge: whatever reads it as a count refuses it
    // against the bytes left, before allocating anything for it.
    for &(_, bytes, _) in FIXTURES {
        for at in 0..bytes.len().saturating_sub(4) {
            let mut huge = bytes.to_vec();
            huge[at..at + 4].copy_from_slice(&[0x7f, 0xff, 0xff, 0xff]);
            let _ = read_synthdefs(&huge);
        }
    }
    let err = read_synthdefs(&patched("sine", 8, &[0x7f, 0xff])).unwrap_err();
    assert!(matches!(err.problem(), Problem::CountTooLarge { .. }), "{err}");
}

#[test]
fn bad_headers_are_refused() {
    let err = read_synthdefs(b"SCgg\0\0\0\x02\0\0").unwrap_err();
    assert_eq!(err.problem(), &Problem::BadMagic(b"SCgg".to_vec()));
    let err = read_synthdefs(b"SCgf\0\0\0\x03\0\0").unwrap_err();
    assert_eq!(err.problem(), &Problem::UnsupportedVersion(3));
    assert_eq!(err.offset(), 4);
    let err = read_synthdefs(b"").unwrap_err();
    assert!(matches!(err.problem(), Problem::Truncated { .. }));
}

#[test]
fn zero_defs_are_an_empty_file() {
    for version in [1, 2] {
        let file = read_synthdefs(&[b'S', b'C', b'g', b'f', 0, 0, 0, version, 0, 0]).unwrap();
        assert_eq!(file.version, u32::from(version));
        assert!(file.defs.is_empty());
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = fixture("sine").to_vec();
    let end = bytes.len();
    bytes.extend_from_slice(&[0, 0, 0]);
    let err = read_synthdefs(&bytes).unwrap_err();
    assert_eq!(err.problem(), &Problem::TrailingBytes(3));
    assert_eq!(err.offset(), end);
    assert_eq!(err.def(), None);
}

/// A def to encode, with every count, index and code as written.
#[derive(Clone)]
struct Raw {
    constants: Vec<f32>,
    params: Vec<f32>,
    names: Vec<(&'static str, i32)>,
    ugens: Vec<RawUGen>,
    variants: Vec<(&'static str, Vec<f32>)>,
}

#[derive(Clone)]
struct RawUGen {
    name: &'static str,
    rate: u8,
    inputs: Vec<(i32, i32)>,
    outputs: Vec<u8>,
}

fn ugen(name: &'static str, inputs: Vec<(i32, i32)>, outputs: usize) -> RawUGen {
    RawUGen { name, rate: 2, inputs, outputs: vec![2; outputs] }
}

/// Sine's graph, written by hand: Control, SinOsc, BinaryOpUGen (*), Out.
fn sine_raw() -> Raw {
    Raw {
        constants: vec![0.0],
        params: vec![0.1, 440.0],
        names: vec![("amp", 0), ("freq", 1)],
        ugens: vec![
            RawUGen { rate: 1, outputs: vec![1; 2], ..ugen("Control", vec![], 2) },
            ugen("SinOsc", vec![(0, 1), (-1, 0)], 1),
            ugen("BinaryOpUGen", vec![(1, 0), (0, 0)], 1),
            ugen("Out", vec![(-1, 0), (2, 0)], 0),
        ],
        variants: vec![],
    }
}

/// The SCgf bytes of `defs`, named as given, in `version`.
fn encode(version: u8, defs: &[(&str, &Raw)]) -> Vec<u8> {
    let mut out = b"SCgf".to_vec();
    out.extend_from_slice(&i32::from(version).to_be_bytes());
    out.extend_from_slice(&(defs.len() as i16).to_be_bytes());
    let int = |out: &mut Vec<u8>, value: i32| {
        if version == 2 {
            out.extend_from_slice(&value.to_be_bytes());
        } else {
            out.extend_from_slice(&(value as i16).to_be_bytes());
        }
    };
    let string = |out: &mut Vec<u8>, s: &str| {
        out.push(s.len() as u8);
        out.extend_from_slice(s.as_bytes());
    };
    for (name, def) in defs {
        string(&mut out, name);
        for values in [&def.constants, &def.params] {
            int(&mut out, values.len() as i32);
            values.iter().for_each(|v| out.extend_from_slice(&v.to_be_bytes()));
        }
        int(&mut out, def.names.len() as i32);
        for (name, index) in &def.names {
            string(&mut out, name);
            int(&mut out, *index);
        }
        int(&mut out, def.ugens.len() as i32);
        for u in &def.ugens {
            string(&mut out, u.name);
            out.push(u.rate);
            int(&mut out, u.inputs.len() as i32);
            int(&mut out, u.outputs.len() as i32);
            out.extend_from_slice(&2i16.to_be_bytes());
            for (source, which) in &u.inputs {
                int(&mut out, *source);
                int(&mut out, *which);
            }
            out.extend_from_slice(&u.outputs);
        }
        out.extend_from_slice(&(def.variants.len() as i16).to_be_bytes());
        for (name, values) in &def.variants {
            string(&mut out, name);
            values.iter().for_each(|v| out.extend_from_slice(&v.to_be_bytes()));
        }
    }
    out
}

fn refused(raw: &Raw) -> ScgfError {
    read_synthdefs(&encode(2, &[("sine", raw)])).unwrap_err()
}

#[test]
fn the_hand_written_sine_reads_like_supriyas() {
    // Supriya writes the BinaryOpUGen's special index, 2; the encoder writes 2 for all.
    let mut file = read_synthdefs(&encode(2, &[("sine", &sine_raw())])).unwrap();
    for u in [0, 1, 3] {
        file.defs[0].ugens[u].special_index = 0;
    }
    assert_eq!(file, read("sine"));
}

#[test]
fn forward_and_self_references_are_refused() {
    let mut raw = sine_raw();
    raw.ugens[2].inputs[1] = (5, 0);
    let err = refused(&raw);
    let at = err.offset();
    assert_eq!(
        err.to_string(),
        format!(
            "synthdef 'sine': ugen 2 (BinaryOpUGen) input 1 refers to ugen 5, which comes later (a cycle or a bad reference) at byte {at}"
        )
    );
    // The offset is the input's: after ugen 2's input 0, whose source is ugen 1.
    let bytes = encode(2, &[("sine", &raw)]);
    assert_eq!(bytes[at - 8..at], [0, 0, 0, 1, 0, 0, 0, 0]);
    assert_eq!(bytes[at..at + 4], [0, 0, 0, 5]);

    raw.ugens[2].inputs[1] = (2, 0);
    let err = refused(&raw);
    assert!(err.to_string().contains("refers to ugen 2, itself (a cycle)"), "{err}");
    raw.ugens[2].inputs[1] = (3, 0);
    assert!(matches!(refused(&raw).problem(), Problem::BadUGenReference { target: 3, .. }));
    raw.ugens[2].inputs[1] = (-2, 0);
    assert!(matches!(refused(&raw).problem(), Problem::BadUGenReference { target: -2, .. }));
}

#[test]
fn outputs_out_of_range_are_refused() {
    let mut raw = sine_raw();
    raw.ugens[2].inputs[1] = (0, 2);
    assert_eq!(
        refused(&raw).problem(),
        &Problem::OutputOutOfRange {
            ugen: 2,
            class: "BinaryOpUGen".into(),
            input: 1,
            target: 0,
            target_class: "Control".into(),
            output: 2,
            outputs: 2,
        }
    );
    raw.ugens[2].inputs[1] = (0, -1);
    assert!(matches!(refused(&raw).problem(), Problem::OutputOutOfRange { output: -1, .. }));
    // Out has no outputs to read.
    raw = sine_raw();
    raw.ugens.push(ugen("Out", vec![(-1, 0), (3, 0)], 0));
    assert!(matches!(refused(&raw).problem(), Problem::OutputOutOfRange { outputs: 0, .. }));
}

#[test]
fn constants_out_of_range_are_refused() {
    let mut raw = sine_raw();
    raw.ugens[3].inputs[0] = (-1, 1);
    let err = refused(&raw);
    assert_eq!(
        err.to_string(),
        format!(
            "synthdef 'sine': ugen 3 (Out) input 0 reads constant 1, but there are 1 constants at byte {}",
            err.offset()
        )
    );
    raw.ugens[3].inputs[0] = (-1, -1);
    assert!(matches!(refused(&raw).problem(), Problem::ConstantOutOfRange { constant: -1, .. }));
}

#[test]
fn parameter_names_out_of_range_are_refused() {
    let mut raw = sine_raw();
    raw.names[1].1 = 2;
    assert_eq!(
        refused(&raw).problem(),
        &Problem::ParameterIndexOutOfRange { name: "freq".into(), index: 2, parameters: 2 }
    );
    raw.names[1].1 = -1;
    assert!(matches!(refused(&raw).problem(), Problem::ParameterIndexOutOfRange { .. }));
}

#[test]
fn bad_rates_are_refused() {
    for code in [4, 0x7f, 0x80, 0xff] {
        let mut raw = sine_raw();
        raw.ugens[1].rate = code;
        let err = refused(&raw);
        assert!(matches!(err.problem(), Problem::BadRate { .. }), "{err}");
        assert!(err.to_string().contains("rate of ugen 1 (SinOsc)"), "{err}");
        let mut raw = sine_raw();
        raw.ugens[0].outputs[1] = code;
        let err = refused(&raw);
        assert!(err.to_string().contains("rate of ugen 0 (Control) output 1"), "{err}");
    }
}

#[test]
fn names_must_be_utf8() {
    let mut bytes = fixture("sine").to_vec();
    bytes[11] = 0xff; // The first byte of the def's name.
    let err = read_synthdefs(&bytes).unwrap_err();
    assert_eq!(err.to_string(), "synthdef #0: the synthdef name is not UTF-8 at byte 10");
    let raw = Raw { names: vec![("fréq", 1), ("amp", 0)], ..sine_raw() };
    let file = read_synthdefs(&encode(1, &[("sine", &raw)])).unwrap();
    assert_eq!(file.defs[0].controls()[1].0, "fréq");
}

#[test]
fn duplicate_names_are_kept_in_order() {
    let other = Raw { params: vec![0.2, 220.0], ..sine_raw() };
    let file = read_synthdefs(&encode(2, &[("sine", &sine_raw()), ("sine", &other)])).unwrap();
    let defaults: Vec<&[f32]> = file.defs.iter().map(|d| &d.initial_values[..]).collect();
    assert_eq!(defaults, [&[0.1, 440.0][..], &[0.2, 220.0][..]]);
}

#[test]
fn a_def_after_the_first_is_named_by_position_until_its_name_is_read() {
    let bytes = encode(2, &[("sine", &sine_raw()), ("second", &sine_raw())]);
    let first_end = encode(2, &[("sine", &sine_raw())]).len();
    let err = read_synthdefs(&bytes[..first_end + 3]).unwrap_err();
    assert_eq!(err.def(), Some(&DefId::Position(1)));
    let err = read_synthdefs(&bytes[..first_end + 8]).unwrap_err();
    assert_eq!(err.def(), Some(&DefId::Named("second".into())));
}

#[test]
fn variants_have_a_value_per_parameter() {
    let raw = Raw { variants: vec![("loud", vec![0.5, 440.0])], ..sine_raw() };
    for version in [1, 2] {
        let bytes = encode(version, &[("sine", &raw)]);
        let def = &read_synthdefs(&bytes).unwrap().defs[0];
        assert_eq!(def.variants[0].values, vec![0.5, 440.0]);
        // One value short: the variant's last value runs into the end of the file.
        let short = Raw { variants: vec![("loud", vec![0.5])], ..raw.clone() };
        let err = read_synthdefs(&encode(version, &[("sine", &short)])).unwrap_err();
        assert!(err.to_string().contains("truncated in the value 1 of variant 0 ('loud')"), "{err}");
        // Two unnamed variants a value short each: 10 bytes, where two take at least 18.
        let short = Raw { variants: vec![("", vec![0.5]), ("", vec![0.05])], ..raw.clone() };
        let err = read_synthdefs(&encode(version, &[("sine", &short)])).unwrap_err();
        assert!(matches!(err.problem(), Problem::CountTooLarge { count: 2, .. }), "{err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0..FIXTURES.len(),
        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8),
        cut in any::<usize>(),
    ) {
        let mut bytes = FIXTURES[which].1.to_vec();
        for (at, byte) in edits {
            let at = at % bytes.len();
            bytes[at] = byte;
        }
        if cut % 4 == 0 {
            bytes.truncate(cut % (bytes.len() + 1));
        }
        if let Ok(file) = read_synthdefs(&bytes) {
            assert_consistent(&file);
        }
    }
}
