#!/usr/bin/env python3
"""Where a steady-state hit's instructions go: `tapedeck serve --threads 1` under valgrind's callgrind, answering
the bench's 2,956-byte Converse request (Benchmarks/bench.py) once as a miss from bench's fake upstream, then as a
hit over one keep-alive connection, in two runs that differ only in the number of hits (`--base` and
`--base + --hits`). Start-up, the miss, the first hits and shutdown cost the same in both runs, so the difference of
the two totals, divided by `--hits`, is what one steady-state hit costs, and the difference per function says where
it goes. Instruction counts do not depend on the machine's load, so two builds compare exactly.

Usage: python3 Benchmarks/profile_hits.py [--binary .build/release/tapedeck] [--hits 4000] [--base 500] [--top 25]
                                          [--config both|default|quiet]
(`make profile` builds the release binary, installs valgrind with apt-get when missing, and runs this.)

`default` is the configuration users run: a log line per request, stderr to a file; `quiet` adds `--quiet`.
Every instruction of the process counts, the log thread's included. The two full profiles of each configuration
stay in the files it names, for `callgrind_annotate --tree=caller FILE`. Loopback only; everything it starts, it
stops.
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

ROW = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*\S)\s*$")


def profile(binary, upstream_port, work, name, hits, quiet):
    """Runs serve under callgrind for 2 priming requests and `hits` hits; returns the callgrind output file."""
    output = os.path.join(work, f"callgrind-{name}-{hits}.out")
    log_path = os.path.join(work, f"serve-{name}-{hits}.log")
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={output}", binary, "serve", "--port", "0"]
            + (["--quiet"] if quiet else [])
            + ["--threads", "1", "--store", f"json:{work}/cassettes-{name}-{hits}",
               "--upstream", f"http://127.0.0.1:{upstream_port}"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
            env={k: v for k, v in os.environ.items() if not k.startswith("TAPEDECK_")})
    try:
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
        served = sum(post() == "hit" for _ in range(hits))
        if served != hits:
            raise SystemExit(f"{hits - served} of {hits} requests were not hits")
        connection.close()
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=300)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    if not quiet:
        with open(log_path, "rb") as f:
            lines = f.read().count(b" request ")
        if lines < hits:
            raise SystemExit(f"the default configuration logged {lines} request lines for {hits} hits")
    return output


def functions(output):
    """Instructions of their own per function, and the total, from callgrind_annotate."""
    report = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", "--auto=no", output],
                            capture_output=True, text=True).stdout
    total = int(re.search(r"([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", report).group(1).replace(",", ""))
    own = {}
    for line in report.splitlines():
        match = ROW.match(line)
        if match and "TOTALS" not in line and "=>" not in line:
            own[match.group(2)] = own.get(match.group(2), 0) + int(match.group(1).replace(",", ""))
    return total, own


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/tapedeck")
    parser.add_argument("--hits", type=int, default=4000, help="hits in the second run beyond the first run's")
    parser.add_argument("--base", type=int, default=500, help="hits in the first run (after the miss and one hit)")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--config", choices=("both", "default", "quiet"), default="both")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="tapedeck-profile-")
    upstream = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.py"),
                                 "--fake-upstream", "--delay-ms", "0"], stdout=subprocess.PIPE, text=True)
    configs = [("default", False), ("quiet", True)]
    configs = [c for c in configs if args.config in ("both", c[0])]
    try:
        upstream_port = int(re.match(r"listening (\d+)", upstream.stdout.readline()).group(1))
        for name, quiet in configs:
            short = profile(args.binary, upstream_port, work, name, args.base, quiet)
            long = profile(args.binary, upstream_port, work, name, args.base + args.hits, quiet)
            (short_total, short_own), (long_total, long_own) = functions(short), functions(long)
            per_hit = (long_total - short_total) / args.hits
            label = "default configuration (a log line per request, to a file)" if not quiet else "--quiet"
            print(f"{label}: {per_hit:,.0f} instructions per steady-state hit "
                  f"(({long_total:,} - {short_total:,}) / {args.hits:,} hits; "
                  f"~{long_total // (args.base + args.hits + 2):,} per request with start-up included)")
            delta = sorted(((long_own.get(f, 0) - short_own.get(f, 0), f) for f in set(long_own) | set(short_own)),
                           reverse=True)
            for diff, function in delta[:args.top]:
                print(f"  {diff / args.hits:>8,.0f} {100 * diff / (long_total - short_total):5.1f}%  {function[:170]}")
            print(f"  full profiles: {short} and {long}")
    finally:
        upstream.terminate()


if __name__ == "__main__":
    sys.exit(main())
