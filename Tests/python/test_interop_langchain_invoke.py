"""langchain-aws on InvokeModel, pointed at Tapedeck by AWS_ENDPOINT_URL_BEDROCK_RUNTIME: BedrockEmbeddings (Titan
text embeddings v2 and Cohere embed v3) and ChatBedrock with an Anthropic model (the InvokeModel chat model, not
Converse), invoke and stream: each recorded against the fake, repeated as hits with the upstream count flat, then
replayed offline with the fake stopped, to the same results."""
from functools import reduce

import pytest
from langchain_aws import BedrockEmbeddings, ChatBedrock

from test_fake_bedrock_runtime import CLAUDE, COHERE, TITAN


@pytest.fixture
def three_times(record_replay, monkeypatch, upstream):
    """Runs `work(url)` against a recording Tapedeck twice (the second run must not reach upstream), then offline;
    returns the three results."""
    def run(work):
        def at(server):
            monkeypatch.setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", server.url)
            return work(server.url)
        server = record_replay.record()
        recorded = at(server)
        calls = len(upstream.requests)
        repeated = at(server)
        assert len(upstream.requests) == calls, "the repeat was answered from cassettes"
        replayed = at(record_replay.offline())
        record_replay.finish()
        return recorded, repeated, replayed
    return run


def embeddings(url, model, **options):
    embedder = BedrockEmbeddings(model_id=model, **options)
    assert embedder.client.meta.endpoint_url == url
    return embedder


def chat(url):
    llm = ChatBedrock(model=CLAUDE, temperature=0, max_tokens=64)
    assert llm.client.meta.endpoint_url == url
    assert not llm.beta_use_converse_api, "ChatBedrock on an Anthropic model calls InvokeModel"
    return llm


def paths(upstream):
    return [request["path"].rsplit("/", 1)[-1] for request in upstream.requests]


def test_titan_embeddings_record_then_replay_offline(three_times, upstream):
    def work(url):
        embedder = embeddings(url, TITAN, dimensions=256, normalize=True)
        return embedder.embed_query("What is Tapedeck?"), embedder.embed_documents(["Tapedeck records.", "It replays."])
    recorded, repeated, replayed = three_times(work)
    query, documents = recorded
    assert len(query) == 256 and [len(d) for d in documents] == [256, 256]
    assert repeated == replayed == recorded
    assert paths(upstream) == ["invoke", "invoke", "invoke"]
    assert all(r["path"].startswith("/model/amazon.titan-embed-text-v2%3A0/") for r in upstream.requests)


def test_cohere_embeddings_record_then_replay_offline(three_times, upstream):
    def work(url):
        embedder = embeddings(url, COHERE)
        return embedder.embed_documents(["Tapedeck records.", "It replays."]), embedder.embed_query("What is Tapedeck?")
    recorded, repeated, replayed = three_times(work)
    documents, query = recorded
    assert [len(d) for d in documents] == [1024, 1024] and len(query) == 1024
    assert repeated == replayed == recorded
    assert paths(upstream) == ["invoke", "invoke"]  # one batch for the documents, one for the query


def test_chat_bedrock_invoke_records_then_replays_offline(three_times, upstream):
    recorded, repeated, replayed = three_times(lambda url: chat(url).invoke("What is the capital of France?"))
    assert recorded.content == repeated.content == replayed.content == "echo: What is the capital of France?"
    # The token counts come from Bedrock's headers on InvokeModel: a hit carries the recorded ones.
    assert recorded.usage_metadata["input_tokens"] == 6 and recorded.usage_metadata["output_tokens"] == 7
    assert repeated.usage_metadata == replayed.usage_metadata == recorded.usage_metadata
    assert replayed.response_metadata["stop_reason"] == "end_turn"
    assert [r["path"] for r in upstream.requests] == ["/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke"]


def test_chat_bedrock_stream_records_then_replays_offline(three_times, upstream):
    def work(url):
        chunks = list(chat(url).stream("Tell me a story about a fox"))
        return [c.content for c in chunks], reduce(lambda a, b: a + b, chunks)
    (live, whole), (repeated, _), (again, whole_again) = three_times(work)
    assert whole.content == whole_again.content == "echo: Tell me a story about a fox"
    assert repeated == again == live
    assert sum(1 for piece in again if piece) > 1, "the answer arrives in several chunks"
    assert (whole.usage_metadata["input_tokens"], whole.usage_metadata["output_tokens"]) == (7, 8)
    assert whole_again.usage_metadata == whole.usage_metadata
    assert whole_again.response_metadata["stop_reason"] == "end_turn"
    assert paths(upstream) == ["invoke-with-response-stream"]
