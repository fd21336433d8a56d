"""Compare a new plan of sections with the previous edition's manifest: what changed, for the report."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionState:
    """What identifies a section for comparison: its title, its whole content, and its body alone."""

    title: str
    key: str  # everything said in the section, with pauses and encoding: equal means untouched
    body_key: str  # the body without the heading: equal with another title means renamed


@dataclass(frozen=True)
class Change:
    kind: str  # "changed", "added", "removed", "renamed" or "moved"
    title: str
    old_title: str = ""

    def line(self) -> str:
        if self.kind == "renamed":
            return f"renamed  {self.old_title} → {self.title}"
        return f"{self.kind:<8} {self.title}"


def compare(previous: list[SectionState], current: list[SectionState]) -> list[Change]:
    """Return the changes from `previous` to `current`, in the order of the current sections, removals last."""
    unmatched = list(previous)
    changes, untouched = [], []
    for section in current:
        same = next((p for p in unmatched if p.key == section.key), None)
        by_title = next((p for p in unmatched if p.title == section.title), None)
        by_body = next((p for p in unmatched if p.body_key == section.body_key), None)
        match = same or by_title or by_body
        if match is None:
            changes.append(Change("added", section.title))
            continue
        unmatched.remove(match)
        if match is same:
            untouched.append((len(changes), previous.index(match), section.title))
        elif match is by_title:
            changes.append(Change("changed", section.title))
        else:
            changes.append(Change("renamed", section.title, match.title))
    for position, title in reversed(moved(untouched)):
        changes.insert(position, Change("moved", title))
    changes += [Change("removed", p.title) for p in unmatched]
    return changes


def moved(untouched: list[tuple[int, int, str]]) -> list[tuple[int, str]]:
    """Return the untouched sections that changed places: all but the longest run kept in the old order.

    `untouched` holds (position in the report, index in the previous edition, title), in the new order.
    """
    best: list[list[int]] = []  # best[i]: the longest run in the old order that ends with untouched[i]
    for i, (_, old, _) in enumerate(untouched):
        before = [best[j] for j in range(i) if untouched[j][1] < old]
        best.append(max(before, key=len, default=[]) + [i])  # type: ignore[arg-type]
    kept = set(max(best, key=len, default=[]))  # type: ignore[arg-type]
    return [(position, title) for i, (position, _, title) in enumerate(untouched) if i not in kept]


def summary(changes: list[Change], sections: int) -> str:
    """Return e.g. `1 of 4 sections changed` (with removals when there were any)."""
    touched = sum(1 for c in changes if c.kind != "removed")
    removed = sum(1 for c in changes if c.kind == "removed")
    text = f"{touched} of {sections} sections changed"
    return text + (f", {removed} removed" if removed else "")
