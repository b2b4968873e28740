#!/usr/bin/env python3
"""A hit over a fresh connection while many idle keep-alive connections are open (issue 17's target: with 2,000
idle, no slower than 1.2x with none). Tapedeck (default configuration, logs to a file) on CPU 0, this client on
CPU 1, loopback only; everything it starts, it stops.

Usage: python3 Benchmarks/idle_connections.py [--binary .build/release/tapedeck] [--idle 0,2000] [--samples 500]
"""
import argparse
import os
import resource
import shutil
import socket
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--idle", default="0,2000")
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    counts = [int(n) for n in args.idle.split(",")]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, max(counts) + 1024)), hard))
    os.sched_setaffinity(0, {int(bench.CLIENT_CPU)})
    procs = bench.Processes()
    workdir = tempfile.mkdtemp(prefix="tapedeck-idle-")
    try:
        upstream = bench.FakeUpstream(procs, 0)
        tapedeck = bench.Tapedeck(procs, os.path.abspath(args.binary), os.path.join(workdir, "store"), upstream.url,
                                  workdir, "tapedeck", quiet=False)
        body = bench.request_bytes()
        bench.prime_tapedeck(tapedeck, body)
        request = bench.raw_request(tapedeck.port, bench.CONVERSE_PATH, body)
        print(f"load average {bench.load_average()}")
        print("| idle keep-alive connections | fresh-connection hit p50 | p99 |")
        print("|---:|---:|---:|")
        for count in counts:
            idle = [socket.create_connection(("127.0.0.1", tapedeck.port)) for _ in range(count)]
            for _ in range(50):
                bench.fresh_connection_hit(tapedeck.port, request)
            times = sorted(bench.fresh_connection_hit(tapedeck.port, request)[0] * 1000 for _ in range(args.samples))
            print(f"| {count:,} | {bench.fmt_ms(statistics.median(times))} | {bench.fmt_ms(bench.percentile(times, 99))} |")
            for s in idle:
                s.close()
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
