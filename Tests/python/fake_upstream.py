"""What the fake Bedrock upstreams of the pytest suite (conftest.py) and of Benchmarks/soak.py share: the
event-stream framing (PROTOCOL.md, "ConverseStream framing"), InvokeModelWithResponseStream's chunk frames, and a
threaded HTTP server on a loopback port."""
import base64
import http.server
import json
import socket
import struct
import sys
import threading
import time
import zlib


def _string_header(name, value):
    name, value = name.encode(), value.encode()
    return bytes([len(name)]) + name + b"\x07" + struct.pack(">H", len(value)) + value


def frame(event_type, payload, exception=False):
    """One message as Bedrock frames it: three string headers, the payload as compact JSON with sorted keys (as a
    cassette keeps it, so a replay can be compared byte for byte with what upstream sent), and both CRC32s."""
    kind = ":exception-type" if exception else ":event-type"
    headers = (_string_header(kind, event_type) + _string_header(":content-type", "application/json")
               + _string_header(":message-type", "exception" if exception else "event"))
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    prelude = struct.pack(">II", 12 + len(headers) + len(body) + 4, len(headers))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + headers + body
    return message + struct.pack(">I", zlib.crc32(message))


def chunk(event, padding=""):
    """One InvokeModelWithResponseStream frame (PROTOCOL.md, "Beyond Converse"): `:event-type chunk`, payload
    `{"bytes": base64 of the model's event as compact JSON}`, plus AWS's padding field "p" when `padding` is given."""
    payload = {"bytes": base64.b64encode(json.dumps(event, separators=(",", ":")).encode()).decode()}
    if padding:
        payload["p"] = padding
    return frame("chunk", payload)


CUT = object()
"""Put last in a stream's pieces: the connection is cut there, with no last chunk (a stream that broke mid-way)."""


def send_chunks(handler, pieces, pause=0.0):
    """Ends `handler`'s response head with `Transfer-Encoding: chunked` and sends each piece as one chunk, as
    Bedrock sends one event-stream frame per chunk (waiting `pause` seconds after each), then the last chunk; at a
    `CUT` it shuts the connection down instead."""
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    for piece in pieces:
        if piece is CUT:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        handler.wfile.flush()
        if pause:
            time.sleep(pause)
    handler.wfile.write(b"0\r\n\r\n")


def send_body(handler, payload):
    """Ends `handler`'s response head with its Content-Length and sends `payload`."""
    handler.send_header("Content-Length", str(len(payload)))
    handler.end_headers()
    handler.wfile.write(payload)


class QuietServer(http.server.ThreadingHTTPServer):
    """A threaded HTTP/1.1 server that keeps quiet about connections cut under it (Tapedeck hanging up on a
    stream whose client left, a test cutting connections on purpose); any other error in a handler is printed."""
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


def serve(handler):
    """Starts a QuietServer for `handler` on 127.0.0.1, on a port the system picks, in a daemon thread; returns
    (server, port, base URL)."""
    server = QuietServer(("127.0.0.1", 0), handler)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port, f"http://127.0.0.1:{port}"
