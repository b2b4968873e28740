"""Fixtures for driving the real `tapedeck` binary with real boto3 against a fake Bedrock upstream on loopback."""
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading

import pytest

from fake_upstream import frame, send_body, send_chunks, serve

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("TAPEDECK_BIN", os.path.join(ROOT, ".build", "debug", "tapedeck"))



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


def tool_stream(name="get_weather", tool_id="tooluse_1", arguments='{"city": "Lisbon"}', usage=(400, 60)):
    """The frames of a tool-use turn: a text block, then the tool's start and its input JSON cut into three
    deltas (mid-token, as Bedrock cuts it), stopReason tool_use, and metadata last (PROTOCOL.md)."""
    third = max(1, len(arguments) // 3)
    pieces = [arguments[:third], arguments[third:2 * third], arguments[2 * third:]]
    return [
        frame("messageStart", {"role": "assistant"}),
        frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Let me check."}}),
        frame("contentBlockStop", {"contentBlockIndex": 0}),
        frame("contentBlockStart", {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": tool_id, "name": name}}}),
        *[frame("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": piece}}}) for piece in pieces],
        frame("contentBlockStop", {"contentBlockIndex": 1}),
        frame("messageStop", {"stopReason": "tool_use"}),
        frame("metadata", {"usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
                           "metrics": {"latencyMs": 900}}),
    ]


def tool_answer(name, tool_id, tool_input, usage=(400, 60)):
    """A converse answer that asks for one tool: a text block, then the toolUse block (input as a JSON object)."""
    return {
        "output": {"message": {"role": "assistant", "content": [
            {"text": "Let me check."},
            {"toolUse": {"toolUseId": tool_id, "name": name, "input": tool_input}},
        ]}},
        "stopReason": "tool_use",
        "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
        "metrics": {"latencyMs": 910},
    }


def text_answer(text, usage=(12, 7)):
    """A converse answer with one text block."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)},
        "metrics": {"latencyMs": 842},
    }


class FakeBedrock:
    """A Bedrock look-alike: answers converse with JSON and converse-stream with event-stream frames (chunked),
    from a queue of canned replies or a default answer, and records every request."""

    def __init__(self):
        self.requests = []
        self.replies = []  # (status, headers, body bytes); the default reply is used when empty
        self.tool_input = {"city": "Lisbon"}  # what a toolUse answer passes to the tool
        self.stopped = False
        self.connections = set()  # open client connections, cut by stop() so no keep-alive outlives it
        self.lock = threading.Lock()
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                with fake.lock:
                    fake.connections.add(self.connection)

            def finish(self):
                with fake.lock:
                    fake.connections.discard(self.connection)
                super().finish()

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
                    send_chunks(self, payload)  # a stream
                else:
                    send_body(self, payload)

            def log_message(self, *args):
                pass

        self.server, self.port, self.url = serve(Handler)

    def default_reply(self, path, body):
        """Bedrock's answer shapes (PROTOCOL.md, botocore's bedrock-runtime model): a request offering tools gets a
        toolUse answer (stopReason tool_use) for the first tool, with `tool_input` and a fresh random toolUseId as
        Bedrock gives; a turn carrying toolResult blocks gets a text answer quoting them; anything else an echo."""
        request = json.loads(body)
        blocks = request["messages"][-1]["content"]
        results = [block["toolResult"] for block in blocks if "toolResult" in block]
        tools = request.get("toolConfig", {}).get("tools", [])
        stream = path.endswith("/converse-stream")
        headers = {"Content-Type": "application/vnd.amazon.eventstream" if stream else "application/json",
                   "x-amzn-RequestId": f"real-{len(self.requests)}"}
        if tools and not results:
            name, tool_id = tools[0]["toolSpec"]["name"], "tooluse_" + secrets.token_urlsafe(16)
            if stream:
                return 200, headers, tool_stream(name, tool_id, json.dumps(self.tool_input))
            return 200, headers, json.dumps(tool_answer(name, tool_id, self.tool_input)).encode()
        if results:
            said = " ".join(part.get("text") or json.dumps(part.get("json")) for result in results for part in result["content"])
            text = f"The tool said: {said}"
        else:
            text = f"echo: {blocks[0].get('text', '')}"
        if stream:
            return 200, headers, text_stream(text)
        return 200, headers, json.dumps(text_answer(text)).encode()

    def stop(self):
        """Stops serving and closes the port: a client then gets connection refused. Safe to call twice."""
        if self.stopped:
            return
        self.stopped = True
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for connection in list(self.connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass  # the client closed it first


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

        self.pump = threading.Thread(target=pump, daemon=True)
        self.pump.start()
        ready.wait(timeout=30)
        if not self.port:
            self.process.kill()
            self.process.wait(timeout=30)
        assert self.port, "tapedeck did not start:\n" + "".join(self.lines)
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def log(self):
        return "".join(self.lines)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=30)
        self.pump.join(timeout=10)  # the log's last lines (strict's report, "stopped") are read before anyone looks
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


class RecordThenReplay:
    """One store, two lives: `record()` starts tapedeck in front of the fake upstream; `offline()` stops that
    tapedeck and the fake (whose port then refuses connections) and serves the same store with `--strict` and no
    upstream, so every answer must come from a cassette; `finish()` stops it and checks every cassette was used."""

    def __init__(self, upstream, launch, directory):
        self.upstream, self.launch, self.store = upstream, launch, f"json:{directory}"
        self.directory = directory
        self.recorder = self.player = None

    def record(self):
        self.recorder = self.launch("--upstream", self.upstream.url, "--store", self.store)
        return self.recorder

    def offline(self):
        self.recorder.stop()
        self.upstream.stop()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", self.upstream.port), timeout=5).close()
        self.player = self.launch("--strict", "--store", self.store)
        assert "mode=replay" in self.player.log and "upstream=none" in self.player.log
        return self.player

    def finish(self):
        self.player.stop()
        assert "unused cassettes count=0" in self.player.log, self.player.log


@pytest.fixture
def record_replay(upstream, launch, tmp_path):
    return RecordThenReplay(upstream, launch, tmp_path / "cassettes")


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch, tmp_path_factory):
    """Dummy credentials and a region, in the environment and in temporary AWS config and credentials files (kept
    out of the test's tmp_path), so no client (boto3, the AWS CLI, langchain-aws) reads or writes the user's ~/.aws;
    no endpoint or tracing settings."""
    aws = tmp_path_factory.mktemp("aws")
    (aws / "config").write_text("[default]\nregion = us-east-1\n")
    (aws / "credentials").write_text(
        "[default]\naws_access_key_id = AKIDTAPEDECKTEST\naws_secret_access_key = tapedeck-secret-never-recorded\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDTAPEDECKTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "tapedeck-secret-never-recorded")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_BEARER_TOKEN_BEDROCK", "AWS_REGION",
                 "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "AWS_ENDPOINT_URL_BEDROCK"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith(("LANGSMITH_", "LANGCHAIN_")):
            monkeypatch.delenv(name)
