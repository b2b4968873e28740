"""Two tests that ask the same question; each owns its answer in its own namespace."""
MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0"


def ask(bedrock, text):
    response = bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": text}]}],
                                inferenceConfig={"maxTokens": 64, "temperature": 0})
    return response["output"]["message"]["content"][0]["text"]


def test_greeting(bedrock):
    assert ask(bedrock, "Say hello").startswith("echo: Say hello")


import pytest


@pytest.mark.parametrize("language", ["en", "fr"])
def test_greeting_in(bedrock, language):
    assert ask(bedrock, f"Say hello in {language}").startswith("echo: Say hello")
