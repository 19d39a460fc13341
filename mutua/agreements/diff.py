"""A line-by-line difference between two agreement texts, section by section. Pure: no ORM.

Lines are compared whole (difflib), because members read an agreement as sentences, one per line.
The pages render "added" lines in ``<ins>`` and "removed" ones in ``<del>``, each with a written
marker, so the change never depends on colour alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SAME = "same"
ADDED = "added"
REMOVED = "removed"


@dataclass(frozen=True)
class Line:
    kind: str
    text: str


@dataclass(frozen=True)
class SectionDiff:
    field: str
    heading: str
    lines: list[Line]

    @property
    def is_changed(self) -> bool:
        return any(line.kind != SAME for line in self.lines)


def diff_text(old: str, new: str) -> list[Line]:
    """Every line of both texts, in order, marked same, added or removed."""
    old_lines = [line.rstrip() for line in old.splitlines() if line.strip()]
    new_lines = [line.rstrip() for line in new.splitlines() if line.strip()]
    lines: list[Line] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(Line(SAME, text) for text in old_lines[i1:i2])
            continue
        lines.extend(Line(REMOVED, text) for text in old_lines[i1:i2])
        lines.extend(Line(ADDED, text) for text in new_lines[j1:j2])
    return lines


def diff_sections(
    old: Mapping[str, str], new: Mapping[str, str], sections: Sequence[tuple[str, str]]
) -> list[SectionDiff]:
    """One ``SectionDiff`` per (field, heading); a missing old text counts as empty."""
    return [
        SectionDiff(field, heading, diff_text(old.get(field, ""), new.get(field, "")))
        for field, heading in sections
    ]
