"""What users download, run where the Swift toolchain cannot be seen: `make dist`'s tarball serves, records, replays
and lists; `make wheel`'s plugin wheel, installed into a fresh venv, runs Examples/pytest in replay mode with the
binary it carries. `make test` builds both and passes their paths (TAPEDECK_DIST, TAPEDECK_WHEEL)."""
import os
import shutil
import subprocess
import sys
import tarfile

import pytest

from conftest import ROOT
from toolchain_free import run_without_toolchain

# The Debian/Ubuntu packages the binary needs beyond libc6, libstdc++6 and libgcc-s1 (there on every system), as the
# README lists them.
RUNTIME_PACKAGES = ["libcurl4", "libsqlite3-0", "libpq5"]
ALWAYS_THERE = {"libc6", "libstdc++6", "libgcc-s1"}

# The commands of the README's CI recipes (test_readme.py checks their YAML holds these and nothing else): the
# packages, then what the wheel test runs in a project whose vendor/ holds the wheel.
WHEEL_NAME = "pytest_tapedeck-0.1.0-py3-none-linux_x86_64.whl"
CI_COMMANDS = [
    "sudo apt-get install -y " + " ".join(RUNTIME_PACKAGES),
    f"pip install vendor/{WHEEL_NAME} boto3",
    "pytest",
]

DIST = os.environ.get("TAPEDECK_DIST")
WHEEL = os.environ.get("TAPEDECK_WHEEL")
HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.mark.skipif(not DIST, reason="make test passes TAPEDECK_DIST, the tarball make dist builds")
def test_the_dist_tarball_runs_without_the_swift_toolchain(upstream, tmp_path):
    with open(DIST + ".sha256") as listed:
        digest = listed.read().split()[0]
    assert subprocess.run(["sha256sum", DIST], capture_output=True, text=True).stdout.split()[0] == digest
    with tarfile.open(DIST) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path, filter="data")
    top = os.path.basename(DIST)[: -len(".tar.gz")]
    assert {f"{top}/tapedeck", f"{top}/README.md", f"{top}/Cassettes"} <= set(names)
    binary = str(tmp_path / top / "tapedeck")
    result = run_without_toolchain([sys.executable, os.path.join(HERE, "dist_scenario.py"), binary,
                                    str(tmp_path / "store"), upstream.url], timeout=120)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "replayed: ('echo: Say hello', 'hit')" in result.stdout
    version = subprocess.run(["make", "--no-print-directory", "-s", "-f", "-", "v"], input=
                             "include Makefile\nv:\n\t@echo $(VERSION)\n", cwd=ROOT, capture_output=True, text=True,
                             env={k: v for k, v in os.environ.items() if not k.startswith("MAKE")}).stdout.strip()
    assert f"version: tapedeck {version}" in result.stdout, "tapedeck --version agrees with the tarball's name"
    assert top.startswith(f"tapedeck-{version}-linux-")


@pytest.mark.skipif(not DIST, reason="make test passes TAPEDECK_DIST, the tarball make dist builds")
def test_the_runtime_packages_are_what_the_binary_needs():
    with tarfile.open(DIST) as archive:
        member = next(name for name in archive.getnames() if name.endswith("/tapedeck"))
        binary = archive.extractfile(member).read()
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), f"tapedeck-needed-{os.getpid()}"), "wb") as copy:
        copy.write(binary)
    try:
        headers = subprocess.run(["objdump", "-p", copy.name], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(copy.name)
    needed = [line.split()[1] for line in headers.splitlines() if line.strip().startswith("NEEDED")]
    assert not [name for name in needed if "swift" in name], needed
    packages = set()
    for library in needed:
        owner = subprocess.run(["dpkg", "-S", f"*/{library}"], capture_output=True, text=True).stdout
        assert owner, f"no Debian package holds {library}"
        packages.add(owner.split(":")[0])
    assert packages - ALWAYS_THERE == set(RUNTIME_PACKAGES), packages
    assert CI_COMMANDS[0].split()[-len(RUNTIME_PACKAGES):] == RUNTIME_PACKAGES
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as readme:
        assert " ".join(f"`{name}`" for name in RUNTIME_PACKAGES) in readme.read(), "the README lists them"


def test_make_install_puts_the_binary_in_prefix(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(["make", "--no-print-directory", "-s", "install", f"PREFIX={tmp_path}"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    installed = tmp_path / "bin" / "tapedeck"
    assert os.access(installed, os.X_OK)
    assert subprocess.run([str(installed), "--version"], capture_output=True, text=True).stdout.startswith("tapedeck ")


@pytest.mark.skipif(not WHEEL, reason="make test passes TAPEDECK_WHEEL, the wheel make wheel builds")
def test_the_wheel_carries_the_binary_and_runs_the_example_without_the_swift_toolchain(tmp_path):
    assert os.path.basename(WHEEL) == WHEEL_NAME, "the README's recipes name the wheel make wheel builds"
    project = tmp_path / "example"
    shutil.copytree(os.path.join(ROOT, "Examples", "pytest"), project)
    (project / "vendor").mkdir()
    shutil.copy(WHEEL, project / "vendor" / WHEEL_NAME)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    # A user's CI job: no tapedeck named or on PATH, nothing built above the project, no AWS anything, and the
    # recipes' commands (after their apt-get line) run as they are written, in the venv.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AWS_", "TAPEDECK_", "ANTHROPIC_", "PYTEST_", "MAKE", "VIRTUAL_ENV"))}
    env.update(PATH=f"{venv / 'bin'}:/usr/bin:/bin", HOME=str(tmp_path), AWS_EC2_METADATA_DISABLED="true",
               PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_CACHE_DIR=os.path.expanduser("~/.cache/pip"))
    pip = subprocess.run(["sh", "-c", CI_COMMANDS[1]], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    result = run_without_toolchain(["sh", "-c", CI_COMMANDS[2] + " -p no:cacheprovider"], cwd=project, env=env, timeout=300)
    print(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout and "record mode none: 5 replayed, 0 not in the store" in result.stdout
    bundled = venv.glob("lib/python*/site-packages/pytest_tapedeck/bin/tapedeck")
    assert [path for path in bundled if os.access(path, os.X_OK)], "the wheel installed an executable binary"
