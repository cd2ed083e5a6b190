#!/usr/bin/env python3
"""Renders one small SynthDef per common UGen with scsynth and Oscine and compares the time.

Each case is `Out.ar(0, EXPR * amp)` for one UGen expression (a list below, the UGens
most SynthDefs are made of), built with supriya; N Synths of it (each at its own
frequency) play for D seconds at 48 kHz, block size 64, and both servers render the same
score: scsynth with `scsynth -N`, Oscine with `oscine render`. The fastest of several
runs counts, the two renders of a case interleaved, in CPU seconds; the time of a score
with the same Synths for no audio at all is taken off both, so what is left is the
Synths' work. Prints a table of both times and their ratio, slowest ratio first: where
Oscine is furthest behind scsynth.

Needs scsynth (Debian: supercollider-server), supriya (`pip install --pre supriya`),
python-osc and a release build of Oscine (`cargo build --release`).

    python3 benches/ugen_costs.py [--seconds 5] [--runs 3] [--synths 1000] [--cases Saw,LPF]
"""

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_scsynth as cs  # noqa: E402


def cases():
    """(name, function of the builder giving the expression) for every case."""
    from supriya import ugens as u

    def f(b):
        return b["freq"]

    return [
        ("SinOsc", lambda b: u.SinOsc.ar(frequency=f(b))),
        ("Saw", lambda b: u.Saw.ar(frequency=f(b))),
        ("Pulse", lambda b: u.Pulse.ar(frequency=f(b), width=0.3)),
        ("LFSaw", lambda b: u.LFSaw.ar(frequency=f(b))),
        ("LFPulse", lambda b: u.LFPulse.ar(frequency=f(b))),
        ("LFTri", lambda b: u.LFTri.ar(frequency=f(b))),
        ("Impulse", lambda b: u.Impulse.ar(frequency=f(b))),
        ("WhiteNoise", lambda b: u.WhiteNoise.ar()),
        ("PinkNoise", lambda b: u.PinkNoise.ar()),
        ("LFNoise1", lambda b: u.LFNoise1.ar(frequency=f(b))),
        ("Dust", lambda b: u.Dust.ar(density=f(b))),
        ("LPF", lambda b: u.LPF.ar(source=u.WhiteNoise.ar(), frequency=f(b))),
        ("RLPF", lambda b: u.RLPF.ar(source=u.WhiteNoise.ar(), frequency=f(b), reciprocal_of_q=0.3)),
        ("Ringz", lambda b: u.Ringz.ar(source=u.Impulse.ar(frequency=2.0), frequency=f(b), decay_time=0.5)),
        ("Decay2", lambda b: u.Decay2.ar(source=u.Impulse.ar(frequency=2.0), attack_time=0.01, decay_time=0.3)),
        ("Lag", lambda b: u.Lag.ar(source=u.WhiteNoise.ar(), lag_time=0.01)),
        ("EnvGen", lambda b: u.EnvGen.ar(envelope=_envelope(), gate=1.0) * u.WhiteNoise.ar()),
        ("Line", lambda b: u.Line.ar(start=1.0, stop=0.0, duration=100.0)),
        ("CombN", lambda b: u.CombN.ar(source=u.Impulse.ar(frequency=2.0), maximum_delay_time=0.2,
                                       delay_time=0.1, decay_time=1.0)),
        ("DelayL", lambda b: u.DelayL.ar(source=u.WhiteNoise.ar(), maximum_delay_time=0.2, delay_time=0.05)),
        ("Pan2", lambda b: u.Pan2.ar(source=u.WhiteNoise.ar(), position=0.3)),
    ]


def _envelope():
    from supriya import Envelope

    return Envelope.asr(attack_time=0.01, sustain=1.0, release_time=1.0)


def compile_cases(tmp, chosen):
    import supriya
    from supriya import SynthDefBuilder, ugens

    names = []
    for name, expr in cases():
        if chosen and name not in chosen:
            continue
        with SynthDefBuilder(freq=440.0, amp=0.1) as b:
            ugens.Out.ar(bus=0, source=expr(b) * b["amp"])
        with open(os.path.join(tmp, name + ".scsyndef"), "wb") as f:
            f.write(supriya.ugens.compile_synthdefs(b.build(name=name)))
        names.append(name)
    return names


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--synths", type=int, default=1000)
    p.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    p.add_argument("--oscine", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "oscine"))
    args = p.parse_args()
    chosen = [c for c in args.cases.split(",") if c]
    flags = ["--sample-rate", "48000", "--outputs", "2", "--input-channels", "0", "--block-size", "64",
             "--max-nodes", str(max(4096, 2 * args.synths))]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in compile_cases(tmp, chosen):
            costs = []
            for seconds in (0.0, args.seconds):
                score = os.path.join(tmp, f"{name}-{seconds}.osc")
                cs.scsynth_score(score, tmp, name, args.synths, seconds)
                cmds = [
                    # A real-time pool large enough for every Synth's delay lines: with
                    # scsynth's default 8 MB most of them fail to allocate and cost nothing.
                    ["scsynth", "-N", score, "_", os.path.join(tmp, "sc.wav"), "48000", "WAV", "float", "-o", "2",
                     "-n", str(max(4096, 2 * args.synths)), "-z", "64", "-m", "262144"],
                    [args.oscine, "render", score, os.path.join(tmp, "os.wav")] + flags,
                ]
                costs.append(cs.fastest(cmds, args.runs, wall=False))
            sc, osc = (costs[1][k] - costs[0][k] for k in range(2))
            rows.append((name, sc, osc, osc / sc if sc > 0 else float("nan")))
            print(f"{name}: scsynth {sc:.3f} s, Oscine {osc:.3f} s, {rows[-1][3]:.2f}", file=sys.stderr, flush=True)
    print(f"| UGen (×{args.synths}, {args.seconds:g} s) | scsynth -N | oscine render | Oscine / scsynth |")
    print("|---|---:|---:|---:|")
    for name, sc, osc, ratio in sorted(rows, key=lambda r: -r[3]):
        print(f"| {name} | {sc:.3f} s | {osc:.3f} s | {ratio:.2f} |")


if __name__ == "__main__":
    main()
