"""Real boto3 invoke_model_with_response_stream against the real `tapedeck` binary, for Anthropic Messages: recorded
live, a hit with the upstream count flat, replayed offline; one cassette answers both InvokeModel and its stream
(folded or synthesized), for Anthropic Messages only; in-stream exceptions, cut streams and streams that stop before message_stop are passed on
and never recorded."""
import copy
import json

import pytest
from botocore.exceptions import ClientError, EventStreamError
from urllib3.exceptions import ProtocolError

from conftest import anthropic_stream, error_reply, stream_reply
from fake_upstream import CUT, frame
from test_boto3 import cassette_files, client, tapedeck_header
from test_fake_bedrock_runtime import CLAUDE, TITAN, claude_body, stream_events
from test_invoke_model import header, invoke

STORY = claude_body("Tell me a story about a fox")


def invoke_stream(bedrock, body=STORY, model=CLAUDE):
    """invoke_model_with_response_stream read to its end; returns the response and the model events."""
    response = bedrock.invoke_model_with_response_stream(modelId=model, body=body, contentType="application/json",
                                                         accept="application/json")
    return response, stream_events(response)


def streamed_text(events):
    return "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")


def metrics(events):
    return events[-1]["amazon-bedrock-invocationMetrics"]


def without_latencies(events):
    """The events with message_stop's latencies blanked: a hit reports --hit-latency-ms there, not upstream's."""
    events = copy.deepcopy(events)
    for name in ("invocationLatency", "firstByteLatency"):
        metrics(events)[name] = None
    return events


def recorder(launch, upstream, tmp_path, *flags):
    return client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}", *flags).url)


def receive(bedrock, body=STORY):
    """Reads a stream that fails: the model events before the failure, and the exception."""
    response = bedrock.invoke_model_with_response_stream(modelId=CLAUDE, body=body)
    events = []
    try:
        for event in response["body"]:
            events.append(json.loads(event["chunk"]["bytes"])["type"])
    except (EventStreamError, ProtocolError) as error:
        return events, error
    pytest.fail(f"the stream ended cleanly after {events}")


def test_a_stream_records_repeats_as_a_hit_and_replays_offline(record_replay, upstream):
    bedrock = client(record_replay.record().url)
    recorded, live = invoke_stream(bedrock)
    repeated, again = invoke_stream(bedrock)
    assert (tapedeck_header(recorded), tapedeck_header(repeated)) == ("miss", "hit")
    assert header(repeated, "x-tapedeck-served-as") == "recorded"
    assert len(upstream.requests) == 1
    assert streamed_text(live) == "echo: Tell me a story about a fox"
    assert without_latencies(again) == without_latencies(live)
    replayed, offline = invoke_stream(client(record_replay.offline().url))
    assert tapedeck_header(replayed) == "hit"
    assert without_latencies(offline) == without_latencies(live)
    record_replay.finish()


@pytest.mark.parametrize("flags, latency", [([], 0), (["--hit-latency-ms", "40"], 40)])
def test_a_stream_hit_reports_hit_latency_ms_in_the_invocation_metrics(upstream, launch, tmp_path, flags, latency):
    bedrock = recorder(launch, upstream, tmp_path, *flags)
    _, live = invoke_stream(bedrock)
    _, hit = invoke_stream(bedrock)
    assert (metrics(live)["invocationLatency"], metrics(live)["firstByteLatency"]) == (812, 301)
    assert metrics(hit) == {"inputTokenCount": 7, "outputTokenCount": 8,
                            "invocationLatency": latency, "firstByteLatency": latency}


def test_a_stream_hit_has_bedrocks_content_types(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    invoke_stream(bedrock)
    hit, _ = invoke_stream(bedrock)
    assert tapedeck_header(hit) == "hit"
    assert header(hit, "content-type") == "application/vnd.amazon.eventstream"
    assert hit["contentType"] == "application/json"  # X-Amzn-Bedrock-Content-Type


def test_the_stream_cassette_keeps_each_model_event_and_its_padding(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    _, live = invoke_stream(bedrock)
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert (stored["format"], stored["operation"], stored["modelId"]) == (2, "invoke-with-response-stream", CLAUDE)
    events = stored["response"]["events"]
    assert {e["type"] for e in events} == {"chunk"}
    assert [e["payload"]["event"] for e in events] == live
    assert [e["payload"]["p"] for e in events][:3] == ["abc", "abcd", "abcde"]  # the fake's padding, kept
    assert all(isinstance(e["offsetMs"], int) for e in events)


def test_invoke_model_is_answered_folded_from_a_stream_cassette(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    _, live = invoke_stream(bedrock, claude_body("Fold me"))
    folded, body = invoke(bedrock, CLAUDE, claude_body("Fold me"))
    assert tapedeck_header(folded) == "hit" and header(folded, "x-tapedeck-served-as") == "folded"
    assert len(upstream.requests) == 1
    message = json.loads(body)
    start = live[0]["message"]
    assert (message["id"], message["model"]) == (start["id"], start["model"])
    assert (message["type"], message["role"]) == ("message", "assistant")
    assert message["content"] == [{"type": "text", "text": "echo: Fold me"}]
    assert message["stop_reason"] == "end_turn"
    assert message["usage"]["input_tokens"] == 2 and message["usage"]["output_tokens"] == 3
    assert (header(folded, "x-amzn-bedrock-input-token-count"), header(folded, "x-amzn-bedrock-output-token-count")) == ("2", "3")


def test_the_stream_is_answered_synthesized_from_an_invoke_model_cassette(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    body = claude_body("Synthesize a stream from this answer please")
    _, recorded_body = invoke(bedrock, CLAUDE, body)
    recorded = json.loads(recorded_body)
    synthesized, events = invoke_stream(bedrock, body)
    assert tapedeck_header(synthesized) == "hit" and header(synthesized, "x-tapedeck-served-as") == "synthesized"
    assert len(upstream.requests) == 1
    assert events[0]["type"] == "message_start" and events[0]["message"]["id"] == recorded["id"]
    assert events[-1]["type"] == "message_stop"
    assert streamed_text(events) == recorded["content"][0]["text"]
    delta = next(e for e in events if e["type"] == "message_delta")
    assert delta["delta"]["stop_reason"] == "end_turn"
    assert delta["usage"]["output_tokens"] == recorded["usage"]["output_tokens"]
    assert metrics(events) == {"inputTokenCount": recorded["usage"]["input_tokens"],
                               "outputTokenCount": recorded["usage"]["output_tokens"],
                               "invocationLatency": 0, "firstByteLatency": 0}


def test_an_embedding_cassette_does_not_answer_the_stream(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    body = json.dumps({"inputText": "Lisbon", "dimensions": 256, "normalize": True})
    invoke(bedrock, TITAN, body)
    with pytest.raises(ClientError) as caught:  # not an Anthropic body: only the same operation answers it
        invoke_stream(bedrock, body, model=TITAN)
    assert tapedeck_header(caught.value.response) == "miss"
    assert caught.value.response["Error"]["Code"] == "ValidationException"  # the fake streams no embeddings
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("exception, payload", [
    ("internalServerException", {"message": "Internal error."}),
    ("modelStreamErrorException", {"message": "The model broke.", "originalStatusCode": 500,
                                   "originalMessage": "overloaded"}),
    ("throttlingException", {"message": "Too many tokens, slow down."}),
    ("validationException", {"message": "Output blocked."}),
])
def test_an_in_stream_exception_is_passed_on_and_not_recorded(upstream, launch, tmp_path, exception, payload):
    frames = anthropic_stream(CLAUDE, "echo: never finished")
    upstream.replies.append(stream_reply(frames[:3] + [frame(exception, payload, exception=True)]))
    bedrock = recorder(launch, upstream, tmp_path)
    received, error = receive(bedrock)
    assert received == ["message_start", "content_block_start", "content_block_delta"]
    assert isinstance(error, EventStreamError)
    assert error.response["Error"] == {"Code": exception, "Message": payload["message"]}
    # Nothing was recorded: the same call goes upstream again, and that whole stream is recorded.
    again, events = invoke_stream(bedrock)
    assert tapedeck_header(again) == "miss" and events[-1]["type"] == "message_stop"
    assert len(upstream.requests) == 2
    assert len(cassette_files(tmp_path, expect=1)) == 1


@pytest.mark.parametrize("inside_a_frame", [False, True], ids=["between-frames", "inside-a-frame"])
def test_a_cut_stream_is_passed_on_and_not_recorded(upstream, launch, tmp_path, inside_a_frame):
    frames = anthropic_stream(CLAUDE, "echo: cut short")
    upstream.replies.append(stream_reply(frames[:3] + ([frames[3][:20]] if inside_a_frame else []) + [CUT]))
    bedrock = recorder(launch, upstream, tmp_path)
    received, error = receive(bedrock)
    assert received == ["message_start", "content_block_start", "content_block_delta"]
    assert isinstance(error, ProtocolError), "the client sees the stream end early, as it would from Bedrock"
    again, _ = invoke_stream(bedrock)
    assert tapedeck_header(again) == "miss"
    assert len(upstream.requests) == 2


def test_a_stream_that_ends_before_message_stop_is_not_recorded(upstream, launch, tmp_path):
    frames = anthropic_stream(CLAUDE, "echo: no stop")[:-1]  # ends cleanly after message_delta
    upstream.replies.append(stream_reply(frames))
    bedrock = recorder(launch, upstream, tmp_path)
    _, events = invoke_stream(bedrock)
    assert events[-1]["type"] == "message_delta"
    again, _ = invoke_stream(bedrock)
    assert tapedeck_header(again) == "miss"
    assert len(upstream.requests) == 2


def test_an_upstream_error_before_the_stream_is_passed_on_and_not_recorded(upstream, launch, tmp_path):
    upstream.replies.append(error_reply(429, "ThrottlingException", "Too many requests, please wait."))
    bedrock = recorder(launch, upstream, tmp_path)
    with pytest.raises(ClientError) as caught:
        invoke_stream(bedrock)
    assert caught.value.response["Error"] == {"Code": "ThrottlingException", "Message": "Too many requests, please wait."}
    again, _ = invoke_stream(bedrock)
    assert tapedeck_header(again) == "miss"
    assert len(upstream.requests) == 2
