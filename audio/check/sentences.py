"""The sentences of an edition as its manifest records them: what was written and said, the audio keys, the times."""

from __future__ import annotations

from dataclasses import dataclass

from audio.edition import manifest


@dataclass(frozen=True)
class Sentence:
    """A sentence as the manifest records it: its written text and the audio keys and times of its pieces."""

    text: str
    spoken: str  # what the voice was given, lexicon and rules applied
    keys: tuple[str, ...]
    start: float
    end: float
    pieces: tuple[tuple[float, float], ...] = ()  # where each piece is spoken, when the voice was given it in pieces


def sentences_of(record: manifest.Manifest) -> list[Sentence]:
    """Return the sentences of an edition in order: a chunk with written text starts one, the chunks after it
    without text (a long sentence cut into pieces) belong to it."""
    sentences: list[Sentence] = []
    for section in record.sections:
        for chunk in section.chunks:
            if chunk.text or not sentences:
                sentences.append(Sentence(chunk.text, chunk.spoken, (chunk.key,), chunk.start, chunk.end,
                                          ((chunk.start, chunk.end),)))
            else:
                last = sentences[-1]
                sentences[-1] = Sentence(last.text, f"{last.spoken} {chunk.spoken}", last.keys + (chunk.key,),
                                         last.start, chunk.end, last.pieces + ((chunk.start, chunk.end),))
    return [s for s in sentences if s.text and s.end > s.start]
