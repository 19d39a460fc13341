"""Escalation follows the path in the pod's (or network's) agreement, step by step."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.decisions import services as decisions
from mutua.decisions.owners import Owner
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.decisions.tests.test_api import api_client
from mutua.members.models import Member
from mutua.schedules import services
from mutua.schedules.models import EscalationStep, Shift
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.test import World, client_for

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]

CUSTOM = [
    {"who": "role_holders", "hours_before": 72},
    {"who": "network_organizers", "hours_before": 6},
]


def unfilled_shift(world: World, *, standby: Member | None = None) -> Shift:
    """The first Saturday shift (7 March 09:00 UTC) of a Maple Street role nobody holds in turn."""
    role = make_role(world.maple, world.ben)
    role.shifts.all().delete()
    if standby is not None:
        hold(role, standby, kind="standby")
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=2))
    return role.shifts.select_related("role").order_by("starts_at")[0]


def test_a_custom_protocol_is_followed_in_order(world: World) -> None:
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    shift = unfilled_shift(world, standby=world.chloe)
    starts = shift.starts_at

    # The default ladder would wait until 48 h before; this pod asks its role holders at 72 h.
    with time_machine.travel(starts - timedelta(hours=73), tick=False):
        assert services.escalate_unfilled_shifts() == []
    with time_machine.travel(starts - timedelta(hours=71), tick=False):
        steps = services.escalate_unfilled_shifts()
    assert [(s.level, s.notified_member_ids) for s in steps] == [("role_holders", [world.chloe.pk])]

    # No organizers step, no everyone-in-the-pod step: nothing until 6 h before.
    with time_machine.travel(starts - timedelta(hours=11), tick=False):
        assert services.escalate_unfilled_shifts() == []
    with time_machine.travel(starts - timedelta(hours=5), tick=False):
        steps = services.escalate_unfilled_shifts()
    assert [(s.level, s.notified_member_ids) for s in steps] == [
        ("network_organizers", [world.olu.pk])
    ]
    assert list(EscalationStep.objects.filter(shift=shift).values_list("level", flat=True)) == [
        "role_holders",
        "network_organizers",
    ]
    assert AuditEvent.objects.filter(action="shift.escalated", object_id=str(shift.pk)).count() == 2


def test_a_step_that_reaches_nobody_passes_to_the_next(world: World) -> None:
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    shift = unfilled_shift(world)  # nobody holds the role at all
    steps = services.escalate_unfilled_shifts(now=shift.starts_at - timedelta(hours=70))
    assert [(s.level, s.notified_member_ids) for s in steps] == [
        ("role_holders", []),
        ("network_organizers", [world.olu.pk]),
    ]


def test_a_network_role_follows_the_network_agreement(world: World) -> None:
    path = [{"who": "pod", "hours_before": 30}]
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    # The network adopts its own path: everyone in the network, 30 hours before.
    proposal = decisions.create_proposal(
        actor=world.olu,
        draft=decisions.ProposalDraft(
            owner=Owner(network=world.network),
            kind="agreement_change",
            title="Network agreement",
            body="",
            process="consent",
            deadline_at=NOW + timedelta(days=1),
            quorum=None,
            text=replace(TEXT, escalation_steps=path),
        ),
    )
    adopt(proposal, [world.olu])
    role = make_role(world.network, world.olu)
    shift = role.shifts.order_by("starts_at")[0]
    assert [s.level for s in services.escalation_path(role)] == ["everyone"]
    assert services.escalate_unfilled_shifts(now=shift.starts_at - timedelta(hours=31)) == []
    steps = services.escalate_unfilled_shifts(now=shift.starts_at - timedelta(hours=29))
    assert [(s.shift_id, s.level) for s in steps] == [(shift.pk, "everyone")]
    assert world.dev.pk in steps[0].notified_member_ids  # in the network, not in Maple Street


def test_the_shift_page_and_api_show_planned_and_taken_steps(world: World) -> None:
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    shift = unfilled_shift(world, standby=world.chloe)
    with time_machine.travel(shift.starts_at - timedelta(hours=71), tick=False):
        services.escalate_unfilled_shifts()
        page = client_for(world.rosa).get(reverse("schedules:shift_detail", args=[shift.pk]))
        api = api_client(world.rosa).get(f"/api/shifts/{shift.pk}/escalation")
    text = page.content.decode()
    assert "72 hours before the shift, ask everyone who holds the role." in text
    assert "1 person asked" in text
    assert "6 hours before the shift, ask the network&#x27;s organizers." in text
    assert "Not yet: due" in text
    assert api.status_code == 200
    planned = api.json()
    assert [(s["who"], s["hours_before"], s["notified_count"]) for s in planned] == [
        ("role_holders", 72, 1),
        ("network_organizers", 6, None),
    ]
    assert api_client(world.zed).get(f"/api/shifts/{shift.pk}/escalation").status_code == 404


def test_without_an_agreement_the_default_ladder_is_planned(world: World) -> None:
    shift = unfilled_shift(world)
    assert [(s.who, s.within) for s in services.escalation_path(shift.role)] == [
        ("standby", timedelta(hours=48)),
        ("organizers", timedelta(hours=24)),
        ("pod", timedelta(hours=12)),
    ]
