"""The plugin as a user meets it: pytest runs in subprocesses (pytester) with the built binary and the fake upstream."""
import json
import os
import socket
import subprocess

import pytest

from conftest import BINARY, run

TWO_TESTS_SAME_QUESTION = '''
from chat import ask


def test_hello():
    assert ask("Say hello") == "echo: Say hello"


def test_hello_again():
    assert ask("Say hello") == "echo: Say hello"
'''


def namespaces(pytester):
    directory = pytester.path / "tests" / "cassettes" / "namespaces"
    return sorted(os.listdir(directory)) if directory.exists() else []


def cassette_files(pytester):
    root = pytester.path / "tests" / "cassettes"
    return sorted(str(path.relative_to(root)) for path in root.rglob("*.json") if not path.name.startswith("."))


def test_records_once_then_replays_offline_with_a_cassette_per_test(project, upstream):
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    recorded = run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}")
    recorded.assert_outcomes(passed=2)
    assert len(upstream.requests) == 2, "identical requests in two tests are two recordings"
    assert namespaces(project) == ["test_greet.py__test_hello", "test_greet.py__test_hello_again"]
    assert len(cassette_files(project)) == 2
    recorded.stdout.fnmatch_lines(["*record mode once: 0 replayed, 2 not in the store (recorded)*"])

    upstream.stop()  # offline from here: its port refuses connections
    replayed = run(project)
    replayed.assert_outcomes(passed=2)
    replayed.stdout.fnmatch_lines(["*record mode none: 2 replayed, 0 not in the store*"])
    assert "unused" not in replayed.stdout.str()

    # The store commands see the plugin's namespaces.
    listing = subprocess.run([BINARY, "ls", "--store", f"json:{project.path / 'tests' / 'cassettes'}"],
                             capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0, listing.stderr
    assert "Say hello" in listing.stdout


def test_a_changed_prompt_fails_its_test_with_the_diff(project, upstream):
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}").assert_outcomes(passed=2)
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION.replace('ask("Say hello")', 'ask("Say hi")', 1))
    replayed = run(project)
    replayed.assert_outcomes(passed=1, failed=1)
    output = replayed.stdout.str()
    assert "FAILED test_greet.py::test_hello " in output
    assert "CassetteNotFoundException" in output
    assert '"Say hello" → "Say hi"' in output, output
    assert "To record it: run pytest with --tapedeck-record-mode=new_episodes" in output
    # The changed test's old cassette is now unused, and said to be.
    replayed.stdout.fnmatch_lines(["*1 cassette of the tests that ran went unused*", "*test_greet.py__test_hello *"])
    assert len(upstream.requests) == 2


def test_once_records_only_a_test_without_cassettes(project, upstream):
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}").assert_outcomes(passed=2)
    project.makepyfile(test_more='''
from chat import ask


def test_bye():
    assert ask("Say bye") == "echo: Say bye"
''')
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION.replace('ask("Say hello")', 'ask("Say hi")', 1))
    again = run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}")
    # test_bye had no cassettes: recorded. test_hello has one: replay only, so its new prompt fails.
    again.assert_outcomes(passed=2, failed=1)
    assert "FAILED test_greet.py::test_hello " in again.stdout.str()
    assert len(upstream.requests) == 3


def test_new_episodes_records_what_is_missing_and_all_records_everything_again(project, upstream):
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}").assert_outcomes(passed=2)
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION.replace(
        'assert ask("Say hello") == "echo: Say hello"',
        'assert ask("Say hello") == "echo: Say hello"\n    assert ask("Say more") == "echo: Say more"', 1))
    episodes = run(project, "--tapedeck-record-mode=new_episodes", f"--tapedeck-upstream={upstream.url}")
    episodes.assert_outcomes(passed=2)
    assert len(upstream.requests) == 3, "only the new question went upstream"
    assert len(cassette_files(project)) == 3

    everything = run(project, "--tapedeck-record-mode=all", f"--tapedeck-upstream={upstream.url}")
    everything.assert_outcomes(passed=2)
    assert len(upstream.requests) == 6, "every question recorded again"
    assert len(cassette_files(project)) == 3


MARKED = '''
import pytest
from chat import ask


@pytest.mark.tapedeck(namespace="greetings")
def test_one():
    assert ask("Say hello")


@pytest.mark.tapedeck(namespace="greetings")
def test_two():
    assert ask("Say hello")


@pytest.mark.tapedeck(record_mode="new_episodes")
def test_records_in_replay_sessions(tapedeck):
    assert tapedeck.record_mode == "new_episodes"
    assert ask("Say something QUESTION")
'''


def test_the_marker_picks_a_namespace_and_a_record_mode(project, upstream):
    project.makeini(f"[pytest]\ntapedeck_upstream = {upstream.url}\n")
    project.makepyfile(test_marked=MARKED.replace("QUESTION", "new"))
    run(project, "--tapedeck-record-mode=once").assert_outcomes(passed=3)
    assert namespaces(project) == ["greetings", "test_marked.py__test_records_in_replay_sessions"]
    assert len(upstream.requests) == 2, "test_two replays test_one's recording in their namespace"

    # In a replay-only session the marked test still records what it has not asked before.
    project.makepyfile(test_marked=MARKED.replace("QUESTION", "newer"))
    run(project).assert_outcomes(passed=3)
    assert len(upstream.requests) == 3


def test_the_fixture_shows_the_url_and_namespace_every_client_uses(project):
    project.makepyfile(test_fixture='''
import os


def test_scope(tapedeck):
    assert tapedeck.namespace == "test_fixture.py__test_scope"
    assert tapedeck.record_mode == "none"
    assert os.environ["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] == tapedeck.url
    assert os.environ["ANTHROPIC_BEDROCK_BASE_URL"] == tapedeck.url
    assert tapedeck.url.startswith("http://127.0.0.1:")
    assert os.environ["AWS_ACCESS_KEY_ID"] == "tapedeck-replay", "dummy credentials: replaying needs none of the user's"
    assert tapedeck.store.startswith("json:") and tapedeck.store.endswith("/tests/cassettes")
    with open("url.txt", "w") as out:
        out.write(tapedeck.url)
''')
    run(project).assert_outcomes(passed=1)
    port = int((project.path / "url.txt").read_text().rsplit(":", 1)[1])
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # the session's server is stopped


def test_a_client_made_in_a_conftest_at_import_time_goes_through_tapedeck(project, upstream):
    project.makeconftest('''
import boto3

EARLY = boto3.client("bedrock-runtime")
''')
    project.makepyfile(test_early='''
from conftest import EARLY


def test_early():
    answer = EARLY.converse(modelId="us.anthropic.claude-3-5-haiku-20241022-v1:0",
                            messages=[{"role": "user", "content": [{"text": "early"}]}])
    assert answer["output"]["message"]["content"][0]["text"] == "echo: early"
''')
    run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}").assert_outcomes(passed=1)
    assert namespaces(project) == ["test_early.py__test_early"]


def test_xdist_workers_each_serve_their_tests(project, upstream):
    tests = "\n".join(f'''
def test_{n}():
    assert ask("Say {n}") == "echo: Say {n}"
''' for n in range(8))
    project.makepyfile(test_many="from chat import ask\n" + tests)
    recorded = run(project, "-n", "4", "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}")
    recorded.assert_outcomes(passed=8)
    assert len(namespaces(project)) == 8
    assert len(upstream.requests) == 8
    recorded.stdout.fnmatch_lines(["*record mode once: 0 replayed, 8 not in the store (recorded)*"])
    upstream.stop()
    replayed = run(project, "-n", "4")
    replayed.assert_outcomes(passed=8)
    replayed.stdout.fnmatch_lines(["*record mode none: 8 replayed, 0 not in the store*"])


def test_a_store_in_sqlite_from_the_ini(project, upstream):
    project.makeini("[pytest]\ntapedeck_store = sqlite:cassettes.db\n")
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    run(project, "--tapedeck-record-mode=once", f"--tapedeck-upstream={upstream.url}").assert_outcomes(passed=2)
    assert (project.path / "cassettes.db").exists()
    upstream.stop()
    run(project).assert_outcomes(passed=2)


def test_recording_without_an_upstream_is_a_usage_error(project):
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    result = run(project, "--tapedeck-record-mode=once")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--tapedeck-record-mode=once records from an upstream*TAPEDECK_UPSTREAM*"])


def test_a_missing_binary_is_a_usage_error_saying_where_it_looked(project, monkeypatch):
    monkeypatch.setenv("TAPEDECK_BINARY", str(project.path / "nope"))
    project.makepyfile(test_greet=TWO_TESTS_SAME_QUESTION)
    result = run(project)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*TAPEDECK_BINARY names */nope, which is not an executable file*"])


def test_a_bad_marker_errors_its_test_only(project):
    project.makepyfile(test_bad='''
import pytest


@pytest.mark.tapedeck(namespace="../escape")
def test_bad():
    pass


def test_fine():
    pass
''')
    result = run(project)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*namespace '../escape' is not a namespace*"])


def test_disabled_with_p_no_tapedeck(project):
    project.makepyfile(test_plain='''
import os


def test_plain():
    assert "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" not in os.environ
''')
    run(project, "-p", "no:tapedeck").assert_outcomes(passed=1)
