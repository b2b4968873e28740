#!/usr/bin/env python3
"""Tapedeck slow reader: one large ConverseStream recorded while its client stops reading; serve's peak memory.

Usage: python3 Benchmarks/slow_reader.py [--binary .build/release/tapedeck] [--megabytes 100] [--pause 15]
                                         [--store json|sqlite|both]

For each store: a fake Bedrock upstream in this process (127.0.0.1, port 0) answers converse-stream with
--megabytes of contentBlockDelta frames (one HTTP chunk each) as fast as the socket takes them; `tapedeck serve
--mode auto` records it for a client that reads the first MiB, stops reading for --pause seconds, then reads the
rest. It prints serve's peak RSS (VmHWM) after the stream is recorded and saved, and how far upstream had got
when the client resumed; then a fresh `serve --mode replay` (offline) answers the same request, whose body must be
byte for byte what upstream sent. Exit status 0 only if every stream arrived whole and every replay matched.
Loopback only; every process it starts is stopped on the way out. Python standard library only.
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import read_status_kb  # noqa: E402
from soak import MODEL_PATH, Server, request_body  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "python"))
from fake_upstream import frame, serve  # noqa: E402

DELTA_CHARS = 16000
# The recording serve's peak memory for a 100 MB stream whose client stops reading for 15 s.
TARGET_PEAK_MIB = 160


def stream_frames(megabytes):
    """The frames of one ConverseStream answer of about `megabytes` MB: start, deltas, stop, metadata."""
    yield frame("messageStart", {"p": "abcd", "role": "assistant"})
    count = megabytes * 1_000_000 // DELTA_CHARS
    for index in range(count):
        text = (f"{index:08d} " + "lorem ipsum dolor sit amet " * (DELTA_CHARS // 27 + 1))[:DELTA_CHARS]
        yield frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text}, "p": "abcdefgh"})
    yield frame("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmn"})
    yield frame("messageStop", {"p": "abc", "stopReason": "end_turn"})
    yield frame("metadata", {"metrics": {"latencyMs": 42}, "p": "ab",
                             "usage": {"inputTokens": 12, "outputTokens": count, "totalTokens": count + 12}})


class BigStreamUpstream:
    """Answers every converse-stream with the big stream, counting the bytes its socket has taken."""

    def __init__(self, megabytes):
        self.sent = 0
        self.digest = None
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(200)
                self.send_header("Content-Type", "application/vnd.amazon.eventstream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                digest = hashlib.sha256()
                fake.sent = 0
                for piece in stream_frames(megabytes):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    digest.update(piece)
                    fake.sent += len(piece)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                fake.digest = digest.hexdigest()

            def log_message(self, *args):
                pass

        self.server, self.port, self.url = serve(Handler)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def fetch(port, pause_after=0, pause=0.0, upstream=None):
    """POSTs the stream request and reads the whole body; after `pause_after` bytes it stops reading for `pause`
    seconds. Answers (status, x-tapedeck, sha256 of the body, body bytes, upstream bytes sent when resuming)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    body = request_body("slow reader")
    connection.request("POST", f"/model/{MODEL_PATH}/converse-stream", body=body,
                       headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    digest = hashlib.sha256()
    received = 0
    upstream_at_resume = None
    paused = pause_after <= 0
    while True:
        piece = response.read(1 << 20)
        if not piece:
            break
        digest.update(piece)
        received += len(piece)
        if not paused and received >= pause_after:
            paused = True
            time.sleep(pause)
            upstream_at_resume = upstream.sent if upstream else None
    connection.close()
    return response.status, response.getheader("x-tapedeck"), digest.hexdigest(), received, upstream_at_resume


def run_store(binary, kind, megabytes, pause, workdir):
    store = f"json:{workdir}/cassettes-{kind}" if kind == "json" else f"sqlite:{workdir}/cassettes-{kind}.db"
    upstream = BigStreamUpstream(megabytes)
    server = Server(binary, ["--mode", "auto", "--store", store, "--upstream", upstream.url], workdir, f"record-{kind}")
    ok = True
    try:
        status, outcome, digest, received, at_resume = fetch(server.port, 1 << 20, pause, upstream)
        # The recording is written off the answer's path: wait until the store has it.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not stored(store):
            time.sleep(0.2)
        time.sleep(1)
        peak = read_status_kb(server.pid, "VmHWM")
        after = read_status_kb(server.pid, "VmRSS")
        whole = status == 200 and digest == upstream.digest
        ok &= whole
        print(f"{kind:6} record: {received / 1e6:.1f} MB streamed, {outcome}, whole={whole}; "
              f"upstream had sent {at_resume / 1e6:.1f} MB when the client resumed reading after {pause:g} s; "
              f"serve peak RSS (VmHWM) {peak / 1024:.0f} MiB, RSS after {after / 1024:.0f} MiB "
              f"(issue 14's target: under {TARGET_PEAK_MIB} MiB for 100 MB: "
              f"{'met' if peak / 1024 < TARGET_PEAK_MIB else 'missed'})", flush=True)
    finally:
        code = server.stop()
        upstream.stop()
    if code != 0:
        print(f"{kind:6} serve exited {code}", flush=True)
        ok = False
    replay = Server(binary, ["--mode", "replay", "--store", store, "--hit-latency-ms", "42"], workdir, f"replay-{kind}")
    try:
        status, outcome, replayed, received, _ = fetch(replay.port)
        matched = status == 200 and outcome == "hit" and replayed == digest
        ok &= matched
        replay_peak = read_status_kb(replay.pid, "VmHWM")
        print(f"{kind:6} replay: {status} {outcome}, {received / 1e6:.1f} MB, byte for byte: {matched} "
              f"(replaying serve's peak RSS {replay_peak / 1024:.0f} MiB)", flush=True)
    finally:
        replay.stop()
    return ok


def stored(store):
    """Whether the store holds a cassette yet (a JSON file, or a non-empty SQLite file)."""
    kind, path = store.split(":", 1)
    if kind == "json":
        return any(name.endswith(".json") for _, _, names in os.walk(path) for name in names)
    return os.path.exists(path) and os.path.getsize(path) > 1_000_000 or os.path.exists(path + "-wal") and \
        os.path.getsize(path + "-wal") > 1_000_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--megabytes", type=int, default=100)
    parser.add_argument("--pause", type=float, default=15)
    parser.add_argument("--store", choices=["json", "sqlite", "both"], default="both")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="tapedeck-slow-reader-")
    ok = True
    try:
        for kind in (["json", "sqlite"] if args.store == "both" else [args.store]):
            ok &= run_store(binary, kind, args.megabytes, args.pause, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("slow reader: " + ("ok" if ok else "FAILED"), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
