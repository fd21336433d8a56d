"""Fetching a link: charset, redirects, retries, and one-line errors naming the URL and the reason."""

from __future__ import annotations

import socket
import time

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
    assert time.monotonic() - started >= 0.05 + 0.1  # waited before the second and the third attempt


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
    """requests' timeout bounds each read; a byte every 0.2 s would never time out without a whole-request deadline."""
    url = web.page("/slow.html", PAGE, drip=0.2)
    started = time.monotonic()
    with pytest.raises(EditionError, match=r"no whole answer within 1 s \(tried 2 times\)"):
        get_page(url, Limits(timeout=0.5, deadline=1.0, attempts=2, backoff=0.05))
    assert time.monotonic() - started < 5
