"""Who takes the next shifts of a role: plain rotation. Pure: plain data in, plain data out.

Holders take turns in a fixed order (the order they took on the role). Each slot goes to the next
holder after the one who had the previous slot, skipping anyone unavailable for that slot (on a
pause). If nobody is available the slot stays unfilled (``None``) and the turn does not advance,
so the person whose turn it was is first in line next time.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence, Set
from typing import TypeVar

T = TypeVar("T", bound=Hashable)


def rotate(
    holders: Sequence[T], slots: Sequence[Set[T]], *, after: T | None = None
) -> list[T | None]:
    """One assignee (or ``None``) per slot; ``slots[i]`` is who is unavailable for slot ``i``.

    ``after`` is who had the last slot before these; rotation continues from the next holder
    (from the first one when ``after`` is ``None`` or no longer a holder).
    """
    if not holders:
        return [None] * len(slots)
    turn = holders.index(after) + 1 if after in holders else 0
    assigned: list[T | None] = []
    for unavailable in slots:
        chosen: T | None = None
        for step in range(len(holders)):
            candidate = holders[(turn + step) % len(holders)]
            if candidate not in unavailable:
                chosen = candidate
                turn = (turn + step + 1) % len(holders)
                break
        assigned.append(chosen)
    return assigned
