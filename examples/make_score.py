#!/usr/bin/env python3
"""Writes a score for `oscine render`: an arpeggio of sines, each freed after its note.

A score is scsynth's NRT format: a sequence of OSC bundles, each preceded by its length as
a big-endian int32, with timetags counting seconds from the start of the score. The
messages inside are the server's own verbs, built here with python-osc.

    pip install python-osc
    python3 examples/make_score.py arpeggio.osc
    cargo run --release -- render arpeggio.osc arpeggio.wav

python-osc's bundle builder takes a Unix time and adds the 70 years between the Unix and
NTP epochs, and writes time 0 as "immediately"; a score wants plain seconds from its start.
So each bundle is built with the "immediately" timetag and its 8 timetag bytes are then
replaced by the exact NTP value of its time: whole seconds in the upper 32 bits, the
fraction in the lower 32.
"""

import argparse
import struct

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

HEAD_OF_ROOT = (0, 0)  # target group 0 (the root), add action 0 (head)


def message(address, *args):
    """An OSC message; ints are sent as int32, floats as float32, strs as strings."""
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build()


def ntp_timetag(seconds):
    """The 64-bit NTP timetag for `seconds` from the start of the score."""
    if not 0 <= seconds < 2**32:
        raise ValueError(f"{seconds} is not a time in seconds from 0 to 2^32")
    whole = int(seconds)
    fraction = min(round((seconds - whole) * 2**32), 2**32 - 1)
    return struct.pack(">II", whole, fraction)


def bundle(seconds, messages):
    """A bundle's bytes, timed `seconds` from the start of the score."""
    builder = OscBundleBuilder(IMMEDIATELY)
    for m in messages:
        builder.add_content(m)
    data = bytearray(builder.build().dgram)
    assert data[:8] == b"#bundle\0"
    data[8:16] = ntp_timetag(seconds)
    return bytes(data)


def write_score(path, bundles):
    """Writes (seconds, messages) pairs, sorted by time (stably), length-prefixed."""
    with open(path, "wb") as f:
        for seconds, messages in sorted(bundles, key=lambda b: b[0]):
            data = bundle(seconds, messages)
            f.write(struct.pack(">i", len(data)))
            f.write(data)


def arpeggio():
    """Bundles for a rising and falling arpeggio of sines."""
    notes = [57, 60, 64, 69, 72, 76, 81, 76, 72, 69, 64, 60]  # MIDI note numbers
    step = 0.125  # seconds between notes
    length = 0.3  # seconds each note sounds
    bundles = []
    for k, note in enumerate(notes):
        node = 1000 + k
        start = k * step
        freq = 440.0 * 2 ** ((note - 69) / 12)
        bundles.append((start, [message("/synth/new", "sine", node, *HEAD_OF_ROOT, "freq", freq, "amp", 0.1)]))
        bundles.append((start + length, [message("/node/free", node)]))
    # An empty bundle at the end: the render lasts until the latest bundle time.
    last = (len(notes) - 1) * step + length
    bundles.append((last + 0.2, []))
    return bundles


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the score file to write (e.g. arpeggio.osc)")
    args = parser.parse_args()
    bundles = arpeggio()
    write_score(args.output, bundles)
    print(f"wrote {len(bundles)} bundles to {args.output}")


if __name__ == "__main__":
    main()
