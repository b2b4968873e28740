"""No credential ever reaches a cassette, a log line, an error message or the stats: record with every kind of
credential a client sends, provoke errors, then scan everything Tapedeck wrote or answered, in both log formats."""
import http.client
import json
import os

import pytest

SECRETS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDSCANSECRET1/20261125/us-east-1/bedrock/aws4_request, Signature=deadbeefsecret2",
    "X-Amz-Security-Token": "sessiontokensecret3",
    "x-api-key": "apikeysecret4",
    "x-bf-vk": "sk-bf-virtualkeysecret5",
    "Cookie": "session=cookiesecret6",
}
NEEDLES = ["AKIDSCANSECRET1", "deadbeefsecret2", "sessiontokensecret3", "apikeysecret4", "virtualkeysecret5", "cookiesecret6",
           "urlsecret7", "querysecret8"]
# A presigned-style query string on the request and a password in --upstream's URL are credentials too.
QUERY = "?X-Amz-Credential=AKIDSCANSECRET1&X-Amz-Signature=querysecret8"
MODEL_PATH = "/model/us.anthropic.claude-3-5-haiku-20241022-v1%3A0"


def post(port, path, body, extra=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json", **SECRETS, **(extra or {})})
    response = connection.getresponse()
    return response.status, dict(response.getheaders()), response.read().decode("utf-8", "replace")


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    return connection.getresponse().read().decode()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_credentials_never_reach_cassettes_logs_errors_or_stats(upstream, launch, tmp_path, log_format):
    answers = []
    upstream.replies.append((429, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
                             b'{"message":"slow down"}'))
    with_password = upstream.url.replace("http://", "http://scanuser:urlsecret7@")
    server = launch("--upstream", with_password, "--store", f"json:{tmp_path}", "--log-format", log_format, "--log-level", "debug")
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "scan me"}]}]})
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # upstream 429, passed through
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # recorded
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # hit
    answers.append(post(server.port, f"{MODEL_PATH}/converse-stream", body))  # stream synthesized from the cassette
    answers.append(post(server.port, f"{MODEL_PATH}/converse", "{bad json"))  # 400
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body, {"x-tapedeck-mode": "replay", "x-tapedeck-namespace": "../x"}))
    answers.append(post(server.port, "/nowhere", body))                      # passed through: upstream's 404
    answers.append(post(server.port, f"{MODEL_PATH}/converse{QUERY}", body))  # hit, the query string left out of the log
    answers.append(post(server.port, f"{MODEL_PATH}/converse", json.dumps({"messages": [], "n": 1}),
                        {"x-tapedeck-mode": "replay"}))                      # replay miss with diagnostics
    stats, metrics = get(server.port, "/_tapedeck/stats"), get(server.port, "/metrics")
    assert [a[0] for a in answers][:3] == [429, 200, 200]
    assert answers[-2][0] == 200 and answers[-2][1]["x-tapedeck"] == "hit"
    assert answers[6][0] == 404 and answers[6][1]["x-tapedeck"] == "passthrough"
    assert [r["path"] for r in upstream.requests] == [f"{MODEL_PATH}/converse"] * 2 + ["/nowhere"], \
        "the client's credentials did reach upstream (forwarded), as they must"
    assert upstream.requests[0]["headers"]["x-api-key"] == "apikeysecret4"
    server.stop()

    lines = server.log.splitlines()
    if log_format == "json":
        events = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all(isinstance(event, dict) and {"time", "level", "msg"} <= event.keys() for event in events)
        listening = next(event for event in events if event["msg"] == "listening")
        assert listening["upstream"] == upstream.url, "the URL is logged without its password"
        requests = [event for event in events if event["msg"] == "request"]
        assert len(requests) == len(answers) + 2, "every answer and the stats and metrics pages (debug) are logged"
    else:
        assert not any(line.startswith("{") for line in lines)
        assert any(f" upstream={upstream.url} " in line for line in lines), server.log

    written = []
    for directory, _, files in os.walk(tmp_path):
        for name in files:
            with open(os.path.join(directory, name), "rb") as f:
                written.append((os.path.join(directory, name), f.read().decode("utf-8", "replace")))
    assert any(path.endswith(".json") and not os.path.basename(path).startswith(".") for path, _ in written)
    places = [("log", server.log), ("stats", stats), ("metrics", metrics)]
    places += [(f"answer {i}", json.dumps(a[1]) + a[2]) for i, a in enumerate(answers)]
    places += written
    for place, text in places:
        for needle in NEEDLES:
            assert needle not in text, f"{needle} leaked into {place}"
