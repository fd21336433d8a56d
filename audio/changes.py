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
    kind: str  # "changed", "added", "removed" or "renamed"
    title: str
    old_title: str = ""

    def line(self) -> str:
        if self.kind == "renamed":
            return f"renamed  {self.old_title} → {self.title}"
        return f"{self.kind:<8} {self.title}"


def compare(previous: list[SectionState], current: list[SectionState]) -> list[Change]:
    """Return the changes from `previous` to `current`, in the order of the current sections, removals last."""
    unmatched = list(previous)
    changes = []
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
            continue
        if match is by_title:
            changes.append(Change("changed", section.title))
        else:
            changes.append(Change("renamed", section.title, match.title))
    changes += [Change("removed", p.title) for p in unmatched]
    return changes


def summary(changes: list[Change], sections: int) -> str:
    """Return e.g. `1 of 4 sections changed` (with removals when there were any)."""
    touched = sum(1 for c in changes if c.kind != "removed")
    removed = sum(1 for c in changes if c.kind == "removed")
    text = f"{touched} of {sections} sections changed"
    return text + (f", {removed} removed" if removed else "")
