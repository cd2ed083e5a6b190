#!/usr/bin/env python3
"""Realtime load of N sines, scsynth and Oscine side by side on one JACK clock.

Both servers run on the same private `jackd -d dummy` server (48 kHz, 64-frame periods),
one after the other, with the SCgf `sine` of command_throughput.py
(`Out.ar(0, SinOsc.ar(freq) * amp)`, each Synth at its own frequency). For each count the
Synths are added in bundles of 250 and, after a `/sync`, the script waits `--settle`
seconds and reads the server's own load figures three times, a second apart: scsynth's
average and peak CPU (`/status.reply` fields 6 and 7), Oscine's load average and peak
(`/status/reply` fields 3 and 4: the time its blocks take as a share of their period)
and its xrun count. A count is not tried once the previous one's average load passed 90 %.

Needs what command_throughput.py needs (jackd2, scsynth, supriya or sclang, and Oscine
built with `cargo build --release --features jack --bin oscine`).

    python3 benches/realtime_capacity.py [--counts 1000,2000,4000,8000,16000,24000]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import command_throughput as ct  # noqa: E402

BUNDLE = 250


def add_sines(server, first, count):
    c = server.client
    for k in range(first, first + count, BUNDLE):
        messages = []
        for node in range(k, min(k + BUNDLE, first + count)):
            freq = 100.0 + (node % 10_000) * 0.1
            if server.kind == "scsynth":
                messages.append(ct.message("/s_new", "sine", node, 1, 0, "freq", freq, "amp", 0.0001))
            else:
                messages.append(ct.message("/synth/new", "sine", node, 0, 1, "freq", freq, "amp", 0.0001))
        c.send(ct.bundle(messages))
    c.send(ct.message("/sync", 5))
    while c.expect("/synced", timeout=120.0) != [5]:
        pass


def load(server):
    """(average %, peak %, xruns or None, Synths) as the server reports them."""
    c = server.client
    if server.kind == "scsynth":
        c.send(ct.message("/status"))
        a = c.expect("/status.reply")
        return a[5], a[6], None, a[2]
    c.send(ct.message("/status"))
    a = c.expect("/status/reply")
    return a[2], a[3], a[6], a[0]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--counts", default="1000,2000,4000,8000,16000,24000")
    p.add_argument("--settle", type=float, default=3.0)
    p.add_argument("--oscine", default=os.path.join(ct.HERE, "..", "target", "release", "oscine"))
    p.add_argument("--servers", default="scsynth,oscine")
    args = p.parse_args()
    counts = [int(n) for n in args.counts.split(",")]
    ct.MAX_NODES = max(counts) + 1024
    with tempfile.TemporaryDirectory() as tmp:
        sine = ct.compile_sine(tmp)
    jack = ct.Jack(f"oscine-capacity-{os.getpid()}")
    rows = {}
    try:
        for kind in args.servers.split(","):
            server = ct.ServerUnderTest(kind, jack, args.oscine, sine)
            try:
                playing = 0
                for n in counts:
                    add_sines(server, 10_000 + playing, n - playing)
                    playing = n
                    time.sleep(args.settle)
                    samples = []
                    for _ in range(3):
                        samples.append(load(server))
                        time.sleep(1.0)
                    avg = statistics.median(s[0] for s in samples)
                    peak = max(s[1] for s in samples)
                    xruns = samples[-1][2]
                    synths = samples[-1][3]
                    rows[(kind, n)] = (avg, peak, xruns, synths)
                    print(f"{kind:8} {n:6} sines: load {avg:5.1f} % (peak {peak:5.1f} %), "
                          f"{synths} Synths, xruns {xruns}", file=sys.stderr, flush=True)
                    if synths != n:
                        raise RuntimeError(f"{kind}: {synths} Synths playing, not {n}")
                    if avg > 90.0:
                        break
            finally:
                server.stop()
    finally:
        jack.stop()
    print("| sines | scsynth average (peak) | Oscine average (peak) | Oscine xruns |")
    print("|---:|---:|---:|---:|")
    for n in counts:
        cells = []
        for kind in ("scsynth", "oscine"):
            r = rows.get((kind, n))
            cells.append(f"{r[0]:.1f} % ({r[1]:.1f} %)" if r else "not run")
        x = rows.get(("oscine", n))
        print(f"| {n:,} | {cells[0]} | {cells[1]} | {x[2] if x else ''} |")


if __name__ == "__main__":
    main()
