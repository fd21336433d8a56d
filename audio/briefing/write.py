"""Write a briefing's audio: MP3 from the sections' cached frames joined as they are, M4B and Opus in one encode.

Between articles goes the silence that the section pause lacks of the gap (cut to whole MP3 frames,
so it is exact to a frame), or the jingle; before and after it all, the intro and outro audio.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from audio import files
from audio.briefing.options import BriefingOptions
from audio.briefing.timeline import Block, Layout, Piece, lay_out
from audio.edition import cache as cache_mod
from audio.edition.assemble import encoded_clip, encoders
from audio.edition.cache import Cache
from audio.edition.plan import SectionPlan
from audio.edition.synthesis import section_speeches
from audio.errors import EditionError
from audio.events import Events
from audio.sound import ffmpeg, loudness, render
from audio.sound.clip import Speech
from audio.sound.export import Tags, write_container, write_mp3
from audio.sound.formats import AudioFormat


def write_audio(output: Path, fmt: AudioFormat, blocks: list[Block], store: Cache, options: BriefingOptions,
                tags: Tags, extras: dict[str, Path | None], events: Events) -> tuple[Layout, list[str]]:
    """Write the briefing's audio to `output`; return its layout and the cache keys of the parts it added."""
    if fmt.joined:
        return joined(output, blocks, store, options, tags, extras)
    return whole(output, fmt, blocks, store, options, tags, extras, events)


def joined(output: Path, blocks: list[Block], store: Cache, options: BriefingOptions, tags: Tags,
           extras: dict[str, Path | None]) -> tuple[Layout, list[str]]:
    """Write an MP3 briefing: every section's cached frames joined, with the gaps, jingle, intro and outro audio."""
    gap, keys = separators(options, store, extras)
    ends = [encoded_clip(extras[which], store, options) for which in ("intro", "outro")]
    order: list[tuple[render.EncodedSection, SectionPlan | None]] = []
    if ends[0]:
        order.append((ends[0], None))
    for number, block in enumerate(blocks):
        if number and gap:
            order.append((gap, None))
        for plan in block.plans + block.trailing:
            if plan.encoded is None:
                raise EditionError("a section was not encoded; run the briefing again")
            order.append((plan.encoded, plan))
    if ends[1]:
        order.append((ends[1], None))
    layout = lay_out(blocks, [Piece(encoded.duration, plan) for encoded, plan in order], options.chapters)
    write_mp3(output, (encoded.mp3 for encoded, _ in order), tags, layout.chapters, layout.groups)
    return layout, keys


def whole(output: Path, fmt: AudioFormat, blocks: list[Block], store: Cache, options: BriefingOptions,
          tags: Tags, extras: dict[str, Path | None], events: Events) -> tuple[Layout, list[str]]:
    """Write an M4B or Opus briefing in one encode of every part's loudness-normalised PCM, checked by the
    loudness policy and encoded again if it missed (as an edition in these formats is)."""
    target = options.loudness
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{output.stem}.", dir=output.parent) as work:
        attempts: list[Path] = []
        layouts: dict[Path, Layout] = {}

        def attempt(gain: float, limit: float) -> Path:
            path = Path(work) / f"{len(attempts)}{output.suffix}"
            attempts.append(path)
            aim = loudness.Target(target.integrated + gain, target.true_peak)
            layouts[path] = encode_whole(path, fmt, blocks, store, options, tags, extras, aim,
                                         target.true_peak - limit, events)
            return path

        best = loudness.on_target(attempt, lambda path: loudness.measure_encoded(path, peak="true"), target,
                                  gain=0.0, limit=target.true_peak - fmt.headroom, ceiling=target.true_peak)
        Path(best).replace(output)
    return layouts[best], []


def encode_whole(output: Path, fmt: AudioFormat, blocks: list[Block], store: Cache, options: BriefingOptions,
                 tags: Tags, extras: dict[str, Path | None], aim: loudness.Target, headroom: float,
                 events: Events) -> Layout:
    """Encode every part at `aim` loudness, limited `headroom` dB below the ceiling; return the layout."""
    rate = fmt.sample_rate
    plans = [plan for block in blocks for plan in block.plans + block.trailing]
    events.started("Encoding", len(plans))
    with tempfile.TemporaryDirectory(prefix="audio-edition-") as work:
        def normalised(audio: Speech, name: str) -> tuple[Path, float]:
            path = Path(work) / name
            path.write_bytes(loudness.normalised_pcm(audio, aim, rate, headroom))
            return path, path.stat().st_size / 2 / rate

        def clip(path: Path, name: str) -> tuple[Path, float]:
            pcm = ffmpeg.decode_to_pcm(files.read_bytes(path, "audio file"), rate, what=f"reading {path.name}")
            return normalised(Speech(pcm, rate), name)

        gap: tuple[Path, float] | None = None
        if extras["jingle"] is not None:
            gap = clip(extras["jingle"], "jingle.pcm")
        elif options.gap > options.pauses.section:
            silence = Path(work) / "gap.pcm"
            silence.write_bytes(bytes(2 * round((options.gap - options.pauses.section) * rate)))
            gap = silence, silence.stat().st_size / 2 / rate
        def section(plan: SectionPlan, name: str) -> tuple[Path, float]:
            audio, plan.cues = render.section_audio(section_speeches(plan, store), plan.pauses, options.pauses)
            made = normalised(audio, name)
            events.advanced()
            return made

        # sections side by side, one per core (each is its own ffmpeg runs), put in order as they are written
        futures = {id(plan): encoders().submit(section, plan, f"{n}.pcm") for n, plan in enumerate(plans)}
        try:
            order: list[tuple[Path, float, SectionPlan | None]] = []
            if extras["intro"] is not None:
                order.append((*clip(extras["intro"], "intro.pcm"), None))
            for number, block in enumerate(blocks):
                if number and gap:
                    order.append((*gap, None))
                order.extend((*futures[id(plan)].result(), plan) for plan in block.plans + block.trailing)
            if extras["outro"] is not None:
                order.append((*clip(extras["outro"], "outro.pcm"), None))
        finally:  # on a failure or Ctrl-C, start no more
            for future in futures.values():
                future.cancel()
        layout = lay_out(blocks, [Piece(duration, plan) for _, duration, plan in order], options.chapters)
        write_container(output, fmt, (path.read_bytes() for path, _, _ in order), tags, layout.chapters,
                        options.bitrate)
    return layout


def separators(options: BriefingOptions, store: Cache, extras: dict[str, Path | None]) -> \
        tuple[render.EncodedSection | None, list[str]]:
    """Return the MP3 frames that go between articles (the jingle, else the silence the section pause lacks
    of the gap) and the cache keys they are kept under."""
    if extras["jingle"] is not None:
        return encoded_clip(extras["jingle"], store, options), []
    seconds = round(max(0.0, options.gap - options.pauses.section), 3)
    if seconds < 0.03:
        return None, []
    frames = max(1, round(seconds * render.SAMPLE_RATE / render.SAMPLES_PER_FRAME))
    key = cache_mod.key("silence", frames, options.bitrate)
    cached = store.get_bytes(key, ".mp3")
    if cached is None:  # encoded with some to spare, then cut to whole frames: the gap is exact to the frame
        encoded = ffmpeg.run(render.mp3_args(render.SAMPLE_RATE, options.bitrate),
                             bytes(2 * (frames + 2) * render.SAMPLES_PER_FRAME), what="encoding the gap")
        cached = first_frames(encoded, frames)
        store.put_bytes(key, ".mp3", cached)
    return render.EncodedSection(cached, render.count_mp3_frames(cached)), [key]


def first_frames(mp3: bytes, count: int) -> bytes:
    """Return the first `count` frames of an MP3 stream (later frames only borrow from earlier ones)."""
    position = 0
    for _ in range(count):
        length = render.mp3_frame_length(int.from_bytes(mp3[position:position + 4], "big"))
        if length is None:
            raise EditionError("the encoder's silence is not whole MP3 frames")
        position += length
    return mp3[:position]
