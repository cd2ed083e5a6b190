//! scsynth's `/n_mapa` and `/n_mapan`: a control reading an audio bus, frame by frame at
//! audio rate, the bus's first frame of each block at control rate; unmapped by bus -1 and
//! by a set. Sample-exact through offline rendering, and over loopback UDP against the
//! real server.
mod support;

use oscine::control::Registry;
use oscine::render::{RenderOptions, Renderer};
use oscine::score::{message, Score};
use rosc::OscType;
use support::scgf::{control_reader, file, ramp};
use support::server::{f, i, s, Client, Server};

const BLOCK: usize = 64;

/// The ramp `ramp-writer` writes and the reader reads: bus 5, an internal bus (after 3
/// hardware outputs and no inputs) in the render.
const RAMP_BUS: i32 = 5;

fn defs() -> Vec<u8> {
    file(&[ramp("ramp-writer"), control_reader("control-reader")])
}

#[test]
fn mapped_controls_read_the_audio_bus_frame_by_frame_at_audio_rate_and_its_first_frame_at_control_rate() {
    // Outputs: 0 what `xa` reads, 1 what `xk` reads (through K2A), 2 the ramp itself.
    let mut score = Score::new();
    score.at(
        0.0,
        [
            message("/d_recv", vec![OscType::Blob(defs())]),
            message("/s_new", vec![s("ramp-writer"), i(1000), i(0), i(0), s("bus"), i(RAMP_BUS), s("copy"), i(2)]),
            message("/s_new", vec![s("control-reader"), i(1001), i(1), i(0)]),
            message("/n_mapa", vec![i(1001), s("xa"), i(RAMP_BUS), s("xk"), i(RAMP_BUS)]),
        ],
    );
    score.end(0.05);
    let options = RenderOptions { outputs: 3, block_size: BLOCK, ..RenderOptions::default() };
    let out = Renderer::with_registry(options, Registry::with_builtins())
        .render_to_memory(&score.to_bytes().unwrap())
        .expect("the score renders");
    let (xa, xk, bus) = (&out[0], &out[1], &out[2]);
    assert!(bus.len() > 20 * BLOCK);
    // The ramp grows by 1 a frame, from the writer's first frame.
    assert!(bus.windows(2).all(|w| w[1] - w[0] == 1.0), "the writer's ramp is not a ramp");
    // At audio rate, every frame is the bus's.
    assert_eq!(xa, bus, "the audio-rate control does not read the bus frame by frame");
    // At control rate, the control holds the bus's first frame of each block: K2A ramps
    // from last block's value to this block's, so frame `i` of block `n` is the bus's
    // frame `i` of block `n - 1`.
    for frame in 2 * BLOCK..bus.len() {
        assert_eq!(xk[frame], bus[frame - BLOCK], "frame {frame}: the control-rate control read another frame");
    }
}

/// A scsynth client of a server holding the two defs, the ramp on bus `RAMP_BUS` (and on
/// bus 8, which nothing reads) from Synth 1000, and a reader 1001 after it.
fn scsynth_setup(server: &Server) -> Client {
    let mut c = server.client();
    c.send("/notify", vec![i(1), i(0)]);
    c.expect("/done");
    c.send("/d_recv", vec![OscType::Blob(defs())]);
    c.expect("/done");
    c.send("/s_new", vec![s("ramp-writer"), i(1000), i(0), i(0), s("bus"), i(RAMP_BUS), s("copy"), i(8)]);
    c.send("/s_new", vec![s("control-reader"), i(1001), i(3), i(1000)]);
    c.sync();
    c
}

/// `xk` of Synth 1001, as `/s_get` answers.
fn xk(c: &mut Client) -> f32 {
    c.send("/s_get", vec![i(1001), s("xk")]);
    let reply = c.expect("/n_set");
    match reply.args[..] {
        [OscType::Int(1001), OscType::String(ref name), OscType::Float(v)] if name == "xk" => v,
        _ => panic!("unexpected /s_get answer {reply:?}"),
    }
}

/// Reads `xk` until it has changed from `from`, and returns the new value.
fn next_xk(c: &mut Client, from: f32) -> f32 {
    let deadline = std::time::Instant::now() + support::server::REPLY_TIMEOUT;
    loop {
        let v = xk(c);
        if v != from {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "xk stayed at {from}: the map does not read the bus");
    }
}

#[test]
fn a_control_mapped_to_an_audio_bus_follows_it_block_by_block_until_unmapped_or_set() {
    let server = Server::start_with(&["--dialect", "scsynth", "--inputs", "0", "--outputs", "2"]);
    let mut c = scsynth_setup(&server);
    // bus 5: internal bus 3, after 2 outputs and no inputs.
    assert_eq!(xk(&mut c), 0.0);
    c.send("/n_mapa", vec![i(1001), s("xk"), i(RAMP_BUS)]);
    c.sync();
    // Each block the control reads the ramp's first frame of that block: the writer
    // started at a block's start, so every value read is its first value plus a whole
    // number of blocks.
    let first = next_xk(&mut c, 0.0);
    let second = next_xk(&mut c, first);
    assert!(second > first);
    assert_eq!((second - first) % BLOCK as f32, 0.0, "read {first} then {second}: not first frames of blocks");
    // Bus -1 unmaps: the control keeps the value it last read.
    c.send("/n_mapa", vec![i(1001), s("xk"), i(-1)]);
    c.sync();
    let held = xk(&mut c);
    c.sync();
    c.send("/sync", vec![i(7)]);
    c.expect("/synced");
    assert_eq!(xk(&mut c), held, "an unmapped control still follows the bus");
    // `/n_mapan` maps runs: control 0 (`xa`) and 1 (`xk`) to buses 5 and 6; a set unmaps.
    c.send("/n_mapan", vec![i(1001), i(0), i(RAMP_BUS - 1), i(2)]);
    c.sync();
    let now = next_xk(&mut c, held);
    c.send("/n_set", vec![i(1001), s("xk"), f(0.25)]);
    c.sync();
    assert_eq!(xk(&mut c), 0.25);
    c.sync();
    assert_eq!(xk(&mut c), 0.25, "a set control still follows the bus (it read {now} before)");
    // Failures are scsynth's `/fail`, naming the verb; the server stays up.
    c.send("/n_mapa", vec![i(1001), s("xk"), i(100_000)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/n_mapa"));
    c.send("/n_mapan", vec![i(4321), s("xk"), i(0), i(1)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/n_mapa"));
    c.send("/n_mapa", vec![i(1001), s("nonesuch"), i(0)]);
    assert_eq!(c.expect("/fail").args[0], s("/n_mapa"));
    assert_eq!(xk(&mut c), 0.25);
    // On a Group, every Synth in it that has the control (the writer has none) is mapped.
    c.send("/n_mapa", vec![i(0), s("xk"), i(RAMP_BUS)]);
    let now = next_xk(&mut c, 0.25);
    assert_eq!((now - first) % BLOCK as f32, 0.0, "read {now}: not the first frame of a block");
}

#[test]
fn an_oscine_client_gets_acks_and_errors_for_audio_maps() {
    let server = Server::start_with(&["--inputs", "0", "--outputs", "2", "--max-audio-buses", "128"]);
    let mut c = server.client();
    c.send("/d_recv", vec![OscType::Blob(defs())]);
    c.expect("/done");
    c.ok("/s_new", vec![s("control-reader"), i(1001), i(0), i(0)], "/synth/new", 1001);
    c.ok("/n_mapa", vec![i(1001), s("xa"), i(3)], "/n_mapa", 1001);
    c.ok("/n_mapan", vec![i(1001), i(0), i(3), i(2)], "/n_mapa", 1001);
    // 2 outputs, no inputs and the internal buses: bus 2 + max-audio-buses does not exist.
    c.fails("/n_mapa", vec![i(1001), s("xk"), i(2 + 128)], "/n_mapa", 44);
    c.fails("/n_mapa", vec![i(77), s("xk"), i(2)], "/n_mapa", 21);
    c.fails("/n_mapa", vec![i(1001), s("xk")], "/n_mapa", 11);
    c.fails("/n_mapa", vec![i(1001), s("xk"), f(2.0)], "/n_mapa", 12);
    c.fails("/n_mapan", vec![i(1001), s("xk"), i(2), i(0)], "/n_mapan", 13);
    c.ok("/n_mapa", vec![i(1001), s("xa"), i(-1), s("xk"), i(-1)], "/n_mapa", 1001);
}
