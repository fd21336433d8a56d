"""`audio-edition serve`: publish a folder of editions over HTTP; with --api, also the newsroom's API."""

from __future__ import annotations

import os
from pathlib import Path

import click
from click.core import ParameterSource

from audio.cli.feed import configure
from audio.cli.options import BUILD_OPTIONS, CONTEXT, OUTPUT_DIR, options_from
from audio.cli.terminal import user_errors
from audio.errors import EditionError
from audio.read.article import without_controls

TOKEN_VARIABLE = "AUDIO_EDITION_API_TOKEN"
API_ONLY = ("token_file", "workers", "queue", "webhook", "webhook_secret", "allow_private_urls", "max_queue",
            "reconcile_every")
NOT_FOR_THE_API = ("--output", "--quiet")  # build's options that name one file or change the terminal


def api_options(func):
    """The options of `serve --api`: the service's own, then build's voice and output options as defaults."""
    for option in reversed([option for option in BUILD_OPTIONS if not set(option_names(option)) & set(NOT_FOR_THE_API)]):
        func = option(func)
    func = click.option("--lexicon", "lexicons", multiple=True,
                        type=click.Path(exists=True, dir_okay=False, path_type=Path),
                        help="With --api: a pronunciation lexicon for every article; may be given several times.")(func)
    for option in reversed([
        click.option("--api", is_flag=True, help="Also serve the JSON API under /api/ (needs a token) and build "
                                                  "what is submitted to it."),
        click.option("--token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help=f"With --api: the file holding the API's token  [default: ${TOKEN_VARIABLE}]"),
        click.option("--workers", type=click.IntRange(0, 64), default=None,
                     help="With --api: builds at once in this process (0: leave building to `worker` processes) "
                          " [default: one per core]"),
        click.option("--queue", help="With --api: redis://HOST:PORT/N puts the build queue in Redis, shared with "
                                     "`worker` processes on other machines  [default: embedded]"),
        click.option("--webhook", help="With --api: the URL told when a revision is ready or failed, or deleted."),
        click.option("--webhook-secret", help="With --webhook: the signing secret (whsec_…, base64)."),
        click.option("--allow-private-urls", is_flag=True,
                     help="With --api: let submitted links reach this machine and private networks."),
        click.option("--max-queue", type=click.IntRange(1, 10_000_000), default=10_000, show_default=True,
                     help="With --api: articles waiting at most; beyond it a submission is answered 503."),
        click.option("--reconcile-every", type=click.FloatRange(0.1, 3600), default=30.0, hidden=True,
                     help="With --api: seconds between looks for accepted revisions that no task stands for."),
    ]):
        func = option(func)
    return func


def option_names(decorator) -> list[str]:
    """Return the flags of a click option decorator (by applying it to a throwaway function)."""
    def probe():
        pass

    decorator(probe)
    return list(probe.__click_params__[0].opts)  # type: ignore[attr-defined]


@click.command(context_settings=CONTEXT)
@OUTPUT_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network subscribe.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--base-url", help="The URL the phone uses  [default: http://HOST:PORT/]")
@api_options
@user_errors
def serve(folder: Path, host: str, port: int, base_url: str | None, api: bool, **options) -> None:
    """Serve FOLDER over HTTP (with range requests for seeking) and a feed whose URLs point at it.

    With --api, also a JSON API under /api/ to which a CMS submits articles under its own ids;
    each is built into FOLDER/<id>.mp3, rebuilt on every update (see the README's "Running it for a
    newsroom").

    Example: audio-edition serve --host 0.0.0.0 --base-url http://192.168.1.20:8000/
    """
    from audio.podcast import feed
    from audio.podcast.serve import files_app, server

    service = {name: options.pop(name) for name in API_ONLY}
    if not api:
        source = click.get_current_context().get_parameter_source
        given = [name for name in API_ONLY if source(name) not in (None, ParameterSource.DEFAULT)]
        if given:
            raise click.UsageError(f"--{given[0].replace('_', '-')} is an option of the API: add --api")
    if base_url:
        feed.check_base_url(base_url)
    token = api_token(service["token_file"]) if api else ""
    if api:
        Path(folder).mkdir(parents=True, exist_ok=True)
    channel = configure(folder, {})
    urls: list[str] = []  # known once the server has its port

    def current_feed() -> bytes:  # made at each request: editions built while serving appear at once
        return feed.rss(feed.editions(folder), urls[0], channel)

    def current_briefings() -> bytes:  # the folder's briefings alone (`digest`), apart from the articles
        return feed.rss(feed.editions(folder, briefings=True), urls[0], feed.briefing_channel(folder),
                        feed.BRIEFINGS_FILE)

    files = files_app(folder, current_feed, current_briefings)
    try:
        httpd = server(folder, host, port, app=files)
    except OSError as exc:
        raise EditionError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    url = base_url or f"http://{host}:{httpd.server_address[1]}/"
    url = url if url.endswith("/") else url + "/"
    urls.append(url)
    running = None
    if api:
        running = start_service(folder, url, token, files, service, options)
        httpd.use(running.app)
    note = f" API at {url}api/;" if api else ""
    click.echo(without_controls(f"Serving {folder} at {url}; subscribe to {url}{feed.FEED_FILE};{note} Ctrl-C stops."))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        if running:
            running.stop()
        httpd.server_close()


def api_token(token_file: Path | None) -> str:
    """Return the API's token: the file's first line, else $AUDIO_EDITION_API_TOKEN; EditionError when there is none."""
    if token_file:
        if not token_file.is_file():
            raise EditionError(f"{token_file}: not a regular file; give the token in a file")
        with open(token_file, "rb") as handle:
            lines = handle.read(4096).decode("utf-8", "replace").splitlines()
        token = lines[0].strip() if lines else ""
    else:
        token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        raise EditionError(f"the API needs a token: set {TOKEN_VARIABLE} or give --token-file FILE")
    if len(token) < 16 or any(ord(c) < 33 or ord(c) > 126 for c in token):
        raise EditionError("the API's token must be at least 16 printable characters without spaces")
    return token


def start_service(folder: Path, url: str, token: str, files, service: dict, build: dict):
    """Start the desk's workers, reconciler and webhook deliverer; return what runs (its `app` and `stop`)."""
    from audio.service.desk import Settings
    from audio.service.run import Running

    options = options_from(fmt=None, output=None, **build)
    settings = Settings(Path(folder), url, options, queue=service["queue"],
                        allow_private_urls=service["allow_private_urls"], max_queue=service["max_queue"],
                        reconcile_every=service["reconcile_every"])
    workers = service["workers"] if service["workers"] is not None else (os.cpu_count() or 1)
    return Running.start(settings, token, files, workers, service["webhook"], service["webhook_secret"],
                         report=lambda line: click.echo(without_controls(line)))
