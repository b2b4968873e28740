"""boto3 pointed at Tapedeck by AWS_ENDPOINT_URL_BEDROCK_RUNTIME alone (no endpoint_url in code): record converse
and converse_stream against the fake, then replay them offline, with the fake stopped, to the same answers."""
import boto3

from test_boto3 import MODEL, tapedeck_header
from test_fake_bedrock import QUESTION, TOOLS


def bedrock_from_environment(monkeypatch, url):
    """The client a user's unchanged code builds, with only the environment variable pointing it at `url`."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", url)
    bedrock = boto3.client("bedrock-runtime")
    assert bedrock.meta.endpoint_url == url
    return bedrock


def converse_turns(bedrock):
    """A plain question, then a tool-use turn answered with the tool's result."""
    plain = bedrock.converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Name three primes."}]}],
                             inferenceConfig={"maxTokens": 64, "temperature": 0})
    asked = bedrock.converse(modelId=MODEL, messages=[QUESTION], toolConfig=TOOLS)
    call = asked["output"]["message"]["content"][1]["toolUse"]
    result = {"role": "user", "content": [{"toolResult": {"toolUseId": call["toolUseId"], "content": [{"text": "18 C"}]}}]}
    answered = bedrock.converse(modelId=MODEL, messages=[QUESTION, asked["output"]["message"], result], toolConfig=TOOLS)
    return [plain, asked, answered]


def answer_of(response):
    return {key: response[key] for key in ("output", "stopReason", "usage")}


def test_converse_configured_by_the_environment_records_then_replays_offline(record_replay, upstream, monkeypatch):
    recorded = converse_turns(bedrock_from_environment(monkeypatch, record_replay.record().url))
    assert [tapedeck_header(r) for r in recorded] == ["miss"] * 3
    assert len(upstream.requests) == 3
    assert recorded[1]["stopReason"] == "tool_use"
    assert recorded[2]["output"]["message"]["content"] == [{"text": "The tool said: 18 C"}]

    replayed = converse_turns(bedrock_from_environment(monkeypatch, record_replay.offline().url))
    assert [tapedeck_header(r) for r in replayed] == ["hit"] * 3
    # The same answers, the recorded random toolUseId included (the tool-result turn's key depends on it).
    assert [answer_of(r) for r in replayed] == [answer_of(r) for r in recorded]
    assert all(r["metrics"]["latencyMs"] == 0 for r in replayed)
    assert len(upstream.requests) == 3
    record_replay.finish()


def stream_turns(bedrock):
    texts = bedrock.converse_stream(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Tell me a story"}]}])
    tools = bedrock.converse_stream(modelId=MODEL, messages=[QUESTION], toolConfig=TOOLS)
    return [(texts, list(texts["stream"])), (tools, list(tools["stream"]))]


def without_metrics(events):
    return [e if "metadata" not in e else {"metadata": {"usage": e["metadata"]["usage"]}} for e in events]


def test_converse_stream_configured_by_the_environment_records_then_replays_offline(record_replay, upstream, monkeypatch):
    recorded = stream_turns(bedrock_from_environment(monkeypatch, record_replay.record().url))
    assert [tapedeck_header(r) for r, _ in recorded] == ["miss", "miss"]
    tool_events = recorded[1][1]
    assert tool_events[-2] == {"messageStop": {"stopReason": "tool_use"}}

    replayed = stream_turns(bedrock_from_environment(monkeypatch, record_replay.offline().url))
    assert [tapedeck_header(r) for r, _ in replayed] == ["hit", "hit"]
    for (_, live), (_, again) in zip(recorded, replayed):
        assert without_metrics(again) == without_metrics(live)
        assert again[-1]["metadata"]["metrics"] == {"latencyMs": 0}
    assert len(upstream.requests) == 2
    record_replay.finish()
