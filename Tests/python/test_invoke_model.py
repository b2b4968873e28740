"""Real boto3 invoke_model against the real `tapedeck` binary: Titan and Cohere embeddings and Anthropic Messages
are recorded, repeated as hits with the upstream count flat, and replayed offline; a hit gives upstream's body byte
for byte and Bedrock's headers; the key holds the model, the body (canonical JSON) and the headers that change the
answer, nothing else; upstream errors are passed on and never recorded."""
import base64
import json

import pytest
from botocore.exceptions import ClientError

from conftest import error_reply, json_reply
from test_boto3 import cassette_files, client, tapedeck_header
from test_fake_bedrock_runtime import CLAUDE, COHERE, TITAN, claude_body


def titan_body(text, dimensions=256):
    return json.dumps({"inputText": text, "dimensions": dimensions, "normalize": True})


def cohere_body(texts):
    return json.dumps({"texts": texts, "input_type": "search_document"})


REQUESTS = {  # one request per model format: (model id, body)
    "titan": (TITAN, titan_body("Lisbon is the capital of Portugal")),
    "cohere": (COHERE, cohere_body(["Tapedeck records Bedrock", "and replays it offline"])),
    "anthropic": (CLAUDE, claude_body("What is the capital of France?")),
}


def invoke(bedrock, model, body, **extra):
    """invoke_model as applications call it; returns the response and its body's bytes."""
    response = bedrock.invoke_model(modelId=model, body=body, contentType="application/json",
                                    accept="application/json", **extra)
    return response, response["body"].read()


def header(response, name):
    return response["ResponseMetadata"]["HTTPHeaders"].get(name)


def recorder(launch, upstream, tmp_path, *flags):
    return client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}", *flags).url)


@pytest.mark.parametrize("kind", REQUESTS)
def test_invoke_model_records_repeats_as_a_hit_and_replays_offline(record_replay, upstream, kind):
    model, body = REQUESTS[kind]
    bedrock = client(record_replay.record().url)
    recorded, recorded_body = invoke(bedrock, model, body)
    repeated, repeated_body = invoke(bedrock, model, body)
    assert (tapedeck_header(recorded), tapedeck_header(repeated)) == ("miss", "hit")
    assert len(upstream.requests) == 1
    assert repeated_body == recorded_body
    replayed, replayed_body = invoke(client(record_replay.offline().url), model, body)
    assert tapedeck_header(replayed) == "hit"
    assert replayed_body == recorded_body
    record_replay.finish()


@pytest.mark.parametrize("kind", ["titan", "cohere"])
def test_an_embedding_request_with_its_keys_reordered_is_the_same_cassette(upstream, launch, tmp_path, kind):
    model, body = REQUESTS[kind]
    reordered = json.dumps(dict(reversed(json.loads(body).items())), indent=2)
    assert reordered != body and json.loads(reordered) == json.loads(body)
    bedrock = recorder(launch, upstream, tmp_path)
    first, first_body = invoke(bedrock, model, body)
    second, second_body = invoke(bedrock, model, reordered)
    assert (tapedeck_header(first), tapedeck_header(second)) == ("miss", "hit")
    assert header(first, "x-tapedeck-key") == header(second, "x-tapedeck-key")
    assert second_body == first_body
    assert len(upstream.requests) == 1
    assert len(cassette_files(tmp_path, expect=1)) == 1


def test_a_number_spelled_differently_is_the_same_request(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    invoke(bedrock, TITAN, '{"inputText": "Porto", "dimensions": 256, "normalize": true}')
    again, _ = invoke(bedrock, TITAN, '{"inputText": "Porto", "dimensions": 2.56e2, "normalize": true}')
    assert tapedeck_header(again) == "hit"
    assert len(upstream.requests) == 1


@pytest.mark.parametrize("model, body", [
    (TITAN, titan_body("hello")),  # its vector holds a float Python writes with an exponent (checked below)
    (COHERE, cohere_body(["hello", "world"])),
    (CLAUDE, claude_body("Un café, s'il vous plaît")),  # UTF-8 as is in the answer, not \u escapes
], ids=["titan", "cohere", "anthropic"])
def test_a_hit_is_byte_for_byte_what_upstream_sent(upstream, launch, tmp_path, model, body):
    bedrock = recorder(launch, upstream, tmp_path)
    invoke(bedrock, model, body)
    hit, hit_body = invoke(bedrock, model, body)
    sent = upstream.requests[0]["reply"][2]
    assert b"e-" in sent or model != TITAN, "the Titan case exercises an exponent"
    assert tapedeck_header(hit) == "hit"
    assert hit_body == sent
    assert hit["contentType"] == "application/json"


def test_a_hit_has_the_recorded_token_count_headers(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    recorded, _ = invoke(bedrock, *REQUESTS["anthropic"])
    hit, _ = invoke(bedrock, *REQUESTS["anthropic"])
    assert tapedeck_header(hit) == "hit"
    assert header(hit, "x-amzn-bedrock-input-token-count") == header(recorded, "x-amzn-bedrock-input-token-count") == "6"
    assert header(hit, "x-amzn-bedrock-output-token-count") == header(recorded, "x-amzn-bedrock-output-token-count") == "7"


@pytest.mark.parametrize("flags, latency", [([], "0"), (["--hit-latency-ms", "25"], "25")])
def test_a_hit_reports_hit_latency_ms_as_the_invocation_latency(upstream, launch, tmp_path, flags, latency):
    bedrock = recorder(launch, upstream, tmp_path, *flags)
    recorded, _ = invoke(bedrock, *REQUESTS["titan"])
    hit, _ = invoke(bedrock, *REQUESTS["titan"])
    assert header(recorded, "x-amzn-bedrock-invocation-latency") == "312"  # upstream's, passed on
    assert header(hit, "x-amzn-bedrock-invocation-latency") == latency


def test_a_hit_has_a_request_id_of_its_own_the_same_every_time(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    recorded, _ = invoke(bedrock, *REQUESTS["titan"])
    hits = [invoke(bedrock, *REQUESTS["titan"])[0] for _ in range(2)]
    assert recorded["ResponseMetadata"]["RequestId"] == "real-1"
    ids = {hit["ResponseMetadata"].get("RequestId") for hit in hits}
    assert len(ids) == 1 and not ids & {None, "", "real-1"}


def test_the_model_id_is_part_of_the_key(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    invoke(bedrock, CLAUDE, REQUESTS["anthropic"][1])
    other, _ = invoke(bedrock, "us." + CLAUDE, REQUESTS["anthropic"][1])
    assert tapedeck_header(other) == "miss"
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("extra", [
    {"accept": "text/plain"},
    {"contentType": "application/json; charset=utf-8"},
    {"guardrailIdentifier": "gr-tapedeck", "guardrailVersion": "1"},
    {"trace": "ENABLED"},
    {"performanceConfigLatency": "optimized"},
    {"serviceTier": "priority"},
], ids=lambda extra: "+".join(extra))
def test_a_header_that_changes_the_answer_is_part_of_the_key(upstream, launch, tmp_path, extra):
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["anthropic"]
    invoke(bedrock, model, body)
    arguments = {"contentType": "application/json", "accept": "application/json", **extra}
    other = bedrock.invoke_model(modelId=model, body=body, **arguments)
    assert tapedeck_header(other) == "miss"
    assert len(upstream.requests) == 2


@pytest.mark.parametrize("extra", [
    {"requestMetadata": json.dumps({"team": "search", "run": "42"})},
    {"projectIdentifier": "proj-tapedeck"},
], ids=lambda extra: "+".join(extra))
def test_a_header_that_does_not_change_the_answer_is_left_out_of_the_key(upstream, launch, tmp_path, extra):
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["anthropic"]
    invoke(bedrock, model, body)
    again, _ = invoke(bedrock, model, body, **extra)
    assert tapedeck_header(again) == "hit"
    assert len(upstream.requests) == 1


def test_absent_content_type_and_accept_are_application_json(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["titan"]
    bare = bedrock.invoke_model(modelId=model, body=body)  # boto3 then sends neither header
    assert "Content-Type" not in upstream.requests[0]["headers"] and "Accept" not in upstream.requests[0]["headers"]
    explicit, _ = invoke(bedrock, model, body)
    assert (tapedeck_header(bare), tapedeck_header(explicit)) == ("miss", "hit")
    assert len(upstream.requests) == 1


def test_a_body_that_is_not_json_is_keyed_by_its_exact_bytes(upstream, launch, tmp_path):
    upstream.replies.append(json_reply({"outputText": "plain text answered"}))
    bedrock = recorder(launch, upstream, tmp_path)

    def send(body):
        return bedrock.invoke_model(modelId=TITAN, body=body, contentType="text/plain", accept="application/json")
    recorded, repeated = send(b"embed: hello world"), send(b"embed: hello world")
    assert (tapedeck_header(recorded), tapedeck_header(repeated)) == ("miss", "hit")
    assert json.loads(repeated["body"].read()) == {"outputText": "plain text answered"}
    with pytest.raises(ClientError) as caught:  # one more space: another request (the fake cannot read it: 400)
        send(b"embed: hello  world")
    assert tapedeck_header(caught.value.response) == "miss"
    assert len(upstream.requests) == 2
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert base64.b64decode(stored["requestBytes"]) == b"embed: hello world"
    assert stored["requestHeaders"]["content-type"] == "text/plain"


def test_an_accept_of_any_type_is_application_json(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["titan"]
    invoke(bedrock, model, body)
    anything = bedrock.invoke_model(modelId=model, body=body, contentType="application/json", accept="*/*")
    assert tapedeck_header(anything) == "hit"  # Bedrock answers */* (curl's default) as it answers application/json
    assert len(upstream.requests) == 1


def test_the_cassette_keeps_the_request_its_keyed_headers_and_the_answer(upstream, launch, tmp_path):
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["anthropic"]
    invoke(bedrock, model, body, requestMetadata=json.dumps({"team": "team-never-stored"}))
    text = open(cassette_files(tmp_path, expect=1)[0]).read()
    stored = json.loads(text)
    assert (stored["format"], stored["operation"], stored["modelId"]) == (2, "invoke", CLAUDE)
    assert stored["request"] == json.loads(body)
    assert stored["requestHeaders"] == {"accept": "application/json", "content-type": "application/json"}
    response = stored["response"]
    assert response["status"] == 200
    assert response["headers"]["x-amzn-bedrock-input-token-count"] == "6"
    assert response["headers"]["x-amzn-bedrock-output-token-count"] == "7"
    assert stored_body(response) == upstream.requests[0]["reply"][2]
    for secret in ("AKIDTAPEDECKTEST", "tapedeck-secret-never-recorded", "Authorization", "X-Amz-Date", "team-never-stored"):
        assert secret not in text


def stored_body(response):
    """The answer's bytes as a format-2 cassette keeps them (README, "Cassettes"): JSON when writing it back gives
    upstream's bytes, else the exact text, else base64."""
    if "bodyText" in response:
        return response["bodyText"].encode()
    if "bodyBytes" in response:
        return base64.b64decode(response["bodyBytes"])
    return json.dumps(response["body"], separators=(",", ":"), ensure_ascii=False).encode()


@pytest.mark.parametrize("status, error_type, message", [
    (429, "ThrottlingException", "Too many requests, please wait before trying again."),
    (400, "ValidationException", "Malformed input request: #: required key [messages] not found"),
])
def test_an_upstream_error_is_passed_on_and_not_recorded(upstream, launch, tmp_path, status, error_type, message):
    upstream.replies.append(error_reply(status, error_type, message))
    bedrock = recorder(launch, upstream, tmp_path)
    model, body = REQUESTS["anthropic"]
    with pytest.raises(ClientError) as caught:
        invoke(bedrock, model, body)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert caught.value.response["Error"] == {"Code": error_type, "Message": message}
    # Nothing was recorded: the same call goes upstream again, and that answer is recorded.
    again, _ = invoke(bedrock, model, body)
    assert tapedeck_header(again) == "miss"
    assert len(upstream.requests) == 2
    assert len(cassette_files(tmp_path, expect=1)) == 1


def test_an_offline_miss_names_the_model_and_the_nearest_recording(record_replay):
    bedrock = client(record_replay.record().url)
    invoke(bedrock, TITAN, titan_body("Lisbon is the capital of Portugal"))
    player = client(record_replay.offline().url)
    with pytest.raises(ClientError) as caught:
        invoke(player, TITAN, titan_body("Porto is the capital of Portugal"))
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    error = caught.value.response["Error"]
    assert error["Code"] == "CassetteNotFoundException"
    assert TITAN in error["Message"]
    assert "inputText" in error["Message"], "the JSON path that differs from the nearest recording"
