"""The pure parts: RRULE expansion across daylight saving, the builder, rotation, workload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from mutua.schedules import recurrence, workload
from mutua.schedules.rotation import rotate

NEW_YORK = "America/New_York"
MADRID = "Europe/Madrid"


def expand(rule: str, dtstart: datetime, tz: str, start: datetime, days: int) -> list[datetime]:
    return recurrence.expand(rule, dtstart, tz, start, start + timedelta(days=days))


def test_weekly_18_00_stays_18_00_across_new_york_spring_forward() -> None:
    # Clocks jump forward on Sunday 8 March 2026 in the US.
    starts = expand(
        "FREQ=WEEKLY;BYDAY=TU",
        datetime(2026, 3, 3, 18, 0),
        NEW_YORK,
        datetime(2026, 3, 1, tzinfo=UTC),
        14,
    )
    assert [s.strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2026-03-03 18:00",
        "2026-03-10 18:00",
    ]
    assert [s.utcoffset() for s in starts] == [timedelta(hours=-5), timedelta(hours=-4)]
    assert [s.astimezone(UTC).hour for s in starts] == [23, 22]


def test_weekly_18_00_stays_18_00_across_new_york_fall_back() -> None:
    # Clocks go back on Sunday 1 November 2026.
    starts = expand(
        "FREQ=WEEKLY;BYDAY=TU",
        datetime(2026, 3, 3, 18, 0),
        NEW_YORK,
        datetime(2026, 10, 25, tzinfo=UTC),
        14,
    )
    assert [s.hour for s in starts] == [18, 18]
    assert [s.astimezone(UTC).hour for s in starts] == [22, 23]


def test_weekly_role_stays_local_across_madrid_changes() -> None:
    # Europe changes on the last Sundays of March (29th) and October (25th) 2026.
    rule, first = "FREQ=WEEKLY;BYDAY=MO", datetime(2026, 1, 5, 19, 30)
    spring = expand(rule, first, MADRID, datetime(2026, 3, 22, tzinfo=UTC), 14)
    autumn = expand(rule, first, MADRID, datetime(2026, 10, 18, tzinfo=UTC), 14)
    assert [(s.hour, s.minute) for s in spring + autumn] == [(19, 30)] * 4
    assert [s.astimezone(UTC).hour for s in spring] == [18, 17]
    assert [s.astimezone(UTC).hour for s in autumn] == [17, 18]


def test_daily_02_30_moves_forward_across_the_spring_gap() -> None:
    starts = expand(
        "FREQ=DAILY",
        datetime(2026, 3, 1, 2, 30),
        NEW_YORK,
        datetime(2026, 3, 7, tzinfo=UTC),
        3,
    )
    assert [s.strftime("%m-%d %H:%M %z") for s in starts] == [
        "03-07 02:30 -0500",
        "03-08 03:30 -0400",  # 02:30 does not exist that day: an hour later, per RFC 5545
        "03-09 02:30 -0400",
    ]


def test_repeated_fall_back_time_is_the_first_one() -> None:
    starts = expand(
        "FREQ=DAILY",
        datetime(2026, 10, 30, 1, 30),
        NEW_YORK,
        datetime(2026, 11, 1, tzinfo=UTC),
        1,
    )
    assert len(starts) == 1
    assert starts[0].strftime("%H:%M %z") == "01:30 -0400"


def test_until_in_utc_is_read_in_the_zone() -> None:
    starts = expand(
        "FREQ=DAILY;UNTIL=20260305T235959Z",
        datetime(2026, 3, 1, 18, 0),
        NEW_YORK,
        datetime(2026, 3, 1, tzinfo=UTC),
        30,
    )
    assert [s.day for s in starts] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("rule", "tz", "code"),
    [
        ("FREQ=SOMETIMES", "UTC", "bad_rrule"),
        ("not a rule", "UTC", "bad_rrule"),
        ("FREQ=DAILY\nRRULE:FREQ=WEEKLY", "UTC", "bad_rrule"),
        ("FREQ=DAILY", "Mars/Olympus", "bad_time_zone"),
        ("FREQ=DAILY", "", "bad_time_zone"),
    ],
)
def test_unusable_rules_and_zones_have_codes(rule: str, tz: str, code: str) -> None:
    with pytest.raises(recurrence.RecurrenceError) as caught:
        recurrence.parse(rule, datetime(2026, 3, 1, 9), tz)
    assert caught.value.code == code


def test_rrule_prefix_is_accepted() -> None:
    parsed = recurrence.parse("RRULE:freq=weekly;byday=tu", datetime(2026, 3, 3, 9), "UTC")
    assert parsed[0] == datetime(2026, 3, 3, 9)


@pytest.mark.parametrize(
    ("builder", "rule"),
    [
        (recurrence.Builder("WEEKLY", 2, ("TU",)), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        (recurrence.Builder("WEEKLY", 1, ("SA", "MO")), "FREQ=WEEKLY;BYDAY=MO,SA"),
        (recurrence.Builder("DAILY", 3), "FREQ=DAILY;INTERVAL=3"),
        (recurrence.Builder("MONTHLY", 1, month_day=1), "FREQ=MONTHLY;BYMONTHDAY=1"),
        (recurrence.Builder("MONTHLY", 1, ("TU",), nth=2), "FREQ=MONTHLY;BYDAY=+2TU"),
        (recurrence.Builder("MONTHLY", 1, ("FR",), nth=-1), "FREQ=MONTHLY;BYDAY=-1FR"),
    ],
)
def test_friendly_builder_makes_rrules(builder: recurrence.Builder, rule: str) -> None:
    assert recurrence.build_rule(builder) == rule


def test_builder_refuses_nonsense() -> None:
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.build_rule(recurrence.Builder("HOURLY"))
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.build_rule(recurrence.Builder("WEEKLY", 0))


def test_first_overlap_finds_a_shift_starting_before_the_last_ends() -> None:
    zone = ZoneInfo("UTC")
    starts = [datetime(2026, 3, 1, h, tzinfo=zone) for h in (8, 10, 11)]
    assert recurrence.first_overlap(starts, timedelta(hours=2)) == starts[2]
    assert recurrence.first_overlap(starts[:2], timedelta(hours=2)) is None


def test_rotation_takes_turns_from_after_the_last_holder() -> None:
    assert rotate(["a", "b", "c"], [set()] * 4) == ["a", "b", "c", "a"]
    assert rotate(["a", "b", "c"], [set()] * 2, after="b") == ["c", "a"]
    assert rotate(["a", "b", "c"], [set()] * 2, after="gone") == ["a", "b"]


def test_rotation_skips_the_unavailable_and_keeps_their_place() -> None:
    assert rotate(["a", "b", "c"], [{"a"}, set(), set()]) == ["b", "c", "a"]
    assert rotate(["a", "b"], [{"a", "b"}, set()]) == [None, "a"]
    assert rotate([], [set(), set()]) == [None, None]


def test_lopsided_when_the_top_fifth_carries_over_sixty_percent() -> None:
    h = [Decimal(x) for x in ("7", "1", "1", "1", "0")]  # 70% on one of five people
    assert workload.is_lopsided(h)
    assert not workload.is_lopsided([Decimal(x) for x in ("3", "2", "2", "2", "1")])
    assert not workload.is_lopsided([Decimal(9), Decimal(1)])  # two people: too few to say
    assert not workload.is_lopsided([Decimal(0)] * 5)


def test_overload_needs_a_stated_capacity() -> None:
    assert workload.is_overloaded(Decimal(5), Decimal(4))
    assert not workload.is_overloaded(Decimal(4), Decimal(4))
    assert not workload.is_overloaded(Decimal(50), None)
