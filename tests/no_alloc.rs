//! The audio thread's process path never allocates or frees: proven with a counting
//! global allocator while Synths of every registered SynthDef are created, controlled,
//! mapped, queried, done and freed.
mod support;

use oscine::drivers::BlockAdapter;
use oscine::engine::{AddAction::*, BusMapping, Command, ControlChanges, ControlRef, DoneFlags, EngineOptions, Event};
use support::alloc_counter::{count, CountingAllocator};
use support::{TestEngine, CLIENT};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn render_counted(t: &mut TestEngine, blocks: usize) {
    let ((), allocs, frees) = count(|| {
        for _ in 0..blocks {
            t.driver.render_block();
        }
    });
    assert_eq!((allocs, frees), (0, 0), "the audio thread allocated or freed");
}

#[test]
fn the_process_path_never_allocates_or_frees() {
    let mut t = TestEngine::new(EngineOptions { block_size: 64, max_nodes: 256, ..Default::default() });
    let names: Vec<String> = t.handle.registry().entries().iter().map(|e| e.name().to_owned()).collect();
    assert!(names.len() >= 4);
    // The counter itself works: a plain allocation on this thread is seen.
    let (_, allocs, _) = count(|| Box::new(7u64));
    assert_eq!(allocs, 1);

    for round in 0..3 {
        let base = 1000 * (round + 1);
        t.group(base, 0, TailOfGroup);
        for (i, name) in names.iter().enumerate() {
            if name == "test-panic" {
                continue; // a panic allocates its payload by design; covered elsewhere
            }
            let id = base + 1 + i as i32;
            t.synth(name, id, base, TailOfGroup, &[]);
            t.send(Command::MapOutput {
                client: CLIENT,
                id,
                port: 0,
                mapping: Some(BusMapping::internal(1)),
                append: true,
            });
            t.send(Command::MapInput { client: CLIENT, id, port: 0, mapping: Some(BusMapping::internal(1)) });
            t.send(Command::NodeSet { client: CLIENT, id, changes: ControlChanges::one(ControlRef::Index(0), 0.5) });
            t.send(Command::SetDoneFlags { client: CLIENT, id, flags: DoneFlags::FREE_SELF | DoneFlags::NOTIFY });
        }
        // A few failing commands: their Synths must travel back to a worker.
        t.synth("test-dc", base + 1, 0, TailOfGroup, &[]);
        t.synth("test-dc", 99_999, 12_345, TailOfGroup, &[]);
        t.send(Command::NodeSet {
            client: CLIENT,
            id: base + 1,
            changes: ControlChanges::one(ControlRef::Index(99), 0.0),
        });
        let snapshot = t.handle.tree_snapshot();
        t.send(Command::QueryTree { client: CLIENT, id: 0, snapshot });
        t.send(Command::Sync { client: CLIENT, token: round });
        render_counted(&mut t, 20);
        let events = t.take_events();
        assert!(events.iter().any(|e| matches!(e, Event::Tree { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::Synced { .. })));
        assert!(events.iter().any(|e| matches!(e, Event::Error { .. })));
        // Done flags and frees of whole groups.
        t.synth("test-done", base + 500, base, TailOfGroup, &[("after", 2.0)]);
        t.send(Command::SetDoneFlags {
            client: CLIENT,
            id: base + 500,
            flags: DoneFlags::FREE_PARENT | DoneFlags::NOTIFY,
        });
        render_counted(&mut t, 4);
        let events = t.take_events();
        assert!(events.iter().any(|e| matches!(e, Event::NodeEnded { id } if *id == base)), "{events:?}");
    }
    t.send(Command::Shutdown { client: CLIENT });
    render_counted(&mut t, 2);
    assert_eq!(t.handle.status().garbage_leaked, 0);
    assert_eq!(t.handle.status().events_dropped, 0);
    t.shutdown();
}

#[test]
fn the_block_adapter_never_allocates_for_odd_device_buffers() {
    let mut t = TestEngine::small();
    t.synth("test-dc", 1, 0, TailOfGroup, &[("level", 0.5)]);
    let mut adapter = BlockAdapter::new(t.driver.engine(), 1, 2);
    let input = vec![0.0f32; 37];
    let mut output = vec![0.0f32; 37 * 2];
    let ((), allocs, frees) = count(|| {
        for _ in 0..50 {
            adapter.process(t.driver.engine(), &input, &mut output);
        }
    });
    assert_eq!((allocs, frees), (0, 0));
    assert!(output.iter().step_by(2).all(|s| *s == 0.5));
    t.shutdown();
}
