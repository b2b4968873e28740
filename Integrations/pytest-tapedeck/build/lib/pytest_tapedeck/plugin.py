"""The pytest plugin (entry point `tapedeck`): one `tapedeck serve` per session or xdist worker, a namespace per test.

The server starts before the first conftest is imported, and the session's environment points every Bedrock Runtime
client at it (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, and `ANTHROPIC_BEDROCK_BASE_URL` for the Anthropic SDK), so clients
made at import time, in fixtures or inside tests all go through it. Before each test the plugin sets the server's
scope (`POST /_tapedeck/scope`): the test's namespace and the mode its record mode asks for. Clients need no code.
"""
import os

import pytest

from .naming import is_valid, namespace_for
from .scope import RECORD_MODES, TapedeckScope
from .server import Server, TapedeckError, find_binary

SESSION = pytest.StashKey()
SCOPE = pytest.StashKey()

# Dummy credentials for replaying: a client needs some to sign, and nothing signed with them leaves the machine.
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "tapedeck-replay", "AWS_SECRET_ACCESS_KEY": "tapedeck-replay"}
DEFAULT_REGION = "us-east-1"
UNUSED_SHOWN = 20


def pytest_addoption(parser):
    group = parser.getgroup("tapedeck", "record and replay Bedrock Runtime calls with Tapedeck")
    group.addoption(
        "--tapedeck-record-mode", choices=sorted(RECORD_MODES), default=None,
        help="none (default: replay only, a request without a cassette fails), once (record a test's cassettes when "
             "it has none), new_episodes (record what is missing), all (record everything again)")
    group.addoption("--tapedeck-upstream", default=None,
                    help="URL of Bedrock or Bifrost that recordings come from (ini tapedeck_upstream, TAPEDECK_UPSTREAM)")
    parser.addini("tapedeck_binary", "path of the tapedeck binary (default: TAPEDECK_BINARY, PATH, .build/release)")
    parser.addini("tapedeck_store", "where cassettes live, json:DIR or sqlite:FILE, relative to the rootdir",
                  default="json:tests/cassettes")
    parser.addini("tapedeck_upstream", "URL of Bedrock or Bifrost to record from (default: TAPEDECK_UPSTREAM)")
    parser.addini("tapedeck_record_mode", "record mode when --tapedeck-record-mode is not given", default="none")
    parser.addini("tapedeck_args", "more arguments for tapedeck serve, e.g. --aws-sign", type="args", default=[])


class Session:
    """The plugin's state for one pytest process that runs tests: its server and what the tests did."""

    def __init__(self, config):
        self.config = config
        rootdir = str(config.rootpath)
        options = config.known_args_namespace
        self.record_mode = getattr(options, "tapedeck_record_mode", None) or config.getini("tapedeck_record_mode")
        if self.record_mode not in RECORD_MODES:
            raise pytest.UsageError(f"tapedeck_record_mode must be one of {', '.join(sorted(RECORD_MODES))}, "
                                    f"not {self.record_mode!r}")
        self.upstream = (getattr(options, "tapedeck_upstream", None) or config.getini("tapedeck_upstream")
                         or os.environ.get("TAPEDECK_UPSTREAM") or None)
        if self.record_mode != "none" and not self.upstream:
            raise pytest.UsageError(
                f"--tapedeck-record-mode={self.record_mode} records from an upstream: give --tapedeck-upstream URL, "
                "ini tapedeck_upstream or TAPEDECK_UPSTREAM (or replay with the default record mode none)")
        self.store = self._store(config.getini("tapedeck_store"), rootdir)
        # What a replay miss tells the test's author to run.
        self.record_hint = "run pytest with --tapedeck-record-mode=new_episodes" + (
            "" if self.upstream else " and an upstream (--tapedeck-upstream URL, ini tapedeck_upstream or TAPEDECK_UPSTREAM)")
        self.namespaces = set()
        self.report = None
        environ = dict(os.environ)  # the server gets the user's own environment, not the dummies set below
        try:
            binary = find_binary(config.getini("tapedeck_binary"), rootdir, environ)
            self.server = Server(binary, self.store, self.upstream, config.getini("tapedeck_args"), environ)
        except TapedeckError as error:
            raise pytest.UsageError(f"tapedeck: {error}") from None
        self.saved = {}
        self._point_clients_at(self.server.url)

    @staticmethod
    def _store(value, rootdir):
        kind, separator, path = value.partition(":")
        if not separator or kind not in ("json", "sqlite"):
            return value  # another kind of store: tapedeck checks it
        if "#" in path:
            raise pytest.UsageError(f"tapedeck_store {value!r} names a namespace; the plugin gives every test its own")
        return f"{kind}:{os.path.join(rootdir, os.path.expanduser(path))}"

    def _set(self, name, value):
        self.saved.setdefault(name, os.environ.get(name))
        os.environ[name] = value

    def _point_clients_at(self, url):
        self._set("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
        self._set("ANTHROPIC_BEDROCK_BASE_URL", url)
        if "AWS_ACCESS_KEY_ID" not in os.environ and (self.record_mode == "none" or not _has_aws_credentials()):
            for name, value in DUMMY_CREDENTIALS.items():
                self._set(name, value)
        if not os.environ.get("AWS_REGION") and not os.environ.get("AWS_DEFAULT_REGION"):
            self._set("AWS_DEFAULT_REGION", DEFAULT_REGION)

    def restore_environment(self):
        for name, value in self.saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self.saved = {}

    def scope_for(self, item):
        """The namespace and record mode of `item`: its `tapedeck` marker's, else its node id's and the session's."""
        marker = item.get_closest_marker("tapedeck")
        kwargs = dict(marker.kwargs) if marker else {}
        unknown = set(kwargs) - {"namespace", "record_mode"}
        if unknown or (marker and marker.args):
            raise TapedeckError(f"@pytest.mark.tapedeck takes namespace= and record_mode=, not {sorted(unknown) or marker.args}")
        namespace = kwargs.get("namespace")
        if namespace is None:
            namespace = namespace_for(item.nodeid)
        elif not isinstance(namespace, str) or not is_valid(namespace):
            raise TapedeckError(f"@pytest.mark.tapedeck namespace {namespace!r} is not a namespace: "
                                "1-128 of A-Z a-z 0-9 . _ -, not starting with .")
        record_mode = kwargs.get("record_mode") or self.record_mode
        if record_mode not in RECORD_MODES:
            raise TapedeckError(f"@pytest.mark.tapedeck record_mode must be one of {', '.join(sorted(RECORD_MODES))}, "
                                f"not {record_mode!r}")
        if record_mode != "none" and not self.upstream:
            raise TapedeckError(f"record_mode={record_mode} records from an upstream, and this session has none "
                                "(--tapedeck-upstream, ini tapedeck_upstream or TAPEDECK_UPSTREAM)")
        return namespace, record_mode

    def finish(self):
        """What the session's server saw, for the summary: request counts and the cassettes of the tests that ran
        that nothing used."""
        try:
            stats = self.server.call("GET", "/_tapedeck/stats")
            unused = self.server.call("GET", "/_tapedeck/unused").get("unused", [])
        except TapedeckError as error:
            self.report = {"error": str(error)}
            return
        self.report = {
            "hits": stats.get("hits", 0), "misses": stats.get("misses", 0),
            "unused": [entry for entry in unused if entry.get("namespace") in self.namespaces],
        }

    def stop(self):
        self.restore_environment()
        return self.server.stop()


def _has_aws_credentials():
    """Whether botocore could find credentials of the user's own besides the environment's keys."""
    if any(os.environ.get(name) for name in ("AWS_PROFILE", "AWS_BEARER_TOKEN_BEDROCK", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                                              "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_WEB_IDENTITY_TOKEN_FILE")):
        return True
    files = (os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"), os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"))
    return any(os.path.isfile(os.path.expanduser(path)) for path in files)


def _runs_tests(config):
    """Whether this process runs tests (not xdist's controller, not --collect-only or --help)."""
    options = config.known_args_namespace
    if any(getattr(options, name, False) for name in ("help", "version", "collectonly", "showfixtures", "markers")):
        return False
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return True
    workers = getattr(options, "numprocesses", None)
    return workers in (None, 0, "0")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before any conftest is imported, so a client made at import time already sees the server's URL.
    if _runs_tests(early_config):
        early_config.stash[SESSION] = Session(early_config)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "tapedeck(namespace=None, record_mode=None): this test's Tapedeck namespace (default: from its node "
                   "id) and record mode (none, once, new_episodes, all)")
    config.stash.setdefault(_REPORTS, [])


_REPORTS = pytest.StashKey()


def _session(config):
    return config.stash.get(SESSION, None)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    session = _session(item.config)
    if session is None:
        return
    try:
        namespace, record_mode = session.scope_for(item)
        session.server.set_scope(namespace, RECORD_MODES[record_mode], session.record_hint)
    except TapedeckError as error:
        pytest.fail(f"tapedeck: {error}", pytrace=False)
    session.namespaces.add(namespace)
    item.stash[SCOPE] = TapedeckScope(url=session.server.url, namespace=namespace, record_mode=record_mode,
                                      store=session.store)


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item, nextitem):
    yield
    session = _session(item.config)
    if session is not None and SCOPE in item.stash:
        try:
            session.server.reset_scope()  # what runs between tests is served in the shared namespace
        except TapedeckError:
            pass  # the next test's setup reports a server that is gone


@pytest.fixture
def tapedeck(request):
    """This test's Tapedeck: `.url` (the endpoint every client is pointed at), `.namespace`, `.record_mode`, `.store`."""
    scope = request.node.stash.get(SCOPE, None)
    if scope is None:
        pytest.fail("tapedeck is not serving this test (the plugin is off: -p no:tapedeck?)", pytrace=False)
    return scope


def pytest_sessionfinish(session):
    state = _session(session.config)
    if state is None:
        return
    state.finish()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["tapedeck"] = dict(state.report, store=state.store, record_mode=state.record_mode)
    else:
        session.config.stash[_REPORTS].append(dict(state.report, store=state.store, record_mode=state.record_mode))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    report = getattr(node, "workeroutput", {}).get("tapedeck")
    if report:
        node.config.stash[_REPORTS].append(report)


def pytest_terminal_summary(terminalreporter, config):
    reports = config.stash.get(_REPORTS, [])
    if not reports:
        return
    write = terminalreporter.write_line
    terminalreporter.section("tapedeck")
    for report in reports:
        if "error" in report:
            write(f"tapedeck: {report['error']}", red=True)
    counted = [report for report in reports if "error" not in report]
    hits = sum(report["hits"] for report in counted)
    misses = sum(report["misses"] for report in counted)
    first = reports[0]
    write(f"store {first['store']}, record mode {first['record_mode']}: {hits} replayed, {misses} not in the store"
          + ("" if first["record_mode"] == "none" else " (recorded)"))
    unused = sorted((entry for report in counted for entry in report["unused"]),
                    key=lambda entry: (entry["namespace"], entry["key"]))
    if unused:
        write(f"{len(unused)} cassette{'s' if len(unused) != 1 else ''} of the tests that ran went unused "
              "(a test no longer asks it; tapedeck rm KEY removes one):", yellow=True)
        for entry in unused[:UNUSED_SHOWN]:
            write(f"  {entry['namespace']}  {entry['key'][:16]}  {entry['location']}")
        if len(unused) > UNUSED_SHOWN:
            write(f"  … and {len(unused) - UNUSED_SHOWN} more")


def pytest_unconfigure(config):
    state = config.stash.get(SESSION, None)
    if state is not None:
        del config.stash[SESSION]
        code = state.stop()
        if code not in (0, None):
            print(f"tapedeck serve exited with status {code}; its log is in {state.server.log_path}")
