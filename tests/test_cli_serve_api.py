"""`audio-edition serve --api`: the newsroom's API, over real HTTP against a real server process."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler

import pytest
from local_server import LocalServer
from mutagen.id3 import ID3
from service_server import TOKEN, Service, article
from web_server import WebServer

from audio.edition import manifest


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    root = tmp_path_factory.mktemp("desk")
    with Service(root / "out", root / "cache", "--workers", "1") as running:
        yield running


def fetch(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status, answer.headers.get("Content-Type", ""), answer.read()


def soon(check, seconds: float = 10) -> bool:
    """Return True once `check()` is true, within `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def titles_on_disk(service) -> list[str]:
    try:
        return [i.findtext("title") for i in ET.parse(service.folder / "feed.xml").getroot().iter("item")]
    except (OSError, ET.ParseError):
        return ["(none yet)"]


def test_submit_update_and_delete(service):
    text = article("Radwege in der Stadt", "Die Stadt baut neue Radwege.", "Der Rat stimmte zu.")
    code, _, state = service.put("rad-1", text, content_type="text/markdown")
    assert code == 202 and state["revision"] == 1 and state["status"] in ("queued", "building", "ready")
    ready = service.wait("rad-1", 1)
    assert ready["status"] == "ready" and ready["built_revision"] == 1 and ready["error"] is None
    assert ready["audio"] == service.url + "rad-1.mp3" and ready["page"] == service.url + "rad-1.html"
    assert [c["title"] for c in ready["chapters"]] == ["Teil 1", "Teil 2"] and ready["duration"] > 2
    assert ready["chapters"][-1]["end"] == pytest.approx(ready["duration"], abs=0.01)
    status, kind, audio = fetch(ready["audio"])
    assert status == 200 and kind == "audio/mpeg" and audio[:3] == b"ID3"
    record = manifest.load(service.folder / "rad-1.json")
    assert record is not None and record.title == "Radwege in der Stadt"

    code, _, same = service.put("rad-1", text, content_type="text/markdown")  # nothing changed: nothing rebuilt
    assert code == 200 and same["revision"] == 1 and same["status"] == "ready"

    edited = text.replace("Der Rat stimmte zu.", "Der Rat stimmte knapp zu.")
    code, _, state = service.put("rad-1", {"text": edited, "format": "markdown"})
    assert code == 202 and state["revision"] == 2
    ready = service.wait("rad-1", 2)
    assert ready["status"] == "ready" and ready["built_revision"] == 2
    assert ready["changes"] == [{"kind": "changed", "title": "Teil 2", "old_title": None}]
    assert ready["preview"] == service.url + "rad-1.preview.mp3"  # only the edited sentence, to hear it at once
    status, kind, audio = fetch(ready["preview"])
    assert status == 200 and kind == "audio/mpeg" and len(audio) < (service.folder / "rad-1.mp3").stat().st_size

    code, _, state = service.put("rad-1", {"text": edited, "format": "markdown", "title": "Neue Radwege",
                                           "link": "https://example.org/rad-1"})  # what the CMS knows better
    assert code == 202 and service.wait("rad-1", 3)["status"] == "ready"
    item = ET.fromstring(fetch(service.url + "feed.xml")[2]).find("channel/item[guid]")
    assert item is not None and item.findtext("title") == "Neue Radwege"  # the CMS's title, same episode
    assert item.findtext("link") == "https://example.org/rad-1"
    assert soon(lambda: titles_on_disk(service) == ["Neue Radwege"])  # the feed is rewritten after each build

    code, _, listed = service.call("GET", "api/articles")
    assert code == 200 and [(a["id"], a["status"], a["revision"]) for a in listed["articles"]] == [("rad-1", "ready", 3)]

    code, _, _ = service.call("DELETE", "api/articles/rad-1")
    assert code == 204
    assert service.call("GET", "api/articles/rad-1")[0] == 404
    assert not list(service.folder.glob("rad-1.*"))  # audio, manifest, transcripts, page, preview
    assert soon(lambda: titles_on_disk(service) == [])
    assert service.call("DELETE", "api/articles/rad-1")[0] == 404

    code, _, state = service.put("rad-1", text, content_type="text/markdown")
    assert code == 202 and state["revision"] == 4  # a revision number is never given twice
    assert service.wait("rad-1", 4)["status"] == "ready"


def test_a_delete_while_building_discards_the_build(service, seed):
    assert service.put("weg", {"text": seed.read_text(encoding="utf-8")})[0] == 202
    deadline = time.monotonic() + 30
    while service.status("weg")["status"] != "building":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert service.call("DELETE", "api/articles/weg")[0] == 204
    while not any(" weg revision 1 " in line for line in service.lines):  # the build ends
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.2)
    assert service.call("GET", "api/articles/weg")[0] == 404
    assert not list(service.folder.glob("weg.*"))


def test_the_house_lexicon_rebuilds_exactly_the_articles_it_changes(service):
    assert service.put("lex-a", {"text": "Linda Yaccarino leitet die Firma."})[0] == 202
    assert service.put("lex-b", {"text": "Die Firma hat eine neue Chefin."})[0] == 202
    service.wait("lex-a", 1)
    service.wait("lex-b", 1)
    code, _, answer = service.call("PUT", "api/lexicon", "Yaccarino = Jakkarino  # so sagt man es\n",
                                   content_type="text/plain")
    assert code == 200 and answer == {"requeued": ["lex-a"]}
    assert service.status("lex-a")["status"] in ("queued", "building")  # the same revision, to be built again
    deadline = time.monotonic() + 30
    while service.status("lex-a")["status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    record = manifest.load(service.folder / "lex-a.json")
    assert record is not None and "Jakkarino" in " ".join(c.spoken for s in record.sections for c in s.chunks)
    assert service.status("lex-a")["revision"] == 1
    assert sum(" building lex-b " in line for line in service.lines) == 1  # untouched: not built again
    code, _, text = service.call("GET", "api/lexicon")
    assert code == 200 and text == b"Yaccarino = Jakkarino  # so sagt man es\n"
    code, _, answer = service.call("PUT", "api/lexicon", "nur ein Wort\n", content_type="text/plain")
    assert code == 400 and "written = spoken" in answer["error"]
    assert service.call("PUT", "api/lexicon", {"Yaccarino": "Jakkarino"})[0] == 415


def test_a_failed_build_says_why_and_a_new_put_is_accepted(service):
    code, _, _ = service.put("leer-1", {"text": "<html><body><nav>Menü</nav></body></html>", "format": "html"})
    assert code == 202
    failed = service.wait("leer-1", 1)
    assert failed["status"] == "failed" and failed["error"] and "\n" not in failed["error"]
    code, _, again = service.put("leer-1", {"text": "<html><body><nav>Menü</nav></body></html>", "format": "html"})
    assert code == 202 and again["revision"] == 2  # after a failure the same body is tried again


@pytest.mark.parametrize("method, path, body, content_type, token, status, words", [
    ("GET", "api/articles", None, None, None, 401, "token"),
    ("GET", "api/articles", None, None, "wrong-token-0123456789abcdef", 401, "token"),
    ("PUT", "api/articles/a1", b"{not json", "application/json", TOKEN, 400, "JSON"),
    ("PUT", "api/articles/a1", b"[1, 2]", "application/json", TOKEN, 400, "object"),
    ("PUT", "api/articles/a1", b"[" * 100000 + b"]" * 100000, "application/json", TOKEN, 400, "JSON"),
    ("PUT", "api/articles/a1", {"text": {"deep": ["x"]}}, None, TOKEN, 400, "text"),
    ("PUT", "api/articles/-a1", {"text": "Hallo."}, None, TOKEN, 400, "id"),
    ("PUT", "api/articles/feed", {"text": "Hallo."}, None, TOKEN, 400, "folder"),
    ("PUT", "api/articles/a.chapters", {"text": "Hallo."}, None, TOKEN, 400, "folder"),
    ("PUT", "api/articles/" + "a" * 101, {"text": "Hallo."}, None, TOKEN, 400, "id"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "format": "pdf"}, None, TOKEN, 400, "format"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "engine": "alexa"}, None, TOKEN, 400, "engine"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "voice": "/etc/voices/x.onnx"}, None, TOKEN, 400, "voice"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "speed": 9}, None, TOKEN, 400, "speed"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "url": "https://example.org/"}, None, TOKEN, 400, "one of them"),
    ("PUT", "api/articles/a1", {"url": "file:///etc/passwd"}, None, TOKEN, 400, "http"),
    ("PUT", "api/articles/a1", {"text": "Hallo.", "colour": "red"}, None, TOKEN, 400, "colour"),
    ("PUT", "api/articles/a1", b"---\ncover: ../../secret.png\n---\n# T\n\nText.", "text/markdown", TOKEN, 400, "cover"),
    ("PUT", "api/articles/a1", b"---\nvoice: /tmp/evil.onnx\n---\n# T\n\nText.", "text/markdown", TOKEN, 400, "voice"),
    ("PUT", "api/articles/a1", b"\x89PNG", "image/png", TOKEN, 415, "application/json"),
    ("PUT", "api/articles/a1", b"Hallo.", None, TOKEN, 415, "application/json"),
    ("GET", "api/articles/nie-gesehen", None, None, TOKEN, 404, "nie-gesehen"),
    ("GET", "api/nothing/here", None, None, TOKEN, 404, "no such"),
    ("POST", "api/articles/a1", {"text": "Hallo."}, None, TOKEN, 405, "not allowed"),
    ("PATCH", "api/articles", None, None, TOKEN, 405, "not allowed"),
])
def test_every_refusal_is_one_json_line(service, method, path, body, content_type, token, status, words):
    code, headers, answer = service.call(method, path, body, token=token, content_type=content_type)
    assert code == status, answer
    assert isinstance(answer, dict) and list(answer) == ["error"] and words in answer["error"]
    assert "\n" not in answer["error"] and "Traceback" not in "\n".join(service.lines)
    if status == 401:
        assert headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("declared", [True, False])
def test_a_body_over_5_mb_is_refused_with_413(service, declared):
    import socket

    head = (f"PUT /api/articles/gross HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Type: text/plain\r\n")
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as client:
        if declared:  # refused at once, from the head: nothing is read
            client.sendall(f"{head}Content-Length: {5 * 1024 * 1024 + 1}\r\n\r\nHallo".encode())
        else:  # chunked: refused once more than 5 MB arrived
            client.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk = b"x" * 65536
            for _ in range(81):
                client.sendall(b"10000\r\n" + chunk + b"\r\n")
        answer = b""
        while b"}" not in answer:
            part = client.recv(4096)
            if not part:
                break
            answer += part
    assert answer.startswith(b"HTTP/1.1 413 ") and b'{"error":"the body is larger than 5 MB"}' in answer


def test_health_needs_no_token_and_the_openapi_document_is_valid(service):
    from openapi_spec_validator import validate

    code, _, health = service.call("GET", "api/health", token=None)
    assert code == 200 and health["store"] is True and health["queue"] == 0 and len(health["workers"]) == 1
    code, _, document = service.call("GET", "api/openapi.json", token=None)
    assert code == 200
    validate(document)
    assert {"/api/articles", "/api/articles/{id}", "/api/health"} <= set(document["paths"])


def test_the_public_files_need_no_token_and_hidden_state_is_not_served(service):
    assert service.call("GET", "feed.xml", token=None)[0] == 200
    assert service.call("GET", ".audio-edition-api/settings.json", token=None)[0] == 404
    assert service.call("GET", "%2eaudio-edition-api/queue.sqlite3", token=None)[0] == 404


def test_a_full_queue_answers_503_with_retry_after(tmp_path):
    with Service(tmp_path / "out", tmp_path / "cache", "--workers", "0", "--max-queue", "1") as service:
        assert service.put("eins", {"text": "Eins."})[0] == 202
        code, headers, answer = service.put("zwei", {"text": "Zwei."})
        assert code == 503 and int(headers["Retry-After"]) > 0 and "queue" in answer["error"]
        assert service.call("GET", "api/health", token=None)[2]["queue"] == 1


def test_nothing_accepted_is_lost_when_the_server_is_killed(tmp_path, seed):
    long_text = seed.read_text(encoding="utf-8")
    with Service(tmp_path / "out", tmp_path / "cache", "--workers", "0") as service:  # accepted, none built yet
        for number in range(3):
            assert service.put(f"n{number}", {"text": f"Meldung {number}. Es gibt Neues."})[0] == 202
        service.restart("--workers", "1")  # kill -9 right after the 202s, then start again
        assert service.put("lang", {"text": long_text})[0] == 202
        deadline = time.monotonic() + 30
        while service.status("lang")["status"] != "building":  # kill -9 while a build runs
            assert time.monotonic() < deadline
            time.sleep(0.01)
        service.restart()
        for article_id in ("n0", "n1", "n2", "lang"):
            assert service.wait(article_id, 1)["status"] == "ready"
        # nothing half-written left beside the editions (the feed's writer may be writing one at this moment)
        deadline = time.monotonic() + 15
        while list(service.folder.glob(".*.part")):
            assert time.monotonic() < deadline, list(service.folder.glob(".*.part"))
            time.sleep(0.1)


class Receiver:
    """A CMS's webhook endpoint that verifies each delivery with the standardwebhooks package; the first
    delivery is answered 500, so it must come again with the same webhook-id."""

    def __init__(self, secret: str):
        from standardwebhooks import Webhook

        self.verifier, self.received, self.ids, self.lock = Webhook(secret), [], [], threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = receiver.verifier.verify(body, dict(self.headers))  # raises on a bad signature
                with receiver.lock:
                    first = not receiver.ids
                    receiver.ids.append(self.headers["webhook-id"])
                    if not first:
                        receiver.received.append(payload)
                self.send_response(500 if first else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = LocalServer(Handler)


def test_webhooks_are_signed_retried_with_the_same_id_and_coalesce_updates(tmp_path, seed):
    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    receiver = Receiver(secret)
    long_text = seed.read_text(encoding="utf-8")
    with receiver.server, Service(tmp_path / "out", tmp_path / "cache", "--workers", "1", "--webhook",
                                  receiver.server.origin + "/hook", "--webhook-secret", secret) as service:
        assert service.put("w1", {"text": long_text})[0] == 202
        deadline = time.monotonic() + 30
        while service.status("w1")["status"] != "building":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for number in (2, 3, 4):  # while 1 builds: only 4 is built next
            code, _, state = service.put("w1", {"text": long_text + f"\n\nNachtrag {number}."})
            assert code == 202 and state["revision"] == number
        assert service.wait("w1", 4)["built_revision"] == 4
        assert service.call("DELETE", "api/articles/w1")[0] == 204
        deadline = time.monotonic() + 20
        while len(receiver.received) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    kinds = [(m["type"], m["data"]["built_revision"]) for m in receiver.received]
    assert kinds == [("article.ready", 1), ("article.ready", 4), ("article.deleted", 4)]
    assert receiver.ids[0] == receiver.ids[1]  # the retry of the refused delivery carries the same webhook-id
    assert all(m["data"]["id"] == "w1" and m["timestamp"] for m in receiver.received)
    built = [line for line in service.lines if " building w1 " in line]
    assert [line.split()[-1] for line in built] == ["1", "4"]  # revisions 2 and 3 were never built


def test_links_to_this_machine_are_refused_unless_allowed(tmp_path, png):
    page = ("<html><head><title>Neue Brücke</title></head><body><article><h1>Neue Brücke</h1>"
            "<p>Die Stadt baut eine neue Brücke über den Fluss. Sie soll im Herbst fertig sein.</p>"
            "<p>Der Bau kostet zwölf Millionen Euro, sagte die Bürgermeisterin am Montag.</p></article></body></html>")
    with WebServer() as web:
        url = web.page("/bruecke.html", page)
        with Service(tmp_path / "out", tmp_path / "cache", "--workers", "1") as service:
            assert service.put("b1", {"url": url})[0] == 202
            failed = service.wait("b1", 1)
            assert failed["status"] == "failed" and "private network" in failed["error"]
            assert web.hits("/bruecke.html") == 0  # refused before a byte was sent
            assert service.put("b0", {"text": "Mit Bild.", "image": web.url("/cover.png")})[0] == 202
            assert "private network" in service.wait("b0", 1)["error"]  # a cover's link too
            service.restart("--workers", "1", "--allow-private-urls")
            assert service.put("b1", {"url": url})[0] == 202  # a link is always a new revision
            ready = service.wait("b1", 2)
            assert ready["status"] == "ready", ready
            assert json.loads((service.folder / "b1.json").read_text())["title"] == "Neue Brücke"
            web.page("/cover.png", png, content_type="image/png")
            assert service.put("b2", {"text": "Mit Bild.", "image": web.url("/cover.png")})[0] == 202
            assert service.wait("b2", 1)["status"] == "ready"
            assert ID3(service.folder / "b2.mp3").getall("APIC")[0].data == png  # the CMS's cover, embedded



@pytest.mark.parametrize("args, env, words", [
    (["--api"], {}, "the API needs a token: set AUDIO_EDITION_API_TOKEN or give --token-file FILE"),
    (["--api"], {"AUDIO_EDITION_API_TOKEN": "kurz"}, "at least 16 printable characters"),
    (["--workers", "2"], {}, "--workers is an option of the API: add --api"),
    (["--api", "--webhook", "http://127.0.0.1:9/"], {"AUDIO_EDITION_API_TOKEN": TOKEN}, "together"),
    (["--api", "--queue", "redis://127.0.0.1:1/0"], {"AUDIO_EDITION_API_TOKEN": TOKEN}, "does not answer"),
    (["--api", "--queue", "amqp://127.0.0.1/"], {"AUDIO_EDITION_API_TOKEN": TOKEN}, "redis://"),
    (["--api", "--webhook", "http://127.0.0.1:9/", "--webhook-secret", "kein base64!"],
     {"AUDIO_EDITION_API_TOKEN": TOKEN}, "base64"),
])
def test_serve_api_refuses_what_it_cannot_run_with_one_line(cli, tmp_path, monkeypatch, args, env, words):
    monkeypatch.delenv("AUDIO_EDITION_API_TOKEN", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = cli("serve", "-d", tmp_path / "out", "--port", "0", *args)
    assert result.exit_code != 0 and words in result.stderr and len(result.stderr.strip().splitlines()) == 1
