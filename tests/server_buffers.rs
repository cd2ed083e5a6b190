//! scsynth's buffer commands over loopback UDP against the real binary: `/b_*` verbs on
//! `audio-buffer` Resources, their completion messages, and their refusals.
mod support;
#[path = "support/wav.rs"]
mod wav;

use rosc::{OscMessage, OscPacket, OscType};
use support::server::{encode, f, i, s, Client, Server};
use wav::TempPath;

fn completion(addr: &str, args: Vec<OscType>) -> OscType {
    OscType::Blob(encode(&OscPacket::Message(OscMessage { addr: addr.into(), args })))
}

/// Saves buffer `id` to a WAV file and returns its samples.
fn saved(c: &mut Client, id: i32, tag: &str) -> Vec<f32> {
    let file = TempPath::new(tag);
    c.send("/b_write", vec![i(id), s(&file.string()), s("wav"), s("float")]);
    let reply = c.expect("/resource/performed");
    assert_eq!(reply.args[..2], [i(id), s("write")], "{reply:?}");
    wav::read(file.path()).as_f32()
}

#[test]
fn buffer_commands_run_their_completion_messages_after_their_work() {
    let server = Server::start();
    let mut c = server.client();
    // Allocation, then its completion message: it writes the new buffer.
    let fill = completion("/b_setn", vec![i(3), i(0), i(4), f(0.1), f(0.2), f(0.3), f(0.4)]);
    c.send("/b_alloc", vec![i(3), i(8), i(1), fill]);
    assert_eq!(c.expect("/resource/ready").args, [i(3)]);
    assert_eq!(c.expect("/resource/performed").args, [i(3), s("setn")]);
    assert_eq!(saved(&mut c, 3, "setn"), [0.1, 0.2, 0.3, 0.4, 0.0, 0.0, 0.0, 0.0]);

    // A refused allocation (the number holds a buffer) drops its completion message.
    let clobber = completion("/b_fill", vec![i(3), i(0), i(8), f(9.0)]);
    c.send("/b_alloc", vec![i(3), i(8), i(1), clobber]);
    let error = c.expect_error("/resource/new", 61);
    assert!(error.contains("resource id 3 is already in use"), "{error}");
    // The rest: /b_set, /b_fill and /b_gen write in place, the chain of completions runs
    // in order.
    let gen = completion("/b_gen", vec![i(4), s("sine1"), i(7), f(1.0)]);
    c.send("/b_alloc", vec![i(4), i(16), i(1), gen]);
    assert_eq!(c.expect("/resource/ready").args, [i(4)]);
    assert_eq!(c.expect("/resource/performed").args, [i(4), s("gen")]);
    let table = saved(&mut c, 4, "gen");
    // In wavetable form, the pairs add up to a sine's 8 points, normalized.
    for (k, pair) in table.chunks(2).enumerate() {
        let want = (std::f64::consts::TAU * k as f64 / 8.0).sin() as f32;
        assert!((pair[0] + pair[1] - want).abs() < 1e-6, "point {k}: {pair:?}");
    }
    c.send("/b_set", vec![i(3), i(7), f(-1.0)]);
    c.send("/b_fill", vec![i(3), i(4), i(2), f(0.5)]);
    c.expect("/resource/performed");
    c.expect("/resource/performed");
    assert_eq!(saved(&mut c, 3, "edits"), [0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.0, -1.0]);

    // Refusals name what is wrong; the server stays up.
    c.send("/b_write", vec![i(3), s("/tmp/x.flac"), s("flac")]);
    let error = c.expect_error("/b_write", 13);
    assert!(error.contains("header format 'flac'") && error.contains("WAV or AIFF"), "{error}");
    c.send("/b_set", vec![i(3), i(8), f(1.0)]);
    let error = c.expect_error("/resource/perform", 68);
    assert!(error.contains("sample index 8 is outside the buffer's 8 samples"), "{error}");
    c.send("/b_read", vec![i(3), s("/tmp/x.wav"), i(0), i(-1), i(0), i(1)]);
    let error = c.expect_error("/b_read", 13);
    assert!(error.contains("DiskIn"), "{error}");
    c.send("/b_gen", vec![i(3), s("chebyshev"), i(0), f(1.0)]);
    let error = c.expect_error("/resource/perform", 68);
    assert!(error.contains("no command 'chebyshev'"), "{error}");

    // Freeing, with a completion message that runs once the buffer is gone.
    c.send("/b_free", vec![i(4), completion("/b_alloc", vec![i(4), i(2)])]);
    assert_eq!(c.expect("/resource/destroyed").args, [i(4)]);
    assert_eq!(c.expect("/resource/ready").args, [i(4)]);
    c.sync();
}
