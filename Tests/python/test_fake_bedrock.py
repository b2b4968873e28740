"""The fake upstream is faithful before anything relies on it: boto3 talks to FakeBedrock directly (no Tapedeck)
and botocore's own parsers turn its converse and converse-stream answers into the structures Bedrock's service
model promises: text and toolUse answers, stop reasons, usage, metrics, and in-stream exceptions."""
import http.client
import json
import socket

import pytest
from botocore.exceptions import EventStreamError

from fake_upstream import frame
from test_boto3 import MODEL, client

TOOLS = {"tools": [{"toolSpec": {"name": "get_weather", "description": "Current weather in a city.",
                                 "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}},
                                                          "required": ["city"]}}}}]}
QUESTION = {"role": "user", "content": [{"text": "Weather in Lisbon?"}]}

# PROTOCOL.md's worked example: one contentBlockDelta with the text "Hi" and padding "abcd", 159 bytes.
WORKED_EXAMPLE = bytes.fromhex("""
00 00 00 9f 00 00 00 57 c3 7b ab ff 0b 3a 65 76 65 6e 74 2d 74 79 70 65 07 00 11 63 6f 6e 74 65
6e 74 42 6c 6f 63 6b 44 65 6c 74 61 0d 3a 63 6f 6e 74 65 6e 74 2d 74 79 70 65 07 00 10 61 70 70
6c 69 63 61 74 69 6f 6e 2f 6a 73 6f 6e 0d 3a 6d 65 73 73 61 67 65 2d 74 79 70 65 07 00 05 65 76
65 6e 74 7b 22 63 6f 6e 74 65 6e 74 42 6c 6f 63 6b 49 6e 64 65 78 22 3a 30 2c 22 64 65 6c 74 61
22 3a 7b 22 74 65 78 74 22 3a 22 48 69 22 7d 2c 22 70 22 3a 22 61 62 63 64 22 7d f2 ac e5 ff""")


def test_the_frame_encoder_matches_the_protocol_worked_example():
    payload = {"contentBlockIndex": 0, "delta": {"text": "Hi"}, "p": "abcd"}
    assert frame("contentBlockDelta", payload) == WORKED_EXAMPLE


def test_boto3_parses_the_fakes_text_answer(upstream):
    answer = client(upstream.url).converse(modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Hi"}]}])
    assert answer["output"] == {"message": {"role": "assistant", "content": [{"text": "echo: Hi"}]}}
    assert answer["stopReason"] == "end_turn"
    assert answer["usage"] == {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}
    assert answer["metrics"] == {"latencyMs": 842}
    assert answer["ResponseMetadata"]["RequestId"] == "real-1"
    assert upstream.requests[0]["path"] == "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"


def test_boto3_parses_the_fakes_tool_use_answer_and_the_tool_result_turn(upstream):
    bedrock = client(upstream.url)
    asked = bedrock.converse(modelId=MODEL, messages=[QUESTION], toolConfig=TOOLS)
    assert asked["stopReason"] == "tool_use"
    text, call = asked["output"]["message"]["content"]
    assert text == {"text": "Let me check."}
    assert call["toolUse"]["name"] == "get_weather" and call["toolUse"]["input"] == {"city": "Lisbon"}
    assert call["toolUse"]["toolUseId"].startswith("tooluse_") and len(call["toolUse"]["toolUseId"]) > 16
    assert asked["usage"] == {"inputTokens": 400, "outputTokens": 60, "totalTokens": 460}
    # Two calls, two ids: as on Bedrock, a tool-use id is never reused.
    again = bedrock.converse(modelId=MODEL, messages=[QUESTION], toolConfig=TOOLS)
    assert again["output"]["message"]["content"][1]["toolUse"]["toolUseId"] != call["toolUse"]["toolUseId"]

    result = {"role": "user", "content": [{"toolResult": {"toolUseId": call["toolUse"]["toolUseId"],
                                                          "content": [{"text": "18 C and sunny"}], "status": "success"}}]}
    answered = bedrock.converse(modelId=MODEL, messages=[QUESTION, asked["output"]["message"], result], toolConfig=TOOLS)
    assert answered["stopReason"] == "end_turn"
    assert answered["output"]["message"]["content"] == [{"text": "The tool said: 18 C and sunny"}]
    # boto3 sent the tool's input back as a JSON object, as the service model's Document shape says.
    sent = json.loads(upstream.requests[-1]["body"])
    assert sent["messages"][1]["content"][1]["toolUse"]["input"] == {"city": "Lisbon"}


def test_boto3_parses_the_fakes_text_stream(upstream):
    response = client(upstream.url).converse_stream(
        modelId=MODEL, messages=[{"role": "user", "content": [{"text": "Tell me a story"}]}])
    events = list(response["stream"])
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    assert upstream.requests[0]["path"].endswith("/converse-stream")
    # botocore keeps the service model's members only: the padding field "p" is gone.
    assert events == [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "echo: Tell "}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "me a "}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "story"}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
        {"metadata": {"usage": {"inputTokens": 12, "outputTokens": 7, "totalTokens": 19}, "metrics": {"latencyMs": 731}}},
    ]


def test_boto3_parses_the_fakes_tool_use_stream(upstream):
    response = client(upstream.url).converse_stream(modelId=MODEL, messages=[QUESTION], toolConfig=TOOLS)
    events = list(response["stream"])
    tool_id = events[3]["contentBlockStart"]["start"]["toolUse"]["toolUseId"]
    assert tool_id.startswith("tooluse_")
    assert events == [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Let me check."}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"contentBlockStart": {"contentBlockIndex": 1, "start": {"toolUse": {"toolUseId": tool_id, "name": "get_weather"}}}},
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"city'}}}},
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '": "Li'}}}},
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": 'sbon"}'}}}},
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {"messageStop": {"stopReason": "tool_use"}},
        {"metadata": {"usage": {"inputTokens": 400, "outputTokens": 60, "totalTokens": 460}, "metrics": {"latencyMs": 900}}},
    ]


def test_boto3_raises_the_fakes_in_stream_exception(upstream):
    upstream.replies.append((200, {"Content-Type": "application/vnd.amazon.eventstream"}, [
        frame("messageStart", {"role": "assistant"}),
        frame("throttlingException", {"message": "Too many tokens, slow down."}, exception=True),
    ]))
    response = client(upstream.url).converse_stream(modelId=MODEL, messages=[QUESTION])
    stream = iter(response["stream"])
    assert next(stream) == {"messageStart": {"role": "assistant"}}
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"] == {"Code": "throttlingException", "Message": "Too many tokens, slow down."}


def test_boto3_raises_the_fakes_error_answer(upstream):
    upstream.replies.append((429, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
                             b'{"message":"Too many requests, please wait before trying again."}'))
    bedrock = client(upstream.url)
    with pytest.raises(bedrock.exceptions.ThrottlingException) as caught:
        bedrock.converse(modelId=MODEL, messages=[QUESTION])
    assert caught.value.response["Error"]["Message"] == "Too many requests, please wait before trying again."


def test_a_stopped_fake_refuses_new_connections_and_drops_kept_alive_ones(upstream):
    kept = http.client.HTTPConnection("127.0.0.1", upstream.port, timeout=10)
    body = json.dumps({"messages": [QUESTION]})
    kept.request("POST", f"/model/{MODEL}/converse", body=body, headers={"Content-Type": "application/json"})
    assert kept.getresponse().read()
    upstream.stop()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", upstream.port), timeout=5)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        kept.request("POST", f"/model/{MODEL}/converse", body=body, headers={"Content-Type": "application/json"})
        kept.getresponse()
    assert len(upstream.requests) == 1
