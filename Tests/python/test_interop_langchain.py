"""langchain-aws's ChatBedrockConverse, pointed at Tapedeck by AWS_ENDPOINT_URL_BEDROCK_RUNTIME: invoke, stream and
tool calling (bind_tools, a tool-use answer, the tool's result sent back) record against the fake, then replay
offline, the fake stopped, to the same messages."""
from functools import reduce

import pytest
from langchain_aws import ChatBedrockConverse
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from test_boto3 import MODEL


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"18 C and sunny in {city}"


def chat(monkeypatch, url):
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    llm = ChatBedrockConverse(model=MODEL, temperature=0, max_tokens=64)
    assert llm.client.meta.endpoint_url == url
    return llm


def served(message):
    return message.response_metadata["ResponseMetadata"]["HTTPHeaders"].get("x-tapedeck")


@pytest.fixture
def chat_twice(record_replay, monkeypatch):
    """Runs `conversation(llm)` against a recording Tapedeck, then offline; returns both results."""
    def run(conversation):
        recorded = conversation(chat(monkeypatch, record_replay.record().url))
        replayed = conversation(chat(monkeypatch, record_replay.offline().url))
        record_replay.finish()
        return recorded, replayed
    return run


def test_invoke_records_then_replays_offline(chat_twice, upstream):
    recorded, replayed = chat_twice(lambda llm: llm.invoke("What is the capital of France?"))
    assert recorded.content == replayed.content == "echo: What is the capital of France?"
    assert (served(recorded), served(replayed)) == ("miss", "hit")
    assert recorded.usage_metadata["total_tokens"] == 19
    assert replayed.usage_metadata == recorded.usage_metadata
    assert replayed.response_metadata["stopReason"] == recorded.response_metadata["stopReason"] == "end_turn"
    assert len(upstream.requests) == 1


def test_stream_records_then_replays_offline(chat_twice, upstream):
    def conversation(llm):
        chunks = list(llm.stream("Tell me a story about a fox"))
        return chunks, reduce(lambda a, b: a + b, chunks)
    (live, whole), (again, whole_again) = chat_twice(conversation)
    assert whole.text == whole_again.text == "echo: Tell me a story about a fox"
    assert [c.text for c in again] == [c.text for c in live]
    assert sum(1 for c in again if c.text) > 1, "the answer arrives in several chunks"
    assert whole_again.usage_metadata == whole.usage_metadata
    assert whole.usage_metadata["total_tokens"] == 19
    assert upstream.requests[0]["path"].endswith("/converse-stream") and len(upstream.requests) == 1


def tool_conversation(llm, stream=False):
    """bind_tools, the model's tool call, the tool run on it, and the model's final answer."""
    bound = llm.bind_tools([get_weather])
    question = HumanMessage("What is the weather in Lisbon?")
    asked = reduce(lambda a, b: a + b, bound.stream([question])) if stream else bound.invoke([question])
    result = get_weather.invoke(asked.tool_calls[0])
    answered = bound.invoke([question, asked, result])
    return asked, result, answered


def test_tool_calling_records_then_replays_offline(chat_twice, upstream):
    (asked, result, answered), (asked_again, result_again, answered_again) = chat_twice(tool_conversation)
    call = asked.tool_calls[0]
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Lisbon"})
    assert call["id"].startswith("tooluse_")
    assert asked.response_metadata["stopReason"] == "tool_use"
    assert result.content == "18 C and sunny in Lisbon"
    assert answered.content == "The tool said: 18 C and sunny in Lisbon"
    # Offline: the recorded call, random id included, so the tool-result turn finds its cassette too.
    assert asked_again.tool_calls == asked.tool_calls
    assert answered_again.content == answered.content
    assert [served(m) for m in (asked_again, answered_again)] == ["hit", "hit"]
    assert len(upstream.requests) == 2
    assert "toolConfig" in upstream.requests[0]["body"].decode()


def test_streamed_tool_calling_records_then_replays_offline(chat_twice, upstream):
    (asked, _, answered), (asked_again, _, answered_again) = chat_twice(lambda llm: tool_conversation(llm, stream=True))
    call = asked.tool_calls[0]
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Lisbon"})
    assert asked_again.tool_calls == asked.tool_calls
    assert answered.content == answered_again.content == "The tool said: 18 C and sunny in Lisbon"
    assert upstream.requests[0]["path"].endswith("/converse-stream") and len(upstream.requests) == 2
