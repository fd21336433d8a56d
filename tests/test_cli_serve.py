"""`audio-edition serve`: the output folder over HTTP with byte ranges, and a feed whose URLs work."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pytest

from audio.podcast.serve import Unsatisfiable, byte_range, server


@pytest.fixture
def served(tmp_path):
    (tmp_path / "a.mp3").write_bytes(bytes(range(256)) * 40)
    httpd = server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", (tmp_path / "a.mp3").read_bytes()
    httpd.shutdown()
    httpd.server_close()


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers, response.read()  # header names are case-insensitive
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


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


@pytest.mark.parametrize("header, size, expected", [  # None: the whole file (RFC 9110: ignore an invalid Range)
    ("bytes=0-0", 10, (0, 0)), ("bytes=-0", 10, 416), ("bytes=9-", 10, (9, 9)), ("bytes=10-", 10, 416),
    ("bytes=3-1", 10, None), ("items=0-1", 10, None), ("bytes=0-1,5-6", 10, None), ("", 10, None),
    ("bytes=-5", 0, 416), ("bytes=x-1", 10, None),
])
def test_byte_range(header, size, expected):
    if expected == 416:
        with pytest.raises(Unsatisfiable):
            byte_range(header, size)
    else:
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


@pytest.fixture
def folder_served(tmp_path):
    folder, secret = tmp_path / "out", tmp_path / "secret"
    folder.mkdir()
    secret.mkdir()
    (secret / "passwd").write_text("root:x:0:0\n")
    (secret / "key.mp3").write_bytes(b"secret audio")
    (folder / "e.mp3").write_bytes(b"ID3 audio" * 100)
    (folder / "e.json").write_text('{"article": "/home/erika/privat/e.md"}')  # the manifest
    (folder / "e.chapters.json").write_text('{"version": "1.2.0", "chapters": []}')
    (folder / ".e.x1y2.mp3.part").write_bytes(b"half")
    (folder / ".hidden.mp3").write_bytes(b"hidden")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.mp3").write_bytes(b"inner")
    (folder / "x").symlink_to(secret, target_is_directory=True)
    (folder / "leak.mp3").symlink_to(secret / "key.mp3")
    (folder / "inside.mp3").symlink_to(folder / "e.mp3")
    os.mkfifo(folder / "pipe.mp3")
    httpd = server(folder, "127.0.0.1", 0, idle_timeout=1.0)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", folder
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("path", ["x/passwd", "x/key.mp3", "leak.mp3", "", "sub/", "sub", "x/", "e.json",
                                  ".e.x1y2.mp3.part", ".hidden.mp3", "pipe.mp3", "%2e%2e/secret/key.mp3",
                                  "sub/..%2f..%2fsecret%2fkey.mp3"])
def test_serve_only_published_files_inside_the_folder(folder_served, path, capfd):
    assert_refused(folder_served[0] + path, 404, capfd)


@pytest.mark.parametrize("path", ["e.mp3%00.txt", "e.mp3%00", "%ff.mp3", "e%c3.mp3", "e%0a.mp3", "e%1b[31m.mp3"])
def test_a_malformed_path_is_a_bad_request(folder_served, path, capfd):
    assert_refused(folder_served[0] + path, 400, capfd)


def assert_refused(url, expected, capfd):
    """The server answers `url` with the status `expected`, shows nothing of the files, and does not crash."""
    status, _, body = get(url)
    assert status == expected
    assert b"secret" not in body and b"root:" not in body and b"Directory listing" not in body
    assert "Traceback" not in capfd.readouterr().err


def test_serve_published_files_and_links_inside(folder_served):
    url, folder = folder_served
    assert get(url + "e.mp3")[0] == 200
    assert get(url + "inside.mp3")[2] == (folder / "e.mp3").read_bytes()
    assert get(url + "sub/inner.mp3")[2] == b"inner"
    assert get(url + "e.chapters.json")[0] == 200


@pytest.mark.parametrize("header", ["bytes=5-3", "items=0-1", "bytes=abc", "bytes=--1"])
def test_an_invalid_range_is_ignored_and_the_whole_file_sent(served, header):
    url, data = served
    status, headers, body = get(url + "a.mp3", Range=header)
    assert (status, body) == (200, data) and "Content-Range" not in headers


def test_an_idle_connection_is_closed(folder_served):
    url, _ = folder_served
    host, port = url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as idle:
        started = time.monotonic()
        idle.sendall(b"GET /e.mp3 HTTP/1.1\r\n")  # and then nothing more
        assert idle.recv(1024) == b""  # closed by the server
        assert time.monotonic() - started < 5
    assert get(url + "e.mp3")[0] == 200  # still serving


def test_many_clients_at_once_while_others_hold_idle_connections(folder_served):
    url, _ = folder_served
    host, port = url.split("//")[1].rstrip("/").split(":")
    idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(100)]
    try:
        def timed(_):
            started = time.monotonic()
            status = get(url + "e.mp3", Range="bytes=0-99")[0]
            return status, time.monotonic() - started

        with ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(timed, range(200)))
        assert [status for status, _ in answers] == [206] * 200
        # a full listen queue drops connections, which clients retry only after a second
        assert max(seconds for _, seconds in answers) < 0.9
    finally:
        for connection in idle:
            connection.close()



def test_a_range_of_thousands_of_digits_is_unsatisfiable(served):
    url, data = served
    status, headers, _ = get(url + "a.mp3", Range="bytes=" + "9" * 5000 + "-")
    assert status == 416 and headers["Content-Range"] == f"bytes */{len(data)}"
    status, _, body = get(url + "a.mp3", Range="bytes=0-" + "9" * 5000)
    assert (status, body) == (206, data)


def test_a_head_sent_slowly_is_cut_at_the_deadline(folder_served):
    url, _ = folder_served
    host, port = url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as slow:
        started = time.monotonic()
        slow.sendall(b"GET /e.mp3 HTTP/1.1\r\n")
        closed = False
        while time.monotonic() - started < 5:
            try:
                slow.sendall(b"X-a: b\r\n")  # a header line every 0.2 s: bytes keep coming, the head never ends
            except OSError:
                closed = True
                break
            time.sleep(0.2)
        assert closed or slow.recv(10) == b""
        assert time.monotonic() - started < 3


def test_thousands_of_idle_connections_do_not_lock_others_out(tmp_path):
    (tmp_path / "e.mp3").write_bytes(b"ID3" * 100)
    httpd = server(tmp_path, "127.0.0.1", 0, idle_timeout=30, max_connections=200)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    idle = []
    try:
        for _ in range(1500):
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"GET /e.mp3 HTTP/1.1\r\n")
            idle.append(s)
        started = time.monotonic()
        assert get(f"http://127.0.0.1:{port}/e.mp3")[0] == 200
        assert time.monotonic() - started < 1
    finally:
        for s in idle:
            s.close()
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /e.mp3 HTTP/1.1\r\n" + b"X-h: v\r\n" * 5000 + b"\r\n", 431),
    (b"BREW /e.mp3 HTTP/1.1\r\nHost: x\r\n\r\n", 501),
])
def test_odd_requests(folder_served, request_bytes, status):
    url, _ = folder_served
    host, port = url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as s:
        try:
            s.sendall(request_bytes)
        except OSError:
            pass
        assert s.recv(100).startswith(b"HTTP/1.1 %d" % status)


def test_clients_that_hang_up_mid_download_leave_no_tracebacks(tmp_path, capfd):
    (tmp_path / "big.mp3").write_bytes(os.urandom(4 * 1024 * 1024))
    httpd = server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    port = httpd.server_address[1]
    try:
        for _ in range(30):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
                client.sendall(b"GET /big.mp3 HTTP/1.1\r\nHost: x\r\n\r\n")
                client.recv(1024)  # and hang up with megabytes still to come
        assert get(f"http://127.0.0.1:{port}/big.mp3", Range="bytes=0-9")[0] == 206
    finally:
        httpd.shutdown()
        httpd.server_close()
    err = capfd.readouterr().err
    assert "Traceback" not in err and "BrokenPipe" not in err


def test_with_few_files_to_open_idle_connections_do_not_lock_new_clients_out(tmp_path):
    import resource

    (tmp_path / "e.mp3").write_bytes(b"ID3" * 100)

    def few_files():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    proc = subprocess.Popen([sys.executable, "-m", "audio", "serve", "--dir", str(tmp_path), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=few_files)
    idle = []
    try:
        url = proc.stdout.readline().split(" at ")[1].split(";")[0]
        host, port = url.split("//")[1].rstrip("/").split(":")
        for _ in range(400):  # more than the server may open files
            connection = socket.create_connection((host, int(port)), timeout=10)
            connection.sendall(b"GET /e.mp3 HTTP/1.1\r\n")
            idle.append(connection)
        started = time.monotonic()
        assert get(url + "e.mp3")[0] == 200
        assert time.monotonic() - started < 2
    finally:
        for connection in idle:
            connection.close()
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "Traceback" not in err
