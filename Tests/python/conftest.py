"""Fixtures for driving the real `tapedeck` binary with real boto3 against a fake Bedrock upstream on loopback."""
import base64
import hashlib
import http.server
import json
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import threading
import urllib.parse
import uuid

import pytest

from fake_upstream import chunk, frame, send_body, send_chunks, serve

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


EVENT_STREAM = "application/vnd.amazon.eventstream"
ASYNC_INVOKE_ARN = "arn:aws:bedrock:us-east-1:123456789012:async-invoke/abc123"
GATEWAY_PREFIXES = ("bedrock", "cursor", "litellm", "langchain", "pydanticai")  # PROTOCOL.md's path prefixes
GUARDRAIL_MARKER = "forbidden"  # text holding this word makes the fake's guardrail intervene


def compact(value):
    """JSON as Bedrock sends it: no spaces, UTF-8 left as is."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def json_reply(answer, headers=()):
    return 200, {"Content-Type": "application/json", **dict(headers)}, compact(answer)


def error_reply(status, error_type, message):
    """An error as Bedrock answers it: the type in x-amzn-ErrorType, the message in the body."""
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": error_type}, compact({"message": message})


def stream_reply(pieces, headers=()):
    """A queued InvokeModelWithResponseStream answer: `pieces` are frames (chunk(), frame(..., exception=True)),
    raw bytes, or CUT."""
    return 200, {"Content-Type": EVENT_STREAM, "X-Amzn-Bedrock-Content-Type": "application/json", **dict(headers)}, pieces


def word_count(text):
    return len(text.split())


def prompt_tokens(messages, system=""):
    """The fake's token count of a prompt: its words, in Converse blocks ({"text"}) and Anthropic content (a string
    or blocks {"type": "text", "text"}) alike."""
    count = word_count(system) if isinstance(system, str) else sum(word_count(block.get("text", "")) for block in system)
    for message in messages:
        content = message["content"]
        count += word_count(content) if isinstance(content, str) else sum(word_count(block.get("text", "")) for block in content)
    return count


def embedding(text, dimensions=1024, normalize=True):
    """A vector that depends on the text only, rounded to 8 digits (Python writes the smallest in exponent notation,
    e.g. 1.234e-05, a spelling a JSON re-encoder may not keep)."""
    rng = random.Random(hashlib.sha256(text.encode()).digest())
    values = [rng.uniform(-1, 1) for _ in range(dimensions)]
    if normalize:
        norm = math.sqrt(sum(v * v for v in values))
        values = [v / norm for v in values]
    return [round(v, 8) for v in values]


def titan_embedding(request):
    """Titan text embeddings v2: {inputText, dimensions, normalize} -> the vector, also by type, and its tokens."""
    vector = embedding(request["inputText"], request.get("dimensions", 1024), request.get("normalize", True))
    tokens = word_count(request["inputText"])
    return {"embedding": vector, "inputTextTokenCount": tokens, "embeddingsByType": {"float": vector}}, (tokens, 0)


def cohere_embedding(request):
    """Cohere embed v3: {texts, input_type} -> one vector per text, a fresh random id as Cohere gives."""
    texts = request["texts"]
    answer = {"id": str(uuid.uuid4()), "embeddings": [embedding(text) for text in texts],
              "response_type": "embeddings_floats", "texts": texts}
    return answer, (sum(word_count(text) for text in texts), 0)


def anthropic_model(model_id):
    """The model name an Anthropic answer carries: `us.anthropic.claude-3-5-haiku-20241022-v1:0` ->
    `claude-3-5-haiku-20241022`."""
    return re.sub(r"-v\d+:\d+$", "", model_id.rsplit("anthropic.", 1)[-1])


def anthropic_echo(request):
    """The text of the last message's first text block, echoed."""
    content = request["messages"][-1]["content"]
    said = content if isinstance(content, str) else next(b["text"] for b in content if b.get("type") == "text")
    return f"echo: {said}"


def anthropic_message(model_id, request):
    """Anthropic Messages' answer to `request` (InvokeModel): one text block echoing the question."""
    text = anthropic_echo(request)
    usage = (prompt_tokens(request["messages"], request.get("system", "")), word_count(text))
    answer = {"id": "msg_bdrk_" + secrets.token_hex(12), "type": "message", "role": "assistant",
              "model": anthropic_model(model_id), "content": [{"type": "text", "text": text}],
              "stop_reason": "end_turn", "stop_sequence": None,
              "usage": {"input_tokens": usage[0], "output_tokens": usage[1]}}
    return answer, usage


def anthropic_events(model_id, text, usage, message_id=None):
    """Anthropic Messages' streamed events for a text answer, the text cut into deltas of two words, and the
    invocation metrics Bedrock adds to message_stop."""
    pieces = re.findall(r"\S+\s*\S*\s*", text) or [""]
    message = {"id": message_id or "msg_bdrk_" + secrets.token_hex(12), "type": "message", "role": "assistant",
               "model": anthropic_model(model_id), "content": [], "stop_reason": None, "stop_sequence": None,
               "usage": {"input_tokens": usage[0], "output_tokens": 1}}
    return [
        {"type": "message_start", "message": message},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        *[{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}} for piece in pieces],
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": {"output_tokens": usage[1]}},
        {"type": "message_stop", "amazon-bedrock-invocationMetrics": {
            "inputTokenCount": usage[0], "outputTokenCount": usage[1], "invocationLatency": 812, "firstByteLatency": 301}},
    ]


def anthropic_stream(model_id, text, usage=(12, 7)):
    """The frames of an Anthropic Messages stream (InvokeModelWithResponseStream), padded like AWS's."""
    return [chunk(event, padding="abcdefghij"[:3 + i % 7]) for i, event in enumerate(anthropic_events(model_id, text, usage))]


def invoke_reply(model_id, request, headers=()):
    """InvokeModel's answer in the model's own format, with the token counts and latency in Bedrock's headers."""
    if "titan-embed-text" in model_id:
        answer, usage = titan_embedding(request)
    elif "cohere.embed" in model_id:
        answer, usage = cohere_embedding(request)
    elif "anthropic_version" in request:
        answer, usage = anthropic_message(model_id, request)
    else:
        return error_reply(400, "ValidationException", f"The fake has no answer for model {model_id}")
    return 200, {"Content-Type": "application/json", "X-Amzn-Bedrock-Input-Token-Count": str(usage[0]),
                 "X-Amzn-Bedrock-Output-Token-Count": str(usage[1]), "X-Amzn-Bedrock-Invocation-Latency": "312",
                 **dict(headers)}, compact(answer)


def invoke_stream_reply(model_id, request, headers=()):
    """InvokeModelWithResponseStream's answer: Anthropic Messages events, one chunk frame each."""
    if "anthropic_version" not in request:
        return error_reply(400, "ValidationException", f"The fake streams no answer for model {model_id}")
    text = anthropic_echo(request)
    usage = (prompt_tokens(request["messages"], request.get("system", "")), word_count(text))
    return stream_reply(anthropic_stream(model_id, text, usage), headers)


def count_tokens(request_input):
    """CountTokens: the prompt's tokens, for a Converse input or an InvokeModel body (base64 in the JSON, as boto3
    sends a blob)."""
    if "converse" in request_input:
        converse = request_input["converse"]
        return prompt_tokens(converse.get("messages", []), converse.get("system", []))
    body = json.loads(base64.b64decode(request_input["invokeModel"]["body"]))
    return prompt_tokens(body.get("messages", []), body.get("system", ""))


def guardrail_answer(request):
    """ApplyGuardrail: NONE, or GUARDRAIL_INTERVENED with a blocked topic when a text holds GUARDRAIL_MARKER."""
    texts = [block["text"]["text"] for block in request["content"] if "text" in block]
    usage = {"topicPolicyUnits": len(texts), "contentPolicyUnits": len(texts), "wordPolicyUnits": len(texts),
             "sensitiveInformationPolicyUnits": 0, "sensitiveInformationPolicyFreeUnits": 0,
             "contextualGroundingPolicyUnits": 0}
    if not any(GUARDRAIL_MARKER in text.lower().split() for text in texts):
        return {"usage": usage, "action": "NONE", "outputs": [], "assessments": []}
    return {"usage": usage, "action": "GUARDRAIL_INTERVENED", "actionReason": "Guardrail blocked.",
            "outputs": [{"text": "Sorry, I cannot talk about that."}],
            "assessments": [{"topicPolicy": {"topics": [
                {"name": "Forbidden things", "type": "DENY", "action": "BLOCKED", "detected": True}]}}]}


def guardrail_checks_answer(request):
    """InvokeGuardrailChecks: a zero score for every content-filter category asked for, one text unit per message."""
    categories = request["checks"].get("contentFilter", {}).get("categories", [])
    return {"results": {"contentFilter": {"results": [{"category": c["category"], "severityScore": 0.0} for c in categories]}},
            "usage": {"contentFilter": {"textUnits": len(request["messages"])}}}


def async_invoke(arn, status="InProgress"):
    """GetAsyncInvoke's answer, also one summary of ListAsyncInvokes (every member the service model requires)."""
    return {"invocationArn": arn, "modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-reel-v1:0",
            "clientRequestToken": "token-1", "status": status, "submitTime": "2025-06-01T12:00:00Z",
            "lastModifiedTime": "2025-06-01T12:00:05Z",
            "outputDataConfig": {"s3OutputDataConfig": {"s3Uri": "s3://tapedeck-test/async/"}}}


class FakeBedrock:
    """A Bedrock Runtime look-alike, answering by route as Bedrock does (PROTOCOL.md, botocore's bedrock-runtime
    model): converse and converse-stream, invoke and invoke-with-response-stream for Titan and Cohere embeddings and
    Anthropic Messages, count-tokens, a guardrail's apply, guardrail checks, and the async-invoke routes; anything
    else is a 404. Its
    answers come from a queue of canned replies or else from the route's default, and it records every request
    (method, path with its query, headers, body, and the reply it got)."""

    def __init__(self):
        self.requests = []
        self.replies = []  # (status, headers, body bytes, or a list of stream pieces); the default reply when empty
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
                self.answer()

            def do_GET(self):
                self.answer()

            def answer(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with fake.lock:
                    request = {"method": self.command, "path": self.path, "headers": dict(self.headers), "body": body}
                    fake.requests.append(request)
                    reply = fake.replies.pop(0) if fake.replies else fake.default_reply(self.command, self.path, body)
                    request["reply"] = reply
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

    def default_reply(self, method, target, body):
        """The route's answer; a body the route cannot read gets Bedrock's 400 ValidationException."""
        try:
            return self.route_reply(method, target, body)
        except (ValueError, KeyError, TypeError, StopIteration) as error:
            return error_reply(400, "ValidationException", f"Malformed input request: {error!r}")

    def route_reply(self, method, target, body):
        """The route's answer, after a gateway's prefix such as Bifrost's /bedrock (an upstream URL may end in one).
        Path segments are split before they are decoded, as a model id or an ARN in a path is percent-encoded (`/`
        as %2F)."""
        path, _, query = target.partition("?")
        segments = [urllib.parse.unquote(segment) for segment in path.split("/")[1:]]
        if segments and segments[0] in GATEWAY_PREFIXES:
            segments = segments[1:]
        request_id = {"x-amzn-RequestId": f"real-{len(self.requests)}"}
        match method, segments:
            case "POST", ["model", _, ("converse" | "converse-stream") as operation]:
                return self.converse_reply(operation == "converse-stream", body)
            case "POST", ["model", model, "invoke"]:
                return invoke_reply(model, json.loads(body), request_id)
            case "POST", ["model", model, "invoke-with-response-stream"]:
                return invoke_stream_reply(model, json.loads(body), request_id)
            case "POST", ["model", _, "count-tokens"]:
                return json_reply({"inputTokens": count_tokens(json.loads(body)["input"])}, request_id)
            case "POST", ["guardrail", _, "version", _, "apply"]:
                return json_reply(guardrail_answer(json.loads(body)), request_id)
            case "POST", ["guardrail-checks", "invoke"]:
                return json_reply(guardrail_checks_answer(json.loads(body)), request_id)
            case "POST", ["async-invoke"]:
                return json_reply({"invocationArn": ASYNC_INVOKE_ARN}, request_id)
            case "GET", ["async-invoke"]:
                status = urllib.parse.parse_qs(query).get("statusEquals", ["InProgress"])[0]
                return json_reply({"asyncInvokeSummaries": [async_invoke(ASYNC_INVOKE_ARN, status)]}, request_id)
            case "GET", ["async-invoke", arn]:
                return json_reply(async_invoke(arn), request_id)
        return error_reply(404, "UnknownOperationException", f"Unknown operation {method} {path}")

    def converse_reply(self, stream, body):
        """Converse's answer shapes: a request offering tools gets a toolUse answer (stopReason tool_use) for the
        first tool, with `tool_input` and a fresh random toolUseId as Bedrock gives; a turn carrying toolResult
        blocks gets a text answer quoting them; anything else an echo."""
        request = json.loads(body)
        blocks = request["messages"][-1]["content"]
        results = [block["toolResult"] for block in blocks if "toolResult" in block]
        tools = request.get("toolConfig", {}).get("tools", [])
        headers = {"Content-Type": EVENT_STREAM if stream else "application/json",
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
