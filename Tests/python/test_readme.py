"""Every command in README.md, run for real, so the README cannot rot.

Each ```sh, ```bash or ```python block in the README is preceded by a directive, an HTML comment that GitHub does
not show, saying how it is checked (a block without one fails `test_every_command_block_has_a_directive`):

- `<!-- test: ci -->`      `make` targets: `make -n TARGET` must succeed (CI itself runs `make test`).
- `<!-- test: client -->`  a client command (shell or Python), run against a `tapedeck serve` in auto mode over a copy
                           of the bundled cassettes, in front of a fake Bedrock upstream: bundled requests are hits,
                           anything else is recorded from the fake. `127.0.0.1:8787` is rewritten to its address.
- `<!-- test: client continues -->`  a Python block that goes on from the previous Python block (run together).
- `<!-- test: serve -->`   `tapedeck serve` command lines, each started (port 0, upstream URLs rewritten to the fake),
                           sent one Converse request through the route the line serves, and stopped with SIGTERM.
- `<!-- test: commands -->` shell commands run in a scratch copy of the bundled cassettes with `tapedeck` on PATH
                           (for the cassette commands); each must exit 0.
- `<!-- test: file PATH -->` the block appears verbatim in PATH, which another test runs.
- `<!-- test: ci-recipe -->` a CI job (GitHub Actions or GitLab CI YAML): it must parse, and its commands must be the
                           ones test_dist.py runs (CI_COMMANDS), besides an apt-get of the runtime packages.
- `<!-- test: pytest -->`  the pytest plugin's commands, run in order in a copy of Examples/pytest without its
                           cassettes: `pip install DIR` must name the plugin (make test has installed it), each
                           `pytest …` runs (upstream URLs rewritten to a fake) and must pass.
- `<!-- test: output -->`  (on any block) what the previous block prints: compared as JSON when it parses, else as
                           text, line by line.

In every block `.build/release/tapedeck` means the built binary (TAPEDECK_BIN), also on PATH as `tapedeck`.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from conftest import BINARY, ROOT, FakeBedrock, Tapedeck

README = os.path.join(ROOT, "README.md")
COMMAND_LANGUAGES = {"sh", "bash", "python"}
DIRECTIVE = re.compile(r"^<!--\s*test:\s*(.*?)\s*-->$")
UPSTREAMS = re.compile(r"https://bedrock-runtime\.[a-z0-9-]+\.amazonaws\.com|http://localhost:8080")
TIMEOUT = 120


class Block:
    def __init__(self, line, language, text, directive):
        self.line, self.language, self.text, self.directive = line, language, text, directive

    @property
    def kind(self):
        return self.directive.split()[0] if self.directive else None

    def __eq__(self, other):
        return isinstance(other, Block) and other.line == self.line

    def __hash__(self):
        return self.line

    def __repr__(self):
        return f"README.md:{self.line} ({self.language}, {self.directive or 'no directive'})"


def blocks():
    """Fenced blocks of README.md with the directive on the line before each, if any."""
    lines = open(README, encoding="utf-8").read().split("\n")
    found, index = [], 0
    while index < len(lines):
        fence = re.match(r"^(\s*)```(\w*)", lines[index])
        if not fence:
            index += 1
            continue
        start, language = index, fence.group(2)
        index += 1
        body = []
        while index < len(lines) and not lines[index].strip().startswith("```"):
            body.append(lines[index])
            index += 1
        index += 1
        previous = lines[start - 1].strip() if start > 0 else ""
        directive = DIRECTIVE.match(previous)
        found.append(Block(start + 1, language, "\n".join(body) + "\n", directive.group(1) if directive else None))
    return found


def command_lines(text):
    """Shell lines with `\\` continuations joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", text)
    commands = []
    for line in joined.split("\n"):
        line = re.sub(r"\s+#\s.*$", "", line.strip())
        if line and not line.startswith("#"):
            commands.append(line)
    return commands


def expected_output(all_blocks, block):
    following = all_blocks.index(block) + 1
    if following < len(all_blocks) and all_blocks[following].kind == "output":
        return all_blocks[following].text
    return None


def check_output(block, printed, expected):
    if expected is None:
        return
    try:
        assert json.loads(printed) == json.loads(expected), f"{block} printed {printed!r}"
    except json.JSONDecodeError:
        got = [line.rstrip() for line in printed.strip().split("\n")]
        want = [line.rstrip() for line in expected.strip().split("\n")]
        assert got == want, f"{block} printed:\n{printed}"


def rewrite(text, port=None, upstream=None):
    text = text.replace(".build/release/tapedeck", "tapedeck")
    if port is not None:
        text = text.replace("127.0.0.1:8787", f"127.0.0.1:{port}").replace("localhost:8787", f"127.0.0.1:{port}")
    if upstream is not None:
        text = UPSTREAMS.sub(upstream, text)
    return text


@pytest.fixture
def workspace(tmp_path):
    """A scratch directory holding a copy of the bundled cassettes, with `tapedeck` first on PATH, and an
    environment as on a machine without AWS credentials: no AWS_* variable (the endpoint included), a HOME without
    ~/.aws, and AWS config and credentials files that do not exist. A block that needs credentials or an endpoint
    must set them itself, as a reader who copies it has to."""
    shutil.copytree(os.path.join(ROOT, "Cassettes"), tmp_path / "Cassettes")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    os.symlink(os.path.abspath(BINARY), bin_dir / "tapedeck")
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("AWS_") and not (name.startswith("TAPEDECK_") and name != "TAPEDECK_BIN")}
    env["PATH"] = f"{bin_dir}:{os.path.dirname(sys.executable)}:{env['PATH']}"
    (tmp_path / "home").mkdir()
    env["HOME"] = str(tmp_path / "home")
    env["AWS_CONFIG_FILE"] = str(tmp_path / "no-aws-config")
    env["AWS_SHARED_CREDENTIALS_FILE"] = str(tmp_path / "no-aws-credentials")
    # Not a credential: without it a block missing credentials would still fail, only after botocore's instance
    # metadata lookups time out.
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    return tmp_path, env


def test_the_workspace_has_no_credentials(workspace):
    """The guard for the client blocks: botocore finds no credentials in the workspace's environment."""
    directory, env = workspace
    probe = "import boto3; print(boto3.Session().get_credentials() is None)"
    result = run([sys.executable, "-c", probe], directory, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def run(command, cwd, env, shell=False):
    result = subprocess.run(command, cwd=cwd, env=env, shell=shell, executable="/bin/bash" if shell else None,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT)
    return result


def test_every_command_block_has_a_directive():
    missing = [block for block in blocks() if block.language in COMMAND_LANGUAGES and block.kind is None]
    assert not missing, f"README command blocks nobody runs: {missing}"
    known = {"ci", "client", "serve", "commands", "file", "output", "pytest", "ci-recipe"}
    unknown = [block for block in blocks() if block.kind and block.kind not in known]
    assert not unknown, f"unknown directives: {unknown}"


def test_there_is_something_to_run():
    kinds = [block.kind for block in blocks()]
    for kind in ("ci", "client", "serve", "commands"):
        assert kind in kinds, f"no README block is checked as {kind}"


def recipe_commands(node):
    """The shell commands of a CI job: GitHub Actions' `run` steps, GitLab CI's `before_script` and `script`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "run" and isinstance(value, str):
                yield from (line for line in value.splitlines() if line.strip())
            elif key in ("script", "before_script") and isinstance(value, list):
                yield from value
            else:
                yield from recipe_commands(value)
    elif isinstance(node, list):
        for item in node:
            yield from recipe_commands(item)


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "ci-recipe"], ids=repr)
def test_ci_recipe_block(block):
    import yaml  # PyYAML, which the AWS CLI brings into the venv

    from test_dist import CI_COMMANDS, RUNTIME_PACKAGES

    assert block.language == "yaml", block
    commands = [part.strip() for command in recipe_commands(yaml.safe_load(block.text)) for part in command.split("&&")]
    tested = []
    for command in commands:
        words = command.split()
        if "apt-get" in words[:2]:
            assert words[-1] == "update" or words[words.index("install") + 1:] == ["-y", *RUNTIME_PACKAGES], command
            continue
        assert command in CI_COMMANDS, f"{block}: {command!r} is not a command test_dist.py runs"
        tested.append(command)
    assert tested == CI_COMMANDS[1:], f"{block}: runs {tested}, the tests ran {CI_COMMANDS[1:]}"


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "pytest"], ids=repr)
def test_pytest_block(block, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(os.path.join(ROOT, "Examples", "pytest"), project, ignore=shutil.ignore_patterns("cassettes"))
    env = {name: value for name, value in os.environ.items() if not name.startswith(("TAPEDECK_", "PYTEST_"))}
    env.update(TAPEDECK_BINARY=BINARY)
    upstream = FakeBedrock()
    try:
        ran = 0
        for command in command_lines(rewrite(block.text, upstream=upstream.url)):
            words = command.split()
            if words[:2] == ["pip", "install"]:
                assert os.path.isfile(os.path.join(ROOT, words[2], "pyproject.toml")), f"{block}: {command}"
                continue
            assert words[0] == "pytest", f"{block}: a pytest block holds pip install and pytest commands, not {command!r}"
            result = subprocess.run([sys.executable, "-m", *words, "-p", "no:cacheprovider"], cwd=project, env=env,
                                    capture_output=True, text=True, timeout=TIMEOUT)
            assert result.returncode == 0, f"{block}: {command}:\n{result.stdout}{result.stderr}"
            ran += 1
        assert ran >= 2 and upstream.requests, f"{block}: records and replays"
    finally:
        upstream.stop()


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "ci"], ids=repr)
def test_ci_block(block):
    for command in command_lines(block.text):
        words = command.split()
        assert words[0] == "make", f"{block}: a ci block holds make commands, not {command!r}"
        result = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
        assert result.returncode == 0, f"{block}: make -n {' '.join(words[1:])}:\n{result.stderr}"


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "client"], ids=repr)
def test_client_block(block, workspace):
    directory, env = workspace
    all_blocks = blocks()
    fake = FakeBedrock()
    server = Tapedeck("--upstream", fake.url, "--store", f"json:{directory / 'Cassettes'}")
    try:
        text = rewrite(block.text, port=server.port, upstream=fake.url)
        if block.language == "python":
            if "continues" in block.directive.split():
                index = all_blocks.index(block)
                earlier = [b for b in all_blocks[:index] if b.language == "python" and b.kind == "client"]
                assert earlier, f"{block} continues nothing"
                text = rewrite(earlier[-1].text, port=server.port, upstream=fake.url) + text
            result = run([sys.executable, "-c", text], directory, env)
        else:
            result = run("set -euo pipefail\n" + text, directory, env, shell=True)
        assert result.returncode == 0, f"{block} failed:\n{result.stdout}\n{result.stderr}\n{server.log}"
        check_output(block, result.stdout, expected_output(all_blocks, block))
    finally:
        server.stop()
        fake.stop()


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "serve"], ids=repr)
def test_serve_block(block, workspace):
    directory, env = workspace
    commands = command_lines(block.text)
    setup = [line for line in commands if not re.search(r"\btapedeck serve\b", rewrite(line))]
    serves = [line for line in commands if line not in setup]
    assert serves, f"{block} has no tapedeck serve line"
    for command in serves:
        fake = FakeBedrock()
        line_env = dict(env)
        if "--aws-sign" in command:
            # Recording from AWS signs with the reader's own credentials, which these lines say they need; the
            # fake upstream takes any.
            line_env.update(AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION="us-east-1")
        try:
            serve_line(block, setup, command, fake, directory, line_env)
        finally:
            fake.stop()


def serve_line(block, setup, command, fake, directory, env):
    """Runs one serve line (after the block's other lines, such as an export) in bash, sends it one Converse request
    through the prefix its upstream has, and stops it."""
    line = rewrite(command, upstream=fake.url)
    if re.search(r"--port[ =]\d+|TAPEDECK_PORT=\d+", line):
        line = re.sub(r"--port[ =]\d+", "--port 0", re.sub(r"TAPEDECK_PORT=\d+", "TAPEDECK_PORT=0", line))
    else:
        env["TAPEDECK_PORT"] = "0"
    script = "\n".join(["set -euo pipefail", *setup, 'echo "readme-token=${TAPEDECK_AUTH_TOKEN-}" >&2', re.sub(r"^((?:[A-Z_][A-Z0-9_]*=\S*\s+)*)", r"\1exec ", line)])
    process = subprocess.Popen(["/bin/bash", "-c", script], cwd=directory, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log, port, token = [], None, None
    try:
        for text in process.stderr:
            log.append(text)
            if text.startswith("readme-token="):
                token = text.strip().split("=", 1)[1] or None
            match = re.search(r"\blistening\b.*?http://[^\s\"]+:(\d+)", text)
            if match:
                port = int(match.group(1))
                break
        assert port, f"{block}: {command!r} did not start:\n{''.join(log)}"
        literal = re.search(r"--auth-token[ =]([^\s$]+)", line)
        token = literal.group(1).strip("'\"") if literal else token
        prefix = re.search(r"--upstream[ =]\S*?(/bedrock|/cursor|/litellm|/langchain|/pydanticai)\b", line)
        path = prefix.group(1) if prefix else ""
        headers = {"Content-Type": "application/json", **({"x-tapedeck-token": token} if token else {})}
        body = json.dumps({"messages": [{"role": "user", "content": [{"text": f"README line {block.line}: {command}"}]}]}).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse",
            data=body, headers=headers)
        if "--upstream" in line:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = json.loads(response.read())
            assert "output" in answer, f"{block}: {command!r} answered {answer}"
            assert fake.requests, f"{block}: {command!r} never reached the upstream"
        else:
            # Offline: a miss is Bedrock's 404, which proves the route is served and the token (if any) accepted.
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=TIMEOUT)
            assert refused.value.code == 404, f"{block}: {command!r} answered {refused.value.code}"
            assert refused.value.headers["x-amzn-ErrorType"] == "CassetteNotFoundException"
    finally:
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=TIMEOUT)[1]
    assert process.returncode == 0, f"{block}: {command!r} exited {process.returncode}:\n{''.join(log)}{rest}"


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "commands"], ids=repr)
def test_commands_block(block, workspace):
    directory, env = workspace
    all_blocks = blocks()
    result = run("set -euo pipefail\n" + rewrite(block.text), directory, env, shell=True)
    assert result.returncode == 0, f"{block} failed:\n{result.stdout}\n{result.stderr}"
    check_output(block, result.stdout, expected_output(all_blocks, block))


@pytest.mark.parametrize("block", [b for b in blocks() if b.kind == "file"], ids=repr)
def test_file_block(block):
    path = block.directive.split(None, 1)[1]
    content = open(os.path.join(ROOT, path), encoding="utf-8").read()
    assert block.text.strip() in content, f"{block} is not what {path} holds"
