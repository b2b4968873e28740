"""No credential ever reaches a cassette, a log line, an error message or the stats: record with every kind of
credential a client sends, provoke errors, then scan everything Tapedeck wrote or answered."""
import http.client
import json
import os

SECRETS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=AKIDSCANSECRET1/20261125/us-east-1/bedrock/aws4_request, Signature=deadbeefsecret2",
    "X-Amz-Security-Token": "sessiontokensecret3",
    "x-api-key": "apikeysecret4",
    "x-bf-vk": "sk-bf-virtualkeysecret5",
    "Cookie": "session=cookiesecret6",
}
NEEDLES = ["AKIDSCANSECRET1", "deadbeefsecret2", "sessiontokensecret3", "apikeysecret4", "virtualkeysecret5", "cookiesecret6"]
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


def test_credentials_never_reach_cassettes_logs_errors_or_stats(upstream, launch, tmp_path):
    answers = []
    upstream.replies.append((429, {"Content-Type": "application/json", "x-amzn-ErrorType": "ThrottlingException"},
                             b'{"message":"slow down"}'))
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path}")
    body = json.dumps({"messages": [{"role": "user", "content": [{"text": "scan me"}]}]})
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # upstream 429, passed through
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # recorded
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body))        # hit
    answers.append(post(server.port, f"{MODEL_PATH}/converse-stream", body))  # stream synthesized from the cassette
    answers.append(post(server.port, f"{MODEL_PATH}/converse", "{bad json"))  # 400
    answers.append(post(server.port, f"{MODEL_PATH}/converse", body, {"x-tapedeck-mode": "replay", "x-tapedeck-namespace": "../x"}))
    answers.append(post(server.port, "/nowhere", body))                      # 404
    answers.append(post(server.port, f"{MODEL_PATH}/converse", json.dumps({"messages": [], "n": 1}),
                        {"x-tapedeck-mode": "replay"}))                      # replay miss with diagnostics
    stats, metrics = get(server.port, "/_tapedeck/stats"), get(server.port, "/metrics")
    assert [a[0] for a in answers][:3] == [429, 200, 200]
    assert len(upstream.requests) == 2, "the client's credentials did reach upstream (forwarded), as they must"
    assert upstream.requests[0]["headers"]["x-api-key"] == "apikeysecret4"
    server.stop()

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
