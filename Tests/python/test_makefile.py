"""`make run`'s address: PORT= and HOST= on make's command line reach `tapedeck serve`; without them (or with them only
in the environment) serve's own default and TAPEDECK_* variables apply. The command make would run is taken from
`make -n` and then run for real with the built binary, so the flags are ones serve accepts."""
import os
import re
import signal
import subprocess

import pytest

from conftest import BINARY, ROOT


def run_command(*args, env=None):
    """The serve line `make -n run ARGS` prints, as words. The make that runs this suite (`make test`) is left out of
    it: its MAKEFLAGS and MAKELEVEL would make this one a sub-make that prints directory lines."""
    env = {name: value for name, value in (os.environ if env is None else env).items()
           if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    result = subprocess.run(["make", "--no-print-directory", "-n", "run", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    line = result.stdout.strip().split("\n")[-1]
    assert line.startswith(".build/release/tapedeck serve "), line
    return line.split()


def test_port_and_host_on_the_command_line_reach_serve():
    assert run_command("PORT=9001")[-2:] == ["--port", "9001"]
    assert run_command("PORT=9001", "HOST=::1")[-4:] == ["--port", "9001", "--host", "::1"]


def test_without_them_serve_keeps_its_own_default_and_variables():
    words = run_command()
    assert "--port" not in words and "--host" not in words
    environment = dict(os.environ, PORT="9001", HOST="example.invalid")
    words = run_command(env=environment)
    assert "--port" not in words and "--host" not in words, "a PORT or HOST in the environment is not Tapedeck's"


@pytest.mark.parametrize("args", [["PORT=0"], ["PORT=0", "HOST=127.0.0.1"]])
def test_the_line_make_runs_serves(args, tmp_path):
    words = run_command(*args)
    env = {name: value for name, value in os.environ.items() if not name.startswith("TAPEDECK_")}
    process = subprocess.Popen([os.path.abspath(BINARY), *words[1:]], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        listening = None
        for line in process.stderr:
            if " listening " in line:
                listening = line
                break
        assert listening, "serve did not start"
        port = int(re.search(r"address=http://127\.0\.0\.1:(\d+)", listening).group(1))
        assert port != 8787, "PORT=0 picked a free port"
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert process.returncode == 0
