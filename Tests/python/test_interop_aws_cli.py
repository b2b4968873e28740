"""The AWS CLI (`aws bedrock-runtime converse --endpoint-url ...`), with `--messages` and with `--cli-input-json`,
records against the fake and replays offline, the fake stopped, to the same answers; it never touches ~/.aws."""
import json
import os
import shutil
import subprocess
import sys

from test_boto3 import MODEL, client, tapedeck_header
from test_fake_bedrock import QUESTION, TOOLS

AWS = shutil.which("aws", path=os.path.dirname(sys.executable))


def aws(url, home, *args, stdin_file=None):
    """Runs `aws bedrock-runtime converse` against `url` and returns its parsed JSON output. Credentials and region
    come from the temporary AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE only; HOME is a fresh directory."""
    env = dict(os.environ, HOME=str(home), AWS_PAGER="")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        env.pop(name)
    done = subprocess.run(
        [AWS, "bedrock-runtime", "converse", "--endpoint-url", url, "--output", "json",
         "--cli-connect-timeout", "10", "--cli-read-timeout", "60", *args],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout)


def cli_turns(url, home, directory):
    """One question with --messages, then a tool-use conversation with --cli-input-json files."""
    plain = aws(url, home, "--model-id", MODEL,
                "--messages", json.dumps([{"role": "user", "content": [{"text": "Name three primes."}]}]),
                "--inference-config", '{"maxTokens": 64, "temperature": 0}')
    ask = directory / "ask.json"
    ask.write_text(json.dumps({"modelId": MODEL, "messages": [QUESTION], "toolConfig": TOOLS}))
    asked = aws(url, home, "--cli-input-json", f"file://{ask}")
    call = asked["output"]["message"]["content"][1]["toolUse"]
    result = {"role": "user", "content": [{"toolResult": {"toolUseId": call["toolUseId"], "content": [{"text": "18 C"}]}}]}
    answer = directory / "answer.json"
    answer.write_text(json.dumps({"modelId": MODEL, "messages": [QUESTION, asked["output"]["message"], result],
                                  "toolConfig": TOOLS}))
    answered = aws(url, home, "--cli-input-json", f"file://{answer}")
    return [plain, asked, answered]


def answer_of(output):
    return {key: output[key] for key in ("output", "stopReason", "usage")}


def test_aws_cli_converse_records_then_replays_offline(record_replay, upstream, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    recorded = cli_turns(record_replay.record().url, home, tmp_path)
    assert len(upstream.requests) == 3
    assert recorded[0]["output"]["message"]["content"] == [{"text": "echo: Name three primes."}]
    assert recorded[1]["stopReason"] == "tool_use"
    assert recorded[1]["output"]["message"]["content"][1]["toolUse"]["input"] == {"city": "Lisbon"}
    assert recorded[2]["output"]["message"]["content"] == [{"text": "The tool said: 18 C"}]
    # The CLI signed with the temporary credentials file's key, and the user's home was left alone.
    assert "Credential=AKIDTAPEDECKTEST/" in upstream.requests[0]["headers"]["Authorization"]
    assert not (home / ".aws").exists()

    offline = record_replay.offline()
    replayed = cli_turns(offline.url, home, tmp_path)
    assert [answer_of(r) for r in replayed] == [answer_of(r) for r in recorded]
    assert all(r["metrics"]["latencyMs"] == 0 for r in replayed)
    # A cassette the CLI recorded answers boto3's identical request too: the key is the request, not its bytes.
    same = client(offline.url).converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Name three primes."}]}],
                                        inferenceConfig={"maxTokens": 64, "temperature": 0})
    assert tapedeck_header(same) == "hit" and answer_of(same) == answer_of(recorded[0])
    assert len(upstream.requests) == 3
    record_replay.finish()
