"""Roles and shifts at the service level: schedules, materializing, rotation, pauses."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError

from mutua.audit.models import AuditEvent
from mutua.members.models import Network
from mutua.schedules import services
from mutua.schedules.models import MemberPause, Role, Shift
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.test import World

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


def names(role: Role) -> list[str | None]:
    return [
        s.assignee.display_name if s.assignee else None
        for s in role.shifts.select_related("assignee")
    ]


def refused(world: World, **changes: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        make_role(world.maple, world.ben, **changes)
    assert Role.objects.count() == 0
    return str(caught.value.code)


def test_role_without_schedule_is_refused(world: World) -> None:
    assert refused(world, rrule="") == "no_schedule"
    assert refused(world, starts_on=None) == "no_schedule"
    assert refused(world, start_time=None) == "no_schedule"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"rrule": "FREQ=FORTNIGHTLY"}, "bad_rrule"),
        ({"rrule": "every tuesday"}, "bad_rrule"),
        ({"rrule": "FREQ=DAILY;UNTIL=20250101T000000"}, "rrule_no_dates"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule_no_dates"),
        ({"time_zone": "Europe/Atlantis"}, "bad_time_zone"),
        ({"duration": timedelta(0)}, "bad_duration"),
        ({"duration": timedelta(hours=-1)}, "bad_duration"),
        ({"duration": timedelta(hours=24)}, "bad_duration"),
        (
            {"rrule": "FREQ=HOURLY;INTERVAL=2", "duration": timedelta(hours=3)},
            "overlapping_occurrences",
        ),
        (
            {
                "rrule": "FREQ=DAILY",
                "duration": timedelta(hours=23, minutes=30),
                "time_zone": "America/New_York",
            },
            "overlapping_occurrences",
        ),
        ({"rrule": "FREQ=MINUTELY;INTERVAL=5", "duration": timedelta(minutes=1)}, "too_frequent"),
        ({"name": "  "}, "empty_name"),
        ({"hours_per_occurrence": 0}, "bad_hours"),
    ],
)
def test_bad_schedules_are_refused_with_a_code(
    world: World, changes: dict[str, Any], code: str
) -> None:
    assert refused(world, **changes) == code


def test_role_in_a_pod_one_is_not_in_is_refused(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        make_role(world.maple, world.dev)
    assert caught.value.code == "not_in_pod"


def test_network_roles_are_for_network_organizers(world: World) -> None:
    with pytest.raises(ValidationError) as caught:
        make_role(world.network, world.ben)
    assert caught.value.code == "not_organizer"
    role = make_role(world.network, world.olu, name="Call-tree lead", is_organizer_role=True)
    assert role.network == world.network and role.pod is None


def test_a_role_is_owned_by_exactly_one_pod_or_network(world: World) -> None:
    role = make_role(world.maple, world.ben)
    with pytest.raises(IntegrityError):
        Role.objects.filter(pk=role.pk).update(network=world.network)


def test_creating_a_role_schedules_eight_weeks_and_is_audited(world: World) -> None:
    role = make_role(world.maple, world.ben, hours_per_occurrence=None)
    shifts = list(role.shifts.all())
    assert len(shifts) == 8
    assert shifts[0].starts_at.isoformat() == "2026-03-07T09:00:00+00:00"
    assert all(s.ends_at - s.starts_at == timedelta(hours=2) for s in shifts)
    assert all(s.status == Shift.Status.UNFILLED for s in shifts)  # nobody holds it yet
    assert role.hours_per_occurrence == 2
    event = AuditEvent.objects.get(action="role.created")
    assert event.object_id == str(role.pk) and event.actor == world.ben


def test_role_in_new_york_keeps_local_time_in_stored_utc_shifts(world: World) -> None:
    role = make_role(
        world.maple,
        world.ben,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        starts_on=date(2026, 3, 3),
        start_time=time(18, 0),
        time_zone="America/New_York",
    )
    first, second = role.shifts.all()[:2]
    assert (first.starts_at.hour, second.starts_at.hour) == (23, 22)  # UTC moves...
    assert (first.local_start.hour, second.local_start.hour) == (18, 18)  # ...local does not


def test_materialize_is_idempotent(world: World) -> None:
    role = make_role(world.maple, world.ben)
    until = NOW + timedelta(weeks=12)
    assert services.materialize_shifts(role=role, until=until) == 4
    assert services.materialize_shifts(role=role, until=until) == 0
    assert role.shifts.count() == 12
    call_command("materialize_shifts", "--weeks", "12", "--no-escalate")
    assert role.shifts.count() == 12


def test_management_command_tops_up_every_role(world: World) -> None:
    role = make_role(world.maple, world.ben)
    call_command("materialize_shifts", "--weeks", "10")
    assert role.shifts.count() == 10


def test_shifts_rotate_among_holders_in_the_order_they_joined(world: World) -> None:
    role = make_role(world.maple, world.ben)
    role.shifts.all().delete()
    hold(role, world.rosa, world.ben, world.chloe)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=5))
    assert names(role) == ["Rosa", "Ben", "Chloe", "Rosa", "Ben"]
    # Later shifts continue the turn where it stopped.
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=7))
    later = names(role)[5:]
    assert later == ["Chloe", "Rosa"]


def test_standby_and_deputies_are_not_in_the_rotation(world: World) -> None:
    role = make_role(world.maple, world.ben)
    role.shifts.all().delete()
    hold(role, world.ben)
    hold(role, world.chloe, kind="standby")
    hold(role, world.rosa, kind="deputy")
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=3))
    assert {s.assignee_id for s in role.shifts.all()} == {world.ben.pk}


def test_taking_on_a_role_needs_pod_membership_and_only_once(world: World) -> None:
    role = make_role(world.maple, world.ben)
    with pytest.raises(ValidationError) as caught:
        services.take_on_role(role=role, member=world.dev, kind="holder", actor=world.dev)
    assert caught.value.code == "not_in_pod"
    hold(role, world.ben)
    with pytest.raises(ValidationError) as caught:
        hold(role, world.ben, kind="standby")
    assert caught.value.code == "already_holds"
    with pytest.raises(ValidationError) as caught:
        services.take_on_role(role=role, member=world.rosa, kind="holder", actor=world.ben)
    assert caught.value.code == "not_organizer"


def test_pause_removes_assignments_in_the_pause_only(world: World) -> None:
    role = make_role(world.maple, world.ben)
    role.shifts.all().delete()
    hold(role, world.ben)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4))
    assert role.shifts.filter(assignee=world.ben).count() == 4
    pause = services.pause_member(
        member=world.ben,
        starts_on=date(2026, 3, 10),
        ends_on=date(2026, 3, 22),
        note="Away visiting family",
        actor=world.ben,
    )
    statuses = [(s.starts_at.day, s.status, s.assignee_id) for s in role.shifts.all()]
    assert statuses == [
        (7, "assigned", world.ben.pk),
        (14, "unfilled", None),
        (21, "unfilled", None),
        (28, "assigned", world.ben.pk),
    ]
    event = AuditEvent.objects.get(action="member.paused")
    assert event.object_id == str(pause.pk) and len(event.data["freed_shift_ids"]) == 2


def test_paused_holders_are_skipped_by_the_rotation(world: World) -> None:
    role = make_role(world.maple, world.ben)
    role.shifts.all().delete()
    hold(role, world.ben, world.chloe)
    services.pause_member(
        member=world.ben, starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31), actor=world.ben
    )
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=6))
    assert names(role) == ["Chloe", "Chloe", "Chloe", "Chloe", "Ben", "Chloe"]


def test_pause_rules(world: World) -> None:
    for start, end, code in [
        (date(2026, 3, 10), date(2026, 3, 9), "pause_out_of_order"),
        (date(2026, 2, 1), date(2026, 2, 28), "pause_in_past"),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.pause_member(member=world.ben, starts_on=start, ends_on=end, actor=world.ben)
        assert caught.value.code == code
    with pytest.raises(ValidationError) as caught:
        services.pause_member(
            member=world.ben, starts_on=date(2026, 3, 3), ends_on=date(2026, 3, 4), actor=world.rosa
        )
    assert caught.value.code == "not_yours"
    assert MemberPause.objects.count() == 0


def test_network_role_shifts_go_to_network_members(world: World) -> None:
    role = make_role(world.network, world.olu, name="Call-tree lead")
    role.shifts.all().delete()
    hold(role, world.dev, world.ben)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=2))
    assert [s.assignee_id for s in role.shifts.all()] == [world.dev.pk, world.ben.pk]
    assert isinstance(role.network, Network)
