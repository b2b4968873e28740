"""The rest of Bedrock Runtime through the real `tapedeck` binary: StartAsyncInvoke, ListAsyncInvokes,
GetAsyncInvoke, InvokeGuardrailChecks and routes Tapedeck does not know are passed through in every mode with an
upstream (`x-tapedeck: passthrough`, every call reaches upstream unchanged, its answer comes back unchanged, no
cassette), refused offline with a 404 that names the operation; InvokeModelWithBidirectionalStream is a 501."""
import http.client
import json

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import ASYNC_INVOKE_ARN, error_reply
from test_boto3 import cassette_files, client, tapedeck_header
from test_fake_bedrock_runtime import CLAUDE

ENCODED_ARN = "arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aasync-invoke%2Fabc123"

# operation: (the boto3 call, the method and path upstream must see, what the answer says)
CALLS = {
    "StartAsyncInvoke": (
        lambda bedrock: bedrock.start_async_invoke(
            modelId="amazon.nova-reel-v1:0", modelInput={"taskType": "TEXT_VIDEO", "textToVideoParams": {"text": "a fox"}},
            outputDataConfig={"s3OutputDataConfig": {"s3Uri": "s3://tapedeck-test/async/"}}),
        ("POST", "/async-invoke"),
        lambda answer: answer["invocationArn"] == ASYNC_INVOKE_ARN),
    "ListAsyncInvokes": (
        lambda bedrock: bedrock.list_async_invokes(statusEquals="Completed", maxResults=5),
        ("GET", "/async-invoke?statusEquals=Completed&maxResults=5"),
        lambda answer: answer["asyncInvokeSummaries"][0]["status"] == "Completed"),
    "GetAsyncInvoke": (
        lambda bedrock: bedrock.get_async_invoke(invocationArn=ASYNC_INVOKE_ARN),
        ("GET", f"/async-invoke/{ENCODED_ARN}"),
        lambda answer: (answer["invocationArn"], answer["status"]) == (ASYNC_INVOKE_ARN, "InProgress")),
    "InvokeGuardrailChecks": (
        lambda bedrock: bedrock.invoke_guardrail_checks(
            messages=[{"role": "user", "content": [{"text": "Is this fine?"}]}],
            checks={"contentFilter": {"categories": [{"category": "VIOLENCE"}]}}),
        ("POST", "/guardrail-checks/invoke"),
        lambda answer: answer["results"]["contentFilter"]["results"] == [{"category": "VIOLENCE", "severityScore": 0.0}]),
}


def raw(server, method, path, body=b"", headers=None):
    """One request without a client library; returns the status, headers and body of the answer."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = response.status, response.headers, response.read()
    connection.close()
    return answer


@pytest.mark.parametrize("operation", CALLS)
def test_an_operation_that_is_never_recorded_is_passed_through_every_time(upstream, launch, tmp_path, operation):
    call, (method, path), answered = CALLS[operation]
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    first, second = call(bedrock), call(bedrock)
    assert (tapedeck_header(first), tapedeck_header(second)) == ("passthrough", "passthrough")
    assert answered(first) and answered(second)
    assert [(r["method"], r["path"]) for r in upstream.requests] == [(method, path), (method, path)]
    server.stop()
    assert cassette_files(tmp_path) == []


@pytest.mark.parametrize("mode", ["auto", "record", "passthrough"])
def test_every_mode_with_an_upstream_passes_them_through(upstream, launch, tmp_path, mode):
    call, (method, path), answered = CALLS["GetAsyncInvoke"]
    server = launch("--mode", mode, "--upstream", upstream.url, "--store", f"json:{tmp_path}")
    answer = call(client(server.url))
    assert tapedeck_header(answer) == "passthrough" and answered(answer)
    assert [(r["method"], r["path"]) for r in upstream.requests] == [(method, path)]


def test_a_passed_through_request_reaches_upstream_unchanged(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    body = b'{"modelId": "amazon.nova-reel-v1:0",\n "modelInput": {"taskType": "TEXT_VIDEO"}, "outputDataConfig": {}}'
    headers = {"Content-Type": "application/json", "X-Amz-Date": "20250601T120000Z", "X-Custom-Thing": "kept",
               "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDTAPEDECKTEST/20250601/us-east-1/bedrock/aws4_request, "
                                "SignedHeaders=host;x-amz-date, Signature=0123"}
    raw(server, "POST", "/async-invoke?dryRun=1&b=%2F", body, headers)
    request, = upstream.requests
    assert (request["method"], request["path"], request["body"]) == ("POST", "/async-invoke?dryRun=1&b=%2F", body)
    for name, value in headers.items():
        assert request["headers"][name] == value


def test_a_passed_through_answer_comes_back_unchanged(upstream, launch, tmp_path):
    upstream.replies.append((202, {"Content-Type": "application/json", "x-amzn-RequestId": "real-async-1",
                                   "X-Amzn-Bedrock-Something-New": "yes"}, b'{ "invocationArn" : "arn:x",  "extra": [1, 2.50] }'))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    status, headers, body = raw(server, "POST", "/async-invoke", b"{}", {"Content-Type": "application/json"})
    assert status == 202
    assert body == b'{ "invocationArn" : "arn:x",  "extra": [1, 2.50] }'
    assert headers["x-amzn-RequestId"] == "real-async-1"
    assert headers["X-Amzn-Bedrock-Something-New"] == "yes"
    assert headers["x-tapedeck"] == "passthrough"


def test_an_upstream_error_on_a_passed_through_route_is_passed_on(upstream, launch, tmp_path):
    upstream.replies.append(error_reply(404, "ResourceNotFoundException", "No async invocation abc123."))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    bedrock = client(server.url)
    with pytest.raises(bedrock.exceptions.ResourceNotFoundException) as caught:
        bedrock.get_async_invoke(invocationArn=ASYNC_INVOKE_ARN)
    assert caught.value.response["Error"]["Message"] == "No async invocation abc123."
    assert tapedeck_header(caught.value.response) == "passthrough"


def test_an_unknown_route_is_passed_through(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    status, headers, body = raw(server, "POST", "/model/some.model-v1%3A0/a-future-operation?x=1", b'{"a": 1}',
                                {"Content-Type": "application/json"})
    assert (status, headers["x-tapedeck"]) == (404, "passthrough")
    assert headers["x-amzn-ErrorType"] == "UnknownOperationException"  # the fake's answer, passed on
    assert json.loads(body)["message"] == "Unknown operation POST /model/some.model-v1%3A0/a-future-operation"
    assert upstream.requests[0]["path"] == "/model/some.model-v1%3A0/a-future-operation?x=1"


def test_a_prefixed_request_is_passed_through_to_the_upstreams_own_path(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url + "/bedrock", "--store", f"json:{tmp_path}")
    answer = client(server.url + "/bedrock").list_async_invokes(maxResults=2)
    assert tapedeck_header(answer) == "passthrough"
    assert upstream.requests[0]["path"] == "/bedrock/async-invoke?maxResults=2"


def test_a_passed_through_request_is_re_signed_under_aws_sign(upstream, launch, tmp_path):
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}", "--aws-sign")
    bedrock = boto3.client("bedrock-runtime", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="AKIDCLIENTONLY", aws_secret_access_key="client-secret",
                           config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    answer = bedrock.list_async_invokes(statusEquals="Completed")
    assert tapedeck_header(answer) == "passthrough"
    authorization = upstream.requests[0]["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDTAPEDECKTEST/")
    assert "/us-east-1/bedrock/aws4_request" in authorization
    assert "AKIDCLIENTONLY" not in json.dumps(upstream.requests[0]["headers"])


@pytest.mark.parametrize("operation", CALLS)
def test_offline_an_operation_that_is_never_recorded_is_a_404_naming_it(launch, tmp_path, operation):
    call = CALLS[operation][0]
    server = launch("--store", f"json:{tmp_path}")
    with pytest.raises(ClientError) as caught:
        call(client(server.url))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    error = caught.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert operation in error["Message"] and "never recorded" in error["Message"]


def test_replay_mode_does_not_pass_through_even_with_an_upstream(upstream, launch, tmp_path):
    server = launch("--mode", "replay", "--upstream", upstream.url, "--store", f"json:{tmp_path}")
    with pytest.raises(ClientError) as caught:
        CALLS["StartAsyncInvoke"][0](client(server.url))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert "StartAsyncInvoke" in caught.value.response["Error"]["Message"]
    assert upstream.requests == []


def test_offline_an_unknown_route_is_a_404_naming_it(launch, tmp_path):
    server = launch("--store", f"json:{tmp_path}")
    status, headers, body = raw(server, "POST", "/model/some.model-v1%3A0/a-future-operation", b"{}",
                                {"Content-Type": "application/json"})
    message = json.loads(body)["message"]
    assert (status, headers["x-amzn-ErrorType"]) == (404, "UnknownOperationException")
    assert "a-future-operation" in message and "never recorded" in message


@pytest.mark.parametrize("online", [False, True], ids=["offline", "with-upstream"])
def test_the_bidirectional_stream_is_501_as_it_needs_http2(upstream, launch, tmp_path, online):
    flags = ["--upstream", upstream.url] if online else []
    server = launch(*flags, "--store", f"json:{tmp_path}")
    status, _, body = raw(server, "POST", f"/model/{CLAUDE}/invoke-with-bidirectional-stream", b"",
                          {"Content-Type": "application/vnd.amazon.eventstream"})
    assert status == 501
    assert "HTTP/2" in json.loads(body)["message"]
    assert upstream.requests == []
