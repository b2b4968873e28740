#!/usr/bin/env python3
"""Where a hit's instructions go: `tapedeck serve` under valgrind's callgrind, answering the bench's 2,956-byte
Converse request (Benchmarks/bench.py) once as a miss from bench's fake upstream, then N times as a hit over one
keep-alive connection. Instruction counts do not depend on the machine's load, so two builds compare exactly.

Usage: python3 Benchmarks/profile_hits.py [--binary .build/release/tapedeck] [--hits 4000] [--top 25]
(`make profile` builds the release binary, installs valgrind with apt-get when missing, and runs this.)

Prints the total instructions (Ir), the per-request figure, and the functions with the most instructions of their
own; the full profile stays in the output file it names, for `callgrind_annotate --tree=caller FILE`. Loopback
only; everything it starts, it stops.
"""
import argparse
import http.client
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--hits", type=int, default=4000)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tapedeck-profile-")
    output = os.path.join(work, "callgrind.out")
    upstream = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"),
                                 "--fake-upstream", "--delay-ms", "0"], stdout=subprocess.PIPE, text=True)
    server = None
    try:
        upstream_port = int(re.match(r"listening (\d+)", upstream.stdout.readline()).group(1))
        log_path = os.path.join(work, "serve.log")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", args.binary, "serve", "--port", "0",
                 "--quiet", "--threads", "1", "--store", f"json:{work}/cassettes",
                 "--upstream", f"http://127.0.0.1:{upstream_port}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        port, deadline = None, time.monotonic() + 120
        while port is None:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("tapedeck did not start under valgrind:\n" + open(log_path).read())
            time.sleep(0.2)
            match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", open(log_path).read())
            port = int(match.group(1)) if match else None
        body = bench.request_bytes()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)

        def post():
            connection.request("POST", bench.CONVERSE_PATH, body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            return response.getheader("x-tapedeck")

        outcomes = [post(), post()]
        if outcomes != ["miss", "hit"]:
            raise SystemExit(f"priming: expected a miss then a hit, got {outcomes}")
        hits = sum(post() == "hit" for _ in range(args.hits))
        if hits != args.hits:
            raise SystemExit(f"{args.hits - hits} of {args.hits} requests were not hits")
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=300)
    finally:
        if server and server.poll() is None:
            server.kill()
        upstream.terminate()
    report = subprocess.run(["callgrind_annotate", "--inclusive=no", output], capture_output=True, text=True).stdout
    total = int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", report).group(1).replace(",", ""))
    print(f"{args.hits + 2} requests ({args.hits} hits): {total:,} instructions in all, start-up and shutdown included "
          f"(~{total // (args.hits + 2):,} per request)")
    rows = [line for line in report.splitlines() if re.match(r"\s*[\d,]+ \(\s*[\d.]+%\)\s+\S", line) and "TOTALS" not in line]
    for line in rows[:args.top]:
        print(line[:200])
    print(f"full profile: {output}")


if __name__ == "__main__":
    sys.exit(main())
