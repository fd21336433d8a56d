"""The HTTP API under /api/ (Starlette): submit, update, read and delete articles; health; the OpenAPI document.

Every call but /api/health and /api/openapi.json needs `Authorization: Bearer TOKEN` (compared in
constant time). Errors are `{"error": "one line"}` with the status that says what was wrong.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import re
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from audio import engines
from audio.atomic import write_atomically
from audio.edition import manifest
from audio.errors import EditionError, message
from audio.read.source import FORMATS, parse_article
from audio.service import openapi
from audio.service.desk import Desk
from audio.service.store import ID
from audio.service.webhooks import Outbox
from audio.service.worker import remove_edition
from audio.text import lexicon

log = logging.getLogger(__name__)

MAX_BODY = 5 * 1024 * 1024  # bytes of a submitted article
BODY_DEADLINE = 30.0  # seconds for the whole body to arrive
RETRY_AFTER = 30  # seconds a client is asked to wait when the queue is full
RAW_TYPES = {"text/markdown": "markdown", "text/plain": "text", "text/html": "html"}
META = ("title", "author", "date", "link", "image")
FIELDS = {"url", "text", "format", "engine", "voice", "speed", *META}
RESERVED = ("feed",)  # names the folder serves for itself (feed.xml, feed.json)
RESERVED_ENDINGS = (".chapters", ".preview")  # <id>.json would be another edition's chapters or preview file
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
URL = re.compile(r"https?://[^/\s?#]+[^\s]*", re.IGNORECASE)
FRONT_MATTER_PATHS = ("voice", "cover", "intro", "outro", "lexicon")


class Refusal(Exception):
    """A request the API refuses: its HTTP status and the one line that says why."""

    def __init__(self, status: int, text: str, headers: dict[str, str] | None = None):
        super().__init__(text)
        self.status, self.text, self.headers = status, text, headers or {}


def error(status: int, text: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": text}, status_code=status, headers=headers)


def make_app(desk: Desk, token: str, files: ASGIApp, outbox: Outbox | None = None) -> ASGIApp:
    """Return the ASGI app: the API under /api/ and, for every other path, `files` (the public folder)."""
    api = Api(desk, outbox)
    routes = [
        Route("/api/health", api.health, methods=["GET"]),
        Route("/api/openapi.json", api.openapi, methods=["GET"]),
        Route("/api/articles", api.list_articles, methods=["GET"]),
        Route("/api/articles/{article_id}", api.get_article, methods=["GET"]),
        Route("/api/articles/{article_id}", api.put_article, methods=["PUT"]),
        Route("/api/articles/{article_id}", api.delete_article, methods=["DELETE"]),
        Route("/api/lexicon", api.get_lexicon, methods=["GET"]),
        Route("/api/lexicon", api.put_lexicon, methods=["PUT"]),
    ]

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        text = {404: "no such resource", 405: "method not allowed"}.get(exc.status_code, exc.detail)
        return error(exc.status_code, text, dict(exc.headers or {}))

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return error(exc.status, exc.text, exc.headers)

    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error, Refusal: refused})
    return Front(app, files, token)


class Front:
    """Paths under /api/ go to the API, with the bearer token (health and the OpenAPI document need none);
    every other path to the public files, without one."""

    OPEN = ("/api/health", "/api/openapi.json")

    def __init__(self, api: ASGIApp, files: ASGIApp, token: str):
        self.api, self.files = api, files
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path == "/api" or path.startswith("/api/")):
            await self.files(scope, receive, send)
            return
        if path not in self.OPEN:
            given = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                answer = error(401, "a valid token is needed: Authorization: Bearer TOKEN",
                               {"WWW-Authenticate": 'Bearer realm="audio-edition"'})
                await answer(scope, receive, send)
                return
        await self.api(scope, receive, send)


class Api:
    def __init__(self, desk: Desk, outbox: Outbox | None):
        self.desk, self.outbox = desk, outbox

    async def health(self, request: Request) -> Response:
        def check() -> dict[str, Any]:
            ok = self.desk.queue.answers() and self.desk.store.answers()
            return {"ok": ok, "queue": self.desk.queue.length() if ok else None,
                    "workers": self.desk.queue.workers() if ok else [], "store": ok}

        state = await run_in_threadpool(check)
        return JSONResponse(state, status_code=200 if state["ok"] else 503)

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi.document())

    async def list_articles(self, request: Request) -> Response:
        def everything() -> list[dict[str, Any]]:
            found = (self.desk.status(article_id) for article_id in self.desk.store.ids())
            return [status for status in found if status is not None]

        return JSONResponse({"articles": await run_in_threadpool(everything)})

    async def get_article(self, request: Request) -> Response:
        article_id = checked_id(request.path_params["article_id"])
        if self.desk.queue.redis is None:  # on one machine a status is kept: one stat, cheaper than a thread's turn
            status = self.desk.status(article_id)
        else:  # read afresh, maybe from a network file system: not in the loop
            status = await run_in_threadpool(self.desk.status, article_id)
        if status is None:
            return error(404, f"no article {article_id}")
        return JSONResponse(status)

    async def delete_article(self, request: Request) -> Response:
        article_id = checked_id(request.path_params["article_id"])

        def delete() -> bool:
            before = self.desk.status(article_id)
            if not self.desk.store.delete(article_id):
                return False
            remove_edition(self.desk, article_id)  # a build running now removes what it writes when it ends
            self.desk.feed.request()
            if self.outbox is not None and before is not None:
                self.outbox.add("article.deleted", {**before, "status": "deleted"})
            return True

        if not await run_in_threadpool(delete):
            return error(404, f"no article {article_id}")
        return Response(status_code=204)

    async def put_article(self, request: Request) -> Response:
        article_id = checked_id(request.path_params["article_id"])
        body = await read_body(request)
        desk = self.desk

        def accept() -> tuple[int, dict[str, Any] | None]:
            record = submission(request.headers.get("content-type", ""), body)  # Markdown is parsed: not in the loop
            record_path = manifest.path_for(desk.audio_path(article_id))
            if not desk.store.folder(article_id).exists() and manifest.load(record_path) is not None:
                raise Refusal(400, f"{article_id}: an edition of that name, not made through the API, is already "
                                   "in the folder; choose another id")
            newest = desk.store.newest(article_id)
            if newest is not None and "url" not in record and same(newest, record):
                status = desk.status(article_id)
                if status is not None and status["status"] != "failed":
                    return 200, status
            try:
                waiting = desk.queue.length()
            except Exception as exc:  # noqa: BLE001 - the queue's store (Redis) is away
                log.warning("the queue does not answer: %s", exc)
                raise Refusal(503, "the queue does not answer; try again later",
                              {"Retry-After": str(RETRY_AFTER)}) from None
            if waiting >= desk.settings.max_queue:
                raise Refusal(503, f"the queue is full ({desk.settings.max_queue} articles wait); try again later",
                              {"Retry-After": str(RETRY_AFTER)})
            desk.store.accept(article_id, record)  # on disk: from here on nothing can lose it
            try:
                desk.queue.put(article_id)
            except Exception as exc:  # noqa: BLE001 - accepted all the same: the reconcile will queue it
                log.warning("%s was accepted but could not be queued now (%s); the reconcile will", article_id, exc)
            return 202, desk.status(article_id)

        code, status = await run_in_threadpool(accept)
        return JSONResponse(status, status_code=code)

    async def get_lexicon(self, request: Request) -> Response:
        path = self.desk.lexicon_path()
        text = await run_in_threadpool(lambda: path.read_text(encoding="utf-8") if path.is_file() else "")
        return Response(text, media_type="text/plain; charset=utf-8")

    async def put_lexicon(self, request: Request) -> Response:
        body = await read_body(request)
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "text/plain":
            raise Refusal(415, "send the lexicon as text/plain (UTF-8), one `written = spoken` entry a line")
        text = decoded(body)

        def save() -> list[str]:
            try:
                new = lexicon.parse(text, "the lexicon")
            except EditionError as exc:
                raise Refusal(400, message(exc)) from None
            path = self.desk.lexicon_path()
            old = lexicon.parse(path.read_text(encoding="utf-8"), "the lexicon") if path.is_file() else lexicon.Lexicon()
            write_atomically(path, text.encode("utf-8"), sync=True)
            touched = said_differently(old, new)
            requeued = [article_id for article_id in self.desk.store.ids() if touched(self.written(article_id))]
            for article_id in requeued:
                self.desk.store.mark_stale(article_id, "the house lexicon changed")
                try:
                    self.desk.queue.put(article_id)
                except Exception as exc:  # noqa: BLE001 - marked: the reconcile queues it
                    log.warning("%s could not be queued now (%s); the reconcile will", article_id, exc)
            return requeued

        return JSONResponse({"requeued": await run_in_threadpool(save)})

    def written(self, article_id: str) -> str:
        """Return what the article says as written: its text, else (a link) the text its edition records."""
        newest = self.desk.store.newest(article_id)
        if newest is None:
            return ""
        parts = [newest.get("text") or "", *(newest.get("meta") or {}).values()]
        record = manifest.load(manifest.path_for(self.desk.audio_path(article_id)))
        if record is not None:
            parts += [record.title, *(chunk.text for section in record.sections for chunk in section.chunks)]
        return "\n".join(parts)


def said_differently(old: lexicon.Lexicon, new: lexicon.Lexicon):
    """Return a test of a text: does it hold a word that `new` says otherwise than `old` (for any voice)?"""
    exact: set[str] = set()
    any_case: set[str] = set()

    def compare(a: lexicon.Lexicon, b: lexicon.Lexicon) -> None:
        exact.update(w for w in {*a.entries, *b.entries} if a.entries.get(w) != b.entries.get(w))
        any_case.update(w for w in {*a.any_case, *b.any_case} if a.any_case.get(w) != b.any_case.get(w))
        for voice in {*a.by_voice, *b.by_voice}:
            compare(a.by_voice.get(voice, lexicon.Lexicon()), b.by_voice.get(voice, lexicon.Lexicon()))

    compare(old, new)
    patterns = [re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in sorted(words, key=len, reverse=True))})(?!\w)",
                           flags) for words, flags in ((exact, 0), (any_case, re.IGNORECASE)) if words]
    return lambda text: any(pattern.search(text) for pattern in patterns)


def checked_id(article_id: str) -> str:
    """Return the id if the API takes it; else refuse with 400."""
    if not ID.fullmatch(article_id):
        raise Refusal(400, "an id is 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit")
    if article_id.lower() in RESERVED or article_id.lower().endswith(RESERVED_ENDINGS):
        raise Refusal(400, f"{article_id!r} is a name the folder uses for itself; choose another id")
    return article_id


async def read_body(request: Request) -> bytes:
    """Return the request's body: at most MAX_BODY bytes (else 413), whole within BODY_DEADLINE seconds."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY:
        raise Refusal(413, f"the body is larger than {MAX_BODY // (1024 * 1024)} MB")

    async def collect() -> bytes:
        parts, size = [], 0
        async for part in request.stream():
            size += len(part)
            if size > MAX_BODY:
                raise Refusal(413, f"the body is larger than {MAX_BODY // (1024 * 1024)} MB")
            parts.append(part)
        return b"".join(parts)

    try:
        return await asyncio.wait_for(collect(), BODY_DEADLINE)
    except asyncio.TimeoutError:
        raise Refusal(408, f"the body did not arrive within {BODY_DEADLINE:g} s") from None


def submission(content_type: str, body: bytes) -> dict[str, Any]:
    """Return the revision a PUT submits, checked; refuse what the API does not take (400, 415)."""
    kind, _, parameters = content_type.partition(";")
    kind = kind.strip().lower()
    charset = "utf-8"
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    if kind in RAW_TYPES:
        if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
            raise Refusal(415, f"send the text as UTF-8, not {charset}")
        fields: dict[str, Any] = {"text": decoded(body), "format": RAW_TYPES[kind]}
    elif kind == "application/json":
        fields = parsed_json(body)
    else:
        raise Refusal(415, "send application/json, text/markdown, text/plain or text/html")
    return checked(fields)


def decoded(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(400, "the text is not UTF-8") from None


def parsed_json(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(decoded(body))
    except RecursionError:
        raise Refusal(400, "the JSON is nested too deeply") from None
    except ValueError as exc:
        raise Refusal(400, f"not valid JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(value, dict):
        raise Refusal(400, 'the JSON must be an object: {"text": …} or {"url": …}')
    unknown = sorted(set(value) - FIELDS)
    if unknown:
        raise Refusal(400, f"unknown field {unknown[0]!r}; the fields are {', '.join(sorted(FIELDS))}")
    return value


def checked(fields: dict[str, Any]) -> dict[str, Any]:
    """Return a revision record made of the submitted fields, each checked."""
    for name, value in fields.items():
        if name == "speed":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise Refusal(400, "speed must be a number from 0.5 to 2.0")
        elif not isinstance(value, str):
            raise Refusal(400, f"{name} must be text")
    if ("url" in fields) == ("text" in fields):
        raise Refusal(400, 'give the article as {"text": …} or as {"url": …}, one of them')
    record: dict[str, Any] = {}
    if "url" in fields:
        if "format" in fields:
            raise Refusal(400, "format is for a text; a URL is read as a web page")
        if not URL.fullmatch(fields["url"]) or len(fields["url"]) > 2000:
            raise Refusal(400, "url must be an http:// or https:// link of at most 2000 characters")
        record["url"] = fields["url"]
    else:
        fmt = fields.get("format", "text")
        if fmt not in FORMATS:
            raise Refusal(400, f"unknown format {fmt!r}; use {', '.join(FORMATS)}")
        if not fields["text"].strip():
            raise Refusal(400, "the text is empty")
        if fmt == "markdown":
            refuse_front_matter_paths(fields["text"])
        record["text"], record["format"] = fields["text"], fmt
    options: dict[str, Any] = {}
    if "engine" in fields:
        if fields["engine"] not in (engines.AUTO, *engines.NAMES):
            raise Refusal(400, f"unknown engine {fields['engine']!r}; use {', '.join((engines.AUTO, *engines.NAMES))}")
        options["engine"] = fields["engine"]
    if "voice" in fields:
        if not VOICE_NAME.fullmatch(fields["voice"]):
            raise Refusal(400, "voice must be a voice's name from the catalogue (no paths)")
        options["voice"] = fields["voice"]
    if "speed" in fields:
        if not 0.5 <= fields["speed"] <= 2.0:
            raise Refusal(400, "speed must be a number from 0.5 to 2.0")
        options["speed"] = float(fields["speed"])
    meta = {name: fields[name].strip() for name in META if name in fields and fields[name].strip()}
    for name in ("link", "image"):
        if name in meta and not URL.fullmatch(meta[name]):
            raise Refusal(400, f"{name} must be an http:// or https:// link")
    record["options"], record["meta"] = options, meta
    return record


def refuse_front_matter_paths(text: str) -> None:
    """Refuse Markdown whose front matter names files (voice, cover, intro, outro): no paths over the API."""
    try:
        article = parse_article(text, "markdown")
    except EditionError as exc:
        raise Refusal(400, message(exc)) from None
    named = [key for key in FRONT_MATTER_PATHS if article.meta.get(key)]
    if named:
        raise Refusal(400, f"the front matter may not name {named[0]}: over the API, give a voice by name "
                           f"in the JSON field 'voice' and a cover as the link 'image'")


def same(newest: dict[str, Any], record: dict[str, Any]) -> bool:
    """Return True when a submission equals the last accepted revision (text, format, options and metadata)."""
    keys = ("text", "format", "url", "options", "meta")
    return all(newest.get(key) == record.get(key) for key in keys)
