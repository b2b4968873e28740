"""Safe by default on a developer's laptop, tried as an attacker's web page and a careless command would, against
the built binary through real sockets and headless Chromium: a DNS-rebinding page and a cross-site page read and
spend nothing, Tapedeck's own page still works, another program's SQLite file keeps every byte, and the smaller
promises (HTTP/1.0 keep-alive, 503 while draining, a padded token, no absolute paths in answers) hold."""
import http.client
import http.server
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time

import pytest

from conftest import BINARY, ROOT
from test_boto3 import MODEL, ask, client, tapedeck_header
from test_browser import CHROMIUM, chromium

PROMPT = "Which secret project is this laptop's owner working on?"


def raw(port, head, body=b""):
    """Sends one request exactly as given (`head` without Content-Length) on a fresh socket; returns the answer."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(head.encode() + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        sock.close()


def recorded(upstream, launch, tmp_path, *args):
    """A recording Tapedeck whose store holds PROMPT's cassette."""
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path / 'cassettes'}", *args)
    assert tapedeck_header(ask(client(server.url), PROMPT)) == "miss"
    return server


def test_a_dns_rebinding_request_reads_and_spends_nothing(upstream, launch, tmp_path):
    server = recorded(upstream, launch, tmp_path)
    rebound = f"attacker.example:{server.port}"
    for path in ["/_tapedeck/api/cassettes", "/_tapedeck/health", "/_tapedeck/stats", "/metrics", "/_tapedeck/"]:
        status, headers, body = raw(server.port, f"GET {path} HTTP/1.1\r\nHost: {rebound}\r\nOrigin: http://{rebound}\r\n")
        assert (status, headers["x-amzn-errortype"]) == (403, "AccessDeniedException"), path
        assert PROMPT.encode() not in body
        assert "is not a name this Tapedeck server answers to" in json.loads(body)["message"]
    converse = json.dumps({"messages": [{"role": "user", "content": [{"text": "spend the owner's money"}]}]}).encode()
    status, _, _ = raw(server.port, f"POST /model/{MODEL}/converse HTTP/1.1\r\nHost: {rebound}\r\n"
                                    "Content-Type: application/json\r\n", converse)
    assert status == 403
    assert len(upstream.requests) == 1, "only the recording went upstream"
    # The same page, named with --allowed-host (a container's host.docker.internal, say), is answered.
    allowed = launch("--store", f"json:{tmp_path / 'cassettes'}", "--allowed-host", "attacker.example")
    status, _, body = raw(allowed.port, f"GET /_tapedeck/api/cassettes HTTP/1.1\r\nHost: attacker.example:{allowed.port}\r\n")
    assert status == 200 and PROMPT.encode() in body


def test_a_cross_site_form_post_is_refused_before_upstream(upstream, launch, tmp_path):
    server = recorded(upstream, launch, tmp_path)
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "a form's question"}]}]}).encode()
    host = f"Host: 127.0.0.1:{server.port}\r\n"
    # What <form enctype="text/plain"> or fetch(…, {mode: "no-cors"}) sends from another site.
    status, headers, _ = raw(server.port, f"POST /model/{MODEL}/converse HTTP/1.1\r\n{host}Origin: http://attacker.example\r\n"
                                          "Sec-Fetch-Site: cross-site\r\nContent-Type: text/plain;charset=UTF-8\r\n", body)
    assert (status, headers["x-amzn-errortype"]) == (403, "AccessDeniedException")
    # An old browser sends neither Origin nor Fetch Metadata: the body's type gives the form away.
    for kind in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]:
        status, headers, answer = raw(server.port, f"POST /model/{MODEL}/converse HTTP/1.1\r\n{host}Content-Type: {kind}\r\n", body)
        assert (status, headers["x-amzn-errortype"]) == (415, "ValidationException"), kind
        assert "Content-Type: application/json" in json.loads(answer)["message"]
    status, _, _ = raw(server.port, f"POST /_tapedeck/session/reset HTTP/1.1\r\n{host}Origin: http://attacker.example\r\n")
    assert status == 403
    assert len(upstream.requests) == 1, "no refused request went upstream"
    # boto3 and curl with the JSON type are Bedrock clients, answered as before.
    assert tapedeck_header(ask(client(server.url), PROMPT)) == "hit"


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="needs Chromium (make test installs it)")
def test_in_chromium_a_cross_site_page_is_refused_and_tapedecks_own_page_works(upstream, launch, tmp_path):
    server = recorded(upstream, launch, tmp_path)
    attack = f"""<!doctype html><pre id="out">pending</pre><script>
      const tapedeck = "http://127.0.0.1:{server.port}", out = [];
      (async () => {{
        try {{
          await fetch(tapedeck + "/model/{MODEL}/converse", {{method: "POST", mode: "no-cors",
            body: JSON.stringify({{messages: [{{role: "user", content: [{{text: "asked by a web page"}}]}}]}})}});
          out.push("post sent");
        }} catch (e) {{ out.push("post failed " + e.name); }}
        try {{ const r = await fetch(tapedeck + "/_tapedeck/api/cassettes"); out.push("read " + await r.text()); }}
        catch (e) {{ out.push("read blocked " + e.name); }}
        document.getElementById("out").textContent = out.join("; ");
      }})();
    </script>""".encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(attack)))
            self.end_headers()
            self.wfile.write(attack)

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        # localhost and 127.0.0.1 are different sites to a browser: this page is another site's.
        dom = chromium(f"http://localhost:{site.server_address[1]}/attack.html", tmp_path, "--dump-dom")
    finally:
        site.shutdown()
    print("attack page:", dom[dom.find("<pre"):dom.find("</pre>") + 6])
    assert "post sent" in dom and "read blocked TypeError" in dom, dom
    assert PROMPT not in dom
    assert not any(b"asked by a web page" in request["body"] for request in upstream.requests)
    refused = [line for line in server.log.splitlines() if f"path=/model/{MODEL}/converse" in line and "status=403" in line]
    print("refused:", refused)
    assert refused, "Chromium's request reached Tapedeck and was refused:\n" + server.log

    # DNS rebinding as Chromium does it: attacker.example now resolves to this machine.
    rebound = chromium(f"http://attacker.example:{server.port}/_tapedeck/api/cassettes", tmp_path, "--dump-dom",
                       "--host-resolver-rules=MAP attacker.example 127.0.0.1")
    assert "is not a name this Tapedeck server answers to" in rebound and PROMPT not in rebound, rebound

    # Tapedeck's own page, same-origin, under both names a loopback server answers to.
    for name in ["127.0.0.1", "localhost"]:
        page = chromium(f"http://{name}:{server.port}/_tapedeck/", tmp_path, "--dump-dom")
        assert PROMPT in page, page[-2000:]


def test_another_programs_sqlite_file_keeps_every_byte(tmp_path):
    app = tmp_path / "app.db"
    # The application is running: WAL mode, its -wal and -shm beside the file, a users table.
    connection = sqlite3.connect(app)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE users(id INTEGER PRIMARY KEY, email TEXT)")
    connection.execute("INSERT INTO users(email) VALUES ('ada@example.com')")
    connection.commit()

    def files():
        return {path.name: path.read_bytes() for path in sorted(tmp_path.iterdir())}
    before = files()
    assert set(before) == {"app.db", "app.db-wal", "app.db-shm"}
    for command in [["ls"], ["stats"], ["verify"], ["import", "--from", "json:" + os.path.join(ROOT, "Cassettes")]]:
        done = subprocess.run([BINARY, *command, "--store", f"sqlite:{app}"], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.count("\n") == 1 and f"{app} is not a Tapedeck store" in done.stderr, done.stderr
        assert files() == before, command
    serve = subprocess.run([BINARY, "serve", "--port", "0", "--store", f"sqlite:{app}"], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
    assert serve.returncode == 1 and "is not a Tapedeck store" in serve.stderr
    assert files() == before
    assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()
    closed = files()
    assert subprocess.run([BINARY, "ls", "--store", f"sqlite:{app}"], capture_output=True, timeout=60).returncode == 1
    assert files() == closed


def test_commands_that_read_never_make_a_store(tmp_path):
    for store, location in [(f"sqlite:{tmp_path / 'nope.db'}", tmp_path / "nope.db"), (f"json:{tmp_path / 'nope'}", tmp_path / "nope")]:
        for command in [["ls"], ["show", "abcd"], ["verify"], ["stats"], ["export", "--to", f"json:{tmp_path / 'out'}"]]:
            done = subprocess.run([BINARY, *command, "--store", store], capture_output=True, text=True, timeout=60)
            assert done.returncode == 1, (command, done.stderr)
            assert f"no store at {location}; serve --mode auto or record creates it" in done.stderr, done.stderr
        assert list(tmp_path.iterdir()) == [], "nothing was made"


def test_http10_keep_alive_is_announced(launch):
    server = launch()
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        for _ in range(2):
            sock.sendall(b"GET /_tapedeck/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            response = http.client.HTTPResponse(sock)
            response.begin()
            assert response.status == 200 and response.getheader("Connection") == "keep-alive"
            response.read()
    finally:
        sock.close()


def test_a_padded_token_is_refused_at_start_up():
    done = subprocess.run([BINARY, "serve", "--port", "0", "--auth-token", " a-token-with-a-space-0123"],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "starts or ends with whitespace" in done.stderr and "a-token-with" not in done.stderr


def test_a_client_arriving_during_the_drain_reads_a_503(upstream, launch, tmp_path):
    recorded(upstream, launch, tmp_path).stop()
    # Offline, every hit waits 4 s: one is in flight when SIGTERM arrives.
    server = launch("--store", f"json:{tmp_path / 'cassettes'}", "--hit-delay-ms", "4000")
    held = {}
    in_flight = threading.Thread(target=lambda: held.update(answer=ask(client(server.url), PROMPT)))
    in_flight.start()
    # The request line is logged when the hit is answered, which is when its delay starts: it is in flight.
    deadline = time.monotonic() + 30
    while "path=/model" not in server.log:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    server.process.send_signal(signal.SIGTERM)
    while "shutting down" not in server.log:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    status, headers, body = raw(server.port, "GET /_tapedeck/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert (status, headers["connection"], headers["x-amzn-errortype"]) == (503, "close", "ServiceUnavailableException")
    assert "shutting down" in json.loads(body)["message"]
    in_flight.join(timeout=30)
    assert tapedeck_header(held["answer"]) == "hit", "the request in flight still finished"
    assert server.process.wait(timeout=30) == 0


def test_answers_name_no_absolute_path(launch, tmp_path):
    store = tmp_path / "private" / "cassettes"
    store.mkdir(parents=True)
    server = launch("--store", f"json:{store}")
    status, _, body = raw(server.port, "GET /_tapedeck/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    assert json.loads(body)["store"] == "json:…/cassettes"
    with pytest.raises(Exception) as miss:
        ask(client(server.url), "never recorded")
    assert str(tmp_path) not in str(miss.value) and "json:…/cassettes" in str(miss.value)
