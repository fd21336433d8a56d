"""The briefing: many articles made into one episode, a chapter each (the `digest` command, `audio.digest`).

Takes articles (files, folders, links, `Article`s; or the editions already built in an output folder,
or a newsroom's RSS/Atom feed), a `BriefingOptions` (a `BuildOptions` with the briefing's title, date,
gap, jingle, intro and outro lines and chapter depth) and a voice. Gives one audio file: a spoken
introduction (a chapter of its own), then each article (a chapter from where its title is spoken,
with `chapters="sections"` its sections nested under it), its manifest with every sentence's times,
the sidecars made from that manifest, and, on request, the folder's `briefings.xml` feed.

Nothing is synthesised or encoded that the shared cache already holds: an article built before
costs only the reading of its MP3 sections, which are joined frame by frame without a new encode.

Modules: `options` (what a briefing is asked), `pick` (which articles: sources, a folder, and `feeds`,
a newsroom's feed; newest, since), `timeline` (where every part lies, the chapters and the manifest's
sections), `write` (the audio: MP3 frames joined, M4B and Opus in one encode), `make` (the
orchestration: `digest`).
"""

from audio.briefing.make import BriefingArticle, BriefingResult, digest
from audio.briefing.options import BriefingOptions

__all__ = ["digest", "BriefingOptions", "BriefingResult", "BriefingArticle"]
