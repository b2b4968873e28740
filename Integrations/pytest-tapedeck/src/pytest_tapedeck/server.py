"""One `tapedeck serve` for a pytest session (or xdist worker): found, started on a free loopback port, talked to
through its own routes, and stopped."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request


class TapedeckError(Exception):
    """Tapedeck could not be found, started or reached; the message says what to do."""


# Where a platform wheel (`make wheel`) carries the binary.
BUNDLED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", "tapedeck")


def find_binary(configured, rootdir, environ):
    """The `tapedeck` to run: one named by ini `tapedeck_binary` or `TAPEDECK_BINARY`, else the one the wheel carries,
    else `PATH`'s, else a `.build/release/tapedeck` (or `.build/debug/tapedeck`) in the rootdir or a directory above."""
    tried = []
    for source, value in (("ini tapedeck_binary", configured), ("TAPEDECK_BINARY", environ.get("TAPEDECK_BINARY"))):
        if value:
            path = value if os.path.isabs(value) else os.path.join(rootdir, value)
            if os.access(path, os.X_OK) and os.path.isfile(path):
                return path
            raise TapedeckError(f"{source} names {path}, which is not an executable file")
    if os.path.isfile(BUNDLED):
        if not os.access(BUNDLED, os.X_OK):
            os.chmod(BUNDLED, 0o755)  # an installer that dropped the wheel's file mode
        return BUNDLED
    tried.append("the binary a platform wheel carries")
    found = shutil.which("tapedeck", path=environ.get("PATH"))
    if found:
        return found
    tried.append("PATH")
    directory = os.path.abspath(rootdir)
    while True:
        for build in ("release", "debug"):
            candidate = os.path.join(directory, ".build", build, "tapedeck")
            if os.access(candidate, os.X_OK):
                return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    tried.append(f".build/release/tapedeck in {rootdir} and above")
    raise TapedeckError(
        "cannot find the tapedeck binary (tried ini tapedeck_binary, TAPEDECK_BINARY, " + ", ".join(tried)
        + "); install the platform wheel (make wheel), build it with `make release`, or set TAPEDECK_BINARY=/path/to/tapedeck")


class Server:
    """A running `tapedeck serve`: its URL and the routes the plugin calls."""

    START_SECONDS = 30

    def __init__(self, binary, store, upstream, extra_args, environ):
        self.directory = tempfile.mkdtemp(prefix="pytest-tapedeck-")
        self.log_path = os.path.join(self.directory, "serve.log")
        args = [binary, "serve", "--host", "127.0.0.1", "--port", "0", "--store", store, "--log-format", "json",
                "--repeats", "sequence"]
        args += ["--upstream", upstream] if upstream else []
        args += list(extra_args)
        self.command = args
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=environ,
                                            start_new_session=True)
        self.url = self._wait_for_listening()

    def _wait_for_listening(self):
        deadline = time.monotonic() + self.START_SECONDS
        while time.monotonic() < deadline:
            for event in self.events():
                if event.get("msg") == "listening":
                    return event["address"]
            if self.process.poll() is not None:
                raise TapedeckError(f"tapedeck serve exited with status {self.process.returncode} before listening:\n"
                                    + self.log_tail())
            time.sleep(0.02)
        self.stop()
        raise TapedeckError(f"tapedeck serve did not listen within {self.START_SECONDS} s:\n" + self.log_tail())

    def events(self):
        """The log's events so far (JSON lines)."""
        events = []
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                for line in log:
                    try:
                        events.append(json.loads(line))
                    except ValueError:
                        continue
        except OSError:
            pass
        return events

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as log:
                return "".join(log.readlines()[-lines:])
        except OSError:
            return ""

    def call(self, method, path, body=None):
        """Calls one of Tapedeck's own routes and returns its JSON answer."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"} if data is not None else {})
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            try:
                message = json.loads(error.read()).get("message", "")
            except ValueError:
                message = ""
            raise TapedeckError(f"tapedeck refused {method} {path}: {error.code} {message}") from None
        except (urllib.error.URLError, OSError) as error:
            state = "" if self.process.poll() is None else f" (it exited with status {self.process.returncode})"
            raise TapedeckError(f"cannot reach tapedeck serve at {self.url}{state}: {error}\n" + self.log_tail()) from None

    def set_scope(self, namespace, mode, record_hint=None):
        scope = {"namespace": namespace, "mode": mode}
        if record_hint:
            scope["recordHint"] = record_hint
        return self.call("POST", "/_tapedeck/scope", scope)

    def reset_scope(self):
        return self.call("POST", "/_tapedeck/scope", {})

    def stop(self):
        """Stops the server (SIGTERM: it finishes recordings in flight) and removes its log."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        code = self.process.returncode
        if code == 0:
            shutil.rmtree(self.directory, ignore_errors=True)
        return code
