"""Fixtures for driving the real `tapedeck` binary with real boto3 against a fake Bedrock upstream on loopback."""
import http.server
import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TAPEDECK_BIN", os.path.join(ROOT, ".build", "debug", "tapedeck"))


class FakeBedrock:
    """A Bedrock Converse look-alike: answers from a queue of canned replies, records every request."""

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
                    reply = fake.replies.pop(0) if fake.replies else fake.default_reply(body)
                status, headers, payload = reply
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
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

    def default_reply(self, body):
        request = json.loads(body)
        question = request["messages"][-1]["content"][0].get("text", "")
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
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.lines = []
        self.port = None
        ready = threading.Event()

        def pump():
            for line in self.process.stderr:
                self.lines.append(line)
                match = re.search(r"listening on http://[^ ]+:(\d+)", line)
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
