"""The fake upstream beyond Converse is faithful before anything relies on it: boto3 talks to FakeBedrock directly
(no Tapedeck) and botocore's own parsers read its InvokeModel (Titan and Cohere embeddings, Anthropic Messages),
InvokeModelWithResponseStream, CountTokens, ApplyGuardrail, InvokeGuardrailChecks and async-invoke answers, its
in-stream exceptions and its cut streams; the fake records the method, path, query and headers each call arrived
with."""
import base64
import datetime
import http.client
import json

import pytest
from botocore.exceptions import ClientError, EventStreamError
from urllib3.exceptions import ProtocolError

from conftest import ASYNC_INVOKE_ARN, anthropic_stream, stream_reply
from fake_upstream import CUT, frame
from test_boto3 import client

TITAN = "amazon.titan-embed-text-v2:0"
COHERE = "cohere.embed-english-v3"
CLAUDE = "anthropic.claude-3-5-haiku-20241022-v1:0"
ANTHROPIC_VERSION = "bedrock-2023-05-31"


def claude_body(text, max_tokens=64):
    return json.dumps({"anthropic_version": ANTHROPIC_VERSION, "max_tokens": max_tokens,
                       "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}]})


def stream_events(response):
    """The model events of an InvokeModelWithResponseStream answer: each chunk's bytes, decoded."""
    events = []
    for event in response["body"]:
        assert list(event) == ["chunk"] and list(event["chunk"]) == ["bytes"]
        events.append(json.loads(event["chunk"]["bytes"]))
    return events


def test_boto3_parses_the_fakes_titan_embedding(upstream):
    bedrock = client(upstream.url)
    body = json.dumps({"inputText": "Lisbon is the capital of Portugal", "dimensions": 256, "normalize": True})
    response = bedrock.invoke_model(modelId=TITAN, body=body, contentType="application/json", accept="application/json")
    answer = json.loads(response["body"].read())
    assert response["contentType"] == "application/json"
    assert len(answer["embedding"]) == 256 and all(isinstance(v, float) for v in answer["embedding"])
    assert abs(sum(v * v for v in answer["embedding"]) - 1) < 1e-6, "normalized"
    assert answer["embeddingsByType"] == {"float": answer["embedding"]}
    assert answer["inputTextTokenCount"] == 6
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert (headers["x-amzn-bedrock-input-token-count"], headers["x-amzn-bedrock-output-token-count"]) == ("6", "0")
    assert headers["x-amzn-bedrock-invocation-latency"] == "312"
    assert response["ResponseMetadata"]["RequestId"] == "real-1"
    request = upstream.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/model/amazon.titan-embed-text-v2%3A0/invoke")
    assert request["headers"]["Accept"] == request["headers"]["Content-Type"] == "application/json"
    assert request["body"] == body.encode()


def test_the_fakes_embeddings_depend_on_the_text_only(upstream):
    bedrock = client(upstream.url)

    def embed(text):
        body = json.dumps({"inputText": text, "dimensions": 256, "normalize": True})
        return json.loads(bedrock.invoke_model(modelId=TITAN, body=body)["body"].read())["embedding"]
    assert embed("same words") == embed("same words") != embed("other words")


def test_boto3_parses_the_fakes_cohere_embedding(upstream):
    texts = ["Tapedeck records Bedrock", "and replays it offline"]
    response = client(upstream.url).invoke_model(
        modelId=COHERE, body=json.dumps({"texts": texts, "input_type": "search_document"}))
    answer = json.loads(response["body"].read())
    assert answer["response_type"] == "embeddings_floats"
    assert answer["texts"] == texts
    assert [len(vector) for vector in answer["embeddings"]] == [1024, 1024]
    assert answer["embeddings"][0] != answer["embeddings"][1]
    assert isinstance(answer["id"], str) and answer["id"]
    assert upstream.requests[0]["path"] == "/model/cohere.embed-english-v3/invoke"


def test_boto3_parses_the_fakes_anthropic_message(upstream):
    response = client(upstream.url).invoke_model(modelId=CLAUDE, body=claude_body("What is the capital of France?"))
    answer = json.loads(response["body"].read())
    assert answer["id"].startswith("msg_bdrk_")
    assert {k: v for k, v in answer.items() if k != "id"} == {
        "type": "message", "role": "assistant", "model": "claude-3-5-haiku-20241022",
        "content": [{"type": "text", "text": "echo: What is the capital of France?"}],
        "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 6, "output_tokens": 7}}
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert (headers["x-amzn-bedrock-input-token-count"], headers["x-amzn-bedrock-output-token-count"]) == ("6", "7")


def test_the_fakes_anthropic_message_is_compact_json(upstream):
    response = client(upstream.url).invoke_model(modelId=CLAUDE, body=claude_body("Un café, s'il vous plaît"))
    raw = response["body"].read()
    assert raw == upstream.requests[0]["reply"][2]
    assert raw == json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False).encode()
    assert "Un café".encode() in raw, "UTF-8 as is, not \\u escapes"


def test_boto3_parses_the_fakes_anthropic_stream(upstream):
    response = client(upstream.url).invoke_model_with_response_stream(
        modelId=CLAUDE, body=claude_body("Tell me a story about a fox"), accept="application/json")
    assert response["contentType"] == "application/json"  # from X-Amzn-Bedrock-Content-Type
    assert response["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/vnd.amazon.eventstream"
    events = stream_events(response)
    assert [e["type"] for e in events] == [
        "message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
        "content_block_delta", "content_block_stop", "message_delta", "message_stop"]
    assert events[0]["message"]["usage"] == {"input_tokens": 7, "output_tokens": 1}
    text = "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta")
    assert text == "echo: Tell me a story about a fox"
    assert events[-2]["delta"]["stop_reason"] == "end_turn" and events[-2]["usage"] == {"output_tokens": 8}
    assert events[-1]["amazon-bedrock-invocationMetrics"] == {
        "inputTokenCount": 7, "outputTokenCount": 8, "invocationLatency": 812, "firstByteLatency": 301}
    request = upstream.requests[0]
    assert request["path"] == "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream"
    assert request["headers"]["X-Amzn-Bedrock-Accept"] == "application/json"


@pytest.mark.parametrize("exception, payload", [
    ("modelStreamErrorException", {"message": "The model broke.", "originalStatusCode": 500,
                                   "originalMessage": "overloaded"}),
    ("throttlingException", {"message": "Too many tokens, slow down."}),
])
def test_boto3_raises_the_fakes_in_stream_exception(upstream, exception, payload):
    frames = anthropic_stream(CLAUDE, "echo: never finished")
    upstream.replies.append(stream_reply(frames[:3] + [frame(exception, payload, exception=True)]))
    response = client(upstream.url).invoke_model_with_response_stream(modelId=CLAUDE, body=claude_body("Hi"))
    stream = iter(response["body"])
    assert [json.loads(next(stream)["chunk"]["bytes"])["type"] for _ in range(3)] == [
        "message_start", "content_block_start", "content_block_delta"]
    with pytest.raises(EventStreamError) as caught:
        next(stream)
    assert caught.value.response["Error"] == {"Code": exception, "Message": payload["message"]}


@pytest.mark.parametrize("cut_inside_a_frame", [False, True])
def test_boto3_fails_on_the_fakes_cut_stream(upstream, cut_inside_a_frame):
    frames = anthropic_stream(CLAUDE, "echo: cut short")
    pieces = frames[:3] + ([frames[3][:20]] if cut_inside_a_frame else []) + [CUT]
    upstream.replies.append(stream_reply(pieces))
    response = client(upstream.url).invoke_model_with_response_stream(modelId=CLAUDE, body=claude_body("Hi"))
    received = []
    with pytest.raises(ProtocolError):  # what botocore lets through from urllib3 when the body ends early
        for event in response["body"]:
            received.append(json.loads(event["chunk"]["bytes"])["type"])
    assert received == ["message_start", "content_block_start", "content_block_delta"]


def test_boto3_parses_the_fakes_count_tokens_for_converse_and_invoke_bodies(upstream):
    bedrock = client(upstream.url)
    converse = bedrock.count_tokens(modelId=CLAUDE, input={"converse": {
        "messages": [{"role": "user", "content": [{"text": "How many tokens is this?"}]}]}})
    invoke = bedrock.count_tokens(modelId=CLAUDE, input={"invokeModel": {"body": claude_body("Count these four words")}})
    assert (converse["inputTokens"], invoke["inputTokens"]) == (5, 4)
    assert upstream.requests[0]["path"] == "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/count-tokens"
    # boto3 sends the InvokeModel body as a blob: base64 inside the JSON.
    sent = json.loads(upstream.requests[1]["body"])["input"]["invokeModel"]["body"]
    assert base64.b64decode(sent) == claude_body("Count these four words").encode()


def test_boto3_parses_the_fakes_guardrail_answers(upstream):
    bedrock = client(upstream.url)

    def apply(text, version="1"):
        return bedrock.apply_guardrail(guardrailIdentifier="gr-tapedeck", guardrailVersion=version, source="INPUT",
                                       content=[{"text": {"text": text}}])
    passed, blocked = apply("Tell me about cassettes"), apply("Tell me something forbidden", version="DRAFT")
    assert (passed["action"], passed["outputs"], passed["assessments"]) == ("NONE", [], [])
    assert passed["usage"]["topicPolicyUnits"] == 1
    assert blocked["action"] == "GUARDRAIL_INTERVENED"
    assert blocked["outputs"] == [{"text": "Sorry, I cannot talk about that."}]
    assert blocked["assessments"][0]["topicPolicy"]["topics"][0]["action"] == "BLOCKED"
    assert [r["path"] for r in upstream.requests] == ["/guardrail/gr-tapedeck/version/1/apply",
                                                      "/guardrail/gr-tapedeck/version/DRAFT/apply"]


def test_boto3_parses_the_fakes_start_async_invoke(upstream):
    answer = client(upstream.url).start_async_invoke(
        modelId="amazon.nova-reel-v1:0", modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a fox"}},
        outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://tapedeck-test/async/"}})
    assert answer["invocationArn"] == ASYNC_INVOKE_ARN
    request = upstream.requests[0]
    assert (request["method"], request["path"]) == ("POST", "/async-invoke")
    sent = json.loads(request["body"])
    assert sent["modelId"] == "amazon.nova-reel-v1:0" and sent["modelInput"]["taskType"] == "TEXT_VIDEO"
    assert sent["clientRequestToken"], "boto3 fills the idempotency token in"


def test_boto3_parses_the_fakes_list_async_invokes(upstream):
    answer = client(upstream.url).list_async_invokes(statusEquals="Completed", maxResults=5)
    summary, = answer["asyncInvokeSummaries"]
    assert summary["invocationArn"] == ASYNC_INVOKE_ARN and summary["status"] == "Completed"
    assert summary["submitTime"] == datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
    request = upstream.requests[0]
    assert request["method"] == "GET"
    assert request["path"] == "/async-invoke?statusEquals=Completed&maxResults=5"


def test_boto3_parses_the_fakes_get_async_invoke(upstream):
    answer = client(upstream.url).get_async_invoke(invocationArn=ASYNC_INVOKE_ARN)
    assert answer["invocationArn"] == ASYNC_INVOKE_ARN
    assert answer["status"] == "InProgress"
    assert answer["outputDataConfig"] == {"s3OutputDataConfig": {"s3Uri": "s3://tapedeck-test/async/"}}
    assert answer["submitTime"] == datetime.datetime(2025, 6, 1, 12, 0, tzinfo=datetime.timezone.utc)
    request = upstream.requests[0]
    assert request["method"] == "GET"
    assert request["path"] == "/async-invoke/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2Fabc123"


def test_boto3_parses_the_fakes_guardrail_checks(upstream):
    answer = client(upstream.url).invoke_guardrail_checks(
        messages=[{"role": "user", "content": [{"text": "Is this fine?"}]}],
        checks={"contentFilter": {"categories": [{"category": "VIOLENCE"}, {"category": "HATE"}]}})
    assert answer["results"]["contentFilter"]["results"] == [{"category": "VIOLENCE", "severityScore": 0.0},
                                                            {"category": "HATE", "severityScore": 0.0}]
    assert answer["usage"] == {"contentFilter": {"textUnits": 1}}
    assert (upstream.requests[0]["method"], upstream.requests[0]["path"]) == ("POST", "/guardrail-checks/invoke")


def test_boto3_raises_the_fakes_error_answers_for_invoke(upstream):
    upstream.replies.append((400, {"Content-Type": "application/json", "x-amzn-ErrorType": "ValidationException"},
                             b'{"message":"Malformed input request: #: required key [messages] not found"}'))
    bedrock = client(upstream.url)
    with pytest.raises(bedrock.exceptions.ValidationException) as caught:
        bedrock.invoke_model(modelId=CLAUDE, body=claude_body("Hi"))
    assert "Malformed input request" in caught.value.response["Error"]["Message"]


def test_the_fake_answers_a_body_it_cannot_read_with_400(upstream):
    bedrock = client(upstream.url)
    with pytest.raises(bedrock.exceptions.ValidationException) as caught:
        bedrock.invoke_model(modelId=TITAN, body=b"\x00 not json", contentType="application/octet-stream")
    assert caught.value.response["Error"]["Message"].startswith("Malformed input request")


def test_the_fake_answers_an_unknown_route_with_404(upstream):
    connection = http.client.HTTPConnection("127.0.0.1", upstream.port, timeout=10)
    connection.request("POST", "/no/such/route", body=b"{}", headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 404
    assert response.getheader("x-amzn-ErrorType") == "UnknownOperationException"
    assert json.loads(response.read())["message"] == "Unknown operation POST /no/such/route"
    with pytest.raises(ClientError):
        client(upstream.url).invoke_model(modelId="meta.llama3-8b-instruct-v1:0", body=b'{"prompt": "Hi"}')
