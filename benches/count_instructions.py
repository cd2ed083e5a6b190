#!/usr/bin/env python3
"""Counts the instructions one Synth costs per block, under callgrind (valgrind).

Renders the scores of compare_scsynth.py (1000 Synths on output 0) for T2 and T1 seconds
with `oscine render` under `valgrind --tool=callgrind` and divides the difference of the
two totals by the Synths and the blocks between T1 and T2, so start-up, reading the score
and building the Synths cancel out. Cases: `gsine` and `gsaw` are scsynth's score (the
SynthDefs as SCgf graphs on Oscine's UGens), `bsine` and `bsaw` Oscine's own verbs with
its built-in `sine` and `saw`. Instruction counts stay the same under load, unlike times.

Needs valgrind, supriya (to compile the SynthDefs) and a release build of Oscine.

    python3 benches/count_instructions.py [--oscine PATH] [--cases gsine,bsine,gsaw,bsaw]
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
import compare_scsynth as cs  # noqa: E402

SYNTHS = 1000
T1, T2 = 0.1, 0.6
FLAGS = ["--sample-rate", "48000", "--outputs", "2", "--input-channels", "0", "--block-size", "64",
         "--max-nodes", "4096"]


def total(oscine, score, tmp):
    """The instructions callgrind counts for rendering `score`."""
    out = os.path.join(tmp, "callgrind.out")
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", oscine, "render", score,
                    os.path.join(tmp, "out.wav")] + FLAGS, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(out) as f:
        text = f.read()
    m = re.search(r"^summary: (\d+)", text, re.M) or re.search(r"^totals: (\d+)", text, re.M)
    return int(m.group(1))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--oscine", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "oscine"))
    p.add_argument("--cases", default="gsine,bsine,gsaw,bsaw")
    args = p.parse_args()
    blocks = round((T2 - T1) * 48000 / 64)
    with tempfile.TemporaryDirectory() as tmp:
        cs.compile_with_supriya(tmp)
        for case in args.cases.split(","):
            kind, synth = case[0], case[1:]
            counts = []
            for seconds in (T1, T2):
                score = os.path.join(tmp, f"{case}-{seconds}.osc")
                if kind == "g":
                    cs.scsynth_score(score, tmp, synth, SYNTHS, seconds)
                else:
                    cs.oscine_score(score, synth, SYNTHS, seconds)
                counts.append(total(args.oscine, score, tmp))
            print(f"{case}: {(counts[1] - counts[0]) / (SYNTHS * blocks):.1f} instructions per Synth per block",
                  flush=True)


if __name__ == "__main__":
    main()
