"""Real boto3 against the real `tapedeck` binary: what a Python user of Bedrock sees."""
import http.client
import json
import os
import time

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"


def client(url, retries=1):
    return boto3.client(
        "bedrock-runtime", endpoint_url=url, region_name="us-east-1",
        config=Config(retries={"total_max_attempts": retries, "mode": "standard"}),
    )


def ask(bedrock, text, model=MODEL):
    return bedrock.converse(
        modelId=model,
        messages=[{"role": "user", "content": [{"text": text}]}],
        inferenceConfig={"maxTokens": 64, "temperature": 0.2},
    )


def tapedeck_header(response):
    return response["ResponseMetadata"]["HTTPHeaders"].get("x-tapedeck")


def cassette_files(directory, expect=0):
    """The cassette files under `directory`; with `expect`, waits (up to 10 s) until that many are written, since
    Tapedeck answers a miss before its cassette reaches the disk."""
    deadline = time.monotonic() + 10
    while True:
        files = [os.path.join(d, f) for d, _, names in os.walk(directory) for f in names
                 if f.endswith(".json") and not f.startswith(".")]
        if len(files) >= expect or time.monotonic() > deadline:
            return files
        time.sleep(0.02)


def test_record_then_replay_calls_upstream_once(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    first = ask(bedrock, "What is the capital of France?")
    second = ask(bedrock, "What is the capital of France?")
    assert len(upstream.requests) == 1
    assert tapedeck_header(first) == "miss" and tapedeck_header(second) == "hit"
    assert first["output"] == second["output"]
    assert second["output"]["message"]["content"][0]["text"] == "echo: What is the capital of France?"
    assert second["usage"] == {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}
    assert second["metrics"]["latencyMs"] == 0
    # Two replays are byte-identical, request id included.
    third = ask(bedrock, "What is the capital of France?")
    assert third["ResponseMetadata"]["RequestId"] == second["ResponseMetadata"]["RequestId"]
    # The upstream got boto3's body unchanged and the path boto3 would have used.
    assert upstream.requests[0]["path"] == "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"
    # No credential reached the cassette.
    files = cassette_files(tmp_path, expect=1)
    assert len(files) == 1
    text = open(files[0]).read()
    for secret in ("AKIDTAPEDECKTEST", "tapedeck-secret-never-recorded", "Authorization", "X-Amz-Date"):
        assert secret not in text
    server.stop()
    assert "AKIDTAPEDECKTEST" not in server.log


def test_replay_only_offline_after_upstream_is_gone(upstream, launch, tmp_path):
    recorder = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    recorded = ask(client(recorder.url), "Name three primes.")
    recorder.stop()
    upstream.stop()
    offline = launch("--store", f"json:{tmp_path}")
    replayed = ask(client(offline.url), "Name three primes.")
    assert tapedeck_header(replayed) == "hit"
    assert replayed["output"] == recorded["output"]
    assert replayed["stopReason"] == "end_turn"


def test_replay_miss_raises_a_clear_client_error(launch, tmp_path):
    server = launch("--store", f"json:{tmp_path}")
    with pytest.raises(ClientError) as caught:
        ask(client(server.url), "Never recorded")
    error = caught.value.response["Error"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Code"] == "CassetteNotFoundException"
    assert "no cassette for key" in error["Message"]
    assert MODEL in error["Message"]
    assert f"json:…/{tmp_path.name}" in error["Message"] and str(tmp_path) not in error["Message"]  # no absolute path
    assert "--upstream" in error["Message"]


def test_arn_model_ids_record_and_replay(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    first = ask(bedrock, "Hello from an inference profile", model=ARN)
    second = ask(bedrock, "Hello from an inference profile", model=ARN)
    assert (tapedeck_header(first), tapedeck_header(second)) == ("miss", "hit")
    assert len(upstream.requests) == 1
    assert upstream.requests[0]["path"] == (
        "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2F"
        "us.anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"
    )
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert stored["modelId"] == ARN


def test_upstream_429_is_a_throttling_exception_and_not_recorded(upstream, launch, tmp_path):
    upstream.replies.append((
        429, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
        b'{"message":"Too many requests, please wait before trying again."}',
    ))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    with pytest.raises(bedrock.exceptions.ThrottlingException) as caught:
        ask(bedrock, "Busy?")
    assert "Too many requests" in caught.value.response["Error"]["Message"]
    assert cassette_files(tmp_path) == []
    # The next identical call goes upstream again (nothing was recorded) and is then recorded.
    answer = ask(bedrock, "Busy?")
    assert tapedeck_header(answer) == "miss"
    assert len(upstream.requests) == 2
    assert len(cassette_files(tmp_path, expect=1)) == 1


def test_invalid_json_is_400_and_the_server_stays_healthy(launch, tmp_path):
    server = launch("--store", f"json:{tmp_path}")
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("POST", f"/model/{MODEL}/converse", body=b'{"messages": [', headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    body = json.loads(response.read())
    assert response.status == 400
    assert response.getheader("x-amzn-ErrorType") == "ValidationException"
    assert "not valid JSON" in body["message"]
    connection.request("GET", "/_tapedeck/health")
    health = connection.getresponse()
    assert health.status == 200
    assert json.loads(health.read())["status"] == "ok"
    # A real client still works on a new connection.
    with pytest.raises(ClientError) as caught:
        ask(client(server.url), "still up?")
    assert caught.value.response["Error"]["Code"] == "CassetteNotFoundException"
