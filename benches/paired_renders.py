#!/usr/bin/env python3
"""Compares two builds of Oscine rendering the same score, both at once, one on each core.

On a machine whose speed drifts from minute to minute (a shared VM), the fastest of
several renders one after the other can move by more than the change being measured. Here
the two builds render the same score at the same time, each pinned to its own core, and
swap cores every round, so both see the same machine; each round gives the ratio of their
CPU times (user + system, `B / A`), and the median of the rounds is the figure. Run with
the same build as A and B first to see the spread (a few per cent).

The scores are `benches/compare_scsynth.py`'s: N graph Synths of the SCgf `sine`, `saw`
or `voice` (`--synth`), or Oscine's built-in `sine` or `saw` (`--built-in`), for D seconds.

    python3 benches/paired_renders.py OLD_BINARY NEW_BINARY [--synth sine] [--built-in]
        [--synths 1000] [--seconds 20] [--rounds 8]

Needs supriya (`pip install --pre supriya`) to compile the SynthDefs; two cores.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(__file__))
from compare_scsynth import compile_with_supriya, oscine_score, scsynth_score  # noqa: E402

FLAGS = ["--sample-rate", "48000", "--outputs", "2", "--input-channels", "0", "--block-size", "64",
         "--max-nodes", "4096"]


def cpu_seconds(binary, score, out, core, results, key):
    """Renders `score` with `binary` pinned to `core`; stores its CPU seconds."""
    cmd = ["taskset", "-c", str(core), binary, "render", score, out] + FLAGS
    child = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode == 0:
        results[key] = usage.ru_utime + usage.ru_stime


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("a", help="the build to compare against (A)")
    p.add_argument("b", help="the build compared (B)")
    p.add_argument("--synth", default="sine", choices=["sine", "saw", "voice"])
    p.add_argument("--built-in", action="store_true", help="Oscine's built-in Synth instead of the SCgf graph")
    p.add_argument("--synths", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--rounds", type=int, default=8)
    args = p.parse_args()
    if args.built_in and args.synth == "voice":
        p.error("the voice has no built-in counterpart")

    with tempfile.TemporaryDirectory() as tmp:
        score = os.path.join(tmp, "score.osc")
        if args.built_in:
            oscine_score(score, args.synth, args.synths, args.seconds)
        else:
            compile_with_supriya(tmp)
            scsynth_score(score, tmp, args.synth, args.synths, args.seconds)
        ratios = []
        for r in range(args.rounds):
            cores = (0, 1) if r % 2 == 0 else (1, 0)
            results = {}
            threads = [
                threading.Thread(target=cpu_seconds,
                                 args=(binary, score, os.path.join(tmp, f"{key}.wav"), core, results, key))
                for key, binary, core in [("a", args.a, cores[0]), ("b", args.b, cores[1])]
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            if len(results) != 2:
                sys.exit("a render failed")
            ratios.append(results["b"] / results["a"])
            print(f"round {r + 1}: A {results['a']:.3f} s (core {cores[0]}), B {results['b']:.3f} s "
                  f"(core {cores[1]}), B / A {ratios[-1]:.3f}", flush=True)
        print(f"B / A: median {statistics.median(ratios):.3f}, from {min(ratios):.3f} to {max(ratios):.3f}")


if __name__ == "__main__":
    main()
