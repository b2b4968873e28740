"""Fixtures for the plugin's own tests: the repository's fake Bedrock upstream (Tests/python/conftest.py's
FakeBedrock, on a loopback port), the built binary, and a pytester project that uses the plugin."""
import importlib.util
import os
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SUITE = os.path.join(ROOT, "Tests", "python")
BINARY = os.environ.get("TAPEDECK_BIN", os.path.join(ROOT, ".build", "debug", "tapedeck"))

sys.path.insert(0, SUITE)  # the suite's conftest imports fake_upstream from its own directory
_spec = importlib.util.spec_from_file_location("tapedeck_suite_fixtures", os.path.join(SUITE, "conftest.py"))
_suite = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_suite)
upstream = _suite.upstream  # the suite's fixture: a FakeBedrock on a loopback port, stopped after the test

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"

# A user's test module: a client made at import time, and a helper that asks one question.
CHAT = textwrap.dedent(f'''
    import boto3

    MODEL = "{MODEL}"
    bedrock = boto3.client("bedrock-runtime")


    def ask(text):
        answer = bedrock.converse(modelId=MODEL, messages=[{{"role": "user", "content": [{{"text": text}}]}}])
        return answer["output"]["message"]["content"][0]["text"]
''')


@pytest.fixture
def project(pytester, monkeypatch, tmp_path_factory):
    """A pytester project that imports `chat.ask`; the environment is a user's with no AWS anything (no keys, no
    ~/.aws, no endpoint), and the plugin finds the built binary through TAPEDECK_BINARY."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("AWS_", "TAPEDECK_", "ANTHROPIC_", "PYTEST_XDIST")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TAPEDECK_BINARY", BINARY)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    pytester.makepyfile(chat=CHAT)
    pytester.makeini("[pytest]\n")
    return pytester


def run(pytester, *args):
    """Runs pytest in a subprocess (the plugin changes the environment of the process it runs in)."""
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=180)
