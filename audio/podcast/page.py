"""The edition's web page: a player, the chapters to click, and the transcript that follows the voice."""

from __future__ import annotations

import html
import json

from audio.edition.manifest import Manifest, SectionRecord
from audio.podcast.transcript import clock, section_cues
from audio.read.article import language_of


def page(record: Manifest) -> str:
    """Return a self-contained HTML page for the edition, made from its manifest."""
    chapters = "\n".join(
        f'<li><button type="button" data-start="{s.start:.3f}">{html.escape(s.title)}</button>'
        f' <span class="time">{clock(s.start)}</span></li>'
        for s in record.sections
    )
    transcript = "\n".join(section_html(section) for section in record.sections)
    author = f"<p class=\"author\">{html.escape(record.meta['author'])}</p>" if record.meta.get("author") else ""
    return TEMPLATE.format(
        title=html.escape(record.title), author=author, audio=html.escape(record.audio, quote=True),
        chapters=chapters, transcript=transcript, language=html.escape(language_of(record.meta), quote=True),
        data=html.escape(json.dumps({"duration": record.duration})),
    )


def section_html(section: SectionRecord) -> str:
    """Return a section of the transcript: its heading, then its sentences, each a cue the player can light up."""
    parts = []
    for cue in section_cues(section):
        times = f'class="cue" data-start="{cue.start:.3f}" data-end="{cue.end:.3f}"'
        if cue.text == section.title:
            parts.append(f"</p>\n<h3 {times}>{html.escape(cue.text)}</h3>\n<p>")
        else:
            parts.append(f"<span {times}>{html.escape(cue.text)}</span>")
    return ("<p>" + " ".join(parts) + "</p>").replace("<p></p>", "")


TEMPLATE = """<!DOCTYPE html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font: 17px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
audio {{ width: 100%; }}
ol {{ padding-left: 1.2rem; }}
button {{ font: inherit; background: none; border: 0; padding: 0; color: #0645ad; cursor: pointer; text-align: left; }}
button.current {{ font-weight: bold; }}
.time {{ color: #777; font-size: 0.85em; }}
.cue {{ cursor: pointer; }}
.cue.now {{ background: #fff3a8; }}
h3 {{ font-size: 1.05em; margin: 1.2em 0 0.3em; }}
</style>
</head>
<body data-edition="{data}">
<h1>{title}</h1>
{author}
<audio id="player" controls preload="metadata" src="{audio}"></audio>
<h2>Kapitel</h2>
<ol id="chapters">
{chapters}
</ol>
<h2>Transkript</h2>
<div id="transcript">
{transcript}
</div>
<script>
const player = document.getElementById("player");
const buttons = [...document.querySelectorAll("#chapters button")];
const cues = [...document.querySelectorAll(".cue")];
function jump(seconds) {{
  player.currentTime = seconds;
  player.play().catch(() => {{}});
}}
buttons.forEach(b => b.addEventListener("click", () => jump(parseFloat(b.dataset.start))));
cues.forEach(c => c.addEventListener("click", () => jump(parseFloat(c.dataset.start))));
player.addEventListener("timeupdate", () => {{
  const t = player.currentTime;
  cues.forEach(c => c.classList.toggle("now", t >= parseFloat(c.dataset.start) && t < parseFloat(c.dataset.end)));
  let current = null;
  buttons.forEach(b => {{ if (t >= parseFloat(b.dataset.start)) current = b; }});
  buttons.forEach(b => b.classList.toggle("current", b === current));
}});
</script>
</body>
</html>
"""
