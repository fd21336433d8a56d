"""`audio-edition serve`: the output folder over HTTP with byte ranges, and a feed whose URLs work."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest

from audio.serve import byte_range, server


@pytest.fixture
def served(tmp_path):
    (tmp_path / "a.mp3").write_bytes(bytes(range(256)) * 40)
    httpd = server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", (tmp_path / "a.mp3").read_bytes()
    httpd.shutdown()
    httpd.server_close()


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.mark.parametrize("header, first, last", [("bytes=0-99", 0, 99), ("bytes=10000-", 10000, 10239),
                                                 ("bytes=-40", 10200, 10239), ("bytes=5-100000", 5, 10239)])
def test_range_requests_get_206_and_the_right_bytes(served, header, first, last):
    url, data = served
    status, headers, body = get(url + "a.mp3", Range=header)
    assert status == 206
    assert headers["Content-Range"] == f"bytes {first}-{last}/{len(data)}"
    assert body == data[first:last + 1]
    assert headers["Content-Type"] == "audio/mpeg"


def test_whole_file_and_unsatisfiable_range(served):
    url, data = served
    status, headers, body = get(url + "a.mp3")
    assert (status, body, headers["Accept-Ranges"]) == (200, data, "bytes")
    status, headers, _ = get(url + "a.mp3", Range="bytes=999999-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    status, _, body = get(url + "a.mp3", Range="bytes=0-10,20-30")  # several ranges: the whole file instead
    assert (status, body) == (200, data)


@pytest.mark.parametrize("header, size, expected", [
    ("bytes=0-0", 10, (0, 0)), ("bytes=-0", 10, None), ("bytes=9-", 10, (9, 9)), ("bytes=10-", 10, None),
    ("bytes=3-1", 10, None), ("items=0-1", 10, None), ("bytes=0-1,5-6", 10, None),
])
def test_byte_range(header, size, expected):
    assert byte_range(header, size) == expected


def test_serve_command_publishes_a_feed_with_working_urls(cli, articles, tmp_path):
    folder = tmp_path / "out"
    built = cli("build", articles / "no-headings.txt", "-o", folder / "notiz.mp3", "--engine", "espeak",
                "--cache-dir", tmp_path / "c")
    assert built.exit_code == 0
    proc = subprocess.Popen([sys.executable, "-m", "audio", "serve", "--dir", str(folder), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("Serving ") and "; subscribe to http://127.0.0.1:" in line
        feed_url = line.split("subscribe to ")[1].split(";")[0]
        _, _, body = get(feed_url)
        enclosure = ET.fromstring(body).find("channel/item/enclosure")
        status, headers, audio = get(enclosure.get("url"), Range="bytes=0-1023")
        assert status == 206 and len(audio) == 1024
        assert audio == (folder / "notiz.mp3").read_bytes()[:1024]
        assert not (folder / "feed.xml").exists()  # the feed on disk, made for publishing, is not touched
    finally:
        proc.terminate()
        proc.wait(timeout=10)
