#!/usr/bin/env python3
"""Drives a running Oscine server with python-osc, as a Python client would.

Usage: drive_server.py HOST PORT

Creates a group and a sine synth in it, sets a control, checks the node tree, frees the
group, syncs, and exits 0. On any unexpected reply (or none within ten seconds) it prints
what went wrong and exits 1; if python-osc is missing it exits 2.

Uses python-osc's message builder and parser over a plain UDP socket, so replies come
back to the socket the requests left from (the server answers the sender's address).
"""

import math
import socket
import sys

try:
    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_message import OscMessage
    from pythonosc.osc_message_builder import OscMessageBuilder
except ImportError as error:
    print(f"drive_server.py: python-osc is missing ({error}); install it with: pip install python-osc",
          file=sys.stderr)
    sys.exit(2)

TIMEOUT_SECONDS = 10.0
GROUP = 1
SYNTH = 1001


class Failure(Exception):
    """A reply was not what the server should send."""


class Client:
    """A UDP OSC client: one socket, typed arguments, decoded replies."""

    def __init__(self, host, port):
        self.server = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        # Only accept datagrams from the server.
        self.sock.connect(self.server)
        self.sock.settimeout(TIMEOUT_SECONDS)
        self.pending = []

    def send(self, address, *args):
        builder = OscMessageBuilder(address=address)
        for arg in args:
            if isinstance(arg, bool):
                raise TypeError("no bools in this protocol")
            if isinstance(arg, int):
                builder.add_arg(arg, OscMessageBuilder.ARG_TYPE_INT)
            elif isinstance(arg, float):
                builder.add_arg(arg, OscMessageBuilder.ARG_TYPE_FLOAT)
            else:
                builder.add_arg(str(arg), OscMessageBuilder.ARG_TYPE_STRING)
        try:
            self.sock.send(builder.build().dgram)
        except OSError as error:
            raise Failure(f"cannot send {address} to {self.server[0]}:{self.server[1]}: {error}") from None

    def recv(self):
        """The next reply as (address, [arguments])."""
        while not self.pending:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise Failure(f"no reply within {TIMEOUT_SECONDS} s") from None
            except OSError as error:
                raise Failure(f"cannot receive from {self.server[0]}:{self.server[1]}: {error}") from None
            self._unpack(data)
        return self.pending.pop(0)

    def _unpack(self, data):
        if OscBundle.dgram_is_bundle(data):
            for content in OscBundle(data):
                self._unpack(content.dgram)
        else:
            message = OscMessage(data)
            self.pending.append((message.address, list(message.params)))

    def request(self, address, *args):
        self.send(address, *args)
        return self.recv()

    def expect(self, reply, address, *args):
        """Sends a request and checks the reply exactly."""
        got = self.request(address, *args)
        if got != reply:
            raise Failure(f"{address} {list(args)}: expected {reply}, got {got}")


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)


def check_tree(client, expected):
    """Asks for the whole tree and compares it with `expected` (floats approximately)."""
    address, args = client.request("/node/tree", 0)
    if address != "/node/tree" or len(args) != len(expected):
        raise Failure(f"/node/tree: expected {expected}, got {address} {args}")
    for k, (got, want) in enumerate(zip(args, expected)):
        same = close(got, want) if isinstance(want, float) else (got == want and type(got) is type(want))
        if not same:
            raise Failure(f"/node/tree argument {k}: expected {want!r}, got {got!r} in {args}")


def drive(host, port):
    client = Client(host, port)
    address, args = client.request("/version")
    if address != "/version/reply" or len(args) != 2 or args[0] != "oscine":
        raise Failure(f"/version: got {address} {args}")

    client.expect(("/ack", ["/group/new", GROUP]), "/group/new", GROUP, 0, 1)
    client.expect(("/ack", ["/synth/new", SYNTH]), "/synth/new", "sine", SYNTH, GROUP, 0, "freq", 220.0, "amp", 0.2)
    client.expect(("/ack", ["/node/set", SYNTH]), "/node/set", SYNTH, "freq", 330.0)
    # /node/tree: group, node count, parts that follow, then per node id, parent, kind, ...
    check_tree(client, [
        0, 3, 0,
        0, 0, "group", 1,
        GROUP, 0, "group", 1,
        SYNTH, GROUP, "synth", "sine", 1, 2, "freq", 330.0, "amp", 0.2,
    ])
    # Errors come back too.
    address, args = client.request("/node/set", SYNTH, "nosuch", 1.0)
    if address != "/error" or args[:2] != ["/node/set", 15] or not args[2]:
        raise Failure(f"/node/set with an unknown control: expected /error '/node/set' 15, got {address} {args}")

    client.expect(("/ack", ["/node/free", GROUP]), "/node/free", GROUP)
    check_tree(client, [0, 1, 0, 0, 0, "group", 0])
    client.expect(("/synced", [77]), "/sync", 77)


def main(argv):
    if len(argv) != 3:
        print("usage: drive_server.py HOST PORT", file=sys.stderr)
        return 2
    try:
        drive(argv[1], int(argv[2]))
    except Failure as failure:
        print(f"drive_server.py: FAILED: {failure}", file=sys.stderr)
        return 1
    print("drive_server.py: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
