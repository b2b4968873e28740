#!/usr/bin/env python3
"""Store scale benchmark (issues 4 and 18): does a lookup cost the same in a big store as in a small one, in a
JSON folder, SQLite and PostgreSQL; how fast does `tapedeck serve` start on a big store; how much memory does it
hold after serving hits from it; is a warm serve's hit throughput the same whatever the store; and how fast does
`tapedeck export` fill PostgreSQL from a JSON folder?

Usage: python3 Benchmarks/store_scale.py [--binary .build/release/tapedeck] [--json-sizes 1000,10000,100000]
                                         [--sqlite-sizes 1000,10000,1000000] [--postgres-sizes 1000,100000]
                                         [--requests 2000] [--throughput-seconds 5] [--work /tmp/tapedeck-scale]

It generates stores of synthetic but valid cassettes (keys derived exactly as Tapedeck derives them; a PostgreSQL
store is filled by `tapedeck export` from the JSON folder of the same size, timed), starts `tapedeck serve` on each
(loopback, a free port), measures the time from exec to the "listening" log line, then over one keep-alive
connection asks for `--requests` distinct random cassettes once (cold hits: the store is read) and once more
(warm hits: what a lookup costs once the answer is in memory), reporting the median and p99 of each, the server's
peak resident memory (VmHWM), and the hit throughput of one hot cassette under wrk (8 connections) when wrk is
installed. PostgreSQL runs in a server of its own (Benchmarks/pg_server.py: initdb and pg_ctl in a temporary
directory, as nobody when root). Everything it starts, it stops. Results are printed as a table; nothing is asserted.
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
import tempfile
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
    """Cold then warm hits of `requests` distinct random cassettes: ((median, p99), (median, p99)) in seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    chosen = random.Random(7).sample(range(size), min(requests, size))

    def ask_all():
        times = []
        for n in chosen:
            body = json.dumps(request_body(n))
            started = time.perf_counter()
            connection.request("POST", f"/model/{MODEL_PATH}/converse", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200 or response.getheader("x-tapedeck") != "hit":
                raise SystemExit(f"cassette {n} was not a hit: {response.status} {response.getheader('x-tapedeck')}")
            times.append(elapsed)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.99)]

    cold = ask_all()
    warm = ask_all()
    return cold, warm


def measure_throughput(port, seconds):
    """Hits per second of one hot cassette under wrk (8 connections, one thread); None without wrk."""
    if not seconds or shutil.which("wrk") is None:
        return None
    body = json.dumps(request_body(0))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\nwrk.headers["Content-Type"] = "application/json"\n')
    try:
        output = subprocess.run(["wrk", "-t1", "-c8", f"-d{seconds}s", "-s", script.name,
                                 f"http://127.0.0.1:{port}/model/{MODEL_PATH}/converse"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=True).stdout
    finally:
        os.remove(script.name)
    if "Non-2xx" in output:
        raise SystemExit("wrk saw errors:\n" + output)
    match = re.search(r"Requests/sec:\s*([\d.]+)", output)
    return float(match.group(1)) if match else None


def fill_postgres(binary, json_directory, url):
    """`tapedeck export` of the JSON folder into the database at `url`: answers (seconds, cassettes per second)."""
    count = sum(len(files) for _, _, files in os.walk(json_directory) if files) - 1  # less the .generated marker
    began = time.monotonic()
    result = subprocess.run([binary, "export", "--store", f"json:{json_directory}", "--to", url],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.monotonic() - began
    if result.returncode != 0:
        raise SystemExit("tapedeck export failed:\n" + result.stdout[-2000:])
    return elapsed, count / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--json-sizes", default="1000,10000,100000")
    parser.add_argument("--sqlite-sizes", default="1000,10000,1000000")
    parser.add_argument("--postgres-sizes", default="1000,100000")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--throughput-seconds", type=int, default=5)
    parser.add_argument("--work", default="/tmp/tapedeck-scale")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rows = []
    exports = []
    postgres = None
    try:
        for kind, sizes in (("json", args.json_sizes), ("sqlite", args.sqlite_sizes), ("postgres", args.postgres_sizes)):
            for size in [int(s) for s in sizes.split(",") if s]:
                began = time.monotonic()
                if kind == "json":
                    location = os.path.join(args.work, f"json-{size}")
                    make_json_store(location, size)
                    spec = f"json:{location}"
                elif kind == "sqlite":
                    location = os.path.join(args.work, f"store-{size}.sqlite")
                    make_sqlite_store(args.binary, location, size)
                    spec = f"sqlite:{location}"
                else:
                    if postgres is None:
                        from pg_server import PostgresServer
                        postgres = PostgresServer()
                    source = os.path.join(args.work, f"json-{size}")
                    make_json_store(source, size)
                    spec = postgres.create_database(f"scale_{size}")
                    seconds, rate = fill_postgres(args.binary, source, spec)
                    exports.append((size, seconds, rate))
                    print(f"export  {size:>9} cassettes from a JSON folder into PostgreSQL: {seconds:.1f} s, {rate:,.0f} cassettes/s",
                          flush=True)
                generated = time.monotonic() - began
                server = Server(args.binary, spec)
                try:
                    (cold, cold99), (warm, warm99) = measure_hits(server.port, size, args.requests)
                    peak = server.peak_rss_mib()
                    throughput = measure_throughput(server.port, args.throughput_seconds)
                finally:
                    server.stop()
                rows.append((kind, size, server.startup, cold, cold99, warm, warm99, throughput, peak))
                print(f"{kind:8} {size:>9} cassettes: startup {server.startup * 1000:8.1f} ms, cold hit median {cold * 1e6:7.1f} us "
                      f"p99 {cold99 * 1e6:7.1f} us, warm hit median {warm * 1e6:7.1f} us p99 {warm99 * 1e6:7.1f} us, "
                      f"throughput {throughput or 0:,.0f}/s, peak RSS {peak:.1f} MiB (store built/reused in {generated:.1f} s)",
                      flush=True)
    finally:
        if postgres is not None:
            postgres.stop()
    print()
    print("| store | cassettes | serve startup | cold hit p50 | cold hit p99 | warm hit p50 | warm hit p99 | warm hits/s (wrk, 8 conn) | peak RSS |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, size, startup, cold, cold99, warm, warm99, throughput, peak in rows:
        rate = f"{throughput:,.0f}" if throughput else "n/a"
        print(f"| {kind} | {size:,} | {startup * 1000:.1f} ms | {cold * 1e6:.0f} us | {cold99 * 1e6:.0f} us | {warm * 1e6:.0f} us | "
              f"{warm99 * 1e6:.0f} us | {rate} | {peak:.1f} MiB |")
    if exports:
        print()
        print("| export into PostgreSQL | time | rate |")
        print("|---|---:|---:|")
        for size, seconds, rate in exports:
            print(f"| {size:,} cassettes from a JSON folder | {seconds:.1f} s | {rate:,.0f} cassettes/s |")


if __name__ == "__main__":
    sys.exit(main())
