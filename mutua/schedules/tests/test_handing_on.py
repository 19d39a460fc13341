"""Network roles, stepping down, a break with its list first, and the agreement's escalation path.

Each through the pages and the JSON API, the same services underneath.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mutua.agreements.models import Agreement
from mutua.audit.models import AuditEvent
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.schedules import services
from mutua.schedules.models import MemberPause, Role, RoleHolder, Shift
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.schedules.tests.test_pages import role_form
from mutua.test import World, client_for

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


def fingerprint(page: str) -> str:
    found = re.search(r'name="fingerprint" value="(\w+)"', page)
    assert found, "no fingerprint on the page"
    return found[1]


def api_post(client: Client, path: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(f"/api/{path}", body or {}, content_type="application/json")


def test_network_roles_have_a_page_and_only_organizers_add_them(world: World) -> None:
    olu = client_for(world.olu)  # the network's organizer
    url = reverse("schedules:network_role_list", args=[world.network.pk])
    created = olu.post(
        reverse("schedules:network_role_create", args=[world.network.pk]),
        role_form(name="Call tree on the 1st"),
    )
    role = Role.objects.get()
    assert created.status_code == 302 and role.network == world.network and role.pod is None
    # Everyone in the network sees it listed, with its link; the page is on the network page.
    page = client_for(world.rosa).get(url).content.decode()
    assert "Call tree on the 1st" in page and role.get_absolute_url() in page
    network_page = client_for(world.rosa).get(
        reverse("members:network_detail", args=[world.network.slug])
    )
    assert url in network_page.content.decode()
    # A member who is not an organizer is refused by the service, and nothing is saved.
    refused = client_for(world.ben).post(
        reverse("schedules:network_role_create", args=[world.network.pk]),
        role_form(name="Another"),
    )
    assert (
        refused.status_code == 400
        and "Only the network&#x27;s organizers" in refused.content.decode()
    )
    assert Role.objects.count() == 1
    # Another network's member: not found.
    assert client_for(world.zed).get(url).status_code == 404
    # The same roles over the API.
    listed = client_for(world.rosa).get(f"/api/roles?network_id={world.network.pk}").json()
    assert [r["id"] for r in listed] == [role.pk]


def test_stepping_down_on_the_page_lists_the_shifts_then_needs_the_tick(world: World) -> None:
    role = make_role(world.maple, world.ben)
    hold(role, world.ben, world.chloe)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=4))
    bens = list(Shift.objects.filter(role=role, assignee=world.ben))
    assert bens
    ben = client_for(world.ben)
    url = reverse("schedules:role_step_down", args=[role.pk])
    assert url in ben.get(role.get_absolute_url()).content.decode()
    page = ben.get(url).content.decode()
    for shift in bens:
        assert shift.get_absolute_url() in page
    unticked = ben.post(url, {"fingerprint": fingerprint(page)})
    assert unticked.status_code == 400 and RoleHolder.objects.filter(member=world.ben).exists()
    done = ben.post(url, {"fingerprint": fingerprint(page), "confirm_handover": "on"})
    assert done.status_code == 302
    assert not RoleHolder.objects.filter(member=world.ben).exists()
    assert not Shift.objects.filter(role=role, assignee=world.ben).exists()
    assert AuditEvent.objects.filter(action="role.stepped_down", actor=world.ben).exists()


def test_stepping_down_over_the_api_previews_then_confirms_what_was_shown(world: World) -> None:
    role = make_role(world.maple, world.ben)
    hold(role, world.ben)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=2))
    ben = client_for(world.ben)
    preview = ben.get(f"/api/roles/{role.pk}/step-down").json()
    assert len(preview["shifts"]) == 2 and preview["roles"][0]["kind"] == "holder"
    stale = api_post(ben, f"roles/{role.pk}/step-down", {"seen": "not-what-was-shown"})
    assert (stale.status_code, stale.json()["code"]) == (400, "handover_changed")
    done = api_post(ben, f"roles/{role.pk}/step-down", {"seen": preview["fingerprint"]})
    assert done.status_code == 200 and len(done.json()["shifts"]) == 2
    again = api_post(ben, f"roles/{role.pk}/step-down", {})
    assert (again.status_code, again.json()["code"]) == (400, "not_holding")


def test_a_break_over_the_api_can_be_previewed_and_confirmed(world: World) -> None:
    role = make_role(world.maple, world.ben)
    hold(role, world.ben)
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=3))
    ben = client_for(world.ben)
    preview = ben.get("/api/me/pauses/preview?starts_on=2026-03-10&ends_on=2026-03-20").json()
    assert [s["starts_at"][:10] for s in preview["shifts"]] == ["2026-03-14"]
    bad = ben.get("/api/me/pauses/preview?starts_on=2026-03-20&ends_on=2026-03-10")
    assert (bad.status_code, bad.json()["code"]) == (400, "pause_out_of_order")
    body = {"starts_on": "2026-03-10", "ends_on": "2026-03-20", "seen": preview["fingerprint"]}
    assert api_post(ben, "me/pauses", body).status_code == 201
    assert MemberPause.objects.filter(member=world.ben).count() == 1


def test_a_shift_needing_someone_shows_who_was_asked_and_the_agreed_protocol(
    world: World,
) -> None:
    role = make_role(world.maple, world.ben)
    shift = Shift.objects.filter(role=role).first()
    assert shift is not None and shift.assignee is None
    page = client_for(world.chloe).get(shift.get_absolute_url()).content.decode()
    assert "Who has been asked" in page
    assert "The agreement has no communication protocol yet" in page
    adopt(propose(world.rosa, world.maple), [world.rosa, world.ben, world.chloe])
    assert Agreement.objects.get(pod=world.maple).current_version is not None
    page = client_for(world.chloe).get(shift.get_absolute_url()).content.decode()
    assert "call the organizer" in page  # TEXT.communication, as the pod adopted it
    assert TEXT.communication.splitlines()[0] in page
