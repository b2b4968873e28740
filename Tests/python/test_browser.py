"""The cassette browser in a real browser: headless Chromium loads /_tapedeck/ from the built binary, serving
cassettes that boto3 recorded through it (a tool call with an image, a stream, markup in an answer, a
namespace), and the test reads the DOM Chromium prints after the page's script ran.

TAPEDECK_UPDATE_SCREENSHOTS=1 also writes docs/browser-list.png and docs/browser-transcript.png."""
import json
import os
import re
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from html.parser import HTMLParser

import pytest

from conftest import ROOT, text_stream
from test_boto3 import client

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0"
SONNET = "anthropic.claude-3-5-sonnet-20241022-v2:0"
NOVA = "us.amazon.nova-lite-v1:0"
MARKUP_ANSWER = "<script>alert(1)</script> is what you asked for."
MARKUP_QUESTION = "Show me <img src=x onerror=alert(2)> and <b>bold</b>"

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="needs Chromium (make test installs the Debian package chromium)")


def png(width=160, height=100):
    """A small PNG of a dusk sky over a dark hill, made here so the fixture needs no image file."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            hill = y > height * 0.72 - 12 * (1 - ((x - width * 0.6) / (width * 0.6)) ** 2)
            if hill:
                row += bytes([34, 52, 64])
            else:
                t = y / height
                row += bytes([int(250 - 90 * t), int(170 - 110 * t), int(90 + 80 * t)])
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b"")


def converse_reply(content, stop="end_turn", usage=(12, 7)):
    answer = {"output": {"message": {"role": "assistant", "content": content}}, "stopReason": stop,
              "usage": {"inputTokens": usage[0], "outputTokens": usage[1], "totalTokens": sum(usage)}, "metrics": {"latencyMs": 640}}
    return 200, {"Content-Type": "application/json", "x-amzn-RequestId": "fixture"}, json.dumps(answer).encode()


def in_namespace(bedrock, name):
    bedrock.meta.events.register("before-sign.bedrock-runtime.*",
                                 lambda request, **kwargs: request.headers.__setitem__("x-tapedeck-namespace", name))
    return bedrock


WEATHER_TOOL = {"tools": [{"toolSpec": {"name": "get_weather", "description": "Current weather for a city.",
                                        "inputSchema": {"json": {"type": "object", "properties": {"city": {"type": "string"}}}}}}]}


def record_fixtures(upstream, recorder):
    """Records the fixture conversations through the proxy with boto3, then replays some to give them hits.
    Returns {name: (kwargs, operation)} so tests can ask them again."""
    bedrock = client(recorder.url)
    asks = {
        "capital": (dict(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "What is the capital of France? Answer in one word."}]}],
                         inferenceConfig={"maxTokens": 64}), converse_reply([{"text": "Paris."}], usage=(21, 5))),
        "photo": (dict(modelId=NOVA, system=[{"text": "You are a travel assistant. Use tools for live data."}],
                       messages=[
                           {"role": "user", "content": [{"text": "Is it raining where this photo was taken?"},
                                                        {"image": {"format": "png", "source": {"bytes": png()}}},
                                                        {"document": {"format": "txt", "name": "itinerary", "source": {"bytes": b"Day 1: Lisbon\n"}}}]},
                           {"role": "assistant", "content": [{"text": "That looks like Lisbon at dusk. Let me check the weather."},
                                                             {"toolUse": {"toolUseId": "tooluse_weather_1", "name": "get_weather", "input": {"city": "Lisbon", "unit": "celsius"}}}]},
                           {"role": "user", "content": [{"toolResult": {"toolUseId": "tooluse_weather_1", "status": "success",
                                                                        "content": [{"json": {"rain": False, "tempC": 21, "sky": "clear"}}]}}]}],
                       toolConfig=WEATHER_TOOL),
                  converse_reply([{"text": "No rain in Lisbon right now: 21 °C under a clear sky."}], usage=(1830, 42))),
        "markup": (dict(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": MARKUP_QUESTION}]}]),
                   converse_reply([{"text": MARKUP_ANSWER}], usage=(14, 11))),
        "eggs": (dict(modelId=SONNET, messages=[{"role": "user", "content": [{"text": "How long should I boil an egg for a soft yolk?"}]}]),
                 converse_reply([{"text": "About 6 to 7 minutes, then cool it in cold water."}], usage=(19, 16))),
    }
    for name, (kwargs, reply) in asks.items():
        upstream.replies.append(reply)
        bedrock.converse(**kwargs)
    upstream.replies.append((200, {"Content-Type": "application/vnd.amazon.eventstream"},
                             text_stream("Ribbon wound in dark, summer songs sleep in plastic, rewind to begin.", usage=(17, 22))))
    haiku = dict(modelId=HAIKU, messages=[{"role": "user", "content": [{"text": "Write a haiku about a cassette tape."}]}])
    for _ in client(recorder.url).converse_stream(**haiku)["stream"]:
        pass
    upstream.replies.append(converse_reply([{"text": "SPRING10 takes 10% off the basket."}], usage=(50, 12)))
    coupon = dict(modelId=SONNET, messages=[{"role": "user", "content": [{"text": "Which coupon applies to the checkout basket?"}]}])
    in_namespace(client(recorder.url), "checkout").converse(**coupon)
    assert len(upstream.requests) == 6
    for name, times in (("capital", 4), ("photo", 2), ("eggs", 1)):
        for _ in range(times):
            bedrock.converse(**asks[name][0])
    in_namespace(client(recorder.url), "checkout").converse(**coupon)
    assert len(upstream.requests) == 6, "the repeats were hits"
    recorder.stop()  # flushes the hit counts into the store
    return asks


class DOM(HTMLParser):
    """The elements (tag, attributes) and the text of a page as Chromium printed it."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.elements = []
        self.texts = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.texts.append(data)

    @property
    def text(self):
        return " ".join(" ".join(self.texts).split())

    def find(self, tag, **attrs):
        return [found for name, found in self.elements if name == tag
                and all(found.get(key.replace("_", "-")) == value for key, value in attrs.items())]


def chromium(url, tmp_path, *extra):
    """Runs headless Chromium on `url`; the page's script gets 5 s of virtual time (network waits excluded)."""
    assert CHROMIUM, "Chromium is not installed: run make test, which installs the Debian package chromium"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium-profile'}", "--virtual-time-budget=5000", *extra, url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def dump(url, tmp_path):
    html = chromium(url, tmp_path, "--dump-dom")
    return html, DOM(html)


def screenshot(url, tmp_path, name):
    target = tmp_path / name
    chromium(url, tmp_path, f"--screenshot={target}", "--window-size=1280,900")
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", data[16:24]) == (1280, 900)
    if os.environ.get("TAPEDECK_UPDATE_SCREENSHOTS"):
        shutil.copyfile(target, os.path.join(ROOT, "docs", name))
    return data


def api(server, path):
    with urllib.request.urlopen(server.url + path, timeout=30) as response:
        return json.loads(response.read())


def key_of(server, words):
    rows = api(server, "/_tapedeck/api/cassettes")["cassettes"]
    return next(row for row in rows if row["firstUserWords"].startswith(words))


def assert_nothing_injected(html, dom):
    """No element came from recorded text: one script (the page's own), no <b> or onerror image."""
    assert [attrs.get("src") for tag, attrs in dom.elements if tag == "script"] == ["/_tapedeck/browser.js"]
    assert not dom.find("b")
    assert not any("onerror" in attrs for _, attrs in dom.elements)
    assert "<script>alert" not in html
    assert "<img src=\"x\"" not in html and "<img src=x" not in html


@pytest.fixture(params=["json", "sqlite"])
def browsed(request, upstream, launch, tmp_path):
    """A replay-only server over a store holding the recorded fixtures."""
    store = f"json:{tmp_path / 'cassettes'}" if request.param == "json" else f"sqlite:{tmp_path / 'tapes.db'}"
    asks = record_fixtures(upstream, launch("--upstream", upstream.url, "--store", store))
    upstream.stop()
    server = launch("--store", store)
    # Two hits since start, for the live counters.
    for _ in range(2):
        client(server.url).converse(**asks["capital"][0])
    return server, request.param


def test_the_list_shows_every_cassette_with_hits_and_nothing_injected(browsed, tmp_path):
    server, kind = browsed
    html, dom = dump(server.url + "/_tapedeck/", tmp_path)
    rows = [attrs["data-key"] for tag, attrs in dom.elements if tag == "tr" and "data-key" in attrs]
    print(f"[{kind}] list rows: {len(rows)}; text: {dom.text[:600]}")
    assert len(rows) == 6
    text = dom.text
    for words in ("What is the capital of France? Answer in one word.", "Is it raining where this photo was taken?",
                  "Write a haiku about a cassette tape.", "How long should I boil an egg for a soft yolk?",
                  "Which coupon applies to the checkout basket?", "Show me <img src=x onerror=alert(2)> and <b>bold</b>"):
        assert words in text, words
    assert "checkout" in text and "stream" in text
    # The capital's row: 4 recorded hits, and the 2 since this server started once they are added to the store
    # (every second); the count never goes past 6.
    hits = [key_of(server, "What is the capital")["hits"]]
    deadline = time.monotonic() + 30
    while hits[-1] < 6 and time.monotonic() < deadline:
        time.sleep(0.05)
        hits.append(key_of(server, "What is the capital")["hits"])
    assert hits[0] in (4, 6) and hits[-1] == 6, hits
    # A namespaced hit is counted in its namespace, where the cassette is.
    assert key_of(server, "Which coupon")["hits"] == 1
    assert "6 cassettes" in text
    # Live counters from /_tapedeck/stats: 2 hits since start, and what they saved at Haiku's price.
    assert re.search(r"Hits\s*2\s*Misses\s*0\s*Tokens saved\s*52\s*Cost saved\s*\$0\.0001", text), text[:300]
    assert_nothing_injected(html, dom)


def test_a_transcript_shows_turns_tools_image_and_answer(browsed, tmp_path):
    server, kind = browsed
    photo = key_of(server, "Is it raining")
    html, dom = dump(f"{server.url}/_tapedeck/#/cassette/{photo['key']}", tmp_path)
    text = dom.text
    print(f"[{kind}] transcript text: {text[:900]}")
    assert "You are a travel assistant. Use tools for live data." in text
    assert "That looks like Lisbon at dusk." in text
    assert "→ tool call get_weather" in text
    assert '{"city":"Lisbon","unit":"celsius"}' in text
    assert '← result of get_weather tooluse_weather_1 {"rain":false,"sky":"clear","tempC":21}' in text
    assert "No rain in Lisbon right now: 21 °C under a clear sky." in text
    assert 'document txt "itinerary", 14 bytes' in text
    images = dom.find("img")
    assert len(images) == 1
    assert images[0]["src"].startswith("data:image/png;base64,iVBORw0KGgo")
    assert images[0]["alt"] == "image png, %d bytes" % len(png())
    assert "Usage: 1830 in, 42 out" in text
    assert "converse shared namespace" in text
    assert "Hits 2 Tokens saved 3,744 Saved $0.0002" in text
    assert_nothing_injected(html, dom)


def test_markup_in_a_cassette_stays_text(browsed, tmp_path):
    server, kind = browsed
    markup = key_of(server, "Show me")
    html, dom = dump(f"{server.url}/_tapedeck/#/cassette/{markup['key']}", tmp_path)
    print(f"[{kind}] markup transcript: {dom.text[:400]}")
    assert MARKUP_ANSWER in dom.text
    assert MARKUP_QUESTION in dom.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; is what you asked for." in html
    assert "&lt;img src=x onerror=alert(2)&gt; and &lt;b&gt;bold&lt;/b&gt;" in html
    assert_nothing_injected(html, dom)


def test_a_stream_is_shown_folded_and_search_finds_it(browsed, tmp_path):
    server, kind = browsed
    stream = key_of(server, "Write a haiku")
    _, dom = dump(f"{server.url}/_tapedeck/#/cassette/{stream['key']}", tmp_path)
    assert "Ribbon wound in dark, summer songs sleep in plastic, rewind to begin." in dom.text
    assert "Folded from" in dom.text and "converse-stream" in dom.text
    _, found = dump(server.url + "/_tapedeck/#/?q=SUMMER+SONGS", tmp_path)
    assert [attrs["data-key"] for tag, attrs in found.elements if tag == "tr" and "data-key" in attrs] == [stream["key"]]
    _, scoped = dump(server.url + "/_tapedeck/#/?namespace=checkout", tmp_path)
    assert len([1 for tag, attrs in scoped.elements if tag == "tr" and "data-key" in attrs]) == 1
    assert "Which coupon applies" in scoped.text


def test_screenshots(upstream, launch, tmp_path):
    store = f"json:{tmp_path / 'cassettes'}"
    asks = record_fixtures(upstream, launch("--upstream", upstream.url, "--store", store))
    upstream.stop()
    server = launch("--store", store)
    for name in ("capital", "photo", "capital"):
        client(server.url).converse(**asks[name][0])
    screenshot(server.url + "/_tapedeck/", tmp_path, "browser-list.png")
    photo = key_of(server, "Is it raining")
    screenshot(f"{server.url}/_tapedeck/#/cassette/{photo['key']}", tmp_path, "browser-transcript.png")


def test_with_an_auth_token_the_page_asks_for_it_and_shows_no_data(upstream, launch, tmp_path):
    store = f"json:{tmp_path / 'cassettes'}"
    record_fixtures(upstream, launch("--upstream", upstream.url, "--store", store))
    upstream.stop()
    server = launch("--store", store, "--auth-token", "browser-token-0123456789")
    html, dom = dump(server.url + "/_tapedeck/", tmp_path)
    print(f"token page: {dom.text}")
    assert "This Tapedeck server needs its token" in dom.text
    assert dom.find("input", type="password")
    assert not [1 for tag, attrs in dom.elements if tag == "tr"]
    assert "capital of France" not in html
