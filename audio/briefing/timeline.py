"""Where every part of a briefing lies: its pieces in order, its chapters (nested or flat), its manifest's sections.

Pure arithmetic on durations, so the MP3 briefing (durations in whole MP3 frames) and the M4B and
Opus ones (in samples) are laid out alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from audio.edition import cache as cache_mod
from audio.edition import manifest
from audio.edition.plan import SectionPlan
from audio.sound.export import Chapter, ChapterGroup

JOINER = " – "  # "Article – Section" where a format has no nesting


@dataclass
class Block:
    """A stretch of the briefing that is one chapter at the top level: the introduction, or an article."""

    title: str
    plans: list[SectionPlan]
    origin: str = ""  # the article's file or link; "" for the introduction
    trailing: list[SectionPlan] = field(default_factory=list)  # the outro line, spoken after the last article


@dataclass(frozen=True)
class Piece:
    """One part of the audio in order: a section (with its plan), or silence, a jingle, intro or outro audio."""

    duration: float
    plan: SectionPlan | None = None


@dataclass(frozen=True)
class Layout:
    chapters: list[Chapter]
    groups: list[ChapterGroup]  # the articles' tables in a nested table of contents (ID3); empty when flat
    sections: list[manifest.SectionRecord]  # the manifest's: one per chapter, with every sentence's times
    spans: list[tuple[float, float]]  # each block's chapter start and end


def starts_of(pieces: list[Piece]) -> tuple[dict[int, float], float]:
    """Return where each section's own audio starts (by the plan's id) and the total duration."""
    starts, position = {}, 0.0
    for piece in pieces:
        if piece.plan is not None:
            starts[id(piece.plan)] = position
        position += piece.duration
    return starts, position


def lay_out(blocks: list[Block], pieces: list[Piece], depth: str) -> Layout:
    """Return the chapters and the manifest's sections of the briefing made of `pieces` in this order.

    A block's chapter starts where its first section starts (an article's title is its first words),
    the first at 0 (intro audio belongs to it), and ends where the next begins (the gap, or the jingle,
    after an article belongs to it). With `depth="sections"` an article's sections are chapters titled
    "Article – Section", grouped under the article for a nested table of contents.
    """
    starts, total = starts_of(pieces)
    block_starts = [0.0 if n == 0 else starts[id(block.plans[0])] for n, block in enumerate(blocks)]
    spans = [(start, block_starts[n + 1] if n + 1 < len(blocks) else total) for n, start in enumerate(block_starts)]
    entries: list[tuple[str, float, float, list[SectionPlan]]] = []  # title, start, end, the plans it holds
    groups: list[ChapterGroup] = []
    for block, (start, end) in zip(blocks, spans):
        plans = block.plans + block.trailing
        if depth != "sections" or not block.origin:
            entries.append((block.title, start, end, plans))
            continue
        first = len(entries)
        for n, plan in enumerate(block.plans):
            section_start = start if n == 0 else starts[id(plan)]
            section_end = starts[id(block.plans[n + 1])] if n + 1 < len(block.plans) else end
            held = [plan] + (block.trailing if n + 1 == len(block.plans) else [])
            entries.append((flat_title(block.title, plan.script.title), section_start, section_end, held))
        groups.append(ChapterGroup(block.title, first, len(block.plans)))
    chapters = [Chapter(title, start, end) for title, start, end, _ in entries]
    sections = [record(title, start, end, plans, starts) for title, start, end, plans in entries]
    return Layout(chapters, groups, sections, spans)


def flat_title(article: str, section: str) -> str:
    """Return a section's chapter title where the article is not a table of its own: `Article – Section`."""
    return article if section == article else f"{article}{JOINER}{section}"


def record(title: str, start: float, end: float, plans: list[SectionPlan],
           starts: dict[int, float]) -> manifest.SectionRecord:
    """Return the manifest's record of one chapter: its sections' sentences at their times in the briefing."""
    chunks = tuple(
        manifest.ChunkRecord(key, chunk.text, chunk.spoken, round(starts[id(plan)] + cue_start, 3),
                             round(starts[id(plan)] + cue_end, 3))
        for plan in plans
        for key, chunk, (cue_start, cue_end) in zip(plan.chunk_keys, plan.script.chunks, plan.cues)
    )
    if len(plans) == 1:
        plan = plans[0]
        key, body_key, level = plan.key, plan.body_key, plan.level
    else:  # a chapter of several sections: its key names them all (its sections' own keys are kept apart)
        key = cache_mod.key("briefing-chapter", [p.key for p in plans])
        body_key, level = cache_mod.key("briefing-chapter-body", [p.body_key for p in plans]), None
    frames = sum(p.encoded.frames for p in plans if p.encoded)
    size = sum(len(p.encoded.mp3) for p in plans if p.encoded)
    return manifest.SectionRecord(title, key, body_key, round(start, 3), round(end - start, 3), chunks, level,
                                  frames if len(plans) == 1 else 0, size if len(plans) == 1 else 0)
