"""Recurrence rules (RFC 5545 RRULE) expanded in local wall time. Pure: no Django, no database.

A role says "every Tuesday at 18:00 in America/New_York". We expand the rule with a *naive*
DTSTART (the wall time), then attach the zone to each date, so the shift stays at 18:00 local
across daylight-saving changes and its UTC offset moves instead.

Local times that the clock skips or repeats follow RFC 5545 §3.3.5:

- a time inside a spring-forward gap (02:30 on the day clocks jump from 02:00 to 03:00) is read
  with the offset *before* the gap, which moves it forward by the length of the gap (03:30);
- a time that happens twice (01:30 on the fall-back day) is the *first* one (``fold=0``).

Python's ``zoneinfo`` does exactly this for ``fold=0``; we normalise the result so the returned
datetimes show the wall time that really happens.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

# A guard for rules like FREQ=MINUTELY: no caller ever needs more dates than this in one call.
MAX_OCCURRENCES = 2000

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
_UNTIL_UTC = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)


class RecurrenceError(ValueError):
    """A rule or zone that cannot be used. ``code`` is the service's error code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def zone(name: str) -> ZoneInfo:
    """The IANA zone by name, or a ``bad_time_zone`` error."""
    if not name or name != name.strip():
        raise RecurrenceError(f"unknown time zone {name!r}", "bad_time_zone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise RecurrenceError(f"unknown time zone {name!r}", "bad_time_zone") from None


def normalize_rule(text: str) -> str:
    """One RRULE value, without the ``RRULE:`` prefix, upper-cased. Empty stays empty."""
    rule = text.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[len("RRULE:") :]
    return rule.strip().upper()


def parse(rule: str, dtstart: datetime, tz: str) -> rrule:
    """The dateutil rule for a wall-time DTSTART; ``bad_rrule`` for anything but one RRULE.

    An ``UNTIL`` given in UTC (``...Z``, as RFC 5545 asks when DTSTART has a zone) is turned into
    the zone's wall time, because the expansion itself runs on wall times.
    """
    if dtstart.tzinfo is not None:
        raise ValueError("dtstart must be a naive local wall time")
    where = zone(tz)
    rule = normalize_rule(rule)
    if not rule or "\n" in rule or "DTSTART" in rule or "RRULE" in rule or ":" in rule:
        raise RecurrenceError("not a single RRULE", "bad_rrule")

    def local_until(match: re.Match[str]) -> str:
        utc = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=UTC)
        return "UNTIL=" + utc.astimezone(where).strftime("%Y%m%dT%H%M%S")

    rule = _UNTIL_UTC.sub(local_until, rule)
    try:
        parsed = rrulestr(rule, dtstart=dtstart)
    except (ValueError, TypeError, KeyError, IndexError) as error:
        raise RecurrenceError(str(error), "bad_rrule") from None
    if not isinstance(parsed, rrule):  # pragma: no cover - rrulestr gives an rruleset only if asked
        raise RecurrenceError("not a single RRULE", "bad_rrule")
    return parsed


def localize(wall: datetime, where: ZoneInfo) -> datetime:
    """The real moment for a wall time: repeated times take the first, skipped ones move on."""
    first = wall.replace(tzinfo=where, fold=0)
    return first.astimezone(UTC).astimezone(where)


def expand(rule: str, dtstart: datetime, tz: str, start: datetime, end: datetime) -> list[datetime]:
    """Occurrence start times in ``[start, end)``, aware in the rule's zone, in order.

    ``start`` and ``end`` are aware. At most ``MAX_OCCURRENCES`` are returned.
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware")
    where = zone(tz)
    parsed = parse(rule, dtstart, tz)
    # A day either side in wall time covers any offset and any gap; exact bounds come after.
    wall_from = start.astimezone(where).replace(tzinfo=None) - timedelta(days=1)
    wall_to = end.astimezone(where).replace(tzinfo=None) + timedelta(days=1)
    found: list[datetime] = []
    for wall in parsed.xafter(wall_from, inc=True):
        if wall > wall_to or len(found) >= MAX_OCCURRENCES:
            break
        moment = localize(wall, where)
        if start <= moment < end and (not found or moment != found[-1]):
            found.append(moment)
    return found


def first_overlap(starts: Sequence[datetime], duration: timedelta) -> datetime | None:
    """The first occurrence that begins before the previous one ends, if any.

    Compared in UTC: Python subtracts two datetimes of the same zone on the wall clock, which
    would hide the hour lost on a spring-forward night.
    """
    for previous, current in itertools.pairwise(starts):
        if current.astimezone(UTC) - previous.astimezone(UTC) < duration:
            return current
    return None


@dataclass(frozen=True)
class Builder:
    """What the friendly form says: "every [2] [weeks] on [Tuesday]", "monthly on the [1]st"."""

    frequency: str  # DAILY, WEEKLY or MONTHLY
    interval: int = 1
    weekdays: tuple[str, ...] = ()  # MO..SU; for WEEKLY, or with ``nth`` for MONTHLY
    month_day: int | None = None  # 1..31, or -1 for the last day (MONTHLY)
    nth: int | None = None  # 1..4 or -1 (last): "the second Tuesday of the month"


def build_rule(builder: Builder) -> str:
    """The RRULE for a friendly schedule; a ``bad_rrule`` error when it makes no sense."""
    if builder.frequency not in FREQUENCIES:
        raise RecurrenceError("unknown frequency", "bad_rrule")
    if not 1 <= builder.interval <= 366:
        raise RecurrenceError("interval out of range", "bad_rrule")
    if any(day not in WEEKDAYS for day in builder.weekdays):
        raise RecurrenceError("unknown weekday", "bad_rrule")
    parts = [f"FREQ={builder.frequency}"]
    if builder.interval != 1:
        parts.append(f"INTERVAL={builder.interval}")
    days = [day for day in WEEKDAYS if day in builder.weekdays]  # in week order, no repeats
    if builder.frequency == "WEEKLY" and days:
        parts.append("BYDAY=" + ",".join(days))
    elif builder.frequency == "MONTHLY":
        if builder.nth is not None and days:
            if builder.nth not in (1, 2, 3, 4, -1):
                raise RecurrenceError("nth out of range", "bad_rrule")
            parts.append("BYDAY=" + ",".join(f"{builder.nth:+d}{day}" for day in days))
        elif builder.month_day is not None:
            if not (1 <= builder.month_day <= 31 or builder.month_day == -1):
                raise RecurrenceError("month day out of range", "bad_rrule")
            parts.append(f"BYMONTHDAY={builder.month_day}")
    return ";".join(parts)


def wall_time(day: date, at: time) -> datetime:
    """DTSTART as the naive wall time of a date and a clock time."""
    return datetime.combine(day, at.replace(tzinfo=None))


def utc(moments: Iterable[datetime]) -> list[datetime]:
    return [moment.astimezone(UTC) for moment in moments]
