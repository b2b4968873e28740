"""The Anthropic SDK's Bedrock client (`anthropic.AnthropicBedrock`) pointed at Tapedeck by `base_url`: it calls
InvokeModel and InvokeModelWithResponseStream with Anthropic Messages bodies, signed with SigV4 by botocore. Each call
is recorded against the fake, repeated as a hit with the upstream count flat, then replayed offline; one cassette
answers both calls (a message replayed as a synthesized stream, a stream folded into a message)."""
import anthropic
import pytest
from anthropic import AnthropicBedrock

from test_fake_bedrock_runtime import CLAUDE

QUESTION = [{"role": "user", "content": "Name a cassette brand."}]


def client(server):
    return AnthropicBedrock(base_url=server.url, aws_region="us-east-1")


def create(server):
    raw = client(server).messages.with_raw_response.create(model=CLAUDE, max_tokens=64, messages=QUESTION)
    return raw.headers, raw.parse()


def stream(server, outcome=None):
    with client(server).messages.stream(model=CLAUDE, max_tokens=64, messages=QUESTION) as events:
        if outcome is not None:
            assert events.response.headers["x-tapedeck"] == outcome
        text = "".join(events.text_stream)
        return text, events.get_final_message()


def test_messages_create_records_then_replays_offline(record_replay, upstream):
    server = record_replay.record()
    headers, recorded = create(server)
    assert headers["x-tapedeck"] == "miss"
    headers, repeated = create(server)
    assert headers["x-tapedeck"] == "hit"
    assert len(upstream.requests) == 1
    sent = upstream.requests[0]
    assert sent["path"].endswith("/invoke") and "anthropic_version" in sent["body"].decode()
    assert sent["headers"].get("Authorization", "").startswith("AWS4-HMAC-SHA256"), "the SDK signed it; Tapedeck forwarded it"
    headers, replayed = create(record_replay.offline())
    assert headers["x-tapedeck"] == "hit"
    record_replay.finish()
    for message in (repeated, replayed):
        assert message.content[0].text == recorded.content[0].text
        assert message.usage.input_tokens == recorded.usage.input_tokens
        assert message.usage.output_tokens == recorded.usage.output_tokens
        assert message.stop_reason == recorded.stop_reason == "end_turn"


def test_messages_stream_records_then_replays_offline_and_answers_create_folded(record_replay, upstream):
    server = record_replay.record()
    recorded_text, recorded = stream(server, "miss")
    calls = len(upstream.requests)
    assert calls >= 1 and all(r["path"].endswith("/invoke-with-response-stream") for r in upstream.requests)
    repeated_text, _ = stream(server, "hit")
    assert len(upstream.requests) == calls, "the repeated stream was a hit"
    headers, folded = create(server)
    assert headers["x-tapedeck"] == "hit" and headers["x-tapedeck-served-as"] == "folded"
    assert len(upstream.requests) == calls, "messages.create was answered from the stream's cassette"
    offline = record_replay.offline()
    replayed_text, replayed = stream(offline, "hit")
    record_replay.finish()
    assert recorded_text and repeated_text == replayed_text == recorded_text
    assert folded.content[0].text == recorded_text
    assert replayed.usage.output_tokens == recorded.usage.output_tokens


def test_a_recorded_message_answers_the_stream_synthesized(record_replay, upstream):
    server = record_replay.record()
    _, message = create(server)
    text, final = stream(server, "hit")
    assert len(upstream.requests) == 1, "the stream was synthesized from the message's cassette"
    assert text == message.content[0].text
    assert final.stop_reason == message.stop_reason


def test_a_changed_question_offline_is_a_miss_explained_in_converse_terms(record_replay):
    create(record_replay.record())
    offline = client(record_replay.offline())
    with pytest.raises(anthropic.NotFoundError) as raised:
        offline.messages.create(model=CLAUDE, max_tokens=64, messages=[{"role": "user", "content": "Name a tape deck brand."}])
    message = str(raised.value)
    assert "no cassette for key" in message and "InvokeModel" in message, message
    assert "message 1 text differs" in message, message
