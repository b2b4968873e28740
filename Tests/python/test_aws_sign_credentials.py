"""`serve --aws-sign` with credentials from a profile (static keys, credential_process, a role) instead of the environment:
the signature the upstream receives is byte-for-byte the one botocore's SigV4Auth computes for the same request,
date and credentials; the start-up log names the source and never a secret; a failure names what was tried."""
import datetime
import http.server
import os
import subprocess
import urllib.parse

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from conftest import BINARY, ROOT
from fake_upstream import serve

KEY_ID = "AKIAPROFILEEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYPROFILEKEY"
PROCESS_KEY_ID = "ASIAPROCESSEXAMPLE"
PROCESS_SECRET = "process/Secret+never+logged/EXAMPLEKEY01"
PROCESS_TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//process/session+token="


@pytest.fixture
def profile_files(monkeypatch, tmp_path):
    """Shared files for profile `dev` (region eu-west-1), and no credentials or region in the environment."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    credentials, config = tmp_path / "credentials", tmp_path / "config"
    config.write_text("[profile dev]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return credentials, config


def credential_process(tmp_path, output):
    script = tmp_path / "creds.sh"
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n")
    script.chmod(0o755)
    return script


def pass_through(server):
    """One ListAsyncInvokes through Tapedeck, signed by the client with keys of its own (Tapedeck replaces them)."""
    bedrock = boto3.client("bedrock-runtime", endpoint_url=server.url, region_name="us-east-1",
                           aws_access_key_id="AKIDCLIENTONLY", aws_secret_access_key="client-secret",
                           config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))
    bedrock.list_async_invokes(statusEquals="Completed")


def botocore_authorization(received, key_id, secret, token, region, monkeypatch, service="bedrock"):
    """The Authorization botocore's SigV4Auth gives the request the fake upstream received, at its X-Amz-Date, over
    the headers Tapedeck signed."""
    headers = received["headers"]
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    kept = {name: value for name, value in headers.items()
            if name.lower() in signed and name.lower() not in ("x-amz-date", "x-amz-security-token")}
    request = AWSRequest(method=received["method"], url=f"http://{headers['Host']}{received['path']}",
                         data=received["body"], headers=kept)
    moment = datetime.datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: moment)
    SigV4Auth(Credentials(key_id, secret, token), service, region).add_auth(request)
    return request.headers["Authorization"]


def test_static_keys_of_the_named_profile_sign_as_botocore_does(upstream, launch, profile_files, tmp_path, monkeypatch):
    credentials, _ = profile_files
    credentials.write_text(f"[default]\naws_access_key_id = AKIDWRONG\naws_secret_access_key = x\n"
                           f"[dev]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path / 'c'}", "--aws-sign")
    assert "SigV4 as AKIA…(redacted) from profile dev (credentials file) in eu-west-1" in server.log
    pass_through(server)
    received = upstream.requests[0]
    assert received["headers"]["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={KEY_ID}/")
    assert received["headers"]["Authorization"] == botocore_authorization(received, KEY_ID, SECRET, None, "eu-west-1", monkeypatch)
    assert SECRET not in server.log


def test_credential_process_credentials_sign_with_their_session_token(upstream, launch, profile_files, tmp_path, monkeypatch):
    _, config = profile_files
    script = credential_process(tmp_path, f'{{"Version": 1, "AccessKeyId": "{PROCESS_KEY_ID}", "SecretAccessKey": '
                                          f'"{PROCESS_SECRET}", "SessionToken": "{PROCESS_TOKEN}", '
                                          f'"Expiration": "2099-01-01T00:00:00Z"}}')
    config.write_text(f"[profile dev]\nregion = eu-west-1\ncredential_process = {script}\n")
    server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path / 'c'}", "--aws-sign")
    assert "SigV4 as ASIA…(redacted) with a session token from profile dev (credential_process) in eu-west-1" in server.log
    pass_through(server)
    received = upstream.requests[0]
    assert received["headers"]["X-Amz-Security-Token"] == PROCESS_TOKEN
    assert received["headers"]["Authorization"] == botocore_authorization(
        received, PROCESS_KEY_ID, PROCESS_SECRET, PROCESS_TOKEN, "eu-west-1", monkeypatch)
    assert PROCESS_SECRET not in server.log and PROCESS_TOKEN not in server.log


def test_without_credentials_serve_names_what_it_tried_and_no_secret(profile_files, tmp_path):
    _, config = profile_files
    # Output that is not a credential document, but holds the secret: it must not be echoed.
    script = credential_process(tmp_path, f'AccessKeyId={PROCESS_KEY_ID} SecretAccessKey={PROCESS_SECRET}')
    config.write_text(f"[profile dev]\ncredential_process = {script}\n")
    env = dict(os.environ, AWS_EC2_METADATA_DISABLED="true")
    done = subprocess.run([BINARY, "serve", "--port", "0", "--upstream", "http://127.0.0.1:9", "--aws-sign"],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "tried environment (AWS_BEARER_TOKEN_BEDROCK, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set), " \
           f"then profile dev: credential_process {script}: its output is not valid JSON" in done.stderr
    assert PROCESS_SECRET not in done.stderr

    config.write_text("[profile dev]\nregion = eu-west-1\n")
    done = subprocess.run([BINARY, "serve", "--port", "0", "--upstream", "http://127.0.0.1:9", "--aws-sign"],
                          cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "profile dev (neither keys nor credential_process in" in done.stderr
    assert "container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set), " \
           "EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true)" in done.stderr


class FakeSTS(http.server.BaseHTTPRequestHandler):
    """AssumeRole: records each request and answers with credentials named after the role."""
    requests = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        FakeSTS.requests.append({"method": "POST", "path": self.path, "headers": dict(self.headers), "body": body})
        role = urllib.parse.parse_qs(body.decode())["RoleArn"][0].rsplit("/", 1)[-1]
        answer = (f"<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA{role.upper()}</AccessKeyId>"
                  f"<SecretAccessKey>role/secret+{role}</SecretAccessKey><SessionToken>role-token-{role}</SessionToken>"
                  "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer.encode())

    def log_message(self, *args):
        pass


def test_a_role_profile_assumes_its_role_and_both_signatures_match_botocore(upstream, launch, profile_files, tmp_path, monkeypatch):
    credentials, config = profile_files
    credentials.write_text(f"[base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    config.write_text("[profile dev]\nregion = eu-west-1\nrole_arn = arn:aws:iam::123456789012:role/bedrock\n"
                      "source_profile = base\nrole_session_name = tapedeck-e2e\n")
    FakeSTS.requests = []
    sts, _, sts_url = serve(FakeSTS)
    try:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts_url)
        server = launch("--upstream", upstream.url, "--store", f"json:{tmp_path / 'c'}", "--aws-sign")
        assert "SigV4 as ASIA…(redacted) with a session token from profile dev (role_arn, source profile base " \
               "(credentials file)) in eu-west-1" in server.log
        call = FakeSTS.requests[0]
        assert call["body"] == b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole" \
                               b"%2Fbedrock&RoleSessionName=tapedeck-e2e"
        assert call["headers"]["Authorization"] == botocore_authorization(call, KEY_ID, SECRET, None, "eu-west-1", monkeypatch,
                                                                          service="sts")
        pass_through(server)
        received = upstream.requests[0]
        assert received["headers"]["X-Amz-Security-Token"] == "role-token-bedrock"
        assert received["headers"]["Authorization"] == botocore_authorization(
            received, "ASIABEDROCK", "role/secret+bedrock", "role-token-bedrock", "eu-west-1", monkeypatch)
        assert SECRET not in server.log and "role/secret+bedrock" not in server.log
    finally:
        sts.shutdown()
        sts.server_close()
