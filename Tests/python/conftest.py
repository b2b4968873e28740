"""Fixtures for driving the real `tapedeck` binary with real boto3 against a fake Bedrock upstream on loopback."""
import http.server
import json
import os
import re
import signal
import struct
import subprocess
import threading
import zlib

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TAPEDECK_BIN", os.path.join(ROOT, ".build", "debug", "tapedeck"))


def _string_header(name, value):
    name, value = name.encode(), value.encode()
    return bytes([len(name)]) + name + b"\x07" + struct.pack(">H", len(value)) + value


def frame(event_type, payload, exception=False):
    """One application/vnd.amazon.eventstream message, as Bedrock frames it (PROTOCOL.md)."""
    kind = ":exception-type" if exception else ":event-type"
    headers = (_string_header(kind, event_type) + _string_header(":content-type", "application/json")
               + _string_header(":message-type", "exception" if exception else "event"))
    body = json.dumps(payload, separators=(",", ":")).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + body
    return message + struct.pack(">I", zlib.crc32(message))


def text_stream(text, usage=(12, 7)):
    """The frames of a streamed text answer, cut into a few deltas, padding fields included like AWS's."""
    words = text.split(" ")
    pieces = [" ".join(words[i:i + 2]) + (" " if i + 2 < len(words) else "") for i in range(0, len(words), 2)]
    frames = [frame("messageStart", {"p": "abcdefghij", "role": "assistant"})]
    for piece in pieces:
        frames.append(frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": piece}, "p": "abcd"}))
    frames.append(frame("contentBlockStop", {"contentBlockIndex": 0, "p": "abcdefghijklmn"}))
    frames.append(frame("messageStop", {"p": "abc", "stopReason": "end_turn"}))
    frames.append(frame("metadata", {"metrics": {"latencyMs": 731}, "p": "ab",
                                     "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}}))
    return frames


def tool_stream():
    """The frames of a tool-use turn: a text block, then get_weather with its input split mid-token."""
    return [
        frame("messageStart", {"role": "assistant"}),
        frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Let me check."}}),
        frame("contentBlockStop", {"contentBlockIndex": 0}),
        frame("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}}}),
        frame("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "{\"ci"}}}),
        frame("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "ty\": \"Lis"}}}),
        frame("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": "bon\"}"}}}),
        frame("contentBlockStop", {"contentBlockIndex": 1}),
        frame("messageStop", {"stopReason": "tool_use"}),
        frame("metadata", {"usage": {"inputTokens": 400, "outputTokens": 60, "totalTokens": 460}, "metrics": {"latencyMs": 900}}),
    ]


class FakeBedrock:
    """A Bedrock look-alike: answers converse with JSON and converse-stream with event-stream frames (chunked),
    from a queue of canned replies or a default answer, and records every request."""

    def __init__(self):
        self.requests = []
        self.replies = []  # (status, headers, body bytes); the default reply is used when empty
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with fake.lock:
                    fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    reply = fake.replies.pop(0) if fake.replies else fake.default_reply(self.path, body)
                status, headers, payload = reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if isinstance(payload, list):
                    # A stream: one HTTP chunk per frame, as Bedrock sends them.
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for piece in payload:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def default_reply(self, path, body):
        request = json.loads(body)
        question = request["messages"][-1]["content"][0].get("text", "")
        if path.endswith("/converse-stream"):
            headers = {"Content-Type": "application/vnd.amazon.eventstream", "x-amzn-RequestId": f"real-{len(self.requests)}"}
            return 200, headers, text_stream(f"echo: {question}")
        answer = {
            "output": {"message": {"role": "assistant", "content": [{"text": f"echo: {question}"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19},
            "metrics": {"latencyMs": 842},
        }
        headers = {"Content-Type": "application/json", "x-amzn-RequestId": f"real-{len(self.requests)}"}
        return 200, headers, json.dumps(answer).encode()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Tapedeck:
    """The built binary, serving on a free port; its stderr is kept for assertions."""

    def __init__(self, *args):
        self.process = subprocess.Popen(
            [BINARY, "serve", "--port", "0", *args],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        )
        self.lines = []
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.process.stderr:
                self.lines.append(line)
                match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", line)
                if match:
                    self.port = int(match.group(1))
                    ready.set()
            ready.set()

        threading.Thread(target=pump, daemon=True).start()
        ready.wait(timeout=30)
        assert self.port, "tapedeck did not start:\n" + "".join(self.lines)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def log(self):
        return "".join(self.lines)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        assert code == 0, self.log
        return code


@pytest.fixture
def upstream():
    fake = FakeBedrock()
    yield fake
    fake.stop()


@pytest.fixture
def launch():
    started = []

    def start(*args):
        server = Tapedeck(*args)
        started.append(server)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait()


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTAPEDECKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "tapedeck-secret-never-recorded")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"):
        monkeypatch.delenv(name, raising=False)
