"""Real boto3 count_tokens and apply_guardrail against the real `tapedeck` binary: recorded, a hit with the upstream
count flat, replayed offline; JSON bodies are canonical in the key, and a guardrail's identifier and version are
part of it."""
import json

import pytest

from test_boto3 import cassette_files, client, tapedeck_header
from test_fake_bedrock_runtime import CLAUDE, claude_body

CONVERSE_INPUT = {"converse": {"messages": [{"role": "user", "content": [{"text": "How many tokens is this?"}]}]}}
INVOKE_INPUT = {"invokeModel": {"body": claude_body("Count these four words")}}


def apply(bedrock, text, guardrail="gr-tapedeck", version="1"):
    return bedrock.apply_guardrail(guardrailIdentifier=guardrail, guardrailVersion=version, source="INPUT",
                                   content=[{"text": {"text": text}}])


def answer(response):
    """A response without its metadata (the request id and headers differ between a miss and a hit)."""
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


@pytest.mark.parametrize("request_input, tokens", [(CONVERSE_INPUT, 5), (INVOKE_INPUT, 4)], ids=["converse", "invokeModel"])
def test_count_tokens_records_repeats_as_a_hit_and_replays_offline(record_replay, upstream, request_input, tokens):
    bedrock = client(record_replay.record().url)
    recorded = bedrock.count_tokens(modelId=CLAUDE, input=request_input)
    repeated = bedrock.count_tokens(modelId=CLAUDE, input=request_input)
    assert (tapedeck_header(recorded), tapedeck_header(repeated)) == ("miss", "hit")
    assert recorded["inputTokens"] == repeated["inputTokens"] == tokens
    assert len(upstream.requests) == 1
    replayed = client(record_replay.offline().url).count_tokens(modelId=CLAUDE, input=request_input)
    assert tapedeck_header(replayed) == "hit" and replayed["inputTokens"] == tokens
    record_replay.finish()


def test_count_tokens_for_another_model_is_a_miss(upstream, launch, tmp_path):
    bedrock = client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}").url)
    bedrock.count_tokens(modelId=CLAUDE, input=CONVERSE_INPUT)
    other = bedrock.count_tokens(modelId="anthropic.claude-3-7-sonnet-20250219-v1:0", input=CONVERSE_INPUT)
    assert tapedeck_header(other) == "miss"
    assert len(upstream.requests) == 2


def test_the_count_tokens_cassette_names_its_operation(upstream, launch, tmp_path):
    bedrock = client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}").url)
    bedrock.count_tokens(modelId=CLAUDE, input=CONVERSE_INPUT)
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert (stored["operation"], stored["modelId"]) == ("count-tokens", CLAUDE)
    assert stored["request"] == {"input": CONVERSE_INPUT}


@pytest.mark.parametrize("text, action", [("Tell me about cassettes", "NONE"),
                                          ("Tell me something forbidden", "GUARDRAIL_INTERVENED")])
def test_apply_guardrail_records_repeats_as_a_hit_and_replays_offline(record_replay, upstream, text, action):
    bedrock = client(record_replay.record().url)
    recorded = apply(bedrock, text)
    repeated = apply(bedrock, text)
    assert (tapedeck_header(recorded), tapedeck_header(repeated)) == ("miss", "hit")
    assert recorded["action"] == action
    assert answer(repeated) == answer(recorded)
    assert len(upstream.requests) == 1
    replayed = apply(client(record_replay.offline().url), text)
    assert tapedeck_header(replayed) == "hit"
    assert answer(replayed) == answer(recorded)
    record_replay.finish()


@pytest.mark.parametrize("other", [{"version": "2"}, {"version": "DRAFT"}, {"guardrail": "gr-other"}],
                         ids=["version-2", "version-DRAFT", "another-guardrail"])
def test_another_guardrail_or_version_is_a_miss(upstream, launch, tmp_path, other):
    bedrock = client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}").url)
    apply(bedrock, "Tell me about cassettes")
    again = apply(bedrock, "Tell me about cassettes", **other)
    assert tapedeck_header(again) == "miss"
    assert len(upstream.requests) == 2
    assert upstream.requests[1]["path"] == "/guardrail/{}/version/{}/apply".format(
        other.get("guardrail", "gr-tapedeck"), other.get("version", "1"))
    assert len(cassette_files(tmp_path, expect=2)) == 2


def test_the_guardrail_cassette_is_named_by_identifier_at_version(upstream, launch, tmp_path):
    bedrock = client(launch("--upstream", upstream.url, "--store", f"json:{tmp_path}").url)
    apply(bedrock, "Tell me about cassettes", version="3")
    stored = json.load(open(cassette_files(tmp_path, expect=1)[0]))
    assert (stored["operation"], stored["modelId"]) == ("apply-guardrail", "gr-tapedeck@3")
    assert stored["request"] == {"source": "INPUT", "content": [{"text": {"text": "Tell me about cassettes"}}]}
