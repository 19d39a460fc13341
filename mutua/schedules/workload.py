"""Workload arithmetic for burnout signals. Pure: plain numbers in, plain answers out.

Committed hours a week = the hours of the shifts a member is assigned in the next four weeks,
divided by four. Counting real shifts (not a share of each role) means pauses, swaps and cover
taken all show up at once, and so does a role that only happens once a month.

A pod is *lopsided* when the busiest fifth of its members (at least one person) carry more than
60% of the pod's hours, and the pod has at least three members (with two, one person doing more
is not a pattern yet).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

WINDOW_WEEKS = 4
TOP_SHARE_OF_MEMBERS = Decimal("0.2")
LOPSIDED_SHARE_OF_HOURS = Decimal("0.6")
LOPSIDED_MIN_MEMBERS = 3


def weekly_hours(total_hours_in_window: Decimal) -> Decimal:
    return (total_hours_in_window / WINDOW_WEEKS).quantize(Decimal("0.1"))


def is_overloaded(committed: Decimal, capacity: Decimal | None) -> bool:
    """Only members who said how much they can give are told they give too much."""
    return capacity is not None and committed > capacity


def top_share(hours: Sequence[Decimal]) -> Decimal:
    """The share of all hours carried by the busiest fifth of members (at least one)."""
    total = sum(hours, Decimal(0))
    if not hours or total <= 0:
        return Decimal(0)
    top = max(1, math.ceil(len(hours) * TOP_SHARE_OF_MEMBERS))
    return sum(sorted(hours, reverse=True)[:top], Decimal(0)) / total


def is_lopsided(hours: Sequence[Decimal]) -> bool:
    """``hours`` has one entry per pod member, zero for those with no shifts."""
    return len(hours) >= LOPSIDED_MIN_MEMBERS and top_share(hours) > LOPSIDED_SHARE_OF_HOURS
