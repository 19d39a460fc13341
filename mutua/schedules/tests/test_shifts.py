"""Swaps, cover, escalation, redundancy and workload at the service level, with a fixed clock."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.audit.models import AuditEvent
from mutua.members.models import Member
from mutua.schedules import reports, services
from mutua.schedules.models import EscalationStep, Role, RoleCompetence, Shift, SwapRequest
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.test import World, make_member

Sent = DjangoCaptureOnCommitCallbacks

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


@pytest.fixture
def sent(django_capture_on_commit_callbacks: Sent) -> Sent:
    """Run the on-commit email queueing at the end of a ``with sent(execute=True):`` block."""
    return django_capture_on_commit_callbacks


def rota(world: World, *holders: Member, **changes: object) -> Role:
    """A Saturday role held in turn by ``holders``, shifts scheduled for four weeks."""
    role = make_role(world.maple, world.ben, **changes)
    role.shifts.all().delete()
    hold(role, *holders)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4))
    return role


def shifts_of(role: Role) -> list[Shift]:
    return list(role.shifts.select_related("role", "assignee"))


def test_a_shift_lasts_its_duration_in_real_time_on_the_fall_back_night(world: World) -> None:
    with time_machine.travel(NOW + timedelta(days=240), tick=False):
        role = make_role(
            world.maple,
            world.ben,
            rrule="FREQ=DAILY",
            starts_on=date(2026, 10, 30),
            start_time=time(1, 0),
            time_zone="America/New_York",
        )
        fall_back = role.shifts.get(starts_at__date=date(2026, 11, 1))
    assert fall_back.ends_at - fall_back.starts_at == timedelta(hours=2)
    assert fall_back.local_start.strftime("%H:%M %z") == "01:00 -0400"


def test_accepting_a_swap_exchanges_the_two_shifts(world: World, sent: Sent) -> None:
    role = rota(world, world.ben, world.chloe)
    first, second = shifts_of(role)[:2]
    assert (first.assignee, second.assignee) == (world.ben, world.chloe)
    with sent(execute=True):
        swap = services.propose_swap(
            shift=first, to_member=world.chloe, their_shift=second, actor=world.ben
        )
    assert [m.to for m in mail.outbox] == [[world.chloe.user.email]]
    with sent(execute=True):
        services.accept_swap(swap=swap, actor=world.chloe)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.assignee, second.assignee) == (world.chloe, world.ben)
    assert SwapRequest.objects.get().status == "accepted"
    assert mail.outbox[-1].to == [world.ben.user.email]
    assert AuditEvent.objects.filter(action="swap.accepted", object_id=str(swap.pk)).exists()


def test_a_swap_with_someone_outside_the_pod_is_refused(world: World) -> None:
    role = rota(world, world.ben)
    with pytest.raises(ValidationError) as caught:
        services.propose_swap(shift=shifts_of(role)[0], to_member=world.dev, actor=world.ben)
    assert caught.value.code == "swap_outside_pod"
    assert SwapRequest.objects.count() == 0 and not mail.outbox


def test_swap_rules(world: World) -> None:
    role = rota(world, world.ben, world.chloe)
    first, second = shifts_of(role)[:2]
    for kwargs, code in [
        ({"shift": first, "to_member": world.chloe, "actor": world.rosa}, "not_your_shift"),
        ({"shift": first, "to_member": world.ben, "actor": world.ben}, "swap_with_self"),
        (
            {"shift": first, "to_member": world.rosa, "their_shift": second, "actor": world.ben},
            "not_their_shift",
        ),
    ]:
        with pytest.raises(ValidationError) as caught:
            services.propose_swap(**kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code
    swap = services.propose_swap(shift=first, to_member=world.rosa, actor=world.ben)
    with pytest.raises(ValidationError) as caught:
        services.propose_swap(shift=first, to_member=world.chloe, actor=world.ben)
    assert caught.value.code == "swap_pending"
    with pytest.raises(ValidationError) as caught:
        services.accept_swap(swap=swap, actor=world.chloe)
    assert caught.value.code == "not_yours_to_answer"
    services.decline_swap(swap=swap, actor=world.rosa)
    first.refresh_from_db()
    assert first.assignee == world.ben
    with pytest.raises(ValidationError) as caught:
        services.accept_swap(swap=swap, actor=world.rosa)
    assert caught.value.code == "already_answered"


def test_a_stale_swap_changes_nothing(world: World) -> None:
    role = rota(world, world.ben, world.chloe)
    first = shifts_of(role)[0]
    swap = services.propose_swap(shift=first, to_member=world.rosa, actor=world.ben)
    # The shift changes hands under the swap's feet (a concurrent change the services missed).
    Shift.objects.filter(pk=first.pk).update(assignee=world.chloe)
    with pytest.raises(ValidationError) as caught:
        services.accept_swap(swap=swap, actor=world.rosa)
    assert caught.value.code == "swap_stale"
    swap.refresh_from_db()
    assert swap.status == "proposed"
    assert Shift.objects.get(pk=first.pk).assignee == world.chloe


def test_taking_cover_calls_off_the_open_swap_and_tells_both_sides(
    world: World, sent: Sent
) -> None:
    role = rota(world, world.ben, world.chloe)
    first = shifts_of(role)[0]
    swap = services.propose_swap(shift=first, to_member=world.rosa, actor=world.ben)
    services.ask_for_cover(shift=first, actor=world.ben)
    with sent(execute=True):
        services.take_cover(shift=Shift.objects.get(pk=first.pk), actor=world.chloe)
    swap.refresh_from_db()
    assert swap.status == "cancelled" and swap.decided_at is not None
    assert AuditEvent.objects.filter(action="swap.cancelled", object_id=str(swap.pk)).exists()
    # Ben hears his shift was taken and the swap is off; Rosa (in Spanish) that the swap is off.
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == sorted([world.ben.user.email, world.ben.user.email, world.rosa.user.email])
    with pytest.raises(ValidationError) as caught:
        services.accept_swap(swap=swap, actor=world.rosa)
    assert caught.value.code == "swap_cancelled"
    assert Shift.objects.get(pk=first.pk).assignee == world.chloe


def test_asking_for_cover_emails_those_who_know_the_role_in_their_language(
    world: World, sent: Sent
) -> None:
    role = rota(world, world.ben, world.chloe)
    hold(role, world.rosa, kind="standby")  # Rosa reads Mutua in Spanish
    shift = shifts_of(role)[0]
    assert shift.assignee == world.ben
    with sent(execute=True):
        services.ask_for_cover(shift=shift, actor=world.ben)
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {world.chloe.user.email, world.rosa.user.email}  # not Ben himself
    assert "Ben needs cover for Saturday run" in str(by_address[world.chloe.user.email].subject)
    assert "Sábado 7 marzo" in str(by_address[world.rosa.user.email].body)  # her language
    assert shift.get_absolute_url() in str(by_address[world.rosa.user.email].body)
    event = AuditEvent.objects.get(action="shift.cover_requested", object_id=str(shift.pk))
    assert sorted(event.data["notified_member_ids"]) == sorted([world.chloe.pk, world.rosa.pk])
    # The standby step of the ladder is done: escalation does not email them again.
    step = EscalationStep.objects.get(shift=shift)
    assert step.level == "standby"
    with time_machine.travel(shift.starts_at - timedelta(hours=47), tick=False):
        assert services.escalate_unfilled_shifts() == []
    with time_machine.travel(shift.starts_at - timedelta(hours=23), tick=False):
        steps = services.escalate_unfilled_shifts()
    assert steps[0].level == "organizers"  # goes on from the standby step


def test_asking_for_cover_when_nobody_else_knows_the_role_sends_nothing_yet(
    world: World, sent: Sent
) -> None:
    role = rota(world, world.ben)
    shift = shifts_of(role)[0]
    with sent(execute=True):
        services.ask_for_cover(shift=shift, actor=world.ben)
    assert not mail.outbox
    assert not EscalationStep.objects.filter(shift=shift).exists()  # the ladder starts as usual


def test_the_top_up_refills_shifts_a_pause_left_empty(world: World) -> None:
    role = rota(world, world.ben, world.chloe)
    before = [(s.starts_at, s.assignee) for s in shifts_of(role)]
    assert [a for _s, a in before] == [world.ben, world.chloe, world.ben, world.chloe]
    away_from = shifts_of(role)[2].local_start.date()
    services.pause_member(member=world.ben, starts_on=away_from, ends_on=away_from, actor=world.ben)
    emptied = shifts_of(role)[2]
    assert emptied.assignee is None and emptied.status == "unfilled"
    # Next day's top-up: Chloe is free that day, so the empty shift goes to her.
    assert services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4)) == 0
    third = Shift.objects.get(pk=emptied.pk)
    assert (third.assignee, third.status) == (world.chloe, "assigned")
    assert AuditEvent.objects.filter(action="shift.refilled", object_id=str(third.pk)).exists()
    # Shifts that had someone are untouched.
    assert [s.assignee for s in shifts_of(role)] == [
        world.ben,
        world.chloe,
        world.chloe,
        world.chloe,
    ]


def test_the_top_up_leaves_near_shifts_and_shifts_nobody_free_can_take(world: World) -> None:
    role = rota(world, world.ben)
    first, second = shifts_of(role)[:2]
    services.pause_member(
        member=world.ben,
        starts_on=first.local_start.date(),
        ends_on=second.local_start.date(),
        actor=world.ben,
    )
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4))
    second.refresh_from_db()
    assert second.assignee is None  # Ben is the only holder, and away
    # A shift freed less than 48 hours ahead is never handed out unasked: escalation asks.
    hold(role, world.chloe)
    with time_machine.travel(first.starts_at - timedelta(hours=30), tick=False):
        services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.assignee is None
    assert second.assignee == world.chloe


def test_stepping_down_lists_then_opens_the_shifts_and_calls_off_swaps(
    world: World, sent: Sent
) -> None:
    role = rota(world, world.ben, world.chloe)
    bens = [s for s in shifts_of(role) if s.assignee == world.ben]
    swap = services.propose_swap(shift=bens[0], to_member=world.rosa, actor=world.ben)
    handover = services.step_down_handover(role=role, member=world.ben)
    assert [s.pk for s in handover.shifts] == [s.pk for s in bens]
    with pytest.raises(ValidationError) as caught:
        services.step_down_from_role(
            role=role, member=world.ben, actor=world.ben, confirm_handover=False
        )
    assert caught.value.code == "handover_unconfirmed"
    with pytest.raises(ValidationError) as caught:
        services.step_down_from_role(role=role, member=world.ben, actor=world.ben, seen="old")
    assert caught.value.code == "handover_changed"
    with pytest.raises(ValidationError) as caught:
        services.step_down_from_role(role=role, member=world.ben, actor=world.chloe)
    assert caught.value.code == "not_organizer"
    assert role.holders.filter(member=world.ben).exists()  # nothing changed so far

    with sent(execute=True):
        services.step_down_from_role(
            role=role, member=world.ben, actor=world.ben, seen=handover.fingerprint
        )
    assert not role.holders.filter(member=world.ben).exists()
    for shift in bens:
        shift.refresh_from_db()
        assert (shift.assignee, shift.status) == (None, "unfilled")
    swap.refresh_from_db()
    assert swap.status == "cancelled"
    assert [m.to for m in mail.outbox] == [[world.rosa.user.email]]
    event = AuditEvent.objects.get(action="role.stepped_down")
    assert event.data["freed_shift_ids"] == [s.pk for s in bens]
    with pytest.raises(ValidationError) as caught:
        services.step_down_from_role(role=role, member=world.ben, actor=world.ben)
    assert caught.value.code == "not_holding"


def test_cover_asked_then_taken_by_one_neighbour(world: World, sent: Sent) -> None:
    role = rota(world, world.ben)
    shift = shifts_of(role)[0]
    services.ask_for_cover(shift=shift, actor=world.ben)
    assert shift.status == "cover_requested" and shift.assignee == world.ben
    with pytest.raises(ValidationError) as caught:
        services.take_cover(shift=shift, actor=world.dev)
    assert caught.value.code == "not_in_pod"
    with sent(execute=True):
        taken = services.take_cover(shift=shift, actor=world.chloe)
    assert (taken.assignee, taken.status) == (world.chloe, "assigned")
    assert mail.outbox[-1].to == [world.ben.user.email]
    with pytest.raises(ValidationError) as caught:
        services.take_cover(shift=shift, actor=world.rosa)  # the stale copy: loses the race
    assert caught.value.code == "already_taken"
    assert Shift.objects.get(pk=shift.pk).assignee == world.chloe


def test_members_on_a_break_cannot_take_cover(world: World) -> None:
    role = rota(world)
    shift = shifts_of(role)[0]
    services.pause_member(
        member=world.chloe, starts_on=date(2026, 3, 7), ends_on=date(2026, 3, 7), actor=world.chloe
    )
    with pytest.raises(ValidationError) as caught:
        services.take_cover(shift=shift, actor=world.chloe)
    assert caught.value.code == "member_paused"


def test_escalation_goes_standby_then_organizers_then_everyone(world: World, sent: Sent) -> None:
    mara = make_member("Mara", pod=world.maple, network=world.network, organizer=True)
    role = rota(world)  # nobody in the rotation: every shift is unfilled
    hold(role, world.chloe, kind="standby")
    shift = shifts_of(role)[0]  # Saturday 7 March 09:00 UTC
    starts = shift.starts_at

    assert services.escalate_unfilled_shifts(now=starts - timedelta(hours=49)) == []
    with time_machine.travel(starts - timedelta(hours=47), tick=False), sent(execute=True):
        steps = services.escalate_unfilled_shifts()
    assert [(s.level, s.notified_member_ids) for s in steps] == [("standby", [world.chloe.pk])]
    assert [m.to for m in mail.outbox] == [[world.chloe.user.email]]
    assert services.escalate_unfilled_shifts(now=starts - timedelta(hours=30)) == []

    steps = services.escalate_unfilled_shifts(now=starts - timedelta(hours=23))
    assert [(s.level, s.notified_member_ids) for s in steps] == [("organizers", [mara.pk])]

    steps = services.escalate_unfilled_shifts(now=starts - timedelta(hours=11))
    assert steps[0].level == "everyone"
    assert set(steps[0].notified_member_ids) == {world.rosa.pk, world.ben.pk}  # not asked yet
    assert list(EscalationStep.objects.filter(shift=shift).values_list("level", flat=True)) == [
        "standby",
        "organizers",
        "everyone",
    ]
    assert AuditEvent.objects.filter(action="shift.escalated", object_id=str(shift.pk)).count() == 3


def test_escalation_passes_on_when_nobody_is_on_standby(world: World) -> None:
    mara = make_member("Mara", pod=world.maple, network=world.network, organizer=True)
    role = rota(world)
    shift = shifts_of(role)[0]
    steps = services.escalate_unfilled_shifts(now=shift.starts_at - timedelta(hours=40))
    assert [(s.level, s.notified_member_ids) for s in steps] == [
        ("standby", []),
        ("organizers", [mara.pk]),
    ]


def test_filled_shifts_are_not_escalated(world: World) -> None:
    role = rota(world, world.ben)
    shift = shifts_of(role)[0]
    assert services.escalate_unfilled_shifts(now=shift.starts_at - timedelta(hours=5)) == []


def test_critical_role_known_by_one_person_is_flagged_with_the_name(world: World) -> None:
    role = rota(world, world.rosa, is_critical=True)
    services.record_training(role=role, member=world.rosa, actor=world.ben)
    flags = reports.role_flags(reports.roles_with_people(world.maple))
    assert [f.message for f in flags] == ["Only Rosa knows how to do Saturday run."]
    # Doing a shift counts too: a second person makes it safe.
    shift = shifts_of(role)[0]
    services.ask_for_cover(shift=shift, actor=world.rosa)
    shift = services.take_cover(shift=Shift.objects.get(pk=shift.pk), actor=world.chloe)
    with time_machine.travel(shift.starts_at + timedelta(minutes=5), tick=False):
        services.complete_shift(shift=shift, actor=world.chloe)
    assert RoleCompetence.objects.filter(member=world.chloe, source="has_done").exists()
    assert reports.role_flags(reports.roles_with_people(world.maple)) == []


def test_critical_role_nobody_knows_is_flagged(world: World) -> None:
    rota(world, is_critical=True)
    flags = reports.role_flags(reports.roles_with_people(world.maple))
    assert [f.kind for f in flags] == ["redundancy"]


def test_organizer_role_without_deputy_is_flagged(world: World) -> None:
    role = rota(world, world.ben, name="Treasurer", is_organizer_role=True)
    flags = reports.role_flags(reports.roles_with_people(world.maple))
    assert [(f.kind, f.message) for f in flags] == [
        ("deputy", "Treasurer has no deputy: name one so the role survives a break.")
    ]
    hold(role, world.chloe, kind="deputy")
    assert reports.role_flags(reports.roles_with_people(world.maple)) == []


def test_shift_cannot_be_completed_before_it_starts(world: World) -> None:
    role = rota(world, world.ben)
    with pytest.raises(ValidationError) as caught:
        services.complete_shift(shift=shifts_of(role)[0], actor=world.ben)
    assert caught.value.code == "shift_not_started"


def test_overload_flag_when_committed_hours_pass_capacity(world: World) -> None:
    rota(world, world.ben, hours_per_occurrence=Decimal(3))  # 4 shifts x 3 h / 4 weeks
    services.set_capacity(member=world.ben, hours_per_week=Decimal("3"), actor=world.ben)
    assert reports.member_workload(world.ben, NOW).committed == Decimal("3.0")
    assert not reports.member_workload(world.ben, NOW).is_overloaded
    services.set_capacity(member=world.ben, hours_per_week=Decimal("2.5"), actor=world.ben)
    load = reports.member_workload(world.ben, NOW)
    assert load.is_overloaded
    flags, _load = reports.pod_flags(world.maple, NOW)
    assert [f.message for f in flags if f.kind == "overload"] == [
        "Ben is committed to 3.0 hours a week but said they can give 2.5."
    ]
    with pytest.raises(ValidationError) as caught:
        services.set_capacity(member=world.ben, hours_per_week=Decimal(200), actor=world.ben)
    assert caught.value.code == "bad_capacity"


def test_lopsided_pod_is_flagged_and_a_shared_one_is_not(world: World) -> None:
    role = rota(world, world.ben)  # Ben does every shift; Rosa and Chloe none
    flags, load = reports.pod_flags(world.maple, NOW)
    assert load.is_lopsided and load.top_share_percent == 100
    assert [f.kind for f in flags] == ["lopsided"]
    hold(role, world.rosa, world.chloe)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=3))
    flags, load = reports.pod_flags(world.maple, NOW)
    assert not load.is_lopsided and flags == []
