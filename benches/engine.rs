//! Throughput of the audio thread's process path, measured block by block through the
//! manual driver: `cargo bench --bench engine`. Results go in docs/performance.md.
//!
//! Each case reports nanoseconds per block and the share of a 48 kHz, 64-frame block's
//! duration (1333 µs) that the work takes on this machine: the DSP load one core would
//! show.

use std::hint::black_box;
use std::time::{Duration, Instant};

use oscine::build;
use oscine::control::{ControlKey, Registry};
use oscine::drivers::ManualDriver;
use oscine::engine::{AddAction, BusMapping, ClientId, Command, ControlChanges, ControlRef, EngineOptions};

const CLIENT: ClientId = ClientId(0);

struct Case {
    name: &'static str,
    def: &'static str,
    synths: usize,
}

fn measure(case: &Case, block_size: usize) -> (f64, f64) {
    let options = EngineOptions { block_size, max_nodes: case.synths + 16, ..Default::default() };
    let parts = build(options.clone(), Registry::with_builtins()).expect("engine builds");
    let mut handle = parts.handle;
    let mut driver = ManualDriver::with_engine(parts.engine);
    for i in 0..case.synths {
        let freq = 100.0 + i as f32;
        let synth = handle
            .build_synth(case.def, &[(ControlKey::Name("freq"), freq)])
            .or_else(|_| handle.build_synth(case.def, &[]))
            .expect("synth builds");
        let id = i as i32 + 1;
        handle
            .send(Command::SynthNew {
                client: CLIENT,
                id,
                target: 0,
                action: AddAction::TailOfGroup,
                activate: true,
                synth,
            })
            .expect("queue has room");
        // Every synth mixes into hardware output 0: the bus adds, as a mix would.
        handle
            .send(Command::MapOutput {
                client: CLIENT,
                id,
                port: 0,
                mapping: Some(BusMapping::external(0)),
                append: false,
            })
            .expect("queue has room");
        if (i + 1) % 1000 == 0 {
            driver.render_block();
            while handle.poll_event().is_some() {}
        }
    }
    driver.render_block();
    // Warm up, then time enough blocks for a stable figure.
    for _ in 0..200 {
        black_box(driver.render_block());
    }
    while handle.poll_event().is_some() {}
    let blocks = (200_000 / case.synths.max(1)).clamp(500, 20_000);
    let start = Instant::now();
    for _ in 0..blocks {
        black_box(driver.render_block());
    }
    let per_block = start.elapsed().as_secs_f64() / blocks as f64;
    let block_duration = block_size as f64 / options.sample_rate;
    drop(driver);
    parts.workers.join();
    (per_block * 1e9, per_block / block_duration)
}

fn control_throughput() -> f64 {
    let options = EngineOptions { max_nodes: 64, command_queue_capacity: 4096, ..Default::default() };
    let parts = build(options, Registry::with_builtins()).expect("engine builds");
    let mut handle = parts.handle;
    let mut driver = ManualDriver::with_engine(parts.engine);
    let synth = handle.build_synth("sine", &[]).unwrap();
    handle
        .send(Command::SynthNew {
            client: CLIENT,
            id: 1,
            target: 0,
            action: AddAction::TailOfGroup,
            activate: true,
            synth,
        })
        .unwrap();
    driver.render_block();
    let freq = handle.control_ref("freq").unwrap();
    let mut sent = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(500) {
        for i in 0..1000 {
            let changes = ControlChanges::one((if i % 2 == 0 { freq } else { ControlRef::Index(1) }, 0.1));
            handle.send(Command::NodeSet { client: CLIENT, id: 1, changes }).unwrap();
            sent += 1;
        }
        driver.render_block();
        while handle.poll_event().is_some() {}
    }
    let rate = sent as f64 / start.elapsed().as_secs_f64();
    drop(driver);
    parts.workers.join();
    rate
}

fn main() {
    // `cargo test` runs bench targets with --bench absent; keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let cases: &[Case] = if quick {
        &[Case { name: "sine x10", def: "sine", synths: 10 }]
    } else {
        &[
            Case { name: "empty tree", def: "sine", synths: 0 },
            Case { name: "sine x1", def: "sine", synths: 1 },
            Case { name: "sine x100", def: "sine", synths: 100 },
            Case { name: "sine x1000", def: "sine", synths: 1000 },
            Case { name: "saw x1000", def: "saw", synths: 1000 },
            Case { name: "pulse x1000", def: "pulse", synths: 1000 },
            Case { name: "noise x1000", def: "noise", synths: 1000 },
        ]
    };
    println!("{:<14} {:>12} {:>14} {:>16}", "case", "ns/block", "ns/synth/block", "load @48k/64");
    for case in cases {
        let (ns, load) = measure(case, 64);
        let per_synth = if case.synths > 0 { ns / case.synths as f64 } else { 0.0 };
        println!("{:<14} {:>12.0} {:>14.1} {:>15.2}%", case.name, ns, per_synth, load * 100.0);
    }
    if !quick {
        println!("control changes applied: {:.0} per second", control_throughput());
    }
}
