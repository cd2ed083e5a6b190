//! scsynth's `/b_allocReadChannel` and `/b_readChannel` over loopback UDP against the real
//! binary: only the listed channels of a sound file, in the listed order, with scsynth's
//! replies, completion messages and refusals.
mod support;
#[path = "support/wav.rs"]
mod wav;

use rosc::{OscMessage, OscPacket, OscType};
use support::server::{encode, f, i, s, Client, Server};
use wav::TempPath;

/// Frames of the test file: frame `k`, channel `c` holds `c + k / 10`.
const FRAMES: usize = 5;

/// A three-channel float WAV file of [`FRAMES`] frames.
fn three_channels() -> TempPath {
    let file = TempPath::new("three-channels");
    let samples: Vec<f32> = (0..FRAMES).flat_map(|k| (0..3).map(move |c| c as f32 + k as f32 / 10.0)).collect();
    wav::write_float(file.path(), 3, 48_000, &samples);
    file
}

/// Sample `channel` of `frame` of the test file.
fn sample(channel: usize, frame: usize) -> f32 {
    channel as f32 + frame as f32 / 10.0
}

fn completion(addr: &str, args: Vec<OscType>) -> OscType {
    OscType::Blob(encode(&OscPacket::Message(OscMessage { addr: addr.into(), args })))
}

fn scsynth_client(server: &Server) -> Client {
    let mut c = server.client();
    c.send("/notify", vec![i(1), i(0)]);
    c.expect("/done");
    c
}

/// Buffer `id`'s samples, interleaved, as `/b_getn` answers.
fn samples(c: &mut Client, id: i32, count: usize) -> Vec<f32> {
    c.send("/b_getn", vec![i(id), i(0), i(count as i32)]);
    let reply = c.expect("/b_setn");
    assert_eq!(reply.args[..3], [i(id), i(0), i(count as i32)], "{reply:?}");
    reply.args[3..].iter().map(|v| if let OscType::Float(v) = v { *v } else { panic!("{reply:?}") }).collect()
}

fn done(c: &mut Client, addr: &str, id: i32) {
    assert_eq!(c.expect("/done").args, [s(addr), i(id)]);
}

#[test]
fn alloc_read_channel_reads_the_listed_channels_in_their_order_then_runs_its_completion() {
    let file = three_channels();
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    // Channels 2 and 0, frames 1..4; the completion message queries the new buffer.
    let query = completion("/b_query", vec![i(1)]);
    c.send("/b_allocReadChannel", vec![i(1), s(&file.string()), i(1), i(3), i(2), i(0), query]);
    done(&mut c, "/b_allocReadChannel", 1);
    assert_eq!(c.expect("/b_info").args, [i(1), i(3), i(2), f(48_000.0)]);
    let want: Vec<f32> = (1..4).flat_map(|k| [sample(2, k), sample(0, k)]).collect();
    assert_eq!(samples(&mut c, 1, 6), want);
    // No channels: every channel, in the file's order; frames 0 (the default): the rest.
    c.send("/b_allocReadChannel", vec![i(2), s(&file.string()), i(3)]);
    done(&mut c, "/b_allocReadChannel", 2);
    let want: Vec<f32> = (3..FRAMES).flat_map(|k| (0..3).map(move |ch| sample(ch, k))).collect();
    assert_eq!(samples(&mut c, 2, 6), want);
    // A channel listed twice is read twice.
    c.send("/b_allocReadChannel", vec![i(3), s(&file.string()), i(0), i(2), i(1), i(1)]);
    done(&mut c, "/b_allocReadChannel", 3);
    assert_eq!(samples(&mut c, 3, 4), [sample(1, 0), sample(1, 0), sample(1, 1), sample(1, 1)]);

    // A channel the file lacks: scsynth's `/fail`, naming the command and the buffer; the
    // completion message is not run, the number stays free.
    let never = completion("/b_alloc", vec![i(4), i(1)]);
    c.send("/b_allocReadChannel", vec![i(4), s(&file.string()), i(0), i(0), i(1), i(3), never]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/b_allocReadChannel"));
    assert_eq!(fail.args[2], i(4));
    let OscType::String(text) = &fail.args[1] else { panic!("{fail:?}") };
    assert!(text.contains("has no channel 3") && text.contains("3 channels"), "{text}");
    c.send("/b_query", vec![i(4)]);
    assert_eq!(c.expect("/fail").args[0], s("/b_query"));
    // A negative channel is refused before anything runs.
    c.send("/b_allocReadChannel", vec![i(4), s(&file.string()), i(0), i(0), i(-1)]);
    let fail = c.expect("/fail");
    assert_eq!(fail.args[0], s("/b_allocReadChannel"));
    c.sync();
}

#[test]
fn read_channel_reads_one_listed_channel_per_buffer_channel_into_an_existing_buffer() {
    let file = three_channels();
    let server = Server::start_with(&["--dialect", "scsynth"]);
    let mut c = scsynth_client(&server);
    c.send("/b_alloc", vec![i(5), i(4), i(2)]);
    done(&mut c, "/b_alloc", 5);
    // From file frame 1, 2 frames, into buffer frame 1: channels 1 and 2; then a
    // completion message reads the samples back.
    let read_back = completion("/b_getn", vec![i(5), i(0), i(8)]);
    let args = vec![i(5), s(&file.string()), i(1), i(2), i(1), i(0), i(1), i(2), read_back];
    c.send("/b_readChannel", args);
    done(&mut c, "/b_readChannel", 5);
    let reply = c.expect("/b_setn");
    let want = [0.0, 0.0, sample(1, 1), sample(2, 1), sample(1, 2), sample(2, 2), 0.0, 0.0];
    assert_eq!(reply.args[3..], want.map(f));
    // Frames -1: as many as fit; the channels in the order listed.
    c.send("/b_readChannel", vec![i(5), s(&file.string()), i(0), i(-1), i(0), i(0), i(2), i(0)]);
    done(&mut c, "/b_readChannel", 5);
    let want: Vec<f32> = (0..4).flat_map(|k| [sample(2, k), sample(0, k)]).collect();
    assert_eq!(samples(&mut c, 5, 8), want);

    // Refusals: as many channels as the buffer has, channels the file has, no streaming.
    let never = completion("/b_zero", vec![i(5)]);
    c.send("/b_readChannel", vec![i(5), s(&file.string()), i(0), i(-1), i(0), i(0), i(1), never]);
    let fail = c.expect("/fail");
    assert_eq!((&fail.args[0], &fail.args[2]), (&s("/b_readChannel"), &i(5)));
    let OscType::String(text) = &fail.args[1] else { panic!("{fail:?}") };
    assert!(text.contains("1 channels listed for a buffer of 2"), "{text}");
    c.send("/b_readChannel", vec![i(5), s(&file.string()), i(0), i(-1), i(0), i(0), i(1), i(7)]);
    let fail = c.expect("/fail");
    let OscType::String(text) = &fail.args[1] else { panic!("{fail:?}") };
    assert!(text.contains("has no channel 7"), "{text}");
    c.send("/b_readChannel", vec![i(5), s(&file.string()), i(0), i(-1), i(0), i(1), i(1), i(2)]);
    let fail = c.expect("/fail");
    let OscType::String(text) = &fail.args[1] else { panic!("{fail:?}") };
    assert!(text.contains("DiskIn"), "{text}");
    // The refused reads changed nothing (and the completion message never ran).
    assert_eq!(samples(&mut c, 5, 8), want);
    c.send("/b_readChannel", vec![i(99), s(&file.string()), i(0), i(-1), i(0), i(0), i(1), i(2)]);
    assert_eq!(c.expect("/fail").args[0], s("/b_readChannel"));
    c.sync();
}

#[test]
fn an_oscine_client_gets_the_resource_replies_for_channel_reads() {
    let file = three_channels();
    let server = Server::start();
    let mut c = server.client();
    c.send("/b_allocReadChannel", vec![i(1), s(&file.string()), i(0), i(2), i(2)]);
    assert_eq!(c.expect("/resource/ready").args, [i(1)]);
    c.send("/b_readChannel", vec![i(1), s(&file.string()), i(3), i(2), i(0), i(0), i(1)]);
    assert_eq!(c.expect("/resource/performed").args, [i(1), s("read"), i(2)]);
    c.send("/b_allocReadChannel", vec![i(2), s(&file.string()), i(0), i(0), i(9)]);
    let error = c.expect("/resource/error");
    assert_eq!(error.args[0], i(2));
    c.send("/b_readChannel", vec![i(1), s(&file.string()), i(0), i(2), i(0), i(0), i(0), i(1)]);
    let error = c.expect_error("/resource/perform", 68);
    assert!(error.contains("2 channels listed for a buffer of 1"), "{error}");
    c.sync();
}
