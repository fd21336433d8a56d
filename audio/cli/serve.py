"""`audio-edition serve`: publish a folder of editions over HTTP."""

from __future__ import annotations

from pathlib import Path

import click

from audio.cli.feed import configure
from audio.cli.options import CONTEXT, OUTPUT_DIR
from audio.cli.terminal import user_errors
from audio.errors import EditionError
from audio.read.article import without_controls


@click.command(context_settings=CONTEXT)
@OUTPUT_DIR
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network subscribe.")
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--base-url", help="The URL the phone uses  [default: http://HOST:PORT/]")
@user_errors
def serve(folder: Path, host: str, port: int, base_url: str | None) -> None:
    """Serve FOLDER over HTTP (with range requests for seeking) and a feed whose URLs point at it.

    Example: audio-edition serve --host 0.0.0.0 --base-url http://192.168.1.20:8000/
    """
    from audio.podcast import feed
    from audio.podcast.serve import server

    if base_url:
        feed.check_base_url(base_url)
    channel = configure(folder, {})
    urls: list[str] = []  # known once the server has its port

    def current_feed() -> bytes:  # made at each request: editions built while serving appear at once
        return feed.rss(feed.editions(folder), urls[0], channel)

    def current_briefings() -> bytes:  # the folder's briefings alone (`digest`), apart from the articles
        return feed.rss(feed.editions(folder, briefings=True), urls[0], feed.briefing_channel(folder),
                        feed.BRIEFINGS_FILE)

    try:
        httpd = server(folder, host, port, current_feed, briefings=current_briefings)
    except OSError as exc:
        raise EditionError(f"cannot listen on {host}:{port} ({exc.strerror})") from None
    url = base_url or f"http://{host}:{httpd.server_address[1]}/"
    urls.append(url)
    click.echo(without_controls(f"Serving {folder} at {url}; subscribe to {url}{feed.FEED_FILE}; Ctrl-C stops."))
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


