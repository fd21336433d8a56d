"""Synthesise what the cache lacks: each chunk spoken once by the voice and stored the moment it is made."""

from __future__ import annotations

from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from audio.cache import Cache
from audio.engines.base import Engine, Speech
from audio.errors import EditionError
from audio.events import Events
from audio.plan import SectionPlan, missing_chunks


def synthesise_missing(plans: list[SectionPlan], engine: Engine, store: Cache, events: Events) -> int:
    """Synthesise every chunk of `plans` that the cache lacks, as many at once as the voice allows; return how many."""
    wanted = missing_chunks(plans, store)
    events.started("Synthesising", len(wanted))
    if not wanted:
        return 0

    def make(key: str) -> None:
        store.put_speech(key, engine.synthesize(wanted[key][0]))
        events.advanced()

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
    return len(wanted)


def section_speeches(plan: SectionPlan, store: Cache) -> list[Speech]:
    """Return the cached speech of every chunk of a section."""
    speeches = []
    for key in plan.chunk_keys:
        found = store.get_speech(key)
        if found is None:
            raise EditionError("a chunk vanished from the cache during the build; run the build again")
        speeches.append(found)
    return speeches
