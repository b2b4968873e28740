"""Examples/pytest, run as a user runs it with pytest-tapedeck installed: offline from its committed cassettes, and
recorded afresh with --tapedeck-record-mode=once from an upstream, then replayed with that upstream gone."""
import os
import shutil
import subprocess
import sys

from conftest import BINARY, ROOT

EXAMPLE = os.path.join(ROOT, "Examples", "pytest")


def user_environment(home):
    """A user's environment: no AWS credentials, profile, region or endpoint, an empty home; the binary is named."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("AWS_", "TAPEDECK_", "ANTHROPIC_", "PYTEST_"))}
    return dict(env, HOME=str(home), TAPEDECK_BINARY=BINARY, AWS_EC2_METADATA_DISABLED="true")


def run_example(directory, home, *args):
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=directory,
                          env=user_environment(home), capture_output=True, text=True, timeout=300)


def test_the_example_replays_offline_from_its_committed_cassettes(tmp_path):
    project = tmp_path / "example"
    shutil.copytree(EXAMPLE, project)
    (tmp_path / "home").mkdir()
    result = run_example(project, tmp_path / "home")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 passed" in result.stdout
    assert "record mode none: 5 replayed, 0 not in the store" in result.stdout


def test_the_example_records_once_then_replays_without_the_upstream(upstream, tmp_path):
    project = tmp_path / "example"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("cassettes"))
    (tmp_path / "home").mkdir()
    recorded = run_example(project, tmp_path / "home", "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert len(upstream.requests) == 5
    committed = sorted(os.listdir(os.path.join(EXAMPLE, "cassettes", "namespaces")))
    assert sorted(os.listdir(project / "cassettes" / "namespaces")) == committed, "the same namespaces as the committed ones"

    upstream.stop()
    replayed = run_example(project, tmp_path / "home")
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "5 passed" in replayed.stdout
