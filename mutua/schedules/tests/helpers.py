"""Shared setup for the schedules tests: a fixed clock and roles made through the service."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from mutua.members.models import Member, Network, Pod
from mutua.schedules import services
from mutua.schedules.models import Role

# A Monday. Every test that does not say otherwise lives at this moment.
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def draft(**changes: Any) -> services.RoleDraft:
    """A weekly Saturday role at 09:00 UTC, two hours long, unless told otherwise."""
    values: dict[str, Any] = {
        "name": "Saturday run",
        "rrule": "FREQ=WEEKLY;BYDAY=SA",
        "starts_on": date(2026, 3, 7),
        "start_time": time(9, 0),
        "time_zone": "UTC",
        "duration": timedelta(hours=2),
        "hours_per_occurrence": None,
        "is_critical": False,
        "is_organizer_role": False,
    }
    values.update(changes)
    return services.RoleDraft(**values)


def make_role(owner: Pod | Network, actor: Member, **changes: Any) -> Role:
    return services.create_role(owner=owner, draft=draft(**changes), actor=actor)


def hold(role: Role, *members: Member, kind: str = "holder") -> None:
    for member in members:
        services.take_on_role(role=role, member=member, kind=kind, actor=member)


def hours(value: str) -> Decimal:
    return Decimal(value)
