"""Fetching a link: charset, redirects, retries, and one-line errors naming the URL and the reason."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from audio import __version__
from audio.errors import EditionError
from audio.read.fetch import Limits, get_page
from audio.read.source import open_link

QUICK = Limits(timeout=0.5, max_bytes=100_000, attempts=3, backoff=0.05)
PAGE = ("<html><head><title>Grüße aus Köln</title></head><body><article><h1>Grüße aus Köln</h1>"
        "<p>Die Straßenbahn fährt wieder über die Brücke. Das freut die Pendler in der Südstadt sehr, denn "
        "der Umweg über die Äußere Kanalstraße kostete jeden Tag eine halbe Stunde.</p></article></body></html>")


def test_a_page_with_its_charset_in_the_header(web):
    url = web.page("/latin.html", PAGE.encode("cp1252"), content_type="text/html; charset=ISO-8859-1")
    source = open_link(url, QUICK)
    assert source.article.title == "Grüße aus Köln"
    assert "Die Straßenbahn fährt wieder über die Brücke" in source.article.sections[0].text
    assert source.origin == url and source.name == "gruesse-aus-koeln" and source.path is None


def test_a_page_with_its_charset_only_in_meta(web):
    body = PAGE.replace("<head>", "<head><meta charset='windows-1252'>").encode("cp1252")
    url = web.page("/meta.html", body, content_type="text/html")
    assert "Äußere Kanalstraße" in open_link(url, QUICK).article.sections[0].text


def test_the_user_agent_names_the_tool_and_its_version(web):
    get_page(web.page("/a.html", PAGE), QUICK)
    assert web.requests[0][1].startswith(f"audio-edition/{__version__}")


def test_redirects_are_followed(web):
    web.page("/neu.html", PAGE)
    url = web.page("/alt.html", b"", status=301, headers={"Location": "/neu.html"})
    page = get_page(url, QUICK)
    assert page.url == web.url("/neu.html") and b"Stra" in page.data


def test_a_server_error_is_tried_again_with_backoff(web):
    url = web.page("/wackelig.html", PAGE, fail_first=2)
    started = time.monotonic()
    assert b"Stra" in get_page(url, QUICK).data
    assert web.hits("/wackelig.html") == 3
    # waited before the second and the third attempt: 0.05 s and 0.1 s, each jittered by up to a fifth (http.backoff)
    assert time.monotonic() - started >= (0.05 + 0.1) * 0.8


def test_a_server_error_that_lasts_is_an_error_after_the_last_attempt(web):
    url = web.page("/kaputt.html", PAGE, fail_first=10)
    with pytest.raises(EditionError, match=r"^http://127\.0\.0\.1:\d+/kaputt\.html: the server answered HTTP 503 "
                                           r"Service Unavailable \(tried 3 times\)$"):
        get_page(url, QUICK)
    assert web.hits("/kaputt.html") == 3


def test_not_found_is_not_tried_again(web):
    with pytest.raises(EditionError, match=r"/fehlt\.html: the server answered HTTP 404 Not Found$"):
        get_page(web.url("/fehlt.html"), QUICK)
    assert web.hits("/fehlt.html") == 1


def test_a_timeout(web):
    url = web.page("/langsam.html", PAGE, delay=2.0)
    with pytest.raises(EditionError, match=r"/langsam\.html: no answer within 0\.5 s \(tried 2 times\)$"):
        get_page(url, Limits(timeout=0.5, attempts=2, backoff=0.01))


@pytest.mark.parametrize("chunked", [False, True])
def test_a_page_too_large(web, chunked):
    url = web.page("/riesig.html", b"<p>" + b"x" * 200_000, chunked=chunked)
    with pytest.raises(EditionError, match=r"/riesig\.html: the page is too large"):
        get_page(url, QUICK)


def test_not_html(web):
    url = web.page("/bericht.pdf", b"%PDF-1.7", content_type="application/pdf")
    with pytest.raises(EditionError, match=r"/bericht\.pdf: not a web page but application/pdf$"):
        get_page(url, QUICK)


def test_a_refused_connection():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(EditionError, match=rf"^http://127\.0\.0\.1:{port}/a: the connection was refused \(tried 3 times\)$"):
        get_page(f"http://127.0.0.1:{port}/a", QUICK)


def test_a_host_that_does_not_resolve():
    with pytest.raises(EditionError, match=r"^http://nirgendwo\.invalid/a: the host could not be found$"):
        get_page("http://nirgendwo.invalid/a", QUICK)


def test_a_page_without_a_title_is_named_after_the_link(web):
    url = web.page("/2026/bahn-streik-aktuell.html",
                   "<html><body><article><p>Die Bahn streikt wieder, und zwar den ganzen Tag lang in allen "
                   "Bundesländern. Reisende sollten sich vorher informieren, welche Züge fahren.</p></article></body></html>")
    source = open_link(url, QUICK)
    assert source.name == "bahn-streik-aktuell"


def test_a_page_that_trickles_in_ends_at_the_deadline(web):
    """requests' timeout bounds each read; a byte every 0.2 s would never time out without a deadline, which is
    for the whole fetch: no attempt is started that the deadline would cut off."""
    url = web.page("/slow.html", PAGE, drip=0.2)
    started = time.monotonic()
    with pytest.raises(EditionError, match=r"/slow\.html: no whole answer within 1 s$"):
        get_page(url, Limits(timeout=0.5, deadline=1.0, attempts=2, backoff=0.05))
    assert time.monotonic() - started < 1.8


@pytest.mark.parametrize("route, said", [
    ({"status": 302, "headers": {"Location": "file:///etc/passwd"}}, "redirected to a link that is not a web page (file:)"),
    ({"status": 301, "headers": {"Location": "ftp://example.org/a"}}, "redirected to a link that is not a web page (ftp:)"),
    ({"status": 302, "headers": {"Location": "data:text/html,hallo"}}, "not a web page (data:)"),
    ({"status": 302, "headers": {"Location": "javascript:alert(1)"}}, "not a web page (javascript:)"),
    ({"status": 302}, "the server answered HTTP 302 Found without saying where the page went (no Location header)"),
    ({"status": 199}, "the server answered HTTP 199, not a page"),
    ({"headers": {"Content-Encoding": "gzip"}}, "the page arrived compressed but does not decompress"),
    ({"raw": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"},
     "the page arrived in malformed chunks"),
    ({"raw": b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100\r\n\r\n<p>kurz"},
     "the connection broke off before the whole page arrived (tried 3 times)"),
    ({"body": b""}, "the server sent an empty page (HTTP 200 OK)"),
])
def test_what_went_wrong_is_said_in_words(web, route, said):
    url = web.page("/seite.html", route.pop("body", PAGE), **route)
    with pytest.raises(EditionError) as error:
        get_page(url, QUICK)
    assert str(error.value).startswith(f"{url}: ") and said in str(error.value), str(error.value)
    assert "Error" not in str(error.value).replace("EditionError", "")  # no exception class names


def test_a_charset_without_a_value_counts_as_none(web):
    url = web.page("/leer.html", PAGE.encode("utf-8"), content_type="text/html; charset")
    assert open_link(url, QUICK).article.title == "Grüße aus Köln"


def test_headers_that_trickle_in_end_at_the_deadline_with_an_error(web):
    """Cut off while the headers were still coming, the answer looked whole (and empty) to requests."""
    headers = b"HTTP/1.1 200 OK\r\n" + b"X-Langsam: ja\r\n" * 200 + b"Content-Type: text/html\r\n\r\n"
    url = web.page("/zeilen.html", b"", raw=headers + PAGE.encode("utf-8"), drip=0.005)
    started = time.monotonic()
    with pytest.raises(EditionError, match=r"/zeilen\.html: no whole answer within 1 s$"):
        get_page(url, Limits(timeout=0.5, deadline=1.0, attempts=3, backoff=0.05))
    assert time.monotonic() - started < 3


def test_a_server_that_stays_silent_is_given_up_at_the_deadline(web):
    """Each attempt waits at most what is left of the whole fetch's time, and says so."""
    url = web.page("/still.html", PAGE, delay=3.0)
    started = time.monotonic()
    with pytest.raises(EditionError, match=r"/still\.html: no whole answer within 1 s( \(tried [23] times\))?$"):
        get_page(url, Limits(timeout=0.6, deadline=1.0, attempts=3, backoff=0.05))
    assert time.monotonic() - started < 1.8


def test_retries_wait_a_jittered_time(web, monkeypatch):
    """Clients that failed together do not ask again together: each wait is the backoff give or take a fifth."""
    from audio.read import fetch

    waits: list[float] = []
    monkeypatch.setattr(fetch.time, "sleep", lambda seconds: waits.append(seconds) if seconds else None)
    for number in range(6):
        assert b"Stra" in get_page(web.page(f"/wackelig-{number}.html", PAGE, fail_first=2), QUICK).data
    firsts, seconds = waits[0::2], waits[1::2]
    assert all(0.04 - 1e-9 <= w <= 0.06 + 1e-9 for w in firsts) and all(0.08 - 1e-9 <= w <= 0.12 + 1e-9 for w in seconds)
    assert len(set(waits)) > 2


def test_the_default_deadline_is_the_whole_fetch_as_the_readme_says():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    seconds = Limits().deadline
    assert f"fetched within {seconds:g} s in all" in readme and seconds == 15


@pytest.mark.parametrize("private, said", [(True, "the connection was refused"), (False, "refused: the link leads to 127.0.0.1")])
def test_an_https_link_goes_through_the_same_connections_as_http(private, said):
    """https links (Google's voice, pages, voice downloads) connect through the vetted, watched TLS connection:
    nothing listens on port 9, so the answer is a refusal, not a crash in the connection class."""
    with pytest.raises(EditionError, match=said):
        get_page("https://127.0.0.1:9/artikel.html", Limits(private_addresses=private, deadline=3))
