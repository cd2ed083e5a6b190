#!/usr/bin/env python3
"""A small Oscine client in Python (python-osc).

Turns notifications on, plays a sine, changes its frequency, frees it and asks for the
server's status, printing every reply. Replies come back to the socket that sent the
request, so one UDP socket both sends and receives.

    pip install python-osc
    cargo run --release            # the server, in another terminal
    python3 examples/python_client.py [--host 127.0.0.1] [--port 57130]
"""

import argparse
import socket
import sys
import time

from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket

# /status/reply fields, in order (docs/osc-api.md).
STATUS_FIELDS = [
    "synths",
    "groups",
    "load_average_percent",
    "load_peak_percent",
    "sample_rate",
    "blocks",
    "xruns",
    "commands_processed",
    "commands_rejected",
    "events_dropped",
    "synth_faults",
    "pending_drops",
    "command_stalls",
    "notified_clients",
    "failed",
    "resources",
    "resource_operations",
    "garbage_leaked",
    "late_commands",
    "scheduled_commands",
    "rate_estimate",
]


class Client:
    def __init__(self, host, port):
        self.server = (host, port)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0", 0))

    def send(self, address, *args):
        builder = OscMessageBuilder(address=address)
        for arg in args:
            builder.add_arg(arg)
        self.sock.sendto(builder.build().dgram, self.server)
        print(f"-> {address} {list(args)}")

    def receive(self, seconds):
        """Returns every message that arrives within `seconds`, printing each."""
        messages = []
        deadline = time.monotonic() + seconds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return messages
            self.sock.settimeout(remaining)
            try:
                data, _ = self.sock.recvfrom(65536)
            except socket.timeout:
                return messages
            for timed in OscPacket(data).messages:
                message = timed.message
                params = list(message.params)
                messages.append((message.address, params))
                print(f"<- {message.address} {params}")

    def request(self, address, *args, reply, timeout=1.0):
        """Sends a message and waits for the reply with address `reply` (or an /error)."""
        self.send(address, *args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for addr, params in self.receive(deadline - time.monotonic()):
                if addr == reply or addr == "/error":
                    return addr, params
        raise TimeoutError(f"no {reply} from {self.server[0]}:{self.server[1]}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=57130)
    parser.add_argument("--id", type=int, default=1000, help="node id of the sine (default 1000)")
    args = parser.parse_args()
    c = Client(args.host, args.port)
    node = args.id

    try:
        addr, params = c.request("/version", reply="/version/reply")
    except TimeoutError as e:
        print(f"{e}: is the server running?", file=sys.stderr)
        return 1

    # Notifications (/node/ended, /node/done, engine failures) for this socket.
    c.request("/notify", 1, reply="/ack")

    # Node `node` at the tail of the root group (0), add action 1, playing at once.
    addr, params = c.request("/synth/new", "sine", node, 0, 1, "freq", 440.0, "amp", 0.1, reply="/ack")
    if addr == "/error":
        print(f"cannot create the synth: {params[2]} (code {params[1]})", file=sys.stderr)
        return 1
    c.receive(1.0)

    c.send("/node/set", node, "freq", 660.0)
    c.receive(1.0)
    c.send("/node/set", node, "freq", 330.0, "amp", 0.2)
    c.receive(1.0)

    # An error, on purpose: sine has no control named "gain".
    c.send("/node/set", node, "gain", 1.0)
    c.receive(0.2)

    # Freeing sends /node/ended (we asked for notifications), then /ack.
    c.send("/node/free", node)
    c.receive(0.2)

    addr, params = c.request("/status", reply="/status/reply")
    if addr == "/status/reply":
        for name, value in zip(STATUS_FIELDS, params):
            print(f"   {name:22} {value}")

    c.request("/notify", 0, reply="/ack")
    return 0


if __name__ == "__main__":
    sys.exit(main())
