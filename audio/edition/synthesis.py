"""Synthesise what the cache lacks: each chunk spoken once by the voice and stored the moment it is made."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from audio.edition.cache import Cache
from audio.edition.plan import SectionPlan, missing_chunks
from audio.engines.base import Engine
from audio.errors import EditionError
from audio.events import Events
from audio.sound.clip import Speech


def synthesise_missing(plans: list[SectionPlan], engine: Engine, store: Cache, events: Events,
                       ready: Callable[[SectionPlan], None] | None = None) -> list[str]:
    """Synthesise every chunk of `plans` that the cache lacks, as many at once as the voice allows; return their
    keys, in the order they are spoken.

    `ready(plan)` is called (from a worker thread) as soon as all of a section's speech is in the
    cache, so its encoding can start while the voice goes on with the next sections.
    """
    # the longest sections first: their encodes, the longest, then run while the voice speaks the rest
    longest_first = sorted(plans, key=lambda plan: -sum(len(chunk.spoken) for chunk in plan.script.chunks))
    wanted = missing_chunks(longest_first, store)
    waiting = {id(plan): {key for key in plan.chunk_keys if key in wanted} for plan in plans}
    lock = threading.Lock()
    for plan in plans:
        if not waiting[id(plan)] and ready:
            ready(plan)
    events.started("Synthesising", len(wanted))
    if not wanted:
        return []

    def make(key: str) -> None:
        store.put_speech(key, engine.synthesize(wanted[key][0]))
        events.advanced()
        finished = []
        with lock:
            for plan in plans:
                keys = waiting[id(plan)]
                if key in keys:
                    keys.discard(key)
                    if not keys:
                        finished.append(plan)
        for plan in finished:
            if ready:
                ready(plan)

    pool = ThreadPoolExecutor(max_workers=max(1, engine.concurrency), thread_name_prefix="synth")
    futures = {pool.submit(make, key): key for key in wanted}
    try:
        done, pending = wait(futures, return_when=FIRST_EXCEPTION)
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        failed = next((f for f in futures if f.done() and not f.cancelled() and f.exception()), None)
        if failed is not None:
            made = sum(1 for f in futures if f.done() and not f.cancelled() and f.exception() is None)
            raise EditionError(
                f"section “{wanted[futures[failed]][1]}” could not be synthesised: {failed.exception()}. "
                f"The {made} chunks made so far are cached; run the build again to go on"
            )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return list(dict.fromkeys(key for plan in plans for key in plan.chunk_keys if key in wanted))


def section_speeches(plan: SectionPlan, store: Cache) -> list[Speech]:
    """Return the cached speech of every chunk of a section."""
    speeches = []
    for key in plan.chunk_keys:
        found = store.get_speech(key)
        if found is None:
            raise EditionError("a chunk vanished from the cache during the build; run the build again")
        speeches.append(found)
    return speeches
