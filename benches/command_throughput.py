#!/usr/bin/env python3
"""Command throughput and round trips of Oscine and scsynth, side by side on one JACK clock.

Both servers run on the same private `jackd -d dummy` server (48 kHz, 64-frame periods, so
both render 64-frame blocks on the same clock), one after the other, with the same SCgf
SynthDef (`sine`: `Out.ar(0, SinOsc.ar(freq, 0, amp))`, compiled by supriya or sclang),
sent with `/d_recv` from a setup socket. Then clients measure:

- throughput (the client is `examples/command_load.rs`, so that a Python client's own
  limits are not what is measured): `new`+`free` pairs, each Synth freed right after it is made, with a `/sync`
  after every 1000 pairs and at most `--window` rounds of 1000 in flight (the client
  waits for a round's `/synced` before it sends the round `--window` later); the pairs
  go in bundles of 250 pairs (500 messages a datagram), or one message per datagram.
  Oscine is asked in its own verbs (`/synth/new`, `/node/free`), which answer every command
  with an `/ack`; scsynth in its own (`/s_new`, `/n_free`), which answer nothing on
  success. Every reply is counted: a run in which a command went unanswered (Oscine) or
  failed (a `/fail`, or Synths left at the end), or in which the kernel dropped a datagram
  on either side, is reported as lost, not as a figure;
- `/sync` and `/status` round trips, one request at a time (p50 and p99), from the same
  Rust client;
- resident memory (VmRSS) after the rest, and with 8000 Synths of `sine` playing (both
  servers started for 16384 nodes).

Each case runs `--runs` times, both servers alternating; the median run counts. Prints a
table with both servers' figures and Oscine's ratio.

Needs: jackd2 (`jackd`, `jack_wait`), scsynth (Debian: supercollider-server), supriya
(`pip install --pre supriya`) or sclang, Oscine built with JACK and the load generator:
`cargo build --release --features jack --bin oscine --example command_load`.

    python3 benches/command_throughput.py [--rounds 20] [--window 2] [--runs 3] [--trips 1000]
"""

import argparse
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LOADER = os.path.join(HERE, "..", "target", "release", "examples", "command_load")
SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
PAIRS_PER_SYNC = 1000
PAIRS_PER_BUNDLE = 250
FOOTPRINT_SYNTHS = 8000
MAX_NODES = 16384


def compile_sine(defdir):
    path = os.path.join(defdir, "sine.scsyndef")
    try:
        import supriya
        from supriya import SynthDefBuilder, ugens

        with SynthDefBuilder(freq=440.0, amp=0.1) as b:
            ugens.Out.ar(bus=0, source=ugens.SinOsc.ar(frequency=b["freq"]) * b["amp"])
        with open(path, "wb") as f:
            f.write(supriya.ugens.compile_synthdefs(b.build(name="sine")))
    except ImportError:
        script = os.path.join(defdir, "defs.scd")
        with open(script, "w") as f:
            f.write('SynthDef(\\sine, { |freq = 440, amp = 0.1| Out.ar(0, SinOsc.ar(freq, 0, amp)) })'
                    f'.writeDefFile("{defdir}");\n0.exit;\n')
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QTWEBENGINE_CHROMIUM_FLAGS="--no-sandbox")
        subprocess.run(["sclang", script], check=True, env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=120)
    with open(path, "rb") as f:
        return f.read()


def osc_string(text):
    data = text.encode() + b"\0"
    return data + b"\0" * (-len(data) % 4)


def message(address, *args):
    """An OSC message's bytes: ints as int32, floats as float32, strs, bytes as blobs."""
    tags, payload = ",", b""
    for a in args:
        if isinstance(a, bool) or isinstance(a, int):
            tags += "i"
            payload += struct.pack(">i", a)
        elif isinstance(a, float):
            tags += "f"
            payload += struct.pack(">f", a)
        elif isinstance(a, str):
            tags += "s"
            payload += osc_string(a)
        else:
            tags += "b"
            payload += struct.pack(">i", len(a)) + a + b"\0" * (-len(a) % 4)
    return osc_string(address) + osc_string(tags) + payload


def bundle(messages):
    """A bundle of `messages` (bytes each), timetag 'immediately'."""
    return b"#bundle\0" + struct.pack(">II", 0, 1) + b"".join(struct.pack(">i", len(m)) + m for m in messages)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def elements(data):
    """The messages of a datagram, bundles flattened, as bytes each (not decoded)."""
    if data.startswith(b"#bundle\0"):
        out, i = [], 16
        while i + 4 <= len(data):
            (n,) = struct.unpack_from(">i", data, i)
            out += elements(data[i + 4:i + 4 + n])
            i += 4 + n
        return out
    return [data]


def parse(data):
    """One message's address and arguments."""
    end = data.index(b"\0")
    address = data[:end].decode()
    i = (end + 4) & ~3
    if i >= len(data) or data[i:i + 1] != b",":
        return address, []
    end = data.index(b"\0", i)
    tags = data[i + 1:end].decode()
    i = (end + 4) & ~3
    args = []
    for t in tags:
        if t == "i":
            args.append(struct.unpack(">i", data[i:i + 4])[0])
            i += 4
        elif t == "f":
            args.append(struct.unpack(">f", data[i:i + 4])[0])
            i += 4
        elif t == "s":
            end = data.index(b"\0", i)
            args.append(data[i:end].decode(errors="replace"))
            i = (end + 4) & ~3
        elif t == "b":
            (n,) = struct.unpack(">i", data[i:i + 4])
            args.append(data[i + 4:i + 4 + n])
            i = (i + 4 + n + 3) & ~3
        elif t == "d":
            args.append(struct.unpack(">d", data[i:i + 8])[0])
            i += 8
        elif t == "h":
            args.append(struct.unpack(">q", data[i:i + 8])[0])
            i += 8
    return address, args


class Client:
    """A UDP client whose reader thread drains the socket into counts and a queue, so that
    bursts of replies never overflow its receive buffer."""

    def __init__(self, port):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
        except PermissionError:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SOL_SOCKET, 16 << 20)
        self.sock.bind(("127.0.0.1", 0))
        self.server = ("127.0.0.1", port)
        self.lock = threading.Condition()
        self.counts = {}
        self.waiting = []
        self.datagrams = 0
        self.closed = False
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            with self.lock:
                self.datagrams += 1
                woken = False
                for m in elements(data):
                    # An `/ack` is counted by its address, without decoding the rest: the
                    # client, not the server, would otherwise be what the figure measures.
                    if m.startswith(b"/ack\0"):
                        self.counts["/ack"] = self.counts.get("/ack", 0) + 1
                        continue
                    address, args = parse(m)
                    self.counts[address] = self.counts.get(address, 0) + 1
                    self.waiting.append((address, args))
                    woken = True
                if woken:
                    self.lock.notify_all()

    def send(self, data):
        self.sock.sendto(data, self.server)

    def expect(self, address, timeout=30.0):
        """Waits for the next message with `address`, dropping the others queued before it."""
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                for k, (a, args) in enumerate(self.waiting):
                    if a == address:
                        del self.waiting[:k + 1]
                        return args
                self.waiting.clear()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no {address} within {timeout} s")
                self.lock.wait(left)

    def reset(self):
        with self.lock:
            self.counts = {}
            self.waiting = []
            self.datagrams = 0

    def close(self):
        self.sock.close()


def resident_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def kernel_drops(port):
    """The datagrams the kernel dropped on the receive queue of the UDP socket bound to
    `port` on this machine (/proc/net/udp's last column)."""
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                return int(fields[-1])
    return 0


class Jack:
    def __init__(self, name):
        self.name = name
        self.proc = subprocess.Popen(["jackd", "--no-realtime", "-n", name, "-d", "dummy", "-r", "48000", "-p", "64"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["jack_wait", "--wait", "--server", name, "--timeout", "20"], check=True,
                       env=dict(os.environ, JACK_NO_START_SERVER="1"), stdout=subprocess.DEVNULL)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class ServerUnderTest:
    def __init__(self, kind, jack, oscine_binary, sine):
        self.kind = kind
        self.port = free_port()
        env = dict(os.environ, JACK_DEFAULT_SERVER=jack.name, JACK_NO_START_SERVER="1")
        if kind == "scsynth":
            cmd = ["scsynth", "-u", str(self.port), "-i", "0", "-o", "2", "-z", "64", "-R", "0",
                   "-n", str(MAX_NODES), "-m", "131072"]
        else:
            cmd = [oscine_binary, "--driver", "jack", "--port", str(self.port), "--block-size", "64",
                   "--max-nodes", str(MAX_NODES), "--log-level", "warn"]
        self.proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        setup = Client(self.port)
        deadline = time.monotonic() + 20
        while True:
            setup.send(message("/status"))
            try:
                setup.expect("/status.reply" if kind == "scsynth" else "/status/reply", timeout=0.5)
                break
            except TimeoutError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"{kind} did not answer /status")
        setup.send(message("/d_recv", sine))
        setup.expect("/done")
        setup.close()
        self.client = Client(self.port)

    def pair(self, node):
        if self.kind == "scsynth":
            return [message("/s_new", "sine", node, 1, 0, "amp", 0.0), message("/n_free", node)]
        return [message("/synth/new", "sine", node, 0, 1, "amp", 0.0), message("/node/free", node)]

    def synths_left(self):
        c = self.client
        c.send(message("/status"))
        if self.kind == "scsynth":
            args = c.expect("/status.reply")
            return args[2]
        args = c.expect("/status/reply")
        return args[0]

    def throughput(self, rounds, bundled, window):
        """Pairs a second over `rounds` rounds of 1000, what was lost (0: none), and the
        reply datagrams. The load comes from `examples/command_load.rs`, which counts every
        reply; this script checks the counts."""
        drops_before = kernel_drops(self.port)
        command = [LOADER, "--port", str(self.port), "--dialect", self.kind, "--rounds", str(rounds),
                   "--window", str(window)] + (["--bundled"] if bundled else [])
        out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout.split()
        rate, acks, failures, datagrams, client_drops, timed_out = float(out[0]), *map(int, out[1:])
        lost = failures + client_drops + (kernel_drops(self.port) - drops_before) + timed_out
        if self.kind == "oscine":
            lost += 2 * rounds * PAIRS_PER_SYNC - acks
        lost += self.synths_left()
        return rate, lost, datagrams

    def resident_with_synths(self, count):
        """Resident memory (MB) before and with `count` Synths playing, which are then freed."""
        c = self.client
        before = resident_mb(self.proc.pid)
        before_synths = self.synths_left()
        nodes = list(range(100_000, 100_000 + count))
        # One bundle at a time: this measures memory, and a burst would overflow scsynth's
        # socket.
        for k in range(0, count, PAIRS_PER_BUNDLE):
            c.send(bundle([self.pair(n)[0] for n in nodes[k:k + PAIRS_PER_BUNDLE]]))
            c.send(message("/sync", 77))
            while c.expect("/synced", timeout=60.0) != [77]:
                pass
        # Synths a lost /n_free left behind earlier count too.
        playing = self.synths_left() - before_synths
        during = resident_mb(self.proc.pid)
        for k in range(0, count, PAIRS_PER_BUNDLE):
            c.send(bundle([self.pair(n)[1] for n in nodes[k:k + PAIRS_PER_BUNDLE]]))
            c.send(message("/sync", 78))
            while c.expect("/synced", timeout=60.0) != [78]:
                pass
        if playing != count:
            raise RuntimeError(f"{self.kind}: {playing} Synths playing, not {count}")
        return before, during

    def round_trips(self, address, reply, trips):
        """p50 and p99 in seconds of `trips` round trips of `address`, one at a time, from
        the Rust client (a Python one adds its own tens of microseconds to each)."""
        command = [LOADER, "--port", str(self.port), "--round-trips", address, "--trips", str(trips)]
        out = subprocess.run(command, check=True, capture_output=True, text=True, timeout=600).stdout.split()
        return float(out[0]) / 1e3, float(out[1]) / 1e3

    def stop(self):
        self.client.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=20, help="rounds of 1000 pairs per throughput run")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--window", type=int, default=2, help="rounds of 1000 pairs in flight at once")
    p.add_argument("--trips", type=int, default=1000, help="round trips per latency run")
    p.add_argument("--oscine", default=os.path.join(HERE, "..", "target", "release", "oscine"))
    p.add_argument("--servers", default="scsynth,oscine", help="which servers to run (to profile one)")
    args = p.parse_args()
    servers = args.servers.split(",")

    with tempfile.TemporaryDirectory() as tmp:
        sine = compile_sine(tmp)
    jack = Jack(f"oscine-bench-{os.getpid()}")
    results = {}
    try:
        for run in range(args.runs):
            for kind in servers:
                server = ServerUnderTest(kind, jack, args.oscine, sine)
                try:
                    for name, bundled in (("pairs/s, bundles of 250 pairs", True),
                                          ("pairs/s, one message per datagram", False)):
                        rate, lost, datagrams = server.throughput(args.rounds, bundled, args.window)
                        results.setdefault((name, kind), []).append((rate, lost))
                        print(f"run {run + 1} {kind:8} {name}: {rate:9.0f}, lost {lost}, "
                              f"{datagrams} reply datagrams", file=sys.stderr)
                    status = "/status.reply" if kind == "scsynth" else "/status/reply"
                    for name, address, reply in (("/sync round trip", "/sync", "/synced"),
                                                 ("/status round trip", "/status", status)):
                        p50, p99 = server.round_trips(address, reply, args.trips)
                        results.setdefault((name + " p50 (ms)", kind), []).append((p50 * 1e3, 0))
                        results.setdefault((name + " p99 (ms)", kind), []).append((p99 * 1e3, 0))
                    idle, playing = server.resident_with_synths(FOOTPRINT_SYNTHS)
                    results.setdefault(("resident memory, idle (MB)", kind), []).append((idle, 0))
                    results.setdefault((f"resident memory, {FOOTPRINT_SYNTHS} Synths (MB)", kind), []).append((playing, 0))
                finally:
                    server.stop()
    finally:
        jack.stop()

    names = []
    for name, _ in results:
        if name not in names:
            names.append(name)
    if len(servers) < 2:
        print(f"| figure | {servers[0]} |")
        print("|---|---:|")
    else:
        print("| figure | scsynth | Oscine | Oscine / scsynth |")
        print("|---|---:|---:|---:|")
    for name in names:
        row = []
        if len(servers) < 2:
            print(f"| {name} | {statistics.median(r for r, _ in results[(name, servers[0])]):,.3f} |")
            continue
        for kind in ("scsynth", "oscine"):
            runs = results[(name, kind)]
            value = statistics.median(r for r, _ in runs)
            lost = sum(l for _, l in runs)
            row.append((value, lost))
        (s, sl), (o, ol) = row
        fmt = (lambda v: f"{v:,.0f}") if name.startswith("pairs") else (
            (lambda v: f"{v:.1f}") if "memory" in name else (lambda v: f"{v:.3f}"))
        cell = lambda v, l: fmt(v) + (f" (lost {l})" if l else "")
        print(f"| {name} | {cell(s, sl)} | {cell(o, ol)} | {o / s:.2f} |")


if __name__ == "__main__":
    main()
