#!/usr/bin/env python3
"""Boots Oscine with supriya, as a supriya user boots scsynth, and plays on it.

Usage: supriya_session.py OSCINE-BINARY PORT

supriya starts the binary with scsynth's flags and waits for its ready line, logs in,
creates its default group; then this script sends a SynthDef, plays and changes a Synth,
releases supriya's `default` SynthDef (its envelope frees it), allocates and queries a
buffer, and quits. It prints one line per step and exits 0, or prints what went wrong
and exits 1 (2 if supriya is missing).
"""

import sys

try:
    import supriya
    from supriya import Server, SynthDefBuilder, ugens
    from supriya.ugens import default
except ImportError as e:
    print(f"supriya is missing: {e} (pip install --pre supriya)")
    sys.exit(2)


def main(binary, port):
    server = Server()
    server.boot(executable=binary, port=port)
    print(f"booted client {server.client_id}")
    with SynthDefBuilder(frequency=440.0, amplitude=0.1) as builder:
        ugens.Out.ar(bus=0, source=ugens.SinOsc.ar(frequency=builder["frequency"]) * builder["amplitude"])
    sine = builder.build(name="supriya_sine")
    server.add_synthdefs(sine, default)
    server.sync()
    synth = server.add_synth(sine, frequency=330)
    server.sync()
    synth.set(frequency=440)
    server.sync()
    synth.free()
    note = server.add_synth(default, frequency=220)
    server.sync()
    note.set(gate=0)
    server.sync()
    buffer = server.add_buffer(channel_count=2, frame_count=256)
    server.sync()
    item = buffer.query().items[0]
    print(f"buffer {item.buffer_id} {item.frame_count} frames {item.channel_count} channels")
    buffer.free()
    server.sync()
    server.quit()
    print("quit")


if __name__ == "__main__":
    try:
        main(sys.argv[1], int(sys.argv[2]))
    except Exception as e:  # noqa: BLE001: any failure is the test's answer
        print(f"failed: {type(e).__name__}: {e}")
        sys.exit(1)
