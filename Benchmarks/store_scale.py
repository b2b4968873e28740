#!/usr/bin/env python3
"""Store scale benchmark (issue 4): does a lookup cost the same in a big store as in a small one, how fast does
`tapedeck serve` start on a big store, and how much memory does it hold after serving hits from it?

Usage: python3 Benchmarks/store_scale.py [--binary .build/release/tapedeck] [--json-sizes 1000,10000,100000]
                                         [--sqlite-sizes 1000,10000,1000000] [--requests 3000] [--work /tmp/tapedeck-scale]

It generates stores of synthetic but valid cassettes (keys derived exactly as Tapedeck derives them), starts
`tapedeck serve` on each (loopback, a free port), measures the time from exec to the "listening" log line, then
sends the same number of hit requests for random cassettes over one keep-alive connection and reports the median
and p99 time per hit, and the server's peak resident memory (VmHWM) after them. Everything it starts, it stops. Results are printed as a table; nothing is asserted.
"""
import argparse
import hashlib
import http.client
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
MODEL_PATH = "us.anthropic.claude-3-5-haiku-20241022-v1%3A0"


def request_body(i):
    return {"messages": [{"role": "user", "content": [{"text": f"Question number {i}: what is {i} plus {i}?"}]}],
            "inferenceConfig": {"maxTokens": 64, "temperature": 0}}


def canonical(value):
    # For documents of strings and small integers only, sorted compact json.dumps is RFC 8785.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def key_of(body):
    return hashlib.sha256(f"tapedeck-key-v1\n{MODEL}\n{canonical(body)}".encode()).hexdigest()


def cassette(i):
    body = request_body(i)
    key = key_of(body)
    return key, {
        "format": 1, "key": key, "modelId": MODEL, "operation": "converse", "recordedAt": "2026-11-25T12:00:00Z",
        "request": body, "upstreamLatencyMs": 500,
        "response": {"status": 200, "contentType": "application/json", "body": {
            "output": {"message": {"role": "assistant", "content": [{"text": str(2 * i)}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 20, "outputTokens": 2, "totalTokens": 22},
            "metrics": {"latencyMs": 500}}},
    }


def make_json_store(directory, size):
    marker = os.path.join(directory, f".generated-{size}")
    if os.path.exists(marker):
        return
    shutil.rmtree(directory, ignore_errors=True)
    for i in range(size):
        key, doc = cassette(i)
        shard = os.path.join(directory, key[:2])
        os.makedirs(shard, exist_ok=True)
        with open(os.path.join(shard, key + ".json"), "w") as f:
            json.dump(doc, f, indent=2, sort_keys=True, ensure_ascii=False)
            f.write("\n")
    open(marker, "w").close()


def make_sqlite_store(binary, path, size):
    marker = path + f".generated-{size}"
    if os.path.exists(marker):
        return
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    # Let Tapedeck create its own schema, then fill it in bulk.
    server = Server(binary, f"sqlite:{path}")
    server.stop()
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    batch = []
    for i in range(size):
        key, doc = cassette(i)
        batch.append((key, MODEL, "converse", doc["recordedAt"], json.dumps(doc, separators=(",", ":"), ensure_ascii=False, sort_keys=True)))
        if len(batch) == 50_000:
            db.executemany("INSERT INTO cassettes(key, model_id, operation, recorded_at, document) VALUES (?,?,?,?,?)", batch)
            db.commit()
            batch = []
    if batch:
        db.executemany("INSERT INTO cassettes(key, model_id, operation, recorded_at, document) VALUES (?,?,?,?,?)", batch)
        db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    open(marker, "w").close()


class Server:
    def __init__(self, binary, store):
        started = time.monotonic()
        self.process = subprocess.Popen([binary, "serve", "--port", "0", "--quiet", "--store", store],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.log = []
        for line in self.process.stderr:
            self.log.append(line)
            match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", line)
            if match:
                self.port = int(match.group(1))
                break
        else:
            raise SystemExit("tapedeck did not start:\n" + "".join(self.log))
        self.startup = time.monotonic() - started

    def peak_rss_mib(self):
        """The server's peak resident set so far (VmHWM), in MiB."""
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


def measure_hits(port, size, requests):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = random.Random(7)
    times = []
    for n in range(requests):
        body = json.dumps(request_body(rng.randrange(size)))
        started = time.perf_counter()
        connection.request("POST", f"/model/{MODEL_PATH}/converse", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200 or response.getheader("x-tapedeck") != "hit":
            raise SystemExit(f"request {n} was not a hit: {response.status} {response.getheader('x-tapedeck')}")
        times.append(elapsed)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--json-sizes", default="1000,10000,100000")
    parser.add_argument("--sqlite-sizes", default="1000,10000,1000000")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--work", default="/tmp/tapedeck-scale")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rows = []
    for kind, sizes in (("json", args.json_sizes), ("sqlite", args.sqlite_sizes)):
        for size in [int(s) for s in sizes.split(",") if s]:
            if kind == "json":
                location = os.path.join(args.work, f"json-{size}")
                began = time.monotonic()
                make_json_store(location, size)
            else:
                location = os.path.join(args.work, f"store-{size}.sqlite")
                began = time.monotonic()
                make_sqlite_store(args.binary, location, size)
            generated = time.monotonic() - began
            server = Server(args.binary, f"{kind}:{location}")
            try:
                median, p99 = measure_hits(server.port, size, args.requests)
                peak = server.peak_rss_mib()
            finally:
                server.stop()
            rows.append((kind, size, server.startup, median, p99, peak))
            print(f"{kind:7} {size:>9} cassettes: startup {server.startup * 1000:8.1f} ms, hit median {median * 1e6:7.1f} us, "
                  f"p99 {p99 * 1e6:7.1f} us, peak RSS {peak:.1f} MiB (store built/reused in {generated:.1f} s)", flush=True)
    print()
    print("| store | cassettes | serve startup | hit median | hit p99 | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, size, startup, median, p99, peak in rows:
        print(f"| {kind} | {size:,} | {startup * 1000:.1f} ms | {median * 1e6:.1f} us | {p99 * 1e6:.1f} us | {peak:.1f} MiB |")


if __name__ == "__main__":
    sys.exit(main())
