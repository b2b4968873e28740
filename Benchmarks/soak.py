#!/usr/bin/env python3
"""Tapedeck soak: minutes of mixed load against the real release binary; no crash, flat memory and descriptors,
every recorded cassette valid at the end.

Usage: python3 Benchmarks/soak.py [--binary .build/release/tapedeck] [--seconds 600] [--store json|sqlite|both]
                                  [--workers 8] [--upstream-delay-ms 20] [--sample-every 10] [--results DIR]
                                  [--no-save] [--seed N]

`--store both` (what `make soak` runs) soaks a JSON store for the first half of --seconds and a SQLite store for
the second half, each with a fresh `tapedeck serve`. Each phase:

1. starts a fake Bedrock upstream in this process (threaded, 127.0.0.1 port 0; converse answers JSON,
   converse-stream answers real application/vnd.amazon.eventstream frames, after --upstream-delay-ms), and
   `tapedeck serve --port 0 --mode auto --store ... --upstream <fake>`, and records a fixed set of prompts;
2. drives --workers threads with a weighted mix of request kinds (see KINDS below): hits and misses, streamed and
   not, upstream errors, malformed requests from Tests/TapedeckHTTPTests/Corpus/bad-requests, and clients that leave
   early (before the answer, mid-answer, mid-stream, mid-request);
3. samples the server's RSS and open descriptors every --sample-every seconds;
4. stops the load, waits for the server's client connections to close, and checks the bounds (see
   Benchmarks/README.md for why these bounds);
5. stops the server (it must exit 0), runs `tapedeck verify` on the store (must exit 0), and starts a fresh
   `serve --mode replay` on the store, offline, on which every miss that answered 200 must now be a hit with a
   byte-identical body.

It prints a summary and writes Benchmarks/results/soak-<UTC time>.md and soak-latest.md (a run shorter than
600 s writes soak-<UTC time>-short.md only). Exit status 0 only if every check passed. Loopback only; every
process it starts is stopped on the way out, also after a failure or Ctrl-C. Python standard library only.
"""
import argparse
import base64
import datetime
import hashlib
import http.client
import http.server
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import _die_with_parent, git_commit, load_average, machine_info, read_status_kb  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "python"))
from fake_upstream import frame, send_body, send_chunks, serve  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CORPUS = os.path.join(ROOT, "Tests", "TapedeckHTTPTests", "Corpus", "bad-requests")
MODEL_PATH = "us.anthropic.claude-3-5-haiku-20241022-v1%3A0"
CONVERSE = f"/model/{MODEL_PATH}/converse"
STREAM = f"/model/{MODEL_PATH}/converse-stream"
# The fake upstream reports this latency and serve replays it (--hit-latency-ms), and it writes its JSON compact
# with sorted keys, the form cassettes keep: so a faithful replay is byte-identical to the answer recorded.
LATENCY_MS = 842
# serve's --read-timeout for this run: the `stall` kind waits for the 408 it causes.
READ_TIMEOUT = 5
BIG_ANSWER_BYTES = 1 << 20
# The image in a `miss-image` request (before base64).
IMAGE_BYTES = 128 << 10

# What each corpus file must get, as in Tests/TapedeckHTTPTests/BadInputCorpusTests.swift: a status in Bedrock's
# error shape (None: any 4xx), "close" (a 4xx or the connection closed with no answer: the request is cut short),
# or 200 (the one large but legal request).
BAD_EXPECTATIONS = {
    "truncated-headers.http": "close", "truncated-headers-no-blank-line.http": "close",
    "chunk-size-zz.http": 400, "chunk-size-overflow.http": None, "chunk-size-negative.http": 400,
    "content-length-with-transfer-encoding.http": 400, "content-length-negative.http": 400,
    "content-length-overflow.http": None, "header-bare-cr.http": 400, "header-bare-lf-in-value.http": 400,
    "header-nul.http": 400, "header-obs-fold.http": 400, "target-invalid-utf8-raw.http": 400,
    "target-invalid-utf8-percent.http": 400, "body-invalid-utf8.http": 400, "json-nested-10000.http": 400,
    "json-100000-keys.http": 400, "json-100000-keys-duplicate.http": 400, "json-number-1e999999.http": 400,
    "json-number-5000-digits.http": 400, "json-lone-surrogate.http": 400, "model-id-10000.http": 400,
    "body-nul-bytes.http": 400, "body-array.http": 400, "body-string.http": 400, "body-null.http": 400,
    "body-empty.http": 400, "http-version-2.0.http": 505, "header-70kb.http": 431, "unknown-method.http": 405,
}

# Request kinds and their weights: what one worker iteration does.
KINDS = {
    "hit": 30,                    # a pre-recorded prompt: 200, x-tapedeck: hit, the recorded bytes exactly
    "hit-stream": 15,             # the same over converse-stream: every frame's CRCs check out, bytes exact
    "miss": 8,                    # a unique prompt: 200, x-tapedeck: miss, recorded (checked at the end)
    "miss-stream": 5,             # a unique streamed prompt: frames decode, metadata last, recorded
    "miss-image": 0.3,            # a unique prompt with a 128 KiB image (171 KiB of base64): recorded
    "upstream-error": 2,          # the fake answers 429 ThrottlingException: passed through, not recorded
    "stream-cut": 1,              # the fake's stream ends after messageStop (no metadata): relayed, not recorded
    "stream-exception": 1,        # the fake's stream carries an in-stream exception: relayed, not recorded
    "bad-request": 8,             # a corpus file, byte for byte: the expected 4xx in Bedrock's shape (or close)
    "leave-before-answer": 3,     # a unique miss sent whole, the socket closed during the upstream call
    "leave-mid-answer": 3,        # a 1 MiB hit: the head and a little body read, then the socket closed
    "leave-mid-stream-hit": 2,    # a 1 MiB streamed hit: a few frames read, then the socket reset
    "leave-mid-stream-miss": 2,   # a slow unique stream: the first frames read, then the socket closed
    "leave-mid-request": 3,       # half a request (mid-head or mid-body), then the socket closed or reset
    "admin": 2,                   # GET /_tapedeck/health or /_tapedeck/stats: 200 JSON
}
# Besides the workers, one thread does nothing but `stall`: half a request, then silence, until serve answers 408
# after --read-timeout (one such connection open at any time, so the workers are never the ones waiting).
STALL = "stall"
# What serve's index of recorded requests (NearestIndex, for replay-miss diagnostics) may keep per new cassette:
# it holds every recorded request for the server's life, by design. Measured at about 1.2 KiB for this script's
# small requests; the RSS bound allows 2 KiB per request after warm-up that could have been recorded.
INDEX_BYTES_PER_RECORDING = 2048
RECORDING_KINDS = ("miss", "miss-stream", "miss-image", "leave-before-answer", "leave-mid-stream-miss")
# Why serve may log "not recorded" in this run: the three kinds whose answers must not be recorded.
EXPECTED_NOT_RECORDED = ("upstream answered 429", "without a metadata event", "in-stream throttlingException")


def log(message):
    print(message, file=sys.stderr, flush=True)


class Failure(Exception):
    """An unexpected outcome of one request."""


# ---------------------------------------------------------------------------------------------------------------
# Event-stream frames: the encoder is Tests/python/fake_upstream.py; here, a checking decoder
# ---------------------------------------------------------------------------------------------------------------

def decode_frames(data):
    """[(headers dict, payload bytes)] of a whole event stream; raises Failure on a bad CRC or a torn message."""
    messages, offset = [], 0
    while offset < len(data):
        if len(data) - offset < 16:
            raise Failure(f"stream ends inside a prelude at byte {offset}")
        total, header_length, prelude_crc = struct.unpack_from(">III", data, offset)
        if zlib.crc32(data[offset:offset + 8]) != prelude_crc:
            raise Failure(f"prelude CRC mismatch at byte {offset}")
        if total < 16 + header_length or offset + total > len(data):
            raise Failure(f"message at byte {offset} claims {total} bytes; {len(data) - offset} left")
        (message_crc,) = struct.unpack_from(">I", data, offset + total - 4)
        if zlib.crc32(data[offset:offset + total - 4]) != message_crc:
            raise Failure(f"message CRC mismatch at byte {offset}")
        headers, at, end = {}, offset + 12, offset + 12 + header_length
        while at < end:
            name_length = data[at]
            name = data[at + 1:at + 1 + name_length].decode()
            kind = data[at + 1 + name_length]
            if kind != 7:
                raise Failure(f"header {name} has type {kind}, not string")
            (length,) = struct.unpack_from(">H", data, at + 2 + name_length)
            headers[name] = data[at + 4 + name_length:at + 4 + name_length + length].decode()
            at += 4 + name_length + length
        messages.append((headers, data[end:offset + total - 4]))
        offset += total
    return messages


def check_stream(data, complete=True):
    """Decodes a whole stream answer; a complete one starts with messageStart and ends with metadata."""
    messages = decode_frames(data)
    types = [h.get(":event-type") or h.get(":exception-type") for h, _ in messages]
    for headers, payload in messages:
        json.loads(payload)
    if complete and (not types or types[0] != "messageStart" or types[-1] != "metadata"):
        raise Failure(f"stream is not complete: {types[:3]} ... {types[-3:]}")
    return types


# ---------------------------------------------------------------------------------------------------------------
# The fake Bedrock upstream (threads in this process)
# ---------------------------------------------------------------------------------------------------------------

def answer_text(question):
    text = f"echo: {question}"
    if "[big]" in question:
        filler = " The quick brown fox jumps over the lazy dog, again and again, for the sake of a large answer."
        text += filler * (BIG_ANSWER_BYTES // len(filler))
    return text


def converse_answer(question):
    body = {"output": {"message": {"role": "assistant", "content": [{"text": answer_text(question)}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19},
            "metrics": {"latencyMs": LATENCY_MS}}
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def stream_answer(question):
    """The frames of a streamed answer, with padding fields like AWS's; the directives in the question choose
    a big, slow, cut or failing stream."""
    text = answer_text(question)
    size = 4096 if "[big]" in question else 24
    pieces = [text[i:i + size] for i in range(0, len(text), size)]
    frames = [frame("messageStart", {"p": "abcdefghij", "role": "assistant"})]
    for n, piece in enumerate(pieces):
        frames.append(frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}, "p": "abcd"}))
        if n == 1 and "[exception]" in question:
            frames.append(frame("throttlingException", {"message": "Too many tokens, please wait."}, exception=True))
            return frames
    frames.append(frame("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmn"}))
    frames.append(frame("messageStop", {"p": "abc", "stopReason": "end_turn"}))
    if "[cut]" not in question:
        frames.append(frame("metadata", {"metrics": {"latencyMs": LATENCY_MS}, "p": "ab",
                                         "usage": {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}}))
    return frames


class FakeBedrock:
    """Answers converse with JSON and converse-stream with event-stream frames (one HTTP chunk each), after a
    delay; `[throttle]` in the question gets 429 ThrottlingException, `[slow]` spaces stream frames 20 ms apart."""

    def __init__(self, delay_ms):
        self.delay = delay_ms / 1000
        self.calls = 0
        self.lock = threading.Lock()
        fake = self

        self.open_connections = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.open_connections += 1

            def finish(self):
                try:
                    super().finish()
                finally:
                    with fake.lock:
                        fake.open_connections -= 1

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with fake.lock:
                    fake.calls += 1
                    number = fake.calls
                try:
                    question = json.loads(body)["messages"][-1]["content"][0]["text"]
                except (ValueError, KeyError, IndexError, TypeError):
                    question = "(no question)"
                time.sleep(fake.delay)
                if "[throttle]" in question:
                    payload = b'{"message":"Too many requests, please wait before trying again."}'
                    self.send_response(429)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/")
                    send_body(self, payload)
                    return
                self.send_response(200)
                self.send_header("x-amzn-RequestId", f"fake-{number}")
                if self.path.endswith("/converse-stream"):
                    self.send_header("Content-Type", "application/vnd.amazon.eventstream")
                    send_chunks(self, stream_answer(question), pause=0.02 if "[slow]" in question else 0.0)
                    return
                self.send_header("Content-Type", "application/json")
                send_body(self, converse_answer(question))

            def log_message(self, *args):
                pass

        self.server, self.port, self.url = serve(Handler)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------------------------------------------------------
# Tapedeck: the release binary in its own process group, and what /proc says about it
# ---------------------------------------------------------------------------------------------------------------

class Server:
    def __init__(self, binary, args, workdir, name):
        self.log_path = os.path.join(workdir, f"{name}.log")
        self.argv = [binary, "serve", "--port", "0", *args]
        # A settings file or TAPEDECK_* variables in the caller's environment must not change the run.
        env = {k: v for k, v in os.environ.items() if not k.startswith("TAPEDECK_")}
        with open(self.log_path, "w") as log_file:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=log_file, cwd=workdir, env=env, start_new_session=True,
                                            preexec_fn=_die_with_parent)
        self.pid = self.process.pid
        self.port = None
        deadline = time.monotonic() + 30
        while self.port is None:
            match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", self.log_head())
            if match:
                self.port = int(match.group(1))
            elif self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"tapedeck did not start ({' '.join(self.argv)}):\n{self.log_head()}")
            else:
                time.sleep(0.05)

    def log_head(self, limit=65536):
        with open(self.log_path, errors="replace") as f:
            return f.read(limit)

    def alive(self):
        return self.process.poll() is None

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        return self.process.returncode

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()


def tcp_sockets(pid):
    """inode -> (local port, remote port, state) for the TCP sockets in the process's network namespace."""
    sockets = {}
    for name in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{name}") as f:
                next(f)
                for line in f:
                    fields = line.split()
                    local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
                    sockets[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16), state)
        except OSError:
            pass
    return sockets


def descriptors(pid, port, upstream_port):
    """The process's open descriptors by kind: client connections, listeners, upstream connections, and the rest
    (files, epoll, eventfds, pipes, other sockets). None if the process is gone."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    sockets = tcp_sockets(pid)
    counts = {"total": 0, "client": 0, "listen": 0, "upstream": 0, "other": 0}
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue  # closed while listing
        counts["total"] += 1
        match = re.fullmatch(r"socket:\[(\d+)\]", target)
        entry = sockets.get(match.group(1)) if match else None
        if entry and entry[2] == "0A":
            counts["listen"] += 1
        elif entry and entry[0] == port:
            counts["client"] += 1
        elif entry and entry[1] == upstream_port:
            counts["upstream"] += 1
        else:
            counts["other"] += 1
    return counts


def sample(server, upstream_port):
    return {"t": time.monotonic(), "rss_kb": read_status_kb(server.pid, "VmRSS"),
            "threads": read_status_kb(server.pid, "Threads"), "fds": descriptors(server.pid, server.port, upstream_port),
            "alive": server.alive()}


# ---------------------------------------------------------------------------------------------------------------
# Clients
# ---------------------------------------------------------------------------------------------------------------

def request_body(question):
    """A small Converse request; `[image]` in the question adds a PNG-sized image block whose bytes follow from
    the question, so the same question always makes the same body."""
    content = [{"text": question}]
    if "[image]" in question:
        picture = random.Random(question).randbytes(IMAGE_BYTES)
        content.append({"image": {"format": "png", "source": {"bytes": base64.b64encode(picture).decode()}}})
    return json.dumps({
        "system": [{"text": "You are the soak test's assistant. Answer in one short sentence."}],
        "messages": [{"role": "user", "content": content}],
        "inferenceConfig": {"maxTokens": 256, "temperature": 0},
    }, separators=(", ", ": ")).encode()


def raw_head(port, path, length, extra=""):
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n{extra}\r\n").encode()


def connect(port, timeout=30):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def close_abruptly(s):
    """close() with SO_LINGER 0: the peer sees a reset, not a FIN."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def read_head(s, data=b""):
    """Reads until the end of the response head; returns (status, headers lower-cased, bytes after the head), or
    None if the connection closed before any byte."""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            if not data:
                return None
            raise Failure(f"connection closed inside the response head: {data[:120]!r}")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    match = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0] + " ")
    if not match:
        raise Failure(f"not an HTTP/1.1 status line: {lines[0]!r}")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(match.group(1)), headers, rest


def read_to_close(s, data):
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def check_error_shape(status, headers, body, what):
    if "x-amzn-errortype" not in headers:
        raise Failure(f"{what}: {status} without x-amzn-ErrorType")
    try:
        message = json.loads(body).get("message")
    except (ValueError, AttributeError):
        message = None
    if not isinstance(message, str):
        raise Failure(f"{what}: {status} body has no message: {body[:200]!r}")


class Tally:
    """Counts by kind, unexpected failures by kind (with the first few messages), shared by the workers."""

    def __init__(self):
        self.lock = threading.Lock()
        self.done = {}
        self.failed = {}
        self.examples = {}
        self.outcomes = {}  # informational: e.g. how bad requests and early leavers were answered

    def ok(self, kind, outcome=None):
        with self.lock:
            self.done[kind] = self.done.get(kind, 0) + 1
            if outcome:
                self.outcomes[(kind, outcome)] = self.outcomes.get((kind, outcome), 0) + 1

    def fail(self, kind, message):
        with self.lock:
            self.done[kind] = self.done.get(kind, 0) + 1
            self.failed[kind] = self.failed.get(kind, 0) + 1
            examples = self.examples.setdefault(kind, [])
            if len(examples) < 5:
                examples.append(message)

    @property
    def failures(self):
        return sum(self.failed.values())


class Load:
    """The workers' shared state: the server, the fixed prompts' expected answers, the recorded misses."""

    def __init__(self, server, fixed, corpus, seed, tally):
        self.server = server
        self.port = server.port
        self.fixed = fixed          # {"converse": [(body, answer)], "stream": [...], "big": [...], "big-stream": [...]}
        self.corpus = corpus        # [(name, bytes)]
        self.seed = seed
        self.tally = tally
        self.stop = threading.Event()
        self.recorded_lock = threading.Lock()
        self.recorded = []          # (path, question, sha256 of the answer) of every 200 miss
        self.unrecorded = []        # (path, question) that must never replay as a hit
        self.kinds = list(KINDS)
        self.weights = [KINDS[k] for k in self.kinds]

    def staller(self):
        rng = random.Random(self.seed * 1000 + 999)
        serial = 0
        while not self.stop.is_set():
            serial += 1
            try:
                self.tally.ok(STALL, self.stall(rng, f"soak {self.seed}-stall-{serial}"))
            except (Failure, OSError) as error:
                self.tally.fail(STALL, f"{type(error).__name__}: {error}")
            self.stop.wait(1)

    def worker(self, number):
        rng = random.Random(self.seed * 1000 + number)
        connection = None
        serial = 0
        while not self.stop.is_set():
            kind = rng.choices(self.kinds, self.weights)[0]
            serial += 1
            unique = f"soak {self.seed}-{number}-{serial}"
            try:
                if kind in ("hit", "hit-stream", "miss", "miss-stream", "miss-image", "upstream-error", "stream-cut",
                            "stream-exception", "admin"):
                    if connection is None:
                        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                    outcome = getattr(self, kind.replace("-", "_"))(connection, rng, unique)
                    if rng.random() < 0.02:  # now and then a fresh keep-alive connection
                        connection.close()
                        connection = None
                else:
                    outcome = getattr(self, kind.replace("-", "_"))(rng, unique)
                self.tally.ok(kind, outcome)
            except (Failure, OSError, http.client.HTTPException, ValueError) as error:
                self.tally.fail(kind, f"{type(error).__name__}: {error}")
                if connection is not None:
                    connection.close()
                    connection = None
        if connection is not None:
            connection.close()

    # -- keep-alive kinds (http.client) ---------------------------------------------------------------------------

    def _post(self, connection, path, body):
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def _expect(self, status, headers, wanted_status, wanted_outcome, what, data):
        if status != wanted_status or headers.get("x-tapedeck") != wanted_outcome:
            raise Failure(f"{what}: {status} x-tapedeck={headers.get('x-tapedeck')} (wanted {wanted_status} "
                          f"{wanted_outcome}): {data[:200]!r}")

    def hit(self, connection, rng, unique):
        body, answer = rng.choice(self.fixed["converse"])
        status, headers, data = self._post(connection, CONVERSE, body)
        self._expect(status, headers, 200, "hit", "hit", data)
        if data != answer:
            raise Failure(f"hit answer differs from the recording: {data[:200]!r}")

    def hit_stream(self, connection, rng, unique):
        body, answer = rng.choice(self.fixed["stream"])
        status, headers, data = self._post(connection, STREAM, body)
        self._expect(status, headers, 200, "hit", "stream hit", data)
        check_stream(data)
        if data != answer:
            raise Failure("stream hit differs from the recording")

    def miss(self, connection, rng, unique):
        question = f"{unique}: what is {rng.randrange(10**6)} plus {rng.randrange(10**6)}?"
        status, headers, data = self._post(connection, CONVERSE, request_body(question))
        self._expect(status, headers, 200, "miss", "miss", data)
        if data != converse_answer(question):
            raise Failure(f"miss answer is not the upstream's: {data[:200]!r}")
        with self.recorded_lock:
            self.recorded.append((CONVERSE, question, hashlib.sha256(data).digest()))

    def miss_image(self, connection, rng, unique):
        question = f"{unique}: what is in this picture? [image]"
        status, headers, data = self._post(connection, CONVERSE, request_body(question))
        self._expect(status, headers, 200, "miss", "image miss", data)
        if data != converse_answer(question):
            raise Failure(f"image miss answer is not the upstream's: {data[:200]!r}")
        with self.recorded_lock:
            self.recorded.append((CONVERSE, question, hashlib.sha256(data).digest()))

    def miss_stream(self, connection, rng, unique):
        question = f"{unique}: name {rng.randrange(2, 9)} colours of the rainbow, one per line, please."
        status, headers, data = self._post(connection, STREAM, request_body(question))
        self._expect(status, headers, 200, "miss", "stream miss", data)
        check_stream(data)
        if data != b"".join(stream_answer(question)):
            raise Failure("stream miss is not the upstream's frames")
        with self.recorded_lock:
            self.recorded.append((STREAM, question, hashlib.sha256(data).digest()))

    def upstream_error(self, connection, rng, unique):
        question = f"{unique} [throttle]"
        path = rng.choice((CONVERSE, STREAM))
        status, headers, data = self._post(connection, path, request_body(question))
        self._expect(status, headers, 429, "miss", "upstream 429", data)
        check_error_shape(status, headers, data, "upstream 429")
        if not headers["x-amzn-errortype"].startswith("ThrottlingException"):
            raise Failure(f"upstream 429 came back as {headers['x-amzn-errortype']}")
        with self.recorded_lock:
            self.unrecorded.append((path, question))

    def stream_cut(self, connection, rng, unique):
        question = f"{unique} [cut]"
        status, headers, data = self._post(connection, STREAM, request_body(question))
        self._expect(status, headers, 200, "miss", "cut stream", data)
        types = check_stream(data, complete=False)
        if types[-1] != "messageStop":
            raise Failure(f"cut stream ends with {types[-1]}")
        with self.recorded_lock:
            self.unrecorded.append((STREAM, question))

    def stream_exception(self, connection, rng, unique):
        question = f"{unique} [exception]"
        status, headers, data = self._post(connection, STREAM, request_body(question))
        self._expect(status, headers, 200, "miss", "stream with exception", data)
        types = check_stream(data, complete=False)
        if types[-1] != "throttlingException":
            raise Failure(f"stream with an exception ends with {types[-1]}")
        with self.recorded_lock:
            self.unrecorded.append((STREAM, question))

    def admin(self, connection, rng, unique):
        path = rng.choice(("/_tapedeck/health", "/_tapedeck/stats"))
        connection.request("GET", path)
        response = connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise Failure(f"GET {path}: {response.status} {data[:200]!r}")
        json.loads(data)

    # -- one-connection kinds (raw sockets) -----------------------------------------------------------------------

    def bad_request(self, rng, unique):
        name, raw = rng.choice(self.corpus)
        wanted = BAD_EXPECTATIONS[name]
        s = connect(self.port)
        try:
            try:
                s.sendall(raw)
            except OSError:
                pass  # the server may answer (431) and close before reading everything; the answer still counts
            s.shutdown(socket.SHUT_WR)
            head = read_head(s)
            if head is None:
                if wanted == "close":
                    return f"{name} closed"
                raise Failure(f"{name}: connection closed with no answer")
            status, headers, rest = head
            body = read_to_close(s, rest) if "content-length" not in headers else rest
            if "content-length" in headers:
                length = int(headers["content-length"])
                while len(body) < length:
                    chunk = s.recv(65536)
                    if not chunk:
                        raise Failure(f"{name}: body cut at {len(body)} of {length} bytes")
                    body += chunk
        finally:
            s.close()
        if wanted == 200:
            if status != 200 or headers.get("x-tapedeck") not in ("hit", "miss"):
                raise Failure(f"{name}: {status} x-tapedeck={headers.get('x-tapedeck')}, wanted 200")
            return f"{name} 200"
        if isinstance(wanted, int) and status != wanted:
            raise Failure(f"{name}: {status}, wanted {wanted}: {body[:200]!r}")
        if not isinstance(wanted, int) and not 400 <= status < 500:
            raise Failure(f"{name}: {status}, wanted a 4xx: {body[:200]!r}")
        check_error_shape(status, headers, body, name)
        return f"{name} {status}"

    def leave_before_answer(self, rng, unique):
        question = f"{unique}: a question whose asker will not wait"
        body = request_body(question)
        path = rng.choice((CONVERSE, STREAM))
        s = connect(self.port)
        s.sendall(raw_head(self.port, path, len(body)) + body)
        if rng.random() < 0.5:
            close_abruptly(s)
            return "reset"
        s.close()
        return "close"

    def leave_mid_answer(self, rng, unique):
        body, _ = rng.choice(self.fixed["big"])
        self._leave_after(CONVERSE, body, "hit", 4096, "big hit", abrupt=rng.random() < 0.5)

    def leave_mid_stream_hit(self, rng, unique):
        body, _ = rng.choice(self.fixed["big-stream"])
        self._leave_after(STREAM, body, "hit", 3 * 4096, "big stream hit", abrupt=True)

    def leave_mid_stream_miss(self, rng, unique):
        body = request_body(f"{unique} [slow] a long streamed answer the asker will not read to the end")
        self._leave_after(STREAM, body, "miss", 200, "slow stream miss", abrupt=rng.random() < 0.5)

    def _leave_after(self, path, body, outcome, enough, what, abrupt):
        """Sends `body` to `path`, checks the answer starts 200 with `x-tapedeck: outcome`, reads `enough` bytes of
        it and leaves: a reset when `abrupt`, else a plain close."""
        s = connect(self.port)
        try:
            s.sendall(raw_head(self.port, path, len(body)) + body)
            head = read_head(s)
            if head is None or head[0] != 200 or head[1].get("x-tapedeck") != outcome:
                raise Failure(f"{what}: {head and head[:2]}")
            got = len(head[2])
            while got < enough:
                chunk = s.recv(4096)
                if not chunk:
                    raise Failure(f"{what} ended early")
                got += len(chunk)
        finally:
            close_abruptly(s) if abrupt else s.close()

    def leave_mid_request(self, rng, unique):
        body = request_body(f"{unique}: never sent in full")
        raw = raw_head(self.port, rng.choice((CONVERSE, STREAM)), len(body)) + body
        cut = rng.randrange(1, len(raw) - 1)
        s = connect(self.port)
        s.sendall(raw[:cut])
        close_abruptly(s) if rng.random() < 0.5 else s.close()
        return "mid-head" if b"\r\n\r\n" not in raw[:cut] else "mid-body"

    def stall(self, rng, unique):
        body = request_body(f"{unique}: the rest never comes")
        raw = raw_head(self.port, CONVERSE, len(body)) + body
        s = connect(self.port, timeout=READ_TIMEOUT + 30)
        try:
            s.sendall(raw[:len(raw) - 10])
            head = read_head(s)
            if head is None or head[0] != 408:
                raise Failure(f"stalled request: {head and head[:2]}, wanted 408")
            return "408"
        finally:
            s.close()


# ---------------------------------------------------------------------------------------------------------------
# One phase: one store, one server
# ---------------------------------------------------------------------------------------------------------------

def post_once(port, path, body, timeout=60):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def record_fixed(server):
    """Records the fixed prompts (a miss, then the same as a hit: both answers must be the same bytes)."""
    fixed = {"converse": [], "stream": [], "big": [], "big-stream": []}
    plan = [("converse", CONVERSE, 40, ""), ("stream", STREAM, 40, ""), ("big", CONVERSE, 3, " [big]"),
            ("big-stream", STREAM, 3, " [big]")]
    for group, path, count, suffix in plan:
        for i in range(count):
            body = request_body(f"fixed {group} prompt {i}: tell me something about the number {i}{suffix}")
            first = post_once(server.port, path, body)
            second = post_once(server.port, path, body)
            if first[0] != 200 or first[1].get("x-tapedeck") != "miss":
                raise RuntimeError(f"recording {group} {i}: {first[0]} {first[1].get('x-tapedeck')} {first[2][:200]!r}")
            if second[0] != 200 or second[1].get("x-tapedeck") != "hit":
                raise RuntimeError(f"replaying {group} {i}: {second[0]} {second[1].get('x-tapedeck')}")
            if first[2] != second[2]:
                raise RuntimeError(f"{group} {i}: the hit is not byte-identical to the recorded answer")
            if path == STREAM:
                check_stream(second[2])
            fixed[group].append((body, second[2]))
    return fixed


def load_corpus():
    corpus = []
    for name in sorted(os.listdir(CORPUS)):
        if name not in BAD_EXPECTATIONS:
            raise RuntimeError(f"{name} in {CORPUS} has no expectation in soak.py's BAD_EXPECTATIONS")
        with open(os.path.join(CORPUS, name), "rb") as f:
            corpus.append((name, f.read()))
    return corpus


def settle(server, upstream_port, timeout=60):
    """Waits until the server holds no client connection and its descriptor count stays put for 2 s."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        fds = descriptors(server.pid, server.port, upstream_port)
        if fds is None:
            return None
        if fds["client"] == 0 and fds == last:
            if time.monotonic() - since >= 2:
                return fds
        else:
            last, since = fds, time.monotonic()
        time.sleep(0.25)
    return last


def replay_check(port, recorded, unrecorded, workers):
    """Every recorded miss must be a hit with the same bytes; every unrecorded request must not be a hit."""
    problems, counts = [], {"hits": 0, "not hits": 0}
    lock = threading.Lock()
    jobs = [("recorded", r) for r in recorded] + [("unrecorded", u) for u in unrecorded]
    position = [0]

    def run():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            while True:
                with lock:
                    if position[0] >= len(jobs):
                        return
                    what, job = jobs[position[0]]
                    position[0] += 1
                try:
                    connection.request("POST", job[0], body=request_body(job[1]),
                                       headers={"Content-Type": "application/json"})
                    response = connection.getresponse()
                    data = response.read()
                    outcome = response.getheader("x-tapedeck")
                except (OSError, http.client.HTTPException) as error:
                    connection.close()
                    with lock:
                        problems.append(f"{job[1]!r}: {type(error).__name__}: {error}")
                    continue
                with lock:
                    if what == "recorded":
                        if response.status != 200 or outcome != "hit":
                            problems.append(f"{job[1]!r} ({job[0]}) replays as {response.status} {outcome}")
                        elif hashlib.sha256(data).digest() != job[2]:
                            problems.append(f"{job[1]!r} ({job[0]}) replays with different bytes")
                        else:
                            counts["hits"] += 1
                    else:
                        if outcome == "hit":
                            problems.append(f"{job[1]!r} ({job[0]}) was recorded but should not have been")
                        else:
                            counts["not hits"] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, problems


def scan_log(path):
    """Reads the server's JSON log: request events by outcome and status, expected "not recorded" warnings, and
    every other warning or error (unexpected), or line that is not a JSON event."""
    outcomes, unexpected, expected = {}, [], 0
    with open(path, errors="replace") as f:
        for line in f:
            try:
                event = json.loads(line)
            except ValueError:
                unexpected.append(line.rstrip())
                continue
            if event.get("msg") == "request":
                key = f"{event.get('outcome')} {event.get('status')}"
                outcomes[key] = outcomes.get(key, 0) + 1
                if event.get("level") in ("warn", "error"):
                    unexpected.append(line.rstrip())
            elif event.get("msg") == "not recorded" and any(r in str(event.get("reason")) for r in EXPECTED_NOT_RECORDED):
                expected += 1
            elif event.get("level") in ("warn", "error"):
                unexpected.append(line.rstrip())
    return outcomes, expected, unexpected


def run_phase(args, store_kind, seconds, workdir, phase_seed):
    """Soaks one store; returns a dict of figures and a list of failures."""
    result = {"store": store_kind, "failures": [], "samples": []}
    failures = result["failures"]
    store_path = os.path.join(workdir, "cassettes" if store_kind == "json" else "cassettes.sqlite")
    store = f"{store_kind}:{store_path}"
    result["store_arg"] = store
    fake = FakeBedrock(args.upstream_delay_ms)
    server = replay = None
    load = None
    threads = []
    try:
        server = Server(args.binary, ["--mode", "auto", "--log-format", "json", "--store", store, "--upstream", fake.url,
                                      "--hit-latency-ms", str(LATENCY_MS), "--read-timeout", str(READ_TIMEOUT),
                                      "--shutdown-grace", "10"], workdir, f"serve-{store_kind}")
        result["argv"] = " ".join(server.argv).replace(args.binary, "tapedeck").replace(workdir, "$TMP")
        log(f"[{store_kind}] tapedeck pid {server.pid} on port {server.port}, fake upstream on port {fake.port}")
        fixed = record_fixed(server)
        tally = Tally()
        load = Load(server, fixed, load_corpus(), phase_seed, tally)
        start_fds = settle(server, fake.port)
        result["start"] = sample(server, fake.port)
        result["start"]["fds"] = start_fds
        log(f"[{store_kind}] start: rss {kib(result['start']['rss_kb'])}, fds {fds_text(start_fds)}")

        warmup = min(60.0, max(5.0, seconds * 0.2)) if seconds < 300 else 60.0
        result["warmup"] = warmup
        began = time.monotonic()
        threads = [threading.Thread(target=load.worker, args=(i,), daemon=True) for i in range(args.workers)]
        threads.append(threading.Thread(target=load.staller, daemon=True))
        for t in threads:
            t.start()
        next_sample = began
        warm = None
        while True:
            now = time.monotonic()
            if now >= next_sample:
                s = sample(server, fake.port)
                s["elapsed"] = now - began
                s["requests"] = sum(tally.done.values())
                result["samples"].append(s)
                if warm is None and now - began >= warmup:
                    warm = s
                    with tally.lock:
                        result["recordable_at_warm"] = sum(tally.done.get(k, 0) for k in RECORDING_KINDS)
                log(f"[{store_kind}] {now - began:5.0f} s  requests {s['requests']:>8,}  failures "
                    f"{tally.failures:>3}  rss {kib(s['rss_kb'])}  threads {s['threads']}  fds {fds_text(s['fds'])}")
                next_sample += args.sample_every
            if not server.alive():
                failures.append(f"tapedeck exited with status {server.process.returncode} during the load")
                break
            if now - began >= seconds:
                break
            time.sleep(min(0.5, max(0.0, next_sample - now), max(0.0, began + seconds - now)))
        result["load_seconds"] = time.monotonic() - began
        load.stop.set()
        for t in threads:
            t.join(timeout=120)
        if any(t.is_alive() for t in threads):
            failures.append("a worker was still busy 120 s after the load stopped")
        result["warm"] = warm

        if server.alive():
            end_fds = settle(server, fake.port)
            result["end"] = sample(server, fake.port)
            result["end"]["fds"] = end_fds
            result["fake_open"] = fake.open_connections
            result["recordable"] = sum(tally.done.get(k, 0) for k in RECORDING_KINDS)
            log(f"[{store_kind}] end: rss {kib(result['end']['rss_kb'])}, fds {fds_text(end_fds)}")
            check_bounds(result, failures)
            # A sample of the recorded misses replays from the soaked server itself.
            with load.recorded_lock:
                recorded, unrecorded = list(load.recorded), list(load.unrecorded)
            sampled = random.Random(phase_seed).sample(recorded, min(500, len(recorded)))
            counts, problems = replay_check(server.port, sampled, [], args.workers)
            result["live_replay"] = counts
            failures += [f"live replay: {p}" for p in problems[:10]]
            code = server.stop()
            result["exit"] = code
            if code != 0:
                failures.append(f"tapedeck serve did not stop cleanly on SIGTERM (exit status {code})")
        else:
            result["exit"] = server.process.returncode
            recorded, unrecorded = list(load.recorded), list(load.unrecorded)

        result["tally"] = tally
        outcomes, expected_lines, unexpected_lines = scan_log(server.log_path)
        result["log"] = {"outcomes": outcomes, "expected": expected_lines, "unexpected": unexpected_lines[:20],
                         "unexpected_count": len(unexpected_lines)}
        if unexpected_lines:
            failures.append(f"{len(unexpected_lines)} unexpected server log line(s), e.g. {unexpected_lines[0]!r}")
        if expected_lines != len(unrecorded):
            failures.append(f"{len(unrecorded)} answers must not have been recorded, but serve logged "
                            f"{expected_lines} \"not recorded\" warnings for them")
        if tally.failures:
            failures.append(f"{tally.failures} unexpected request outcome(s)")

        # The store, checked by tapedeck itself, then replayed offline by a fresh server.
        verify = subprocess.run([args.binary, "verify", "--store", store], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, timeout=900, cwd=workdir)
        result["verify"] = (verify.returncode, (verify.stdout.strip().splitlines() or ["(no output)"])[-1])
        log(f"[{store_kind}] tapedeck verify: exit {verify.returncode}: {result['verify'][1]}")
        if verify.returncode != 0:
            failures.append(f"tapedeck verify exited {verify.returncode}: "
                            + " | ".join((verify.stdout + verify.stderr).strip().splitlines()[:10]))
        replay = Server(args.binary, ["--mode", "replay", "--store", store, "--hit-latency-ms", str(LATENCY_MS),
                                      "--quiet"], workdir, f"replay-{store_kind}")
        # Before any request: a fresh server holding the same store, index included, and nothing else.
        result["fresh_rss_kb"] = settled_rss(replay)
        check_against_fresh(result, failures)
        counts, problems = replay_check(replay.port, recorded, unrecorded, args.workers)
        result["replay"] = counts
        result["recorded"] = len(recorded)
        result["unrecorded"] = len(unrecorded)
        log(f"[{store_kind}] offline replay: {counts['hits']} of {len(recorded)} misses replay byte-identical; "
            f"{counts['not hits']} of {len(unrecorded)} unrecordable requests are still misses")
        if problems:
            failures.append(f"offline replay: {len(problems)} problem(s), e.g. " + "; ".join(problems[:5]))
        if replay.stop() != 0:
            failures.append("the replay server did not stop cleanly")
    finally:
        if load is not None:
            load.stop.set()
        for s in (server, replay):
            if s is not None:
                s.kill()
        fake.stop()
    return result


def settled_rss(server, timeout=120):
    """The server's RSS once it has stayed within 256 KiB for 3 s (a fresh serve indexes the store in the
    background)."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        rss = read_status_kb(server.pid, "VmRSS")
        if rss is None:
            return None
        if last is None or abs(rss - last) > 256:
            last, since = rss, time.monotonic()
        elif time.monotonic() - since >= 3:
            return rss
        time.sleep(0.25)
    return last


def check_against_fresh(result, failures):
    """The soaked server, idle at the end, may hold what a fresh server on the same store holds (the index of
    recorded requests included), or what it held itself when idle at the start if that is more (the start sample
    follows the priming, 1 MiB answers included, whose heap a fresh server never grew), plus its own working set
    under load (after warm-up RSS minus start RSS), plus 16 MiB + 10 %: anything more stayed behind from the load."""
    fresh, end, warm, start = result.get("fresh_rss_kb"), result.get("end"), result.get("warm"), result.get("start")
    if not (fresh and end and end.get("rss_kb") and warm and warm.get("rss_kb") and start.get("rss_kb")):
        return
    bound = max(fresh, start["rss_kb"]) + (warm["rss_kb"] - start["rss_kb"]) + 16 * 1024 + warm["rss_kb"] // 10
    result["fresh_bound_kb"] = bound
    if end["rss_kb"] > bound:
        failures.append(f"the soaked server ends at {kib(end['rss_kb'])}; a fresh one on the same store holds "
                        f"{kib(fresh)}, and the working set under load was {kib(warm['rss_kb'] - start['rss_kb'])} "
                        f"(bound {kib(bound)})")


def check_bounds(result, failures):
    """After warm-up: RSS at the end within 16 MiB + 10 % of the post-warm-up RSS, plus what the index of recorded
    requests may keep for each recording since; descriptors, once the clients are gone, back where they started
    but for the upstream connections libcurl keeps, each of which the fake upstream must still hold open."""
    warm, end, start = result.get("warm"), result["end"], result["start"]
    if warm is None:
        failures.append("the load stopped before the warm-up ended")
        return
    if end["rss_kb"] is None or warm["rss_kb"] is None:
        failures.append("RSS could not be read")
        return
    recordings = result["recordable"] - result.get("recordable_at_warm", 0)
    result["recordings_after_warm"] = recordings
    bound = warm["rss_kb"] + 16 * 1024 + warm["rss_kb"] // 10 + recordings * INDEX_BYTES_PER_RECORDING // 1024
    result["rss_bound_kb"] = bound
    # Both the last sample under load and the idle end count: memory freed once the clients left hides nothing.
    last = result["samples"][-1]
    for what, value in (("the last sample under load", last["rss_kb"]), ("the end", end["rss_kb"])):
        if value is not None and value > bound:
            failures.append(f"RSS grew from {kib(warm['rss_kb'])} after warm-up to {kib(value)} at {what} "
                            f"(bound {kib(bound)})")
    after = [(s["elapsed"], s["rss_kb"]) for s in result["samples"] if s["elapsed"] >= warm["elapsed"] and s["rss_kb"]]
    if len(after) >= 3:
        mean_t = sum(t for t, _ in after) / len(after)
        mean_r = sum(r for _, r in after) / len(after)
        slope = (sum((t - mean_t) * (r - mean_r) for t, r in after)
                 / max(sum((t - mean_t) ** 2 for t, _ in after), 1e-9))
        result["rss_slope_mib_per_min"] = slope * 60 / 1024
    s, e = start["fds"], end["fds"]
    if e is None or s is None:
        failures.append("descriptors could not be read")
        return
    if e["client"]:
        failures.append(f"{e['client']} client connection(s) still open after the clients closed theirs")
    if e["other"] != s["other"] or e["listen"] != s["listen"]:
        failures.append(f"descriptors other than connections changed: {fds_text(s)} at the start, {fds_text(e)} at "
                        "the end")
    if e["upstream"] > result["fake_open"]:
        failures.append(f"{e['upstream']} upstream sockets open at the end, but the fake upstream holds only "
                        f"{result['fake_open']} connections: the rest are closed ones never released")


# ---------------------------------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------------------------------

def kib(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f} MiB"


def fds_text(fds):
    if fds is None:
        return "n/a"
    return (f"{fds['total']} (clients {fds['client']}, listeners {fds['listen']}, upstream {fds['upstream']}, "
            f"other {fds['other']})")


def report(args, results, started_at, elapsed, version, load_start):
    out = []
    w = out.append
    passed = all(not r["failures"] for r in results)
    w(f"# Tapedeck soak — {started_at.strftime('%Y-%m-%d %H:%M UTC')}: {'PASS' if passed else 'FAIL'}")
    w("")
    w(f"- {version} (commit {git_commit()}), release build; Python {platform.python_version()}")
    w(f"- Machine: {machine_info()}; load average {load_start} at the start, {load_average()} at the end "
      "(shared with other work)")
    w(f"- {args.seconds} s of load in all ({', '.join(r['store'] for r in results)} store"
      f"{'s, half each' if len(results) > 1 else ''}), {args.workers} worker threads, fake upstream delay "
      f"{args.upstream_delay_ms} ms, samples every {args.sample_every} s; whole run took {elapsed:.0f} s")
    w("")
    for r in results:
        w(f"## {r['store']} store")
        w("")
        w(f"`{r.get('argv', '?')}`")
        w("")
        if "tally" not in r:
            w("The phase did not get as far as the load:")
            w("")
            for f in r["failures"]:
                w(f"- {f}")
            w("")
            continue
        t = r["tally"]
        total = sum(t.done.values())
        load_seconds = r.get("load_seconds", 0)
        w(f"{total:,} requests in {load_seconds:.0f} s ({total / max(load_seconds, 1):,.0f}/s); "
          f"**{t.failures} unexpected**.")
        w("")
        w("| kind | requests | unexpected |")
        w("|---|---:|---:|")
        for kind in [*KINDS, STALL]:
            w(f"| {kind} | {t.done.get(kind, 0):,} | {t.failed.get(kind, 0)} |")
        w("")
        for kind, examples in t.examples.items():
            for e in examples:
                w(f"- unexpected {kind}: {e}")
        if t.examples:
            w("")
        bad = sorted((o, n) for (k, o), n in t.outcomes.items() if k == "bad-request")
        if bad:
            w("Bad requests, as answered: " + ", ".join(f"{o} ×{n}" for o, n in bad) + ".")
            w("")
        w("| | at start (idle) | after warm-up | end (idle) | max during load |")
        w("|---|---:|---:|---:|---:|")
        samples = [s for s in r["samples"] if s["rss_kb"] is not None]
        warm, end, start = r.get("warm") or {}, r.get("end") or {}, r.get("start") or {}
        w(f"| RSS | {kib(start.get('rss_kb'))} | {kib(warm.get('rss_kb'))} | {kib(end.get('rss_kb'))} | "
          f"{kib(max((s['rss_kb'] for s in samples), default=None))} |")
        w(f"| threads | {start.get('threads')} | {warm.get('threads')} | {end.get('threads')} | "
          f"{max((s['threads'] or 0 for s in samples), default=None)} |")
        for part in ("total", "client", "upstream", "other"):
            values = [s["fds"][part] for s in r["samples"] if s["fds"]]
            w(f"| fds: {part} | {(start.get('fds') or {}).get(part)} | {(warm.get('fds') or {}).get(part)} | "
              f"{(end.get('fds') or {}).get(part)} | {max(values, default=None)} |")
        w("")
        recordings = r.get("recordings_after_warm")
        w(f"Warm-up: the first {r.get('warmup', 0):.0f} s. RSS bound at the end: {kib(r.get('rss_bound_kb'))} "
          f"(after warm-up + 16 MiB + 10 % + 2 KiB for each of the {recordings if recordings is not None else 'n/a'} "
          "requests since that could have been recorded: serve's index of recorded requests keeps each one). "
          "\"end\" is after the load stopped and the server's client connections closed; \"other\" descriptors "
          "are everything but TCP connections and the listener (files, epoll, eventfds, pipes); at the end the "
          f"fake upstream held {r.get('fake_open', 'n/a')} connections from serve (libcurl's idle pool).")
        if r.get("fresh_rss_kb"):
            w("")
            w(f"A fresh `serve` on the final store ({r['verify'][1].split(' cassettes')[0].replace('verified ', '')} "
              f"cassettes), idle once its start-up indexing is done, holds {kib(r['fresh_rss_kb'])}: the soaked server's "
              f"{kib(end.get('rss_kb'))} at the end is within {kib(r.get('fresh_bound_kb'))} (that, or its own idle "
              "start if higher, + the working set under load, after-warm-up minus start RSS, + 16 MiB + 10 %).")
        if recordings and warm.get("rss_kb") and end.get("rss_kb"):
            last = r["samples"][-1]["rss_kb"] or end["rss_kb"]
            slope = r.get("rss_slope_mib_per_min")
            w("")
            w(f"RSS change after warm-up: {(end['rss_kb'] - warm['rss_kb']) / 1024:+.1f} MiB at the idle end, "
              f"{(last - warm['rss_kb']) / 1024:+.1f} MiB at the last sample under load "
              f"({(last - warm['rss_kb']) * 1024 / recordings:+,.0f} bytes per possible recording)"
              + (f"; least-squares slope over the samples after warm-up {slope:+.2f} MiB/min." if slope is not None
                 else "."))
        w("")
        w("<details><summary>Samples</summary>")
        w("")
        w("| s | requests | RSS | threads | fds |")
        w("|---:|---:|---:|---:|---|")
        for s in r["samples"]:
            w(f"| {s['elapsed']:.0f} | {s['requests']:,} | {kib(s['rss_kb'])} | {s['threads']} | {fds_text(s['fds'])} |")
        w("")
        w("</details>")
        w("")
        live = r.get("live_replay")
        if live:
            w(f"- Live replay: {live['hits']} sampled misses replayed from the soaked server as byte-identical hits.")
        w(f"- Exit on SIGTERM: {r.get('exit')}.")
        if "verify" in r:
            w(f"- `tapedeck verify --store {r['store_arg'].split(':')[0]}:…`: exit {r['verify'][0]}, \"{r['verify'][1]}\".")
        if "replay" in r:
            w(f"- Offline replay (`serve --mode replay`, fresh process): {r['replay']['hits']:,} of {r['recorded']:,} "
              f"recorded misses are hits with byte-identical bodies; {r['replay']['not hits']} of {r['unrecorded']} "
              "requests that must not be recorded (upstream 429, cut stream, in-stream exception) are not hits.")
        lg = r.get("log")
        if lg:
            w(f"- Server log: " + ", ".join(f"{k} ×{n:,}" for k, n in sorted(lg["outcomes"].items()))
              + f"; {lg['expected']:,} expected \"not recorded\" lines; {lg['unexpected_count']} unexpected lines.")
            for line in lg["unexpected"]:
                w(f"  - `{line}`")
        w("")
        if r["failures"]:
            w("**Failures:**")
            w("")
            for f in r["failures"]:
                w(f"- {f}")
            w("")
    return "\n".join(out), passed


def summary_lines(results):
    lines = []
    for r in results:
        t = r.get("tally")
        if t is None:
            lines.append(f"soak {r['store']}: FAIL before the load: {r['failures'][:1]}")
            continue
        start, warm, end = r.get("start") or {}, r.get("warm") or {}, r.get("end") or {}
        lines.append(
            f"soak {r['store']}: {'PASS' if not r['failures'] else 'FAIL'}: {sum(t.done.values()):,} requests in "
            f"{r.get('load_seconds', 0):.0f} s, {t.failures} unexpected; rss {kib(start.get('rss_kb'))} start, "
            f"{kib(warm.get('rss_kb'))} after warm-up, {kib(end.get('rss_kb'))} end; fds {(start.get('fds') or {}).get('total')} "
            f"start, {(end.get('fds') or {}).get('total')} end; verify exit {r.get('verify', ('n/a',))[0]}; "
            f"replay {r.get('replay', {}).get('hits', 0):,}/{r.get('recorded', 0):,} byte-identical")
        for f in r["failures"]:
            lines.append(f"  failure: {f}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/tapedeck"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", "600")))
    parser.add_argument("--store", choices=("json", "sqlite", "both"), default=os.environ.get("SOAK_STORE", "both"))
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--upstream-delay-ms", type=int, default=20)
    parser.add_argument("--sample-every", type=float, default=None,
                        help="seconds between RSS and descriptor samples (default 10, less in runs under 200 s)")
    parser.add_argument("--seed", type=int, default=None, help="seeds the request mix (default: from the clock)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--no-save", action="store_true", help="print the report only")
    args = parser.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        log(f"no tapedeck binary at {args.binary} (run make release)")
        return 2
    seed = args.seed if args.seed is not None else int(time.time())
    stores = ["json", "sqlite"] if args.store == "both" else [args.store]
    if args.sample_every is None:
        args.sample_every = min(10.0, max(1.0, args.seconds / len(stores) / 10))

    def on_term(*_):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    started_at = datetime.datetime.now(datetime.timezone.utc)
    load_start = load_average()
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    log(f"soak: {version}, {args.seconds} s over {', '.join(stores)}, {args.workers} workers, seed {seed}")
    results = []
    workdir = tempfile.mkdtemp(prefix="tapedeck-soak-")
    try:
        for i, store in enumerate(stores):
            phase_dir = os.path.join(workdir, store)
            os.makedirs(phase_dir)
            try:
                results.append(run_phase(args, store, args.seconds / len(stores), phase_dir, seed + i))
            except RuntimeError as error:
                results.append({"store": store, "failures": [str(error)], "samples": []})
    except KeyboardInterrupt:
        log("\ninterrupted; everything this run started has been stopped")
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    elapsed = (datetime.datetime.now(datetime.timezone.utc) - started_at).total_seconds()
    text, passed = report(args, results, started_at, elapsed, version, load_start)
    print(text)
    print()
    for line in summary_lines(results):
        print(line)
    if not args.no_save:
        os.makedirs(args.results, exist_ok=True)
        stamp = started_at.strftime("%Y%m%dT%H%M%SZ")
        short = args.seconds < 600
        name = f"soak-{stamp}{'-short' if short else ''}.md"
        with open(os.path.join(args.results, name), "w") as f:
            f.write(text + "\n")
        written = [os.path.join(args.results, name)]
        if not short:
            with open(os.path.join(args.results, "soak-latest.md"), "w") as f:
                f.write(text + "\n")
            written.append(os.path.join(args.results, "soak-latest.md"))
        print("report: " + " and ".join(os.path.relpath(p, ROOT) for p in written))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
