"""A small assistant's tests, served by pytest-tapedeck: no Tapedeck code in them.

Replay (the default record mode, none; offline, nothing leaves the machine):
    pytest
Record what a test has not recorded yet, from Bedrock (Tapedeck signs with your AWS credentials):
    pytest --tapedeck-record-mode=once --tapedeck-upstream=https://bedrock-runtime.us-east-1.amazonaws.com \
        -o tapedeck_args=--aws-sign
"""
import boto3
import pytest

MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"

# Made at import time, before any test: the plugin has already pointed it at Tapedeck.
bedrock = boto3.client("bedrock-runtime", region_name="us-east-1")


def ask(text):
    answer = bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}],
                              inferenceConfig={"maxTokens": 64, "temperature": 0})
    return answer["output"]["message"]["content"][0]["text"], answer


def test_greeting():
    text, answer = ask("Say hello in one short sentence.")
    assert text.strip()
    assert answer["stopReason"] in ("end_turn", "max_tokens")
    assert answer["usage"]["outputTokens"] > 0


def test_greeting_again():
    # The same question as test_greeting, with a cassette of its own: re-recording one test never changes the other.
    text, _ = ask("Say hello in one short sentence.")
    assert text.strip()


@pytest.mark.parametrize("language", ["French", "Portuguese"])
def test_greeting_in(language):
    text, _ = ask(f"Say hello in {language}, in one short sentence.")
    assert text.strip()


def test_streamed_answer():
    events = bedrock.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Count to three."}]}],
                                     inferenceConfig={"maxTokens": 64, "temperature": 0})["stream"]
    text = "".join(event["contentBlockDelta"]["delta"].get("text", "") for event in events if "contentBlockDelta" in event)
    assert text.strip()
