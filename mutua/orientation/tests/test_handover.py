"""Succession: leaving or pausing lists what needs a new holder first, and nothing disappears."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.groups import services as groups
from mutua.groups.models import GroupMembership
from mutua.members.models import Member, PodMembership
from mutua.members.services import create_api_token
from mutua.orientation import services
from mutua.schedules import services as swaps
from mutua.schedules.models import MemberPause, RoleHolder, Shift
from mutua.schedules.services import escalate_unfilled_shifts, materialize_shifts
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.test import World, client_for

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


def bens_world(world: World) -> dict[str, Any]:
    """Ben takes Saturday runs, deputises the organizer-level treasurer, and convenes a group."""
    run = make_role(world.maple, world.ben)
    hold(run, world.ben)
    hold(run, world.chloe, kind="standby")
    run.shifts.all().delete()
    materialize_shifts(role=run, until=NOW + timedelta(weeks=3))
    treasurer = make_role(world.maple, world.rosa, name="Treasurer", is_organizer_role=True)
    hold(treasurer, world.rosa)
    hold(treasurer, world.ben, kind="deputy")
    comms = groups.create_group(network=world.network, name="Communications", actor=world.ben)
    groups.join_group(group=comms, actor=world.rosa)
    groups.appoint(group=comms, member=world.rosa, position="deputy", actor=world.ben)
    return {"run": run, "treasurer": treasurer, "comms": comms}


def test_preview_lists_roles_deputyships_shifts_and_convenerships(world: World) -> None:
    things = bens_world(world)
    preview = services.handover_preview(world.ben, world.maple)
    assert [(h.role.name, h.kind) for h in preview.holds] == [
        ("Saturday run", "holder"),
        ("Treasurer", "deputy"),
    ]
    assert len(preview.shifts) == 3 and {s.role_id for s in preview.shifts} == {things["run"].pk}
    assert [(g.group.name, g.position) for g in preview.seats] == [("Communications", "convener")]
    assert not preview.is_pod_organizer and not preview.is_empty


def test_leaving_without_confirming_the_handover_is_refused_and_changes_nothing(
    world: World,
) -> None:
    bens_world(world)
    with pytest.raises(ValidationError) as info:
        services.leave_pod(
            member=world.ben, pod=world.maple, actor=world.ben, confirm_handover=False
        )
    assert info.value.code == "handover_unconfirmed"
    stale = services.handover_preview(world.ben, world.maple).fingerprint
    Shift.objects.filter(assignee=world.ben).first().delete()  # type: ignore[union-attr]
    with pytest.raises(ValidationError) as info:
        services.leave_pod(member=world.ben, pod=world.maple, actor=world.ben, seen=stale)
    assert info.value.code == "handover_changed"
    assert PodMembership.objects.get(member=world.ben).status == PodMembership.Status.ACTIVE
    assert RoleHolder.objects.filter(member=world.ben).count() == 2


def test_after_leaving_shifts_are_unfilled_holdings_end_and_audit_lists_it_all(
    world: World,
) -> None:
    things = bens_world(world)
    shift_ids = set(Shift.objects.filter(assignee=world.ben).values_list("pk", flat=True))
    services.leave_pod(member=world.ben, pod=world.maple, actor=world.ben)
    assert PodMembership.objects.get(member=world.ben).status == PodMembership.Status.LEFT
    freed = Shift.objects.filter(pk__in=shift_ids)
    assert {s.status for s in freed} == {Shift.Status.UNFILLED}
    assert not RoleHolder.objects.filter(member=world.ben).exists()
    # The group's deputy became its convener; Ben stays a member of the network's group.
    seats = dict(
        GroupMembership.objects.filter(group=things["comms"]).values_list("member_id", "position")
    )
    assert seats == {world.ben.pk: "member", world.rosa.pk: "convener"}
    left = AuditEvent.objects.get(action="pod.member_left")
    assert set(left.data["freed_shift_ids"]) == shift_ids
    assert {h["role"] for h in left.data["ended_holds"]} == {"Saturday run", "Treasurer"}
    assert left.data["vacated_seats"][0]["successor_id"] == world.rosa.pk
    assert AuditEvent.objects.filter(action="role.hold_ended").count() == 2
    # Escalation picks the freed shifts up: Chloe, on standby, is asked first.
    first = min(freed, key=lambda s: s.starts_at)
    steps = escalate_unfilled_shifts(now=first.starts_at - timedelta(hours=47))
    mine = [(s.level, s.notified_member_ids) for s in steps if s.shift_id == first.pk]
    assert mine == [("standby", [world.chloe.pk])]


def test_only_the_member_or_a_pod_organizer_records_leaving(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        services.leave_pod(member=world.ben, pod=world.maple, actor=world.chloe)
    assert info.value.code == "not_yours"
    with pytest.raises(ValidationError) as info:
        services.leave_pod(member=world.dev, pod=world.maple, actor=world.dev)
    assert info.value.code == "not_in_pod"


def test_pausing_lists_the_shifts_of_those_days_and_then_frees_them(world: World) -> None:
    bens_world(world)
    first = date(2026, 3, 9)
    preview = services.handover_preview(world.ben, world.maple, date(2026, 3, 15), starts_on=first)
    assert [s.local_start.date() for s in preview.shifts] == [date(2026, 3, 14)]
    with pytest.raises(ValidationError) as info:
        services.pause_with_handover(
            member=world.ben,
            pod=world.maple,
            starts_on=first,
            ends_on=date(2026, 3, 15),
            actor=world.ben,
            confirm_handover=False,
        )
    assert info.value.code == "handover_unconfirmed" and not MemberPause.objects.exists()
    services.pause_with_handover(
        member=world.ben,
        pod=world.maple,
        starts_on=first,
        ends_on=date(2026, 3, 15),
        actor=world.ben,
        seen=preview.fingerprint,
    )
    assert Shift.objects.get(pk=preview.shifts[0].pk).status == Shift.Status.UNFILLED
    assert RoleHolder.objects.filter(member=world.ben).count() == 2  # a break keeps the roles


def test_leave_page_shows_the_list_then_leaves_only_when_confirmed(world: World) -> None:
    bens_world(world)
    client = client_for(world.ben)
    url = reverse("orientation:leave", args=[world.maple.pk])
    page = client.get(url).content.decode()
    assert "Saturday run" in page and "Treasurer" in page and "Communications" in page
    fingerprint = services.handover_preview(world.ben, world.maple).fingerprint
    refused = client.post(url, {"fingerprint": fingerprint})
    assert refused.status_code == 400 and "confirm it first" in refused.content.decode()
    assert PodMembership.objects.get(member=world.ben).status == PodMembership.Status.ACTIVE
    done = client.post(url, {"fingerprint": fingerprint, "confirm_handover": "on"})
    assert done.status_code == 302
    assert PodMembership.objects.get(member=world.ben).status == PodMembership.Status.LEFT
    assert client_for(world.dev).get(url).status_code == 404


def test_pause_page_previews_then_confirms(world: World) -> None:
    bens_world(world)
    client = client_for(world.ben)
    url = reverse("orientation:pause", args=[world.maple.pk])
    dates = {"starts_on": "2026-03-09", "ends_on": "2026-03-15", "note": "Away"}
    step_one = client.post(url, dates)
    assert step_one.status_code == 200 and "Saturday run" in step_one.content.decode()
    assert not MemberPause.objects.exists()
    fingerprint = services.handover_preview(
        world.ben, world.maple, date(2026, 3, 15), starts_on=date(2026, 3, 9)
    ).fingerprint
    confirmed = client.post(url, {**dates, "fingerprint": fingerprint, "confirm_handover": "on"})
    assert confirmed.status_code == 302 and MemberPause.objects.filter(member=world.ben).exists()


def api(member: Member) -> Client:
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_handover_and_leaving_over_the_api(world: World) -> None:
    bens_world(world)
    ben = api(world.ben)
    preview = ben.get(f"/api/pods/{world.maple.pk}/handover").json()
    assert [h["role"] for h in preview["holds"]] == ["Saturday run", "Treasurer"]
    assert preview["seats"] == [
        {
            "group_id": preview["seats"][0]["group_id"],
            "group": "Communications",
            "position": "convener",
        }
    ]
    url = f"/api/pods/{world.maple.pk}/leave"
    refused = ben.post(url, {}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "handover_unconfirmed"
    changed = ben.post(
        url, {"confirm_handover": True, "fingerprint": "stale"}, content_type="application/json"
    )
    assert changed.json()["code"] == "handover_changed"
    left = ben.post(
        url,
        {"confirm_handover": True, "fingerprint": preview["fingerprint"]},
        content_type="application/json",
    )
    assert left.status_code == 200 and len(left.json()["shifts"]) == 3
    assert ben.get(f"/api/pods/{world.maple.pk}/handover").status_code == 404


def test_leaving_cancels_open_swaps_both_ways_and_tells_the_other_side(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    things = bens_world(world)
    first, second = Shift.objects.filter(assignee=world.ben)[:2]
    asked = swaps.propose_swap(shift=first, to_member=world.chloe, actor=world.ben)
    # Rosa's treasurer shifts come from the daily top-up, now that she is in its rotation.
    materialize_shifts(role=things["treasurer"], until=NOW + timedelta(weeks=3))
    rosa_shift = Shift.objects.filter(role=things["treasurer"], assignee=world.rosa).first()
    assert rosa_shift is not None
    rosas = swaps.propose_swap(shift=rosa_shift, to_member=world.ben, actor=world.rosa)
    preview = services.handover_preview(world.ben, world.maple)
    with django_capture_on_commit_callbacks(execute=True):
        services.leave_pod(
            member=world.ben, pod=world.maple, actor=world.ben, seen=preview.fingerprint
        )
    asked.refresh_from_db()
    rosas.refresh_from_db()
    assert (asked.status, rosas.status) == ("cancelled", "cancelled")
    # The other side of each swap is told, in their language, with a link to the shift.
    about = {
        (m.to[0], url)
        for m in mail.outbox
        for url in (first.get_absolute_url(), rosa_shift.get_absolute_url())
        if url in str(m.body)
    }
    assert about == {
        (world.chloe.user.email, first.get_absolute_url()),
        (world.rosa.user.email, rosa_shift.get_absolute_url()),
    }  # and not Ben, who left
    event = AuditEvent.objects.get(action="pod.member_left")
    assert sorted(event.data["cancelled_swap_ids"]) == sorted([asked.pk, rosas.pk])
    assert AuditEvent.objects.filter(action="swap.cancelled").count() == 2
    # Chloe can no longer take it through the swap; the shift waits for someone instead.
    with pytest.raises(ValidationError) as info:
        swaps.accept_swap(swap=asked, actor=world.chloe)
    assert info.value.code == "swap_cancelled"
    first.refresh_from_db()
    assert first.assignee is None and second.pk != first.pk
