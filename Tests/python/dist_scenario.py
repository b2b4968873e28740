"""What test_dist.py runs with the Swift toolchain hidden (argv: the unpacked binary, a store directory, the fake
upstream's URL): ldd names no Swift library and nothing missing; one Converse request is recorded through boto3,
replayed by a second serve without an upstream, and listed by `tapedeck ls`. Prints what it saw; exits non-zero on
the first thing that is wrong."""
import os
import shutil
import subprocess
import sys

import boto3

binary, store, upstream = sys.argv[1:4]

assert shutil.which("swift") is None, "swift is visible"
linked = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
assert "swift" not in linked.lower() and "not found" not in linked, linked
print("ldd:", " ".join(sorted(line.split()[0] for line in linked.splitlines() if line.strip())))


def serve(*args):
    process = subprocess.Popen([binary, "serve", "--port", "0", "--store", f"json:{store}", *args],
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        if " listening " in line:
            return process, line.split("address=")[1].split()[0]
    raise AssertionError(f"serve exited with {process.wait()}")


def converse(url):
    client = boto3.client("bedrock-runtime", endpoint_url=url, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    answer = client.converse(modelId="us.anthropic.claude-3-5-haiku-20241022-v1:0",
                             messages=[{"role": "user", "content": [{"text": "Say hello"}]}])
    return answer["output"]["message"]["content"][0]["text"], answer["ResponseMetadata"]["HTTPHeaders"]["x-tapedeck"]


recorder, url = serve("--upstream", upstream)
recorded = converse(url)
recorder.terminate()
assert recorder.wait(timeout=30) == 0
player, url = serve()
replayed = converse(url)
player.terminate()
assert player.wait(timeout=30) == 0
print("recorded:", recorded, "replayed:", replayed)
assert recorded[1] == "miss" and replayed == (recorded[0], "hit"), (recorded, replayed)
listing = subprocess.run([binary, "ls", "--store", f"json:{store}"], capture_output=True, text=True, check=True).stdout
assert "Say hello" in listing, listing
print("ls:", listing.splitlines()[1])
version = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout.strip()
print("version:", version)
