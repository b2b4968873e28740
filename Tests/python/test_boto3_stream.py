"""Real boto3 converse_stream against the real `tapedeck` binary: live recording, replay, and one cassette for both APIs."""
import json
import os

from conftest import tool_stream
from test_boto3 import MODEL, ask, cassette_files, client, tapedeck_header


def ask_stream(bedrock, text, model=MODEL, inference=None, **extra):
    response = bedrock.converse_stream(
        modelId=model,
        messages=[{"role": "user", "content": [{"text": text}]}],
        inferenceConfig=inference or {"maxTokens": 64, "temperature": 0.2},
        **extra,
    )
    events = list(response["stream"])
    return response, events


def joined_text(events, index=0):
    return "".join(e["contentBlockDelta"]["delta"].get("text", "") for e in events
                   if "contentBlockDelta" in e and e["contentBlockDelta"]["contentBlockIndex"] == index)


def served_as(response):
    return response["ResponseMetadata"]["HTTPHeaders"].get("x-tapedeck-served-as")


def without_padding(events):
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k != "p"}
        return value
    return [strip(e) for e in events]


def test_stream_records_then_replays_the_same_events(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    first, live = ask_stream(bedrock, "Tell me a story about a fox")
    second, replayed = ask_stream(bedrock, "Tell me a story about a fox")
    assert len(upstream.requests) == 1
    assert upstream.requests[0]["path"].endswith("/converse-stream")
    assert (tapedeck_header(first), tapedeck_header(second)) == ("miss", "hit")
    assert served_as(second) == "recorded"
    assert joined_text(live) == joined_text(replayed) == "echo: Tell me a story about a fox"
    assert [list(e) for e in live] == [list(e) for e in replayed]
    assert replayed[-1]["metadata"]["usage"] == {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}
    assert replayed[-1]["metadata"]["metrics"]["latencyMs"] == 0
    # The cassette keeps every frame with its type, payload (padding included) and offset.
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert stored["operation"] == "converse-stream"
    events = stored["response"]["events"]
    assert [e["type"] for e in events][0] == "messageStart" and events[-1]["type"] == "metadata"
    assert events[0]["payload"]["p"] == "abcdefghij"
    assert all(isinstance(e["offsetMs"], int) for e in events)


def test_tool_use_stream_round_trips_and_folds_for_converse(upstream, launch, tmp_path):
    upstream.replies.append((200, {"Content-Type": "application/vnd.amazon.eventstream"}, tool_stream()))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    tools = {"tools": [{"toolSpec": {"name": "get_weather", "inputSchema": {"json": {"type": "object"}}}}]}
    _, live = ask_stream(bedrock, "Weather in Lisbon?", toolConfig=tools)
    _, replayed = ask_stream(bedrock, "Weather in Lisbon?", toolConfig=tools)
    assert len(upstream.requests) == 1
    assert without_padding(live)[:-1] == without_padding(replayed)[:-1]
    start = [e for e in replayed if "contentBlockStart" in e][0]["contentBlockStart"]
    assert start["start"]["toolUse"] == {"toolUseId": "tooluse_1", "name": "get_weather"}
    # converse on the same request is answered from the stream cassette, folded.
    folded = bedrock.converse(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Weather in Lisbon?"}]}],
        inferenceConfig={"maxTokens": 64, "temperature": 0.2}, toolConfig=tools)
    assert served_as(folded) == "folded"
    assert len(upstream.requests) == 1
    assert folded["stopReason"] == "tool_use"
    assert folded["output"]["message"]["content"] == [
        {"text": "Let me check."},
        {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather", "input": {"city": "Lisbon"}}},
    ]
    assert folded["usage"] == {"inputTokens": 400, "outputTokens": 60, "totalTokens": 460}


def test_converse_is_served_from_a_stream_cassette(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    ask_stream(bedrock, "Fold me")
    folded = ask(bedrock, "Fold me")
    assert tapedeck_header(folded) == "hit" and served_as(folded) == "folded"
    assert folded["output"]["message"]["content"] == [{"text": "echo: Fold me"}]
    assert folded["stopReason"] == "end_turn"
    assert len(upstream.requests) == 1


def test_converse_stream_is_served_from_a_converse_cassette(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    recorded = ask(bedrock, "Synthesize a stream from this answer please")
    response, events = ask_stream(bedrock, "Synthesize a stream from this answer please")
    assert tapedeck_header(response) == "hit" and served_as(response) == "synthesized"
    assert len(upstream.requests) == 1
    assert joined_text(events) == recorded["output"]["message"]["content"][0]["text"]
    assert sum(1 for e in events if "contentBlockDelta" in e) > 1, "text is cut into several deltas"
    assert list(events[0]) == ["messageStart"] and list(events[-1]) == ["metadata"]
    assert events[-1]["metadata"]["usage"] == recorded["usage"]


def test_the_bundled_converse_cassette_streams_offline(launch):
    server = launch()  # the default store: the bundled Cassettes/, no upstream
    response, events = ask_stream(client(server.url), "What is the capital of France? Answer in one word.",
                                  inference={"maxTokens": 64, "temperature": 0})
    assert tapedeck_header(response) == "hit" and served_as(response) == "synthesized"
    assert joined_text(events) == "Paris."
    assert events[-1]["metadata"]["usage"] == {"inputTokens": 21, "outputTokens": 5, "totalTokens": 26}


def test_a_stream_cut_before_metadata_is_not_recorded(upstream, launch, tmp_path):
    frames = tool_stream()[:-1]  # no metadata
    upstream.replies.append((200, {"Content-Type": "application/vnd.amazon.eventstream"}, frames))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    _, events = ask_stream(client(server.url), "cut short")
    assert "messageStop" in events[-1]
    assert cassette_files(tmp_path) == []
    server.stop()
    assert "not recorded" in server.log and "metadata" in server.log


def test_the_bundled_stream_cassette_replays_offline_for_both_apis(launch):
    server = launch()
    bedrock = client(server.url)
    question, inference = "Write a haiku about a cassette tape.", {"maxTokens": 100, "temperature": 0.5}
    response, events = ask_stream(bedrock, question, inference=inference)
    assert tapedeck_header(response) == "hit" and served_as(response) == "recorded"
    haiku = "Ribbon wound in dark,\nsummer songs sleep in plastic\u2014\npress play, they wake up."
    assert joined_text(events) == haiku
    folded = bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": question}]}],
                              inferenceConfig=inference)
    assert served_as(folded) == "folded"
    assert folded["output"]["message"]["content"] == [{"text": haiku}]
    assert folded["usage"] == {"inputTokens": 17, "outputTokens": 22, "totalTokens": 39}
