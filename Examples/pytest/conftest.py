"""The README's pytest recipe: every test gets its own Tapedeck namespace through a boto3 event hook.

Run the suite against `tapedeck serve --strict` in CI (replay only; a miss fails with what differs), and against
`tapedeck serve --upstream …` on a developer machine to record. Point boto3 at Tapedeck with
AWS_ENDPOINT_URL_BEDROCK_RUNTIME=http://127.0.0.1:8787.
"""
import re

import boto3
import pytest


@pytest.fixture
def bedrock(request):
    client = boto3.client("bedrock-runtime", region_name="us-east-1")
    namespace = re.sub(r"[^A-Za-z0-9._-]", "_", request.node.name)[:128]

    def add_namespace(request, **kwargs):
        request.headers["x-tapedeck-namespace"] = namespace

    client.meta.events.register("before-sign.bedrock-runtime.*", add_namespace)
    return client
