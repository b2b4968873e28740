"""Writes the fuzz targets' seed corpus under Tests/Fuzz/corpus/<target>/ (checked in; re-run to refresh it).

Usage: .venv/bin/python Tests/Fuzz/seeds.py --binary .build/debug/tapedeck

- http: real boto3 requests (SigV4 with the AWS documentation's example keys, a Bearer token swapped in, converse and
  converse-stream, an ARN model id, tool use, an image, a namespace header), captured raw from a socket, plus
  chunked, pipelined and HTTP/1.0 requests written by hand.
- json: the captured request bodies, RFC 8785's examples, the bundled cassettes.
- eventstream: PROTOCOL.md's 159-byte frame, streams framed as Bedrock frames them (Tests/python/fake_upstream.py, conftest.py).
- cassette, sqlite-row: the bundled cassettes (as files, and compact as the SQLite store keeps them), a usage file.
- sqlite-file: Cassettes/ exported by the real binary into an SQLite store, and a schema-version-1 file.
- namespace: accepted and refused names.
- base64: RFC 4648 §10's vectors, an image as boto3 encodes it, and text a strict decoder refuses.
- aws-config: AWS shared credentials and config files: keys, profiles, credential_process, nested blocks,
  continuations, comments, CRLF, and broken lines.
- aws-cred-doc: credential_process outputs and container/IMDS answers (first byte: even for a process, odd for metadata),
  valid, expiring, and missing or mistyped fields.
- sts-xml: STS AssumeRole answers: credentials, entities and character references, an error, cut short.
- lease: JSON store lock files: a fresh lease of a live process, one of a gone process, an old one, a lease on another
  key, and a lock file cut short, empty or not a lease.
Corpus files are named by the SHA-1 of their content, as libFuzzer names the inputs it saves.
"""
import argparse
import base64
import glob
import hashlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(ROOT, "Tests", "Fuzz", "corpus")
sys.path.insert(0, os.path.join(ROOT, "Tests", "python"))
from conftest import frame, text_stream, tool_stream  # noqa: E402  (the frames the Python tests stream)

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"

# PROTOCOL.md's worked example: one contentBlockDelta, 159 bytes.
PROTOCOL_FRAME = bytes.fromhex("""
00 00 00 9f 00 00 00 57 c3 7b ab ff 0b 3a 65 76 65 6e 74 2d 74 79 70 65 07 00 11 63 6f 6e 74 65
6e 74 42 6c 6f 63 6b 44 65 6c 74 61 0d 3a 63 6f 6e 74 65 6e 74 2d 74 79 70 65 07 00 10 61 70 70
6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 0d 3a 6d 65 73 73 61 67 65 2d 74 79 70 65 07 00 05 65 76
65 6e 74 7b 22 63 6f 6e 74 65 6e 74 42 6c 6f 63 6b 49 6e 64 65 78 22 3a 30 2c 22 64 65 6c 74 61
22 3a 7b 22 74 65 78 74 22 3a 22 48 69 22 7d 2c 22 70 22 3a 22 61 62 63 64 22 7d f2 ac e5 ff
""".replace("\n", " "))


def put(target, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    data = data.encode() if isinstance(data, str) else data
    with open(os.path.join(directory, hashlib.sha1(data).hexdigest()), "wb") as out:
        out.write(data)


class Capture:
    """A loopback socket that keeps each request's raw bytes and answers like Bedrock, so boto3 never retries."""

    def __init__(self):
        self.requests = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            connection, _ = self.server.accept()
            threading.Thread(target=self.handle, args=(connection,), daemon=True).start()

    def handle(self, connection):
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                chunk = connection.recv(65536)
                if not chunk:
                    return
                buffer += chunk
            head, _, rest = buffer.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            while len(rest) < length:
                rest += connection.recv(65536)
            self.requests.append(head + b"\r\n\r\n" + rest[:length])
            buffer = rest[length:]
            if b"converse-stream" in head.split(b"\r\n")[0]:
                body = b"".join(text_stream("Hello there from a stream"))
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
                                   b"Content-Length: %d\r\n\r\n" % len(body) + body)
            else:
                body = json.dumps({"output": {"message": {"role": "assistant", "content": [{"text": "Hi"}]}},
                                   "stopReason": "end_turn", "usage": {"inputTokens": 3, "outputTokens": 1, "totalTokens": 4},
                                   "metrics": {"latencyMs": 42}}).encode()
                connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                   b"x-amzn-RequestId: 1\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


def boto3_requests():
    """Raw requests as boto3 sends them."""
    import boto3
    from botocore.config import Config

    capture = Capture()
    endpoint = f"http://127.0.0.1:{capture.port}"
    os.environ.pop("AWS_BEARER_TOKEN_BEDROCK", None)
    # The AWS documentation's example credentials: nothing real is ever in the corpus.
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                            region_name="us-east-1")
    client = session.client("bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"max_attempts": 1}))
    hello = [{"role": "user", "content": [{"text": "Hello"}]}]
    client.converse(modelId=MODEL, messages=hello)
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Un café, s'il vous plaît ☕"}]}],
                    system=[{"text": "You are terse."}],
                    inferenceConfig={"maxTokens": 64, "temperature": 0.7, "topP": 0.9, "stopSequences": ["\n\n"]},
                    requestMetadata={"team": "fuzz"})
    client.converse(modelId=ARN, messages=hello)
    client.converse(modelId=MODEL, messages=[
        {"role": "user", "content": [{"text": "Weather in Lisbon?"}]},
        {"role": "assistant", "content": [{"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Lisbon"}}}]},
        {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_1", "content": [{"json": {"celsius": 21.5}}], "status": "success"}}]},
    ], toolConfig={"tools": [{"toolSpec": {"name": "get_weather", "description": "Weather for a city",
                                           "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}],
                   "toolChoice": {"auto": {}}})
    client.converse(modelId=MODEL, messages=[{"role": "user", "content": [
        {"text": "What is this?"}, {"image": {"format": "png", "source": {"bytes": bytes(range(64))}}}]}])
    for event in client.converse_stream(modelId=MODEL, messages=hello)["stream"]:
        pass

    def add_namespace(request, **_):
        request.headers["x-tapedeck-namespace"] = "test_login-1.v2"
    client.meta.events.register("before-sign.bedrock-runtime.Converse", add_namespace)
    client.converse(modelId=MODEL, messages=hello)

    # botocore sends Bearer tokens only over HTTPS, so the Bearer request is the first one with its signature
    # headers swapped for the header AWS_BEARER_TOKEN_BEDROCK makes it send.
    first = capture.requests[0].split(b"\r\n")
    bearer = [line for line in first if not line.lower().startswith((b"authorization:", b"x-amz-date:"))]
    bearer.insert(1, b"Authorization: Bearer ABSKexampleexampleexampleexample")
    return capture.requests + [b"\r\n".join(bearer)]


def handwritten_requests():
    body = b'{"messages":[{"role":"user","content":[{"text":"Hello"}]}]}'
    path = "/bedrock/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
    chunked = (f"POST {path} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
               .encode() + b"%x;ext=1\r\n" % 20 + body[:20] + b"\r\n" + b"%X\r\n" % (len(body) - 20) + body[20:]
               + b"\r\n0\r\nTrailer-Field: x\r\n\r\n")
    plain = (f"POST {path} HTTP/1.1\r\nHost: h\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    return [
        chunked,
        b"\r\n" + plain + plain,  # a leading empty line, then two pipelined requests
        (f"POST {path} HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body,
        b"GET /_tapedeck/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        (f"POST http://h:1{path.replace('/bedrock', '/cursor')}-stream?x=1 HTTP/1.1\r\nHost: h\r\n"
         f"Content-Length: 2, 2\r\n\r\n{{}}").encode(),
    ]


def json_documents(bodies):
    docs = list(bodies)
    # RFC 8785 §3.2.2 and its Appendix: numbers, escapes and key order that canonicalization must get right.
    docs.append('{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
                '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}')
    docs.append('{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",'
                '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}')
    docs.append('[-0, 0.0, 1e21, 1e-7, 123456789012345678901234567890, 9007199254740993, 5e-324, 1.7976931348623157e308]')
    docs.append('[[[[[[[[[[{"a":[{"b":[]}]}]]]]]]]]]]')
    return docs


def base64_texts():
    """RFC 4648 §10's vectors, a PNG and every byte value as standard base64, and near misses the decoder refuses."""
    import base64
    texts = [base64.b64encode(plain).decode() for plain in [b"", b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"]]
    texts.append(base64.b64encode(bytes(range(256))).decode())
    texts.append("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
    texts += ["Zh==", "Zm9=", "Zm9vYg", "Zm9v\nYmFy", "Zm9vYmFy\r\n", "Zm9-YmF_", "Zg==Zg==", "===="]
    return texts


def chunk_stream(pieces):
    """An InvokeModelWithResponseStream answer in Anthropic Messages: each event base64 in a chunk frame."""
    usage = {"input_tokens": 8, "output_tokens": 1}
    events = [{"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude",
                                                    "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}},
              {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}]
    events += [{"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}} for piece in pieces]
    events += [{"type": "content_block_stop", "index": 0},
               {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 4}},
               {"type": "message_stop", "amazon-bedrock-invocationMetrics": {"inputTokenCount": 8, "outputTokenCount": 4,
                                                                             "invocationLatency": 90, "firstByteLatency": 30}}]
    return [frame("chunk", {"bytes": base64.b64encode(json.dumps(e).encode()).decode(), "p": "abc"}) for e in events]


def cassette_files():
    return sorted(glob.glob(os.path.join(ROOT, "Cassettes", "*", "*.json")))


def sqlite_files(binary, work):
    store = os.path.join(work, "tapes.db")
    subprocess.run([binary, "export", "--to", f"sqlite:{store}", "--store", f"json:{os.path.join(ROOT, 'Cassettes')}"],
                   check=True, capture_output=True)
    db = sqlite3.connect(store)
    db.execute("UPDATE cassettes SET hits = 3, last_hit_at = 1800000000 WHERE key LIKE 'd4%'")
    db.execute("INSERT INTO cassettes(namespace, key, model_id, operation, recorded_at, document) "
               "SELECT 'team-a', key, model_id, operation, recorded_at, document FROM cassettes WHERE key LIKE 'e3%'")
    db.execute("INSERT INTO misses(namespace, model_id, count) VALUES('', ?, 2)", (MODEL,))
    db.commit()
    shrink(db)
    db.close()
    files = [open(store, "rb").read()]

    # A file as the first release wrote it, so opening it runs every migration.
    old = os.path.join(work, "v1.db")
    db = sqlite3.connect(old)
    db.executescript("""
        PRAGMA page_size = 512;
        CREATE TABLE cassettes(key TEXT PRIMARY KEY, model_id TEXT NOT NULL, operation TEXT NOT NULL,
                               recorded_at TEXT NOT NULL, document TEXT NOT NULL) WITHOUT ROWID;
        CREATE INDEX cassettes_model_id ON cassettes(model_id);
        PRAGMA user_version = 1;
    """)
    with open(cassette_files()[0]) as f:
        cassette = json.load(f)
    db.execute("INSERT INTO cassettes VALUES(?, ?, ?, ?, ?)", (cassette["key"], cassette["modelId"], cassette["operation"],
               cassette["recordedAt"], json.dumps(cassette, sort_keys=True, separators=(",", ":"), ensure_ascii=False)))
    db.commit()
    db.close()
    files.append(open(old, "rb").read())
    return files


def lease_files():
    """Lock files as a JSON store writes them (compact JSON), and the ways one can be wrong or cut short."""
    key = "ab" * 32
    now_ms = 1_800_000_000_000

    def lease(**changes):
        fields = {"key": key, "pid": 1, "startTicks": 1, "bootId": "00000000-0000-0000-0000-000000000000",
                  "host": "localhost", "token": "1f2e3d4c5b6a", "acquiredAtMs": now_ms}
        fields.update(changes)
        return json.dumps(fields, separators=(",", ":")).encode()

    whole = lease()
    return [whole, lease(pid=2147483647, startTicks=18446744073709551615), lease(acquiredAtMs=0), lease(key="cd" * 32),
            lease(token=""), lease(host="another-host", acquiredAtMs=-1), whole[: len(whole) // 2], b"", b"{}",
            b"not a lease\n"]


def shrink(db):
    """Small pages and no free space, so the file is a few kilobytes a fuzzer can mutate."""
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("PRAGMA page_size = 512")
    db.execute("VACUUM")
    db.execute("PRAGMA journal_mode = WAL")


def site_guard_fields():
    """Host, Origin, Sec-Fetch-Site, Content-Type and one more header's name, as a browser or a client sends them."""
    return [
        [b"127.0.0.1:8787", b"", b"", b"application/json", b"X-Amz-Date"],
        [b"attacker.example:8787", b"http://attacker.example:8787", b"same-origin", b"text/plain;charset=UTF-8"],
        [b"127.0.0.1:8787", b"http://attacker.example", b"cross-site", b"application/x-www-form-urlencoded"],
        [b"localhost:8787", b"http://localhost:8787", b"same-origin", b"multipart/form-data; boundary=x"],
        [b"[::1]:8787", b"null", b"same-site", b""],
        [b"tapedeck.test", b"https://tapedeck.test:443", b"none", b"text/plain", b"Authorization"],
    ]


def aws_config_files():
    return [
        "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "# comment\n; other\n[default]\nregion = us-east-1\noutput=json\n\n[profile dev]\nregion: eu-west-1\n"
        "credential_process = aws configure export-credentials --profile sso --format process\n",
        "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/Admin\nsource_profile = default\n"
        "s3 =\n  max_concurrent_requests = 10\n  max_queue_size = 1000\nnote = first\n  second\n",
        "[default]\r\naws_access_key_id=AKID\r\naws_secret_access_key=S\r\naws_session_token=T\r\n[default]\r\nregion=x\r\n",
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n[services dev]\nbedrock-runtime =\n  endpoint_url = http://localhost:8787\n",
        "key before section = 1\n",
        "[default]\nnot a key line\n",
        "[]\n[ ]\n[a]b]\n",
    ]


def credential_documents():
    process = {"Version": 1, "AccessKeyId": "ASIAIOSFODNN7EXAMPLE", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
               "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE", "Expiration": "2026-12-05T22:00:00Z"}
    metadata = {"Code": "Success", "LastUpdated": "2026-12-05T16:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "Token": "IQoJb3JpZ2luX2VjEXAMPLE",
                "Expiration": "2026-12-05T22:00:00.123+01:00"}
    documents = [b"\0" + json.dumps(process).encode(), b"\1" + json.dumps(metadata).encode(),
                 b"\0" + json.dumps({k: v for k, v in process.items() if k not in ("SessionToken", "Expiration")}).encode(),
                 b"\0" + json.dumps(dict(process, Version=2)).encode(), b"\1" + json.dumps(dict(metadata, Code="Failure")).encode(),
                 b"\0" + json.dumps(dict(process, AccessKeyId=7)).encode(), b"\0" + json.dumps(dict(process, Expiration="tomorrow")).encode(),
                 b"\0" + json.dumps(process).encode()[:40]]
    return documents


def sts_answers():
    ok = ('<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser>'
          '<AssumedRoleId>AROA3XFRBF535PLBIFPI4:s3-access-example</AssumedRoleId><Arn>arn:aws:sts::123456789012:'
          'assumed-role/demo/TestAR</Arn></AssumedRoleUser><Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>'
          '<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey><SessionToken>AQoDYXdzEPT//////////'
          'wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi'
          '/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+'
          'xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==</SessionToken>'
          '<Expiration>2019-11-09T13:34:41Z</Expiration></Credentials><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult>'
          '<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata></AssumeRoleResponse>')
    error = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied'
             '</Code><Message>User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on '
             'resource: arn:aws:iam::123456789012:role/demo &amp; &#x41;&#66;</Message></Error><RequestId>x</RequestId>'
             '</ErrorResponse>')
    return [ok, error, ok.replace("/bPx", "&amp;&lt;&#47;&#x2B;"), ok[:len(ok) // 2], ok.replace("2019-11-09T13:34:41Z", "soon")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the built tapedeck binary (for the SQLite store file)")
    args = parser.parse_args()
    assert len(PROTOCOL_FRAME) == 159
    assert frame("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hi"}, "p": "abcd"}) == PROTOCOL_FRAME

    shutil.rmtree(CORPUS, ignore_errors=True)
    requests = boto3_requests() + handwritten_requests()
    for request in requests:
        put("http", request)
    bodies = [r.partition(b"\r\n\r\n")[2] for r in requests[:-5] if b"\r\n\r\n{" in r]
    for doc in json_documents(bodies):
        put("json", doc)

    put("eventstream", PROTOCOL_FRAME)
    put("eventstream", b"".join(text_stream("The quick brown fox jumps over the lazy dog")))
    put("eventstream", b"".join(tool_stream()))
    put("eventstream", b"".join(text_stream("Partial answer")[:3]) + frame("throttlingException", {"message": "Too many requests"}, exception=True))
    put("eventstream", b"".join(chunk_stream(["Hel", "lo"])))
    put("eventstream", b"".join(chunk_stream(["cut"])[:3]))

    for path in cassette_files():
        data = open(path, "rb").read()
        put("cassette", data)
        put("json", data)
        put("sqlite-row", json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False))
    key = os.path.basename(cassette_files()[0])[:-5]
    put("cassette", json.dumps({"hits": {key: {"count": 2, "lastHitAt": 1800000000}}, "misses": {MODEL: 1}}, indent=2) + "\n")

    with tempfile.TemporaryDirectory() as work:
        for data in sqlite_files(args.binary, work):
            put("sqlite-file", data)

    for name in ["test_login-1.v2", "A", "a..b", "-", "0f", "n" * 128, "n" * 129, "..", ".", ".hidden", "a/b",
                 "/abs", "../x", "a\0b", "café", "a b", "x\n"]:
        put("namespace", name)
    for text in base64_texts():
        put("base64", text)
    for lock in lease_files():
        put("lease", lock)
    for fields in site_guard_fields():
        put("site-guard", b"\0".join(fields))
    for text in aws_config_files():
        put("aws-config", text)
    for document in credential_documents():
        put("aws-cred-doc", document)
    for answer in sts_answers():
        put("sts-xml", answer)
    for target in sorted(os.listdir(CORPUS)):
        print(f"{target}: {len(os.listdir(os.path.join(CORPUS, target)))} seeds")


if __name__ == "__main__":
    main()
