#!/usr/bin/env python3
"""Tapedeck benchmark: hit throughput and latency against nginx, plus miss, burst, fresh-connection and big-body costs.

Usage: python3 Benchmarks/bench.py [--binary .build/release/tapedeck] [--quick] [--runs 3] [--duration 5]
                                   [--connections 1,16,64] [--results Benchmarks/results] [--no-save]

Everything runs on loopback. Every server (the fake Bedrock upstream, Tapedeck, nginx) is pinned to CPU 0 with
`taskset -c 0`; wrk and this script's own clients run on CPU 1. Every process this script starts gets its own
process group and is stopped on the way out, also after an error or Ctrl-C. See Benchmarks/README.md.

Python standard library only. `bench.py --fake-upstream --delay-ms N` is the fake upstream itself (used
internally; it prints `listening PORT` on stdout).
"""
import argparse
import asyncio
import base64
import ctypes
import datetime
import hashlib
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
MODEL_PATH = "us.anthropic.claude-3-5-haiku-20241022-v1%3A0"
CONVERSE_PATH = f"/model/{MODEL_PATH}/converse"
SERVER_CPU = "0"
CLIENT_CPU = "1"
HERE = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------------------------------------------
# The request and the fake upstream's answer
# ---------------------------------------------------------------------------------------------------------------

def converse_request(variant=None):
    """The benchmark's one Converse request (~3 KB): a system prompt, four messages (user, assistant with a tool
    call, user with the tool result, assistant prefill) and one tool with an input schema. `variant` changes the
    first user text, for requests that must all be distinct (the miss-path measurement)."""
    question = ("I am planning a three-day walking trip through Lisbon at the end of March and I would like to know "
                "what the weather will be like, which neighbourhoods are best explored on foot, and whether I "
                "should expect rain on any of the days. Please keep the answer practical and short.")
    if variant is not None:
        question = f"[request {variant}] " + question
    return {
        "system": [{"text": (
            "You are a careful travel assistant for a small walking-tour company. You answer in plain English, in "
            "short paragraphs, and you never invent facts: when you need current information such as the "
            "weather, you call the get_weather tool and use what it returns. Prices are in euros. Distances are "
            "in kilometres. If the user asks about something you cannot check with a tool, say so plainly and "
            "suggest where they could look it up. Keep every answer under two hundred words unless the user asks "
            "for more detail, and end with one concrete suggestion for the first morning of the trip. When the "
            "forecast shows rain, prefer routes with museums, covered markets and short tram rides; when it is dry, "
            "prefer viewpoints, river walks and the old neighbourhoods on the hills. Mention opening hours only if "
            "the user asks for them, because they change often and you cannot check them with a tool.")}],
        "messages": [
            {"role": "user", "content": [{"text": question}]},
            {"role": "assistant", "content": [
                {"text": "Let me check the forecast for Lisbon for those dates before I suggest a route."},
                {"toolUse": {"toolUseId": "tooluse_bench_0001", "name": "get_weather",
                             "input": {"city": "Lisbon", "country": "PT", "days": 3, "units": "metric"}}}]},
            {"role": "user", "content": [
                {"toolResult": {"toolUseId": "tooluse_bench_0001", "status": "success", "content": [{"json": {
                    "city": "Lisbon", "forecast": [
                        {"day": 1, "summary": "sunny intervals", "high": 19, "low": 11, "rainChance": 10},
                        {"day": 2, "summary": "light showers in the afternoon", "high": 17, "low": 12, "rainChance": 60},
                        {"day": 3, "summary": "clear and breezy", "high": 20, "low": 10, "rainChance": 5}]}}]}},
                {"text": "Thanks. Also, is Alfama or Belem better for the rainy day, given the museums there?"}]},
            {"role": "assistant", "content": [{"text": (
                "Here is a practical plan for your three days, starting with the forecast and then the walking "
                "routes that suit each day best.")}]},
        ],
        "toolConfig": {"tools": [{"toolSpec": {
            "name": "get_weather",
            "description": ("Returns the daily weather forecast for a city: a one-line summary, the high and low "
                            "temperature and the chance of rain in percent, for up to seven days ahead."),
            "inputSchema": {"json": {
                "type": "object",
                "properties": {
                    "city": {"type": "string", "description": "City name, for example Lisbon"},
                    "country": {"type": "string", "description": "ISO 3166-1 alpha-2 country code"},
                    "days": {"type": "integer", "minimum": 1, "maximum": 7, "description": "Number of days"},
                    "units": {"type": "string", "enum": ["metric", "imperial"], "description": "Unit system"}},
                "required": ["city", "days"]}}}}]},
        "inferenceConfig": {"maxTokens": 512, "temperature": 0, "topP": 0.9},
    }


def request_bytes(variant=None):
    return json.dumps(converse_request(variant), separators=(", ", ": ")).encode()


def fake_answer():
    """The fake upstream's Converse answer: deterministic, about 1 KB, with no `$`, `'` or backslash (so nginx can
    serve the same bytes with `return 200 '...'`)."""
    text = ("Day one looks like the best weather, so spend it outdoors: start in Baixa, climb through Chiado to the "
            "Bairro Alto viewpoints and finish with sunset at the Miradouro de Santa Catarina. Day two brings "
            "afternoon showers, which makes it the right day for Belem: the Jeronimos Monastery, the Maritime "
            "Museum and the MAAT are all under one roof or close together, and the tram back is short. Day three is "
            "clear and breezy, ideal for Alfama and the castle, with the steep lanes dry underfoot. Distances stay "
            "under eight kilometres a day. Suggestion for the first morning: coffee and a pastel de nata at the "
            "Praca do Comercio arcades at nine, before the crowds arrive, then walk up Rua Augusta to the lift. "
            "Bring a light rain jacket for the second afternoon and comfortable shoes for the cobbles.")
    body = {"output": {"message": {"role": "assistant", "content": [{"text": text}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 812, "outputTokens": 164, "totalTokens": 976},
            "metrics": {"latencyMs": 412}}
    data = json.dumps(body, separators=(",", ":")).encode()
    assert b"$" not in data and b"'" not in data and b"\\" not in data
    return data


# ---------------------------------------------------------------------------------------------------------------
# Fake Bedrock upstream (run as its own process: bench.py --fake-upstream --delay-ms N)
# ---------------------------------------------------------------------------------------------------------------

def run_fake_upstream(delay_ms):
    answer = fake_answer()
    converse = re.compile(r"^/model/[^/?]+/converse(\?.*)?$")
    state = {"count": 0}

    def response(status, reason, body, content_type="application/json", extra=""):
        return (f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                f"{extra}\r\n").encode() + body

    async def handle(reader, writer):
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                parts = line.decode("latin-1").split()
                if len(parts) != 3:
                    break
                method, target, _ = parts
                length, chunked, close, expect = 0, False, False, False
                while True:
                    header = await reader.readline()
                    if header in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = header.decode("latin-1").partition(":")
                    name, value = name.strip().lower(), value.strip().lower()
                    if name == "content-length":
                        length = int(value)
                    elif name == "transfer-encoding" and "chunked" in value:
                        chunked = True
                    elif name == "connection" and value == "close":
                        close = True
                    elif name == "expect" and value == "100-continue":
                        expect = True
                if expect:
                    writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                if chunked:
                    while True:
                        size = int((await reader.readline()).split(b";")[0], 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length:
                    await reader.readexactly(length)
                if method == "GET" and target == "/count":
                    out = response(200, "OK", json.dumps({"count": state["count"]}).encode())
                elif method == "POST" and converse.match(target):
                    state["count"] += 1
                    if delay_ms:
                        await asyncio.sleep(delay_ms / 1000)
                    out = response(200, "OK", answer,
                                   extra="x-amzn-RequestId: 00000000-0000-4000-8000-00000000beef\r\n")
                else:
                    out = response(404, "Not Found", b'{"message":"not found"}')
                writer.write(out)
                await writer.drain()
                if close:
                    break
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=1 << 20, backlog=1024)
        print(f"listening {server.sockets[0].getsockname()[1]}", flush=True)
        async with server:
            await server.serve_forever()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        asyncio.run(main())
    except (KeyboardInterrupt, SystemExit):
        pass


# ---------------------------------------------------------------------------------------------------------------
# Processes: own process group each, pinned, stopped on the way out
# ---------------------------------------------------------------------------------------------------------------

def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Processes:
    def __init__(self):
        self.running = []

    def start(self, argv, cpu=SERVER_CPU, **kwargs):
        process = subprocess.Popen(["taskset", "-c", cpu] + argv, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=_die_with_parent, **kwargs)
        self.running.append(process)
        return process

    def stop(self, process, grace=10):
        if process not in self.running:
            return
        self.running.remove(process)
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()
        else:
            # The leader is gone; anything left in its group (nginx workers) is still ours.
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop_all(self):
        for process in reversed(list(self.running)):
            self.stop(process)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process, what, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with status {process.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")


class FakeUpstream:
    def __init__(self, procs, delay_ms):
        self.delay_ms = delay_ms
        self.process = procs.start([sys.executable, os.path.abspath(__file__), "--fake-upstream",
                                    "--delay-ms", str(delay_ms)], stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.match(r"listening (\d+)", line)
        if not match:
            raise RuntimeError(f"fake upstream did not start: {line!r}")
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def count(self):
        return json.loads(get(self.port, "/count")[2])["count"]


class Tapedeck:
    def __init__(self, procs, binary, store, upstream, workdir, name, threads=None, quiet=True):
        """`quiet=False` is the default configuration users run: a log line per request, on stderr, which goes to a
        file here as a user's `2>serve.log` would send it."""
        self.log_path = os.path.join(workdir, f"{name}.log")
        argv = [binary, "serve", "--port", "0"] + (["--quiet"] if quiet else []) + [
                "--store", f"json:{store}", "--upstream", upstream, "--mode", "auto", "--shutdown-grace", "2"]
        if threads:
            argv += ["--threads", str(threads)]
        self.argv = argv
        with open(self.log_path, "w") as log:
            # A config file or TAPEDECK_* variables in the caller's environment must not change what is measured.
            env = {k: v for k, v in os.environ.items() if not k.startswith("TAPEDECK_")}
            self.process = procs.start(argv, stdout=subprocess.DEVNULL, stderr=log, cwd=workdir, env=env)
        deadline = time.monotonic() + 15
        self.port = None
        while self.port is None:
            with open(self.log_path) as log:
                match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", log.read())
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                with open(self.log_path) as log:
                    raise RuntimeError("tapedeck did not start:\n" + log.read())
            else:
                time.sleep(0.05)
        self.pid = self.process.pid
        time.sleep(0.2)
        self.threads_at_start = read_status_kb(self.pid, "Threads")  # (a count, not kB)

    def stats(self):
        return json.loads(get(self.port, "/_tapedeck/stats")[2])

    def health(self):
        return json.loads(get(self.port, "/_tapedeck/health")[2])


class Nginx:
    def __init__(self, procs, workdir, fixed_body, upstream_port):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        self.prefix = os.path.join(workdir, "nginx")
        os.makedirs(os.path.join(self.prefix, "cache"), exist_ok=True)
        self.fixed_port, self.cache_port = free_port(), free_port()
        escaped = fixed_body.decode().replace("\\", "\\\\").replace("'", "\\'")
        assert "$" not in escaped
        p = self.prefix
        user = "user root root;\n" if os.geteuid() == 0 else ""
        config = f"""{user}daemon off;
master_process on;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    client_body_temp_path {p}/client_body;
    proxy_temp_path {p}/proxy_temp;
    fastcgi_temp_path {p}/fastcgi_temp;
    uwsgi_temp_path {p}/uwsgi_temp;
    scgi_temp_path {p}/scgi_temp;
    proxy_cache_path {p}/cache levels=1:2 keys_zone=bench:10m max_size=1g inactive=1h use_temp_path=off;
    upstream fake {{ server 127.0.0.1:{upstream_port}; keepalive 16; }}

    server {{
        listen 127.0.0.1:{self.fixed_port};
        client_max_body_size 64m;
        location = /fixed {{
            default_type application/json;
            return 200 '{escaped}';
        }}
    }}

    server {{
        listen 127.0.0.1:{self.cache_port};
        client_max_body_size 64m;
        client_body_buffer_size 64k;
        location / {{
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache bench;
            proxy_cache_methods POST;
            proxy_cache_key "$request_uri|$request_body";
            proxy_cache_valid 200 1h;
            add_header X-Cache $upstream_cache_status always;
        }}
    }}
}}
"""
        self.config_path = os.path.join(p, "nginx.conf")
        with open(self.config_path, "w") as f:
            f.write(config)
        argv = [self.binary, "-p", p + "/", "-c", self.config_path, "-e", os.path.join(p, "error.log")]
        check = subprocess.run(argv + ["-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError("nginx rejected the generated config:\n" + check.stderr)
        self.process = procs.start(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.fixed_port, self.process, "nginx")
        wait_for_port(self.cache_port, self.process, "nginx")
        self.worker_pid = self._worker()

    def _worker(self):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmdline = f.read()
                except OSError:
                    continue
                if ppid == self.process.pid and b"worker process" in cmdline:
                    return int(pid)
            time.sleep(0.05)
        raise RuntimeError("nginx worker process not found")

    def version(self):
        out = subprocess.run([self.binary, "-v"], capture_output=True, text=True)
        return (out.stderr or out.stdout).strip().replace("nginx version: ", "")


# ---------------------------------------------------------------------------------------------------------------
# HTTP helpers (this script's own clients)
# ---------------------------------------------------------------------------------------------------------------

def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def post(connection, path, body):
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def post_once(port, path, body, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        return post(connection, path, body)
    finally:
        connection.close()


def raw_request(port, path, body):
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return head + body


def fresh_connection_hit(port, request):
    """connect, send, read one Content-Length response, close; returns seconds."""
    started = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed before the response headers")
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"not a 200: {head[:80]!r}")
        length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
        while len(rest) < length:
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("connection closed before the response body")
            rest += chunk
    finally:
        s.close()
    return time.perf_counter() - started, head


def fsync_cost(store, count):
    """Milliseconds to fsync a freshly written file the size of one of `store`'s cassettes, then its directory,
    `count` times in a scratch directory beside the store: what a recording's fsyncs cost on this disk."""
    sizes = [os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(store) for name in names
             if name.endswith(".json")]
    payload = b"x" * (int(statistics.median(sizes)) if sizes else 4096)
    scratch = os.path.join(os.path.dirname(store), "fsync-probe")
    os.makedirs(scratch, exist_ok=True)
    times = []
    for i in range(count):
        path = os.path.join(scratch, f"{i}.json")
        with open(path, "wb") as handle:
            handle.write(payload)
            handle.flush()
            t0 = time.perf_counter()
            os.fsync(handle.fileno())
        directory = os.open(scratch, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        times.append((time.perf_counter() - t0) * 1000)
    shutil.rmtree(scratch, ignore_errors=True)
    return times


def count_lines(path):
    count = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            count += block.count(b"\n")
    return count


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, int(round(q / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


# ---------------------------------------------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------------------------------------------

UNITS = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    match = re.fullmatch(r"([\d.]+)(ns|us|ms|s|m|h)", text.strip())
    if not match:
        raise ValueError(f"unknown wrk time {text!r}")
    return float(match.group(1)) * UNITS[match.group(2)]


def parse_wrk(output):
    result = {}
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    result["rps"] = float(match.group(1)) if match else float("nan")
    distribution = output.split("Latency Distribution", 1)[1] if "Latency Distribution" in output else ""
    for label, key in (("50%", "p50"), ("99%", "p99")):
        match = re.search(rf"^\s*{re.escape(label)}\s+(\S+)", distribution, re.M)
        result[key] = to_ms(match.group(1)) if match else float("nan")
    match = re.search(r"(\d+) requests in", output)
    result["requests"] = int(match.group(1)) if match else 0
    match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    result["non2xx"] = int(match.group(1)) if match else 0
    match = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(int(g) for g in match.groups()) if match else 0
    return result


def read_status_kb(pid, field):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def reset_peak(pid):
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        return True
    except OSError:
        return False


def run_wrk(url, script, connections, duration, server_pid):
    """One wrk run on CPU 1 while a thread samples the server's RSS; returns the parsed result with peak RSS in KB."""
    peak_reset = reset_peak(server_pid)
    samples = []
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            rss = read_status_kb(server_pid, "VmRSS")
            if rss is not None:
                samples.append(rss)
            stop.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    argv = ["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency",
            "-s", script, url]
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=duration + 30)
    except BaseException:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        raise
    finally:
        stop.set()
        sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed ({process.returncode}):\n{output}")
    result = parse_wrk(output)
    hwm = read_status_kb(server_pid, "VmHWM") if peak_reset else None
    result["rss_kb"] = max([v for v in [hwm] + samples if v is not None] or [float("nan")])
    result["raw"] = output
    return result


# ---------------------------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------------------------

def fmt_ms(ms):
    if ms != ms:
        return "n/a"
    if ms < 1:
        return f"{ms * 1000:.0f} µs"
    if ms < 100:
        return f"{ms:.2f} ms"
    return f"{ms:.0f} ms"


def fmt_rps(rps):
    return "n/a" if rps != rps else f"{rps:,.0f}"


def fmt_kb(kb):
    return "n/a" if kb != kb else f"{kb / 1024:.1f} MiB"


def fmt_ratio(x):
    return "n/a" if x != x else f"{x:.2f}×"


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------------------------------------------------
# The benchmark
# ---------------------------------------------------------------------------------------------------------------

def check(condition, message):
    if not condition:
        raise RuntimeError(message)


def prime_tapedeck(tapedeck, body):
    connection = http.client.HTTPConnection("127.0.0.1", tapedeck.port, timeout=30)
    try:
        first = post(connection, CONVERSE_PATH, body)
        second = post(connection, CONVERSE_PATH, body)
    finally:
        connection.close()
    check(first[0] == 200 and first[1].get("x-tapedeck") == "miss",
          f"priming: expected 200 miss, got {first[0]} {first[1].get('x-tapedeck')}: {first[2][:200]!r}")
    check(second[0] == 200 and second[1].get("x-tapedeck") == "hit",
          f"priming: expected 200 hit, got {second[0]} {second[1].get('x-tapedeck')}: {second[2][:200]!r}")
    return second[2]


def machine_info():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} CPUs, Linux {platform.release()}"


def load_average():
    try:
        with open("/proc/loadavg") as f:
            return " / ".join(f.read().split()[:3])
    except OSError:
        return "unknown"


def git_commit():
    try:
        return subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=5).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(os.path.dirname(HERE), ".build/release/tapedeck"))
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 run of 2 s per cell, fewer samples")
    parser.add_argument("--runs", type=int, help="repetitions of the whole wrk table (default 3, 1 with --quick)")
    parser.add_argument("--duration", type=int, help="seconds per wrk run (default 5, 2 with --quick)")
    parser.add_argument("--connections", default="1,16,64")
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--no-save", action="store_true", help="print the report only")
    parser.add_argument("--fake-upstream", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--delay-ms", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.fake_upstream:
        run_fake_upstream(args.delay_ms)
        return 0

    args.binary = os.path.abspath(args.binary)
    runs = args.runs or (1 if args.quick else 3)
    duration = args.duration or (2 if args.quick else 5)
    connections = [int(c) for c in args.connections.split(",") if c]
    samples = {"fresh": 200 if args.quick else 1000, "miss": 100 if args.quick else 300,
               "image_hits": 5 if args.quick else 20}

    for tool in ("wrk", "taskset"):
        check(shutil.which(tool), f"{tool} is not installed (make bench installs it)")
    check(shutil.which("nginx") or os.path.exists("/usr/sbin/nginx"), "nginx is not installed (make bench installs it)")
    check(os.access(args.binary, os.X_OK), f"no tapedeck binary at {args.binary} (run make release)")
    check({0, 1} <= os.sched_getaffinity(0), "CPUs 0 and 1 must both be available (servers on 0, clients on 1)")

    # This script's own clients (and wrk) run on CPU 1; every server is started with taskset -c 0.
    os.sched_setaffinity(0, {int(CLIENT_CPU)})

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in the background

    started_at = datetime.datetime.now(datetime.timezone.utc)
    procs = Processes()
    workdir = tempfile.mkdtemp(prefix="tapedeck-bench-")
    notes, problems = [], []
    try:
        report = benchmark(args, procs, workdir, runs, duration, connections, samples, notes, problems)
    except KeyboardInterrupt:
        print("\ninterrupted; stopping everything this run started", file=sys.stderr)
        return 130
    finally:
        procs.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = (datetime.datetime.now(datetime.timezone.utc) - started_at).total_seconds()
    report = report.replace("@ELAPSED@", f"{elapsed:.0f} s").replace("@LOAD_END@", load_average())
    print(report)
    if not args.no_save:
        os.makedirs(args.results, exist_ok=True)
        stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
        name = f"bench-{stamp}{'-quick' if args.quick else ''}.md"
        with open(os.path.join(args.results, name), "w") as f:
            f.write(report)
        written = [os.path.join(args.results, name)]
        if not args.quick:  # latest.md is the latest full run
            with open(os.path.join(args.results, "latest.md"), "w") as f:
                f.write(report)
            written.append("latest.md")
        print("written: " + " and ".join(written), file=sys.stderr)
    return 1 if problems else 0


def log(message):
    print(message, file=sys.stderr, flush=True)


def benchmark(args, procs, workdir, runs, duration, connections, samples, notes, problems):
    load_start = load_average()
    body = request_bytes()
    body_path = os.path.join(workdir, "request.json")
    with open(body_path, "wb") as f:
        f.write(body)
    script = os.path.join(workdir, "post.lua")
    with open(script, "w") as f:
        f.write(f'local f = assert(io.open("{body_path}", "rb"))\nwrk.method = "POST"\nwrk.body = f:read("*a")\n'
                f'f:close()\nwrk.headers["Content-Type"] = "application/json"\n')

    log("starting the fake upstreams (0 ms and 500 ms)")
    fast = FakeUpstream(procs, 0)
    slow = FakeUpstream(procs, 500)

    log("starting tapedeck (default threads) and priming the cassette")
    store = os.path.join(workdir, "store")
    tapedeck = Tapedeck(procs, args.binary, store, fast.url, workdir, "tapedeck")
    version = tapedeck.health().get("version", "?")
    hit_body = prime_tapedeck(tapedeck, body)
    # The default configuration: no --quiet, so a log line per request, written to a file (stderr redirected).
    loud = Tapedeck(procs, args.binary, store, fast.url, workdir, "tapedeck-default", quiet=False)
    status, headers, _ = post_once(loud.port, CONVERSE_PATH, body)
    check(status == 200 and headers.get("x-tapedeck") == "hit", "tapedeck (default configuration) does not hit the primed cassette")
    tapedeck1 = Tapedeck(procs, args.binary, store, fast.url, workdir, "tapedeck-threads1", threads=1)
    status, headers, _ = post_once(tapedeck1.port, CONVERSE_PATH, body)
    check(status == 200 and headers.get("x-tapedeck") == "hit", "tapedeck --threads 1 does not hit the primed cassette")
    # Both were counted right after start, before any request: the difference is the extra event loops.
    default_loops = tapedeck.threads_at_start - tapedeck1.threads_at_start + 1
    notes.append(f"Tapedeck's default event-loop count here is {default_loops} (its default is the CPU count, at most "
                 f"8; this machine has {os.cpu_count()} CPUs), and taskset confines all of them to CPU 0. The "
                 f"`--threads 1` rows run a second Tapedeck on the same store with one event loop.")

    log("starting nginx (fixed body and proxy_cache)")
    nginx = Nginx(procs, workdir, hit_body, fast.port)
    status, _, fixed = post_once(nginx.fixed_port, "/fixed", body)
    check(status == 200 and len(fixed) == len(hit_body), f"nginx /fixed: {status}, {len(fixed)} bytes, want {len(hit_body)}")
    before = fast.count()
    cache_states = [post_once(nginx.cache_port, CONVERSE_PATH, body)[1].get("x-cache") for _ in range(3)]
    check(cache_states[-1] == "HIT" and cache_states[-2] == "HIT",
          f"nginx proxy_cache is not hitting: X-Cache {cache_states}")
    check(fast.count() - before <= 1, "nginx proxy_cache reached the upstream more than once")
    _, _, cached = post_once(nginx.cache_port, CONVERSE_PATH, body)

    targets = [
        ("tapedeck hit, default (log to file)", loud.port, CONVERSE_PATH, loud.pid, loud),
        ("tapedeck hit, --quiet", tapedeck.port, CONVERSE_PATH, tapedeck.pid, tapedeck),
        ("tapedeck hit, --quiet --threads 1", tapedeck1.port, CONVERSE_PATH, tapedeck1.pid, tapedeck1),
        ("nginx fixed", nginx.fixed_port, "/fixed", nginx.worker_pid, None),
        ("nginx proxy_cache", nginx.cache_port, CONVERSE_PATH, nginx.worker_pid, None),
    ]

    log("warm-up (1 s per target)")
    for _, port, path, pid, _ in targets:
        run_wrk(f"http://127.0.0.1:{port}{path}", script, 16, 1, pid)

    results = {}  # (target, connections) -> list of run results
    for run in range(runs):
        for name, port, path, pid, td in targets:
            for c in connections:
                misses_before = td.stats()["misses"] if td else None
                upstream_before = fast.count()
                r = run_wrk(f"http://127.0.0.1:{port}{path}", script, c, duration, pid)
                results.setdefault((name, c), []).append(r)
                log(f"run {run + 1}/{runs} {name:36} c={c:<3} {fmt_rps(r['rps']):>9} req/s  p50 {fmt_ms(r['p50']):>9}  "
                    f"p99 {fmt_ms(r['p99']):>9}  rss {fmt_kb(r['rss_kb'])}")
                if r["non2xx"] or r["socket_errors"]:
                    problems.append(f"{name} c={c} run {run + 1}: {r['non2xx']} non-2xx responses, "
                                    f"{r['socket_errors']} socket errors")
                if fast.count() != upstream_before:
                    problems.append(f"{name} c={c} run {run + 1}: the upstream was called "
                                    f"{fast.count() - upstream_before} times during a hit measurement")
                if td and td.stats()["misses"] != misses_before:
                    problems.append(f"{name} c={c} run {run + 1}: tapedeck counted misses during a hit measurement")

    # (a) A hit over a fresh connection each time.
    log(f"fresh-connection hits ({samples['fresh']} each)")
    fresh = {}
    for name, port, path in (("tapedeck hit", tapedeck.port, CONVERSE_PATH),
                             ("nginx proxy_cache", nginx.cache_port, CONVERSE_PATH),
                             ("nginx fixed", nginx.fixed_port, "/fixed")):
        request = raw_request(port, path, body)
        for _ in range(20):
            fresh_connection_hit(port, request)
        times = []
        for _ in range(samples["fresh"]):
            seconds, head = fresh_connection_hit(port, request)
            times.append(seconds * 1000)
        fresh[name] = (median(times), percentile(times, 99))
        if name == "tapedeck hit":
            check(b"x-tapedeck: hit" in head.lower(), "fresh-connection request to tapedeck was not a hit")
        if name == "nginx proxy_cache":
            check(b"x-cache: hit" in head.lower(), "fresh-connection request to nginx proxy_cache was not a hit")

    # (b) The miss path: Tapedeck in front of the 0 ms fake vs the fake directly, distinct requests.
    log(f"miss path ({samples['miss']} distinct requests each way)")
    via = http.client.HTTPConnection("127.0.0.1", tapedeck.port, timeout=30)
    direct = http.client.HTTPConnection("127.0.0.1", fast.port, timeout=30)
    miss_times, direct_times = [], []
    # Answered means stored: right after each answer, is its cassette file already in place?
    visible_at_answer = 0
    try:
        for i in range(5):  # warm both connections (and Tapedeck's upstream connection) up
            post(direct, CONVERSE_PATH, request_bytes(f"warm-{i}"))
            post(via, CONVERSE_PATH, request_bytes(f"warm-{i}"))
        for i in range(samples["miss"]):
            distinct = request_bytes(i)
            t0 = time.perf_counter()
            status, headers, _ = post(direct, CONVERSE_PATH, distinct)
            t1 = time.perf_counter()
            check(status == 200, f"direct call to the fake upstream: {status}")
            status, headers, _ = post(via, CONVERSE_PATH, distinct)
            t2 = time.perf_counter()
            check(status == 200 and headers.get("x-tapedeck") == "miss",
                  f"miss path: request {i} was {status} {headers.get('x-tapedeck')}, not a miss")
            key = headers.get("x-tapedeck-key", "")
            if os.path.exists(os.path.join(store, key[:2], key + ".json")):
                visible_at_answer += 1
            direct_times.append((t1 - t0) * 1000)
            miss_times.append((t2 - t1) * 1000)
    finally:
        via.close()
        direct.close()
    fsync_times = fsync_cost(store, samples["miss"])

    # (c) 32 identical concurrent misses against the 500 ms upstream, fresh store.
    log("burst of 32 identical concurrent misses (500 ms upstream)")
    burst_store = os.path.join(workdir, "burst-store")
    burst_tapedeck = Tapedeck(procs, args.binary, burst_store, slow.url, workdir, "tapedeck-burst")
    burst_body = request_bytes("burst")
    burst_n = 32
    barrier = threading.Barrier(burst_n)
    outcomes = [None] * burst_n
    times = [0.0] * burst_n

    def burst_client(i):
        connection = http.client.HTTPConnection("127.0.0.1", burst_tapedeck.port, timeout=60)
        try:
            connection.connect()
            barrier.wait()
            t0 = time.perf_counter()
            status, headers, _ = post(connection, CONVERSE_PATH, burst_body)
            times[i] = time.perf_counter() - t0
            outcomes[i] = f"{status} {headers.get('x-tapedeck')}"
        except Exception as error:  # noqa: BLE001 - reported, not raised
            outcomes[i] = f"error {error}"
        finally:
            connection.close()

    before = slow.count()
    threads = [threading.Thread(target=burst_client, args=(i,)) for i in range(burst_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    burst_upstream = slow.count() - before
    burst_outcomes = {}
    for outcome in outcomes:
        burst_outcomes[outcome] = burst_outcomes.get(outcome, 0) + 1
    burst_wall = max(times)
    procs.stop(burst_tapedeck.process)

    # (d) A hit on a request carrying a 10 MB image.
    log(f"10 MB image: prime, then {samples['image_hits']} sequential hits")
    image = random.Random(10).randbytes(10 * 1024 * 1024)
    image_request = converse_request()
    image_request["messages"][0]["content"].insert(0, {"image": {"format": "png", "source": {
        "bytes": base64.b64encode(image).decode()}}})
    image_body = json.dumps(image_request, separators=(", ", ": ")).encode()
    connection = http.client.HTTPConnection("127.0.0.1", tapedeck.port, timeout=120)
    image_times = []
    try:
        status, headers, _ = post(connection, CONVERSE_PATH, image_body)
        check(status == 200 and headers.get("x-tapedeck") == "miss", f"10 MB prime: {status} {headers.get('x-tapedeck')}")
        status, headers, _ = post(connection, CONVERSE_PATH, image_body)
        check(status == 200 and headers.get("x-tapedeck") == "hit", f"10 MB hit: {status} {headers.get('x-tapedeck')}")
        reset_peak(tapedeck.pid)
        for _ in range(samples["image_hits"]):
            t0 = time.perf_counter()
            status, headers, _ = post(connection, CONVERSE_PATH, image_body)
            image_times.append((time.perf_counter() - t0) * 1000)
            check(status == 200 and headers.get("x-tapedeck") == "hit", "10 MB request was not a hit")
    finally:
        connection.close()
    image_rss = read_status_kb(tapedeck.pid, "VmHWM")
    connection = http.client.HTTPConnection("127.0.0.1", nginx.fixed_port, timeout=120)
    floor_times = []
    try:
        post(connection, "/fixed", image_body)
        for _ in range(samples["image_hits"]):
            t0 = time.perf_counter()
            status, _, _ = post(connection, "/fixed", image_body)
            floor_times.append((time.perf_counter() - t0) * 1000)
            check(status == 200, f"nginx /fixed with the 10 MB request: {status}")
    finally:
        connection.close()
    image_path = os.path.join(workdir, "image.bin")
    with open(image_path, "wb") as f:
        f.write(image)
    hash_times = []
    for _ in range(5):
        t0 = time.perf_counter()
        with open(image_path, "rb") as f:
            hashlib.sha256(f.read()).hexdigest()
        hash_times.append((time.perf_counter() - t0) * 1000)
    hash_ms = median(hash_times)

    # -----------------------------------------------------------------------------------------------------------
    # Report
    # -----------------------------------------------------------------------------------------------------------
    cell = {key: {m: median([r[m] for r in rs]) for m in ("rps", "p50", "p99", "rss_kb")}
            for key, rs in results.items()}
    out = []
    w = out.append
    w(f"# Tapedeck benchmark — {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}")
    w("")
    w(f"- Tapedeck {version} (commit {git_commit()}), {nginx.version()}, "
      f"{subprocess.run(['wrk', '--version'], capture_output=True, text=True).stdout.splitlines()[0].split(' Copyright')[0]}, "
      f"Python {platform.python_version()}")
    w(f"- Machine: {machine_info()}; load average (1/5/15 min) {load_start} at the start, @LOAD_END@ at the end "
      "(other work on the machine shares both CPUs)")
    w(f"- {'Quick smoke run' if args.quick else 'Full run'}: {runs} run(s) of the table, wrk {duration} s per cell, "
      f"`wrk -t1 -c<N> --latency`; each cell is the median of the runs; whole benchmark took @ELAPSED@")
    w("- Servers (fake upstream, Tapedeck, nginx) pinned to CPU 0 with `taskset -c 0`; wrk and the Python clients on "
      "CPU 1. Loopback only.")
    w(f"- Request: one {len(body):,}-byte Converse body (system prompt, four messages, one tool) POSTed to "
      f"`{CONVERSE_PATH}` (nginx fixed: `/fixed`). Answer: {len(hit_body):,} bytes from Tapedeck's hit, "
      f"the same number from nginx fixed, {len(cached):,} from nginx proxy_cache (the fake upstream's body).")
    w("")
    w("## Keep-alive load (wrk)")
    w("")
    w("Ratios are Tapedeck ÷ nginx: req/s above 1.00× means Tapedeck serves more, p99 above 1.00× means "
      "Tapedeck's tail is slower.")
    w("")
    w("| target | conns | req/s | p50 | p99 | peak RSS | req/s ÷ fixed | req/s ÷ proxy_cache | p99 ÷ fixed | p99 ÷ proxy_cache |")
    w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, *_ in targets:
        for c in connections:
            m = cell[(name, c)]
            ratios = ["—"] * 4
            if name.startswith("tapedeck"):
                f, pc = cell[("nginx fixed", c)], cell[("nginx proxy_cache", c)]
                ratios = [fmt_ratio(m["rps"] / f["rps"]), fmt_ratio(m["rps"] / pc["rps"]),
                          fmt_ratio(m["p99"] / f["p99"]), fmt_ratio(m["p99"] / pc["p99"])]
            w(f"| {name} | {c} | {fmt_rps(m['rps'])} | {fmt_ms(m['p50'])} | {fmt_ms(m['p99'])} | "
              f"{fmt_kb(m['rss_kb'])} | " + " | ".join(ratios) + " |")
    w("")
    loud_name, quiet_name = "tapedeck hit, default (log to file)", "tapedeck hit, --quiet"
    w("The default configuration (a log line per request, stderr to a file) ÷ `--quiet`, req/s: "
      + ", ".join(f"c={c} {fmt_ratio(cell[(loud_name, c)]['rps'] / cell[(quiet_name, c)]['rps'])}" for c in connections)
      + f". Its log file held {count_lines(loud.log_path):,} lines at the end.")
    w("")
    w("Peak RSS is the server process's resident set during the cell (Tapedeck's process; nginx's single worker, "
      "which serves both nginx ports): VmHWM reset before each wrk run through `/proc/PID/clear_refs`, together "
      "with VmRSS sampled every 20 ms.")
    w("")
    w("## Other measurements")
    w("")
    w(f"**(a) A hit over a fresh connection**, sequential: connect, send, read the response, close; "
      f"{samples['fresh']} times per target from one Python client on CPU 1.")
    w("")
    w("| target | median | p99 |")
    w("|---|---:|---:|")
    for name, (med, p99) in fresh.items():
        w(f"| {name} | {fmt_ms(med)} | {fmt_ms(p99)} |")
    w("")
    w(f"Tapedeck ÷ nginx proxy_cache: median {fmt_ratio(fresh['tapedeck hit'][0] / fresh['nginx proxy_cache'][0])}, "
      f"p99 {fmt_ratio(fresh['tapedeck hit'][1] / fresh['nginx proxy_cache'][1])}.")
    w("")
    mm, dm = median(miss_times), median(direct_times)
    w(f"**(b) Miss path**: {samples['miss']} distinct requests (the text varies), alternating between calling the "
      f"0 ms fake upstream directly and calling it through Tapedeck (`auto` mode, every request a miss, so each is "
      f"forwarded, answered and recorded to the JSON store), one keep-alive `http.client` connection each.")
    w("")
    w("| path | median | p99 |")
    w("|---|---:|---:|")
    w(f"| fake upstream directly | {fmt_ms(dm)} | {fmt_ms(percentile(direct_times, 99))} |")
    w(f"| through Tapedeck (miss + record) | {fmt_ms(mm)} | {fmt_ms(percentile(miss_times, 99))} |")
    w(f"| **added by Tapedeck** (difference of medians) | **{fmt_ms(mm - dm)}** | |")
    w("")
    w(f"Cassette in place when the client had its answer: **{visible_at_answer} of {samples['miss']}** (the answer "
      f"leaves after the file is renamed into place). The fsyncs that make it survive a power loss follow off the "
      f"answer's path; on this disk a cassette-sized write's fsync (file, then directory) takes median "
      f"{fmt_ms(median(fsync_times))}, p99 {fmt_ms(percentile(fsync_times, 99))}: what each miss would add if they "
      f"were on the answer's path.")
    w("")
    w(f"**(c) Burst of {burst_n} identical concurrent misses** against a Tapedeck with a fresh store whose upstream "
      f"is the 500 ms fake ({burst_n} threads, each with its own connection, released together by a barrier): the "
      f"upstream was called **{burst_upstream}** time(s). Outcomes: "
      + ", ".join(f"{n}× `{k}`" for k, n in sorted(burst_outcomes.items()))
      + f"; the slowest client waited {burst_wall * 1000:.0f} ms.")
    w("")
    im = median(image_times)
    fm = median(floor_times)
    w(f"**(d) A hit carrying a 10 MB image** ({len(image) // (1024 * 1024)} MiB of bytes, base64 in a Converse "
      f"image block, request body {len(image_body) / (1024 * 1024):.1f} MiB): median of {samples['image_hits']} "
      f"sequential hits over one keep-alive connection.")
    w("")
    w("| measurement | median |")
    w("|---|---:|")
    w(f"| Tapedeck hit, 10 MB image request | {fmt_ms(im)} |")
    w(f"| nginx fixed, same request (sending the body and discarding it: the transfer floor) | {fmt_ms(fm)} |")
    w(f"| Python: read a 10 MiB file + hashlib SHA-256 (median of 5) | {fmt_ms(hash_ms)} |")
    w(f"| **ratio** Tapedeck hit ÷ read+SHA-256 | **{fmt_ratio(im / hash_ms)}** |")
    w(f"| ratio Tapedeck hit ÷ nginx transfer floor | {fmt_ratio(im / fm)} |")
    w("")
    w(f"Tapedeck's peak RSS while serving those hits: {fmt_kb(image_rss or float('nan'))}.")
    w("")
    w("## Notes")
    w("")
    for note in notes:
        w(f"- {note}")
    w("- nginx runs one worker (`worker_processes 1`, `access_log off`, `keepalive_requests 1000000` so that wrk's "
      "connections are not recycled); `/fixed` is `return 200` of Tapedeck's hit answer byte for byte; the "
      "proxy_cache server caches POSTs keyed on `$request_uri|$request_body` and was checked to answer "
      "`X-Cache: HIT` before measuring.")
    w("- Every wrk cell was checked for non-2xx answers and socket errors, for calls reaching the fake upstream, and "
      "for misses counted by Tapedeck (`/_tapedeck/stats`): "
      + ("none seen." if not problems else "see the problems below."))
    if problems:
        w("")
        w("**Problems seen during this run:**")
        w("")
        for p in problems:
            w(f"- {p}")
    w("")
    w("<details><summary>Every run (req/s, p50, p99, peak RSS)</summary>")
    w("")
    w("| target | conns | " + " | ".join(f"run {i + 1}" for i in range(runs)) + " |")
    w("|---|---:|" + "---|" * runs)
    for name, *_ in targets:
        for c in connections:
            w(f"| {name} | {c} | " + " | ".join(
                f"{fmt_rps(r['rps'])}, {fmt_ms(r['p50'])}, {fmt_ms(r['p99'])}, {fmt_kb(r['rss_kb'])}"
                for r in results[(name, c)]) + " |")
    w("")
    w("</details>")
    w("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
