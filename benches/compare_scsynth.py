#!/usr/bin/env python3
"""Renders the same work offline with Oscine and with scsynth and compares the time.

N oscillators (sine or saw, each at its own frequency, all mixed onto output 0), or N
voices (a saw through a low-pass filter, panned: `voice`), play for D seconds at 48 kHz,
block size 64, stereo float WAV out. Both servers render a score in
scsynth's NRT format: scsynth with `scsynth -N`, Oscine with `oscine render`, twice: the
same score as scsynth (the SynthDefs as SCgf graphs on Oscine's UGens), and a score in
its own verbs (its built-in `sine` and `saw`; the voice has no built-in counterpart). Each case runs several times, the three
renders of a case interleaved, and the fastest run counts (the least disturbed by the
machine): in CPU seconds (user + system) by default, or wall-clock seconds with `--wall`.

Needs: scsynth (Debian: supercollider-server), python-osc, a release build of Oscine
(`cargo build --release`), and supriya (`pip install --pre supriya`) or sclang
(supercollider-language) to compile the two SynthDefs; run headless as root sclang needs
QTWEBENGINE_CHROMIUM_FLAGS=--no-sandbox, set here.

    python3 benches/compare_scsynth.py [--seconds 60] [--runs 3] [--synths sine,saw] [--counts 100,1000]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
from make_score import bundle, message  # noqa: E402

SYNTHDEFS = """
SynthDef(\\sine, { |freq = 440, amp = 0.1| Out.ar(0, SinOsc.ar(freq, 0, amp)) }).writeDefFile("{dir}");
SynthDef(\\saw, { |freq = 440, amp = 0.1| Out.ar(0, Saw.ar(freq, amp)) }).writeDefFile("{dir}");
SynthDef(\\voice, { |freq = 440, amp = 0.1| Out.ar(0, Pan2.ar(LPF.ar(Saw.ar(freq), 2000, amp), 0)) }).writeDefFile("{dir}");
0.exit;
"""


def compile_with_supriya(defdir):
    """Writes sine.scsyndef and saw.scsyndef as sclang would: `SinOsc.ar(freq, 0, amp)`
    and `Saw.ar(freq, amp)` multiply by `amp` in a BinaryOpUGen."""
    import supriya
    from supriya import SynthDefBuilder, ugens

    for name, osc in [("sine", lambda f: ugens.SinOsc.ar(frequency=f)), ("saw", lambda f: ugens.Saw.ar(frequency=f))]:
        with SynthDefBuilder(freq=440.0, amp=0.1) as b:
            ugens.Out.ar(bus=0, source=osc(b["freq"]) * b["amp"])
        with open(os.path.join(defdir, name + ".scsyndef"), "wb") as f:
            f.write(supriya.ugens.compile_synthdefs(b.build(name=name)))
    # The voice: `Pan2.ar(LPF.ar(Saw.ar(freq), 2000, amp), 0)`, both channels out.
    with SynthDefBuilder(freq=440.0, amp=0.1) as b:
        filtered = ugens.LPF.ar(source=ugens.Saw.ar(frequency=b["freq"]), frequency=2000.0) * b["amp"]
        ugens.Out.ar(bus=0, source=ugens.Pan2.ar(source=filtered, position=0.0))
    with open(os.path.join(defdir, "voice.scsyndef"), "wb") as f:
        f.write(supriya.ugens.compile_synthdefs(b.build(name="voice")))


def write(path, bundles):
    with open(path, "wb") as f:
        for seconds, messages in bundles:
            data = bundle(seconds, messages)
            f.write(len(data).to_bytes(4, "big") + data)


def freqs(n):
    return [110.0 + 3.7 * i for i in range(n)]


def scsynth_score(path, defdir, synth, n, seconds):
    start = [message("/d_load", os.path.join(defdir, synth + ".scsyndef"))]
    # scsynth's /s_new: def, id, add action, target, then control pairs.
    start += [message("/s_new", synth, 1000 + i, 1, 0, "freq", f, "amp", 0.001) for i, f in enumerate(freqs(n))]
    write(path, [(0.0, start[:1]), (0.0, start[1:]), (seconds, [message("/c_set", 0, 0)])])


def oscine_score(path, synth, n, seconds):
    news = [message("/synth/new", synth, 1000 + i, 0, 1, "freq", f, "amp", 0.001) for i, f in enumerate(freqs(n))]
    # Outputs feed hardware outputs 0.. by default; map every synth to output 0 like Out.ar(0).
    maps = [message("/synth/map/output", 1000 + i, 0, 0, 1) for i in range(n)]
    chunks = [news[i : i + 200] + maps[i : i + 200] for i in range(0, n, 200)]
    write(path, [(0.0, c) for c in chunks] + [(seconds, [message("/sync", 0)])])


def timed(cmd, wall):
    """Runs `cmd` and returns the seconds it took: CPU (user + system) or wall-clock."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed if wall else cpu


def fastest(cmds, runs, wall):
    """The fastest of `runs` runs of each command, the commands interleaved run by run; NaN
    for a command that fails (a UGen of the def is missing)."""
    best = [None] * len(cmds)
    for _ in range(runs):
        for k, cmd in enumerate(cmds):
            try:
                t = timed(cmd, wall)
            except subprocess.CalledProcessError:
                t = float("nan")
            best[k] = t if best[k] is None else min(best[k], t)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--synths", default="sine,saw,voice", help="comma-separated: sine, saw, voice")
    p.add_argument("--counts", default="100,1000", help="comma-separated Synth counts")
    p.add_argument("--wall", action="store_true", help="wall-clock seconds instead of CPU seconds")
    p.add_argument("--oscine", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "oscine"))
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        try:
            compile_with_supriya(tmp)
        except ImportError:
            script = os.path.join(tmp, "defs.scd")
            with open(script, "w") as f:
                f.write(SYNTHDEFS.replace("{dir}", tmp))
            env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox")
            subprocess.run(["sclang", script], check=True, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)
        print(f"{'case':<12} {'scsynth s':>10} {'graph s':>10} {'built-in s':>10} {'graph/scsynth':>14} "
              f"{'built-in/scsynth':>17} {'graph/built-in':>15}")
        for synth in args.synths.split(","):
            for n in [int(c) for c in args.counts.split(",")]:
                sc_score = os.path.join(tmp, f"sc-{synth}-{n}.osc")
                os_score = os.path.join(tmp, f"os-{synth}-{n}.osc")
                scsynth_score(sc_score, tmp, synth, n, args.seconds)
                if synth != "voice":
                    oscine_score(os_score, synth, n, args.seconds)
                render = [args.oscine, "render"]
                flags = ["--sample-rate", "48000", "--outputs", "2", "--input-channels", "0", "--block-size", "64",
                         "--max-nodes", "4096"]
                built_in = synth != "voice"
                cmds = [
                    ["scsynth", "-N", sc_score, "_", os.path.join(tmp, "sc.wav"), "48000", "WAV", "float",
                     "-o", "2", "-n", "4096", "-z", "64"],
                    render + [sc_score, os.path.join(tmp, "og.wav")] + flags,
                ]
                if built_in:
                    cmds.append(render + [os_score, os.path.join(tmp, "os.wav")] + flags)
                sc, graph, *rest = fastest(cmds, args.runs, args.wall)
                osc = rest[0] if rest else float("nan")
                print(f"{synth + ' x' + str(n):<12} {sc:>10.3f} {graph:>10.3f} {osc:>10.3f} {graph / sc:>14.2f} "
                      f"{osc / sc:>17.2f} {graph / osc:>15.2f}", flush=True)

if __name__ == "__main__":
    main()
