"""The README's pytest recipe, run for real: record each test's cassettes in its own namespace, then replay
them with `tapedeck serve --strict` and no upstream, then show a strict miss naming what differs."""
import os
import subprocess
import sys

import pytest
from botocore.exceptions import ClientError

from test_boto3 import client

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "Examples", "pytest")


def run_example(url, env_extra=None):
    env = dict(os.environ, AWS_ENDPOINT_URL_BEDROCK_RUNTIME=url, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE],
                          env=env, capture_output=True, text=True, timeout=120)


def test_each_test_records_in_its_namespace_then_replays_strictly(upstream, launch, tmp_path):
    recorder = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    recorded = run_example(recorder.url)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert len(upstream.requests) == 3
    recorder.stop()
    namespaces = sorted(os.listdir(tmp_path / "namespaces"))
    assert namespaces == ["test_greeting", "test_greeting_in_en_", "test_greeting_in_fr_"]

    upstream.stop()
    strict = launch("--strict", "--store", f"json:{tmp_path}")
    replayed = run_example(strict.url)
    assert replayed.returncode == 0, replayed.stdout + replayed.stderr
    assert "3 passed" in replayed.stdout

    # A strict miss tells a boto3 user what differs from the nearest recording.
    bedrock = client(strict.url)
    bedrock.meta.events.register("before-sign.bedrock-runtime.*",
                                 lambda request, **kwargs: request.headers.__setitem__("x-tapedeck-namespace", "test_greeting"))
    with pytest.raises(ClientError) as caught:
        bedrock.converse(modelId="us.anthropic.claude-3-5-haiku-20241022-v1:0",
                         messages=[{"role": "user", "content": [{"text": "Say hello"}]}],
                         inferenceConfig={"maxTokens": 64, "temperature": 0.5})
    message = caught.value.response["Error"]["Message"]
    assert caught.value.response["Error"]["Code"] == "CassetteNotFoundException"
    assert "temperature 0 → 0.5" in message
    strict.stop()
    assert " INFO  unused cassettes count=0\n" in strict.log
