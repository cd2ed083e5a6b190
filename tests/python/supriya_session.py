#!/usr/bin/env python3
"""Boots Oscine with supriya, as a supriya user boots scsynth, or connects to a running
one, and plays on it.

Usage: supriya_session.py boot OSCINE-BINARY PORT
       supriya_session.py connect PORT

`boot`: supriya starts the binary with scsynth's flags and waits for its ready line, logs
in, creates its default group. `connect`: supriya logs in to the server on PORT (started
with `--dialect scsynth`), whose default group for client 0 (node 1) its owner made. Then this script sends a SynthDef, plays and changes a Synth,
queries the node tree, releases supriya's `default` SynthDef and waits for its envelope
to free it, allocates and queries a buffer, and quits (boot) or disconnects (connect).
It prints one line per step and exits 0, or prints what went wrong and exits 1 (2 if
supriya is missing).
"""

import signal
import time

import sys

try:
    import supriya
    from supriya import Server, SynthDefBuilder, ugens
    from supriya.ugens import default
except ImportError as e:
    print(f"supriya is missing: {e} (pip install --pre supriya)")
    sys.exit(2)


def synths(server):
    """The (id, SynthDef name) of every Synth in the server's tree, as supriya parses it."""
    found = []

    def walk(node):
        for child in getattr(node, "children", ()):
            if hasattr(child, "synthdef_name"):
                found.append((child.node_id, str(child.synthdef_name)))
            else:
                walk(child)

    walk(server.query_tree())
    return found


def main(mode, binary, port):
    server = Server()
    if mode == "boot":
        server.boot(executable=binary, port=port)
        print(f"booted client {server.client_id}")
    else:
        server.connect(port=port)
        print(f"connected client {server.client_id}")
    with SynthDefBuilder(frequency=440.0, amplitude=0.1) as builder:
        ugens.Out.ar(bus=0, source=ugens.SinOsc.ar(frequency=builder["frequency"]) * builder["amplitude"])
    sine = builder.build(name="supriya_sine")
    server.add_synthdefs(sine, default)
    server.sync()
    synth = server.add_synth(sine, frequency=330)
    server.sync()
    synth.set(frequency=440)
    server.sync()
    print(f"tree {[name for _, name in synths(server)]}")
    synth.free()
    note = server.add_synth(default, frequency=220)
    server.sync()
    if all(node_id != note.id_ for node_id, _ in synths(server)):
        print("the note never started")
        return
    note.set(gate=0)
    server.sync()
    # The release takes 0.3 s of the server's time: bounded polling, not a timing check.
    for _ in range(400):
        if all(node_id != note.id_ for node_id, _ in synths(server)):
            print("released")
            break
        time.sleep(0.05)
    else:
        print("the released note was never freed")
    buffer = server.add_buffer(channel_count=2, frame_count=256)
    server.sync()
    item = buffer.query().items[0]
    print(f"buffer {item.buffer_id} {item.frame_count} frames {item.channel_count} channels")
    buffer.free()
    server.sync()
    if mode == "boot":
        server.quit()
        print("quit")
    else:
        server.disconnect()
        print("disconnected")


if __name__ == "__main__":
    # A bound on a hung session (supriya waits for a server that never answers), not a
    # measure of speed.
    signal.alarm(120)
    try:
        if sys.argv[1] == "boot":
            main("boot", sys.argv[2], int(sys.argv[3]))
        else:
            main("connect", None, int(sys.argv[2]))
    except Exception as e:  # noqa: BLE001: any failure is the test's answer
        print(f"failed: {type(e).__name__}: {e}")
        sys.exit(1)
