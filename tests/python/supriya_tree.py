#!/usr/bin/env python3
"""Queries a tree too large for one datagram with supriya's AsyncServer, as a supriya
user queries scsynth's.

Usage: supriya_tree.py OSCINE-BINARY PORT

Boots Oscine, puts 3000 Synths in a Group, and calls `query_tree`: supriya reads the
first `/g_queryTree.reply` part, a valid tree, and warns of the `/fail` that says how
many parts the reply has. Prints one line per step and exits 0, or prints what went
wrong and exits 1 (2 if supriya is missing). (supriya's threaded `Server` reads
datagrams of at most 8192 bytes, so it cannot take a reply part of 64 KB, from Oscine
or from scsynth.)
"""

import asyncio
import sys
import warnings

try:
    from supriya import AsyncServer, SynthDefBuilder, ugens
    from supriya.osc import OscBundle, OscMessage
except ImportError as e:
    print(f"supriya is missing: {e} (pip install --pre supriya)")
    sys.exit(2)

SYNTHS = 3000


async def main(binary, port):
    server = AsyncServer()
    await server.boot(executable=binary, port=port, maximum_node_count=4096)
    with SynthDefBuilder(frequency=440.0, amplitude=0.1) as builder:
        ugens.Out.ar(bus=0, source=ugens.SinOsc.ar(frequency=builder["frequency"]) * builder["amplitude"])
    sine = builder.build(name="supriya_sine")
    server.add_synthdefs(sine)
    await server.sync()
    group = server.add_group()
    await server.sync()
    for first in range(0, SYNTHS, 100):
        news = [OscMessage("/s_new", sine.effective_name, 100_000 + k, 1, group.id_) for k in range(first, first + 100)]
        server.send(OscBundle(contents=news))
        await server.sync()
    print(f"{SYNTHS} synths")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tree = await server.query_tree()
        # The notice came before the part that answered the query.
        warned = any("/g_queryTree" in str(w.message) and "parts" in str(w.message) for w in caught)
    (listed,) = [node for node in tree.walk() if node.node_id == group.id_]
    print(f"first part: {len(listed.children)} synths, warned {warned}")
    await server.quit()
    print("quit")


if __name__ == "__main__":
    try:
        asyncio.run(main(sys.argv[1], int(sys.argv[2])))
    except Exception as e:  # noqa: BLE001: any failure is the test's answer
        print(f"failed: {type(e).__name__}: {e}")
        sys.exit(1)
