//! NaN and infinities never reach the outputs: a Synth that plays them is heard as silence
//! there, the samples are counted and notified clients told (error 53); control values
//! that are not finite are refused (error 13) before they reach a Synth.
mod support;

use oscine::render::{RenderOptions, Renderer};
use oscine::score::{message, Score};
use rosc::OscType;
use support::scgf::{file, Graph, In, Ugen};
use support::server::{f, i, s, Server};

/// `Out.ar(0, [DC.ar(NaN), DC.ar(inf) + SinOsc.ar(freq)])`: both outputs non-finite every
/// frame, with a `freq` control.
fn poison() -> Graph {
    Graph {
        name: "poison",
        constants: vec![f32::NAN, f32::INFINITY, 0.0],
        params: vec![("freq", 440.0)],
        ugens: vec![
            Ugen { name: "Control", rate: 1, special: 0, inputs: vec![], outputs: vec![1] },
            Ugen { name: "DC", rate: 2, special: 0, inputs: vec![In::Const(0)], outputs: vec![2] },
            Ugen { name: "DC", rate: 2, special: 0, inputs: vec![In::Const(1)], outputs: vec![2] },
            Ugen { name: "SinOsc", rate: 2, special: 0, inputs: vec![In::Ugen(0, 0), In::Const(2)], outputs: vec![2] },
            // BinaryOpUGen 0 is `+`.
            Ugen {
                name: "BinaryOpUGen",
                rate: 2,
                special: 0,
                inputs: vec![In::Ugen(2, 0), In::Ugen(3, 0)],
                outputs: vec![2],
            },
            Ugen {
                name: "Out",
                rate: 2,
                special: 0,
                inputs: vec![In::Const(2), In::Ugen(1, 0), In::Ugen(4, 0)],
                outputs: vec![],
            },
        ],
        variants: vec![],
    }
}

#[test]
fn a_render_writes_non_finite_samples_as_silence_and_counts_them() {
    let mut score = Score::new();
    score.at(0.0, [message("/d_recv", vec![OscType::Blob(file(&[poison()]))])]);
    score.at(0.0, [message("/s_new", vec![s("poison"), i(1000), i(0), i(0)])]);
    score.end(0.01);
    let bytes = score.to_bytes().unwrap();
    let options = RenderOptions { outputs: 2, ..RenderOptions::default() };
    let channels = Renderer::new(options.clone()).render_to_memory(&bytes).unwrap();
    assert!(channels.iter().all(|c| c.iter().all(|&x| x == 0.0)), "every sample went out as 0");
    let mut sink = oscine::render::MemorySink::default();
    let report = Renderer::new(options).render(&bytes, &mut sink).unwrap();
    assert_eq!(report.nonfinite_samples, 2 * report.frames.next_multiple_of(64), "{report:?}");
}

#[test]
fn the_server_silences_non_finite_outputs_and_tells_notified_clients() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/notify", vec![i(1)], "/notify", 1);
    c.send("/d_recv", vec![OscType::Blob(file(&[poison()]))]);
    assert_eq!(c.expect("/done").args, [s("/d_recv")]);
    c.ok("/s_new", vec![s("poison"), i(1000), i(0), i(0)], "/synth/new", 1000);
    let notice = c.expect_error("", 53);
    assert!(notice.contains("NaN or infinite") && notice.contains("as 0"), "{notice}");
    // A count: `N output samples ...`, N a whole number of frames of both channels.
    let count: u64 = notice.split(' ').next().unwrap().parse().unwrap();
    assert!(count > 0 && count.is_multiple_of(2), "{notice}");
}

#[test]
fn control_values_that_are_not_finite_are_refused() {
    let server = Server::start();
    let mut c = server.client();
    c.ok("/synth/new", vec![s("sine"), i(1000), i(0), i(0)], "/synth/new", 1000);
    for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let e = c.fails("/n_set", vec![i(1000), s("freq"), f(bad)], "/n_set", 13);
        assert!(e.contains("must be finite"), "{e}");
        c.fails("/synth/new", vec![s("sine"), i(1001), i(0), i(0), s("freq"), f(bad)], "/synth/new", 13);
        c.fails("/c_set", vec![i(0), f(bad)], "/c_set", 13);
        c.fails(
            "/n_set",
            vec![i(1000), s("freq"), OscType::Array(rosc::OscArray { content: vec![f(bad)] })],
            "/n_set",
            13,
        );
    }
    // A double too large for an f32 would become an infinity.
    c.fails("/n_set", vec![i(1000), s("freq"), OscType::Double(1e300)], "/n_set", 13);
    c.fails("/n_setn", vec![i(1000), i(0), i(1), f(f32::NAN)], "/n_setn", 13);
    c.fails("/n_fill", vec![i(1000), i(0), i(1), f(f32::NAN)], "/n_fill", 13);
    // The Synth kept its frequency, and the server is up.
    assert_eq!(c.tree(0).control(1000, "freq"), Some(440.0));
}
