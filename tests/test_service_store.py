"""The service's store of accepted revisions: what the API answers 202 for is on disk, and numbers never repeat."""

from __future__ import annotations

import os
import threading

import pytest

from audio.service.store import Store


def test_revisions_grow_and_are_never_given_twice(tmp_path):
    store = Store(tmp_path)
    assert [store.accept("a1", {"text": f"Fassung {n}."}) for n in range(3)] == [1, 2, 3]
    assert store.newest("a1")["text"] == "Fassung 2." and store.newest_number("a1")[0] == 3
    store.save_result("a1", {"revision": 3, "built": {"revision": 3}})
    store.forget_older("a1", 3)
    assert store.numbers("a1") == [3]
    assert store.delete("a1") and store.newest("a1") is None and store.newest_number("a1") is None
    assert not store.delete("a1")
    assert store.accept("a1", {"text": "Wieder da."}) == 4  # after a delete too


def test_revisions_accepted_at_once_each_get_their_own_number(tmp_path):
    store = Store(tmp_path)
    numbers: list[int] = []
    threads = [threading.Thread(target=lambda n=n: numbers.append(store.accept("x", {"text": str(n)})))
               for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == list(range(1, 21))
    assert Store(tmp_path).accept("x", {"text": "danach"}) == 21  # another process sees them all


def test_a_damaged_or_strange_file_in_the_state_is_skipped_not_fatal(tmp_path):
    store = Store(tmp_path)
    store.accept("a", {"text": "Eins."})
    store.accept("a", {"text": "Zwei."})
    (store.folder("a") / "revision-2.json").write_text("{kaputt")
    assert store.newest("a")["text"] == "Eins."  # the one before it stands
    os.mkfifo(store.folder("a") / "built.json")  # a pipe would hang a reader
    assert store.result("a") == {}


@pytest.mark.parametrize("article_id", ["../x", "a/b", ".hidden", "", "a" * 101])
def test_an_id_never_becomes_a_path_outside_the_state(tmp_path, article_id):
    with pytest.raises(ValueError):
        Store(tmp_path).folder(article_id)


def test_the_feed_writer_removes_what_a_killed_writer_left_and_writes_the_feed(tmp_path, articles):
    """kill -9 while feed.xml was being written leaves `.feed.xml.*.part`; the next rewrite clears it."""
    from audio import batch, build
    from audio.service.desk import FeedWriter
    from audio.service.queue import Queue

    build(articles / "no-headings.txt", engine="espeak", output=tmp_path / "out" / "a.mp3", cache_dir=tmp_path / "c")
    leftover = tmp_path / "out" / ".feed.xml.k1ll3d42.part"
    leftover.write_bytes(b"<rss><channel><title>halb")
    (tmp_path / "state").mkdir()
    FeedWriter(tmp_path / "out", "http://localhost:8000/", Queue(tmp_path / "state")).rewrite(batch.update_feed)
    assert not leftover.exists()
    assert (tmp_path / "out" / "feed.xml").read_text(encoding="utf-8").count("<item>") == 1

