"""Working groups: who may form, join and leave them, conveners and deputies, the group's own
roles and decisions, through the services, the pages and the JSON API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from mutua.audit.models import AuditEvent
from mutua.decisions.models import Proposal
from mutua.decisions.owners import Owner
from mutua.decisions.services import ProposalDraft
from mutua.groups import reports, services
from mutua.groups.models import GroupMembership, GroupRole, WorkingGroup
from mutua.members.models import Member
from mutua.members.services import create_api_token
from mutua.schedules.services import take_on_role
from mutua.schedules.tests.helpers import draft
from mutua.test import World, client_for

Position = GroupMembership.Position


def code_of(info: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return info.value.code


def comms(world: World, convener: Member | None = None) -> WorkingGroup:
    return services.create_group(
        network=world.network,
        name="Communications",
        purpose="Newsletter and phone tree",
        actor=convener or world.ben,
    )


def position(group: WorkingGroup, member: Member) -> str | None:
    return services.position_of(group, member)


# --- Membership rules ---------------------------------------------------------------------


def test_any_network_member_forms_a_group_and_convenes_it(world: World) -> None:
    group = comms(world, world.dev)  # Dev organizes nothing: no committee's permission needed
    assert group.network == world.network
    assert position(group, world.dev) == Position.CONVENER
    assert AuditEvent.objects.filter(action="group.created", object_id=str(group.pk)).exists()


def test_member_of_another_network_cannot_form_a_group_here(world: World) -> None:
    with pytest.raises(ValidationError) as info:
        comms(world, world.zed)
    assert code_of(info) == "not_in_network"
    assert not WorkingGroup.objects.exists()


def test_group_names_are_unique_in_a_network_ignoring_case(world: World) -> None:
    comms(world)
    with pytest.raises(ValidationError) as info:
        services.create_group(network=world.network, name=" communications ", actor=world.dev)
    assert code_of(info) == "name_taken"


def test_network_members_join_and_outsiders_cannot(world: World) -> None:
    group = comms(world)
    services.join_group(group=group, actor=world.dev)
    assert position(group, world.dev) == Position.MEMBER
    with pytest.raises(ValidationError) as info:
        services.join_group(group=group, actor=world.dev)
    assert code_of(info) == "already_in_group"
    with pytest.raises(ValidationError) as info:
        services.join_group(group=group, actor=world.zed)
    assert code_of(info) == "not_in_network"
    assert position(group, world.zed) is None


def test_convener_names_a_new_convener_before_leaving(world: World) -> None:
    group = comms(world)
    services.join_group(group=group, actor=world.rosa)
    with pytest.raises(ValidationError) as info:
        services.leave_group(group=group, actor=world.ben)
    assert code_of(info) == "convener_hands_over_first"
    services.appoint(group=group, member=world.rosa, position=Position.CONVENER, actor=world.ben)
    assert position(group, world.rosa) == Position.CONVENER
    assert position(group, world.ben) == Position.MEMBER
    services.leave_group(group=group, actor=world.ben)
    assert position(group, world.ben) is None
    assert AuditEvent.objects.filter(action="group.left", actor=world.ben).exists()


def test_only_the_convener_or_a_network_organizer_names_the_deputy(world: World) -> None:
    group = comms(world)
    services.join_group(group=group, actor=world.rosa)
    services.join_group(group=group, actor=world.chloe)
    with pytest.raises(ValidationError) as info:
        services.appoint(
            group=group, member=world.chloe, position=Position.DEPUTY, actor=world.rosa
        )
    assert code_of(info) == "not_convener"
    with pytest.raises(ValidationError) as info:
        services.appoint(group=group, member=world.dev, position=Position.DEPUTY, actor=world.ben)
    assert code_of(info) == "not_in_group"
    services.appoint(group=group, member=world.rosa, position=Position.DEPUTY, actor=world.ben)
    # The network organizer may change it; the old deputy steps back to member.
    services.appoint(group=group, member=world.chloe, position=Position.DEPUTY, actor=world.olu)
    assert position(group, world.chloe) == Position.DEPUTY
    assert position(group, world.rosa) == Position.MEMBER


def test_convener_without_a_deputy_is_flagged_until_one_is_named(world: World) -> None:
    group = comms(world)
    flags = reports.group_flags([reports.group_with_people(group.pk)])
    assert [f.kind for f in flags] == ["deputy"]
    assert "Ben convenes Communications with no deputy" in flags[0].message
    services.join_group(group=group, actor=world.rosa)
    services.appoint(group=group, member=world.rosa, position=Position.DEPUTY, actor=world.ben)
    assert reports.group_flags([reports.group_with_people(group.pk)]) == []


# --- The group's own roles and decisions ----------------------------------------------------


def test_group_members_add_roles_that_are_the_groups_own(world: World) -> None:
    group = comms(world)
    role = services.create_group_role(
        group=group, draft=draft(name="Newsletter", is_organizer_role=True), actor=world.ben
    )
    assert role.network == world.network and role.pod is None
    assert GroupRole.objects.get(role=role).group == group
    assert role.shifts.exists()
    assert [r.pk for r in reports.group_roles(group)] == [role.pk]
    # An organizer-level role of the group without a deputy is flagged like schedules does.
    flagged = reports.all_flags(reports.group_with_people(group.pk), reports.group_roles(group))
    assert {f.kind for f in flagged} == {"deputy"} and len(flagged) == 2
    take_on_role(role=role, member=world.ben, kind="deputy", actor=world.ben)
    flagged = reports.all_flags(reports.group_with_people(group.pk), reports.group_roles(group))
    assert [f.role_id for f in flagged] == [None]  # only the convener's missing deputy remains


def test_only_group_members_add_its_roles_and_bad_schedules_are_refused(world: World) -> None:
    group = comms(world)
    with pytest.raises(ValidationError) as info:
        services.create_group_role(group=group, draft=draft(), actor=world.dev)
    assert code_of(info) == "not_in_group"
    with pytest.raises(ValidationError) as info:
        services.create_group_role(group=group, draft=draft(rrule=""), actor=world.ben)
    assert code_of(info) == "no_schedule"
    assert not GroupRole.objects.exists()


def proposal_draft(world: World, **changes: Any) -> ProposalDraft:
    values: dict[str, Any] = {
        "owner": Owner(network=world.network),
        "kind": "free_text",
        "title": "Monthly newsletter",
        "process": "consent",
        "deadline_at": timezone.now() + timedelta(days=7),
    }
    return ProposalDraft(**(values | changes))


def test_group_decisions_are_its_own_and_cannot_change_the_agreement(world: World) -> None:
    group = comms(world)
    proposal = services.create_group_proposal(
        group=group, draft=proposal_draft(world), actor=world.ben
    )
    assert proposal.network == world.network
    assert [p.pk for p in reports.group_open_proposals(group)] == [proposal.pk]
    with pytest.raises(ValidationError) as info:
        services.create_group_proposal(
            group=group, draft=proposal_draft(world, kind="agreement_change"), actor=world.ben
        )
    assert code_of(info) == "group_cannot_change_agreement"
    with pytest.raises(ValidationError) as info:
        services.create_group_proposal(group=group, draft=proposal_draft(world), actor=world.dev)
    assert code_of(info) == "not_in_group"
    assert Proposal.objects.count() == 1


# --- Pages ----------------------------------------------------------------------------------


def test_forming_a_group_on_the_page_and_a_clear_error(world: World) -> None:
    client = client_for(world.chloe)
    url = reverse("groups:group_create", args=[world.network.pk])
    empty = client.post(url, {"name": "  ", "purpose": ""})
    assert empty.status_code == 400 and "Give the group a name" in empty.content.decode()
    response = client.post(url, {"name": "Fundraising", "purpose": "Grants and dinners"})
    group = WorkingGroup.objects.get()
    assert response.status_code == 302 and response["Location"] == group.get_absolute_url()
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Fundraising" in page and "Chloe convenes Fundraising with no deputy" in page


def test_join_and_leave_on_the_page(world: World) -> None:
    group = comms(world)
    dev = client_for(world.dev)
    assert dev.post(reverse("groups:group_join", args=[group.pk])).status_code == 302
    assert position(group, world.dev) == Position.MEMBER
    ben = client_for(world.ben)
    refused = ben.post(reverse("groups:group_leave", args=[group.pk]))
    assert refused.status_code == 400 and "name a new convener" in refused.content.decode()
    assert dev.post(reverse("groups:group_leave", args=[group.pk])).status_code == 302
    assert position(group, world.dev) is None


def test_appoint_on_the_page_shows_who_may_not(world: World) -> None:
    group = comms(world)
    services.join_group(group=group, actor=world.rosa)
    url = reverse("groups:group_appoint", args=[group.pk])
    refused = client_for(world.rosa).post(url, {"member": world.rosa.pk, "position": "deputy"})
    assert refused.status_code == 400
    assert (
        client_for(world.ben).post(url, {"member": world.rosa.pk, "position": "deputy"})["Location"]
        == group.get_absolute_url()
    )
    assert position(group, world.rosa) == Position.DEPUTY


def test_group_role_and_proposal_pages(world: World) -> None:
    group = comms(world)
    ben = client_for(world.ben)
    response = ben.post(
        reverse("groups:group_role_create", args=[group.pk]),
        {
            "name": "Phone tree",
            "starts_on": "2030-03-03",
            "start_time": "18:00",
            "time_zone": "UTC",
            "duration_minutes": "60",
            "interval": "1",
            "unit": "MONTHLY",
            "nth": "",
            "month_day": "3",
            "rrule": "",
        },
    )
    role = GroupRole.objects.get(group=group).role
    assert response.status_code == 302 and response["Location"] == role.get_absolute_url()
    deadline = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = ben.post(
        reverse("groups:group_proposal_create", args=[group.pk]),
        {
            "kind": "free_text",
            "title": "Buy a printer",
            "process": "majority",
            "deadline_at": deadline,
        },
    )
    proposal = Proposal.objects.get()
    assert response["Location"] == proposal.get_absolute_url()
    page = ben.get(group.get_absolute_url()).content.decode()
    assert "Phone tree" in page and "Buy a printer" in page


def test_groups_are_not_found_outside_their_network(world: World) -> None:
    group = comms(world)
    zed = client_for(world.zed)
    assert zed.get(group.get_absolute_url()).status_code == 404
    assert zed.get(reverse("groups:group_list", args=[world.network.pk])).status_code == 404
    assert zed.post(reverse("groups:group_join", args=[group.pk])).status_code == 404


def test_group_list_takes_the_same_queries_for_one_group_or_four(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.ben)
    url = reverse("groups:group_list", args=[world.network.pk])
    comms(world)
    client.get(url)  # warm the session and the member cache
    with django_assert_num_queries(7) as one:
        assert client.get(url).status_code == 200
    for name, who in [("Fundraising", world.dev), ("Care", world.rosa), ("Food", world.olu)]:
        group = services.create_group(network=world.network, name=name, actor=who)
        services.join_group(group=group, actor=world.chloe)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(url).content.decode()
    assert page.count("convened by") == 4 and "Food" in page


# --- JSON API -------------------------------------------------------------------------------


def api(member: Member) -> Client:
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_groups_over_the_api(world: World) -> None:
    ben, rosa, zed = api(world.ben), api(world.rosa), api(world.zed)
    created = ben.post(
        "/api/groups",
        {"network_id": world.network.pk, "name": "Conflict resolution"},
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert body["convener"]["id"] == world.ben.pk and body["has_deputy"] is False
    assert body["flags"] and "no deputy" in body["flags"][0]
    gid = body["id"]
    assert rosa.post(f"/api/groups/{gid}/join").status_code == 200
    appointed = ben.post(
        f"/api/groups/{gid}/appoint",
        {"member_id": world.rosa.pk, "position": "deputy"},
        content_type="application/json",
    )
    assert appointed.json()["deputy"]["id"] == world.rosa.pk and appointed.json()["flags"] == []
    refused = rosa.post(f"/api/groups/{gid}/leave")
    assert refused.status_code == 200  # the deputy may leave; the seat empties
    again = ben.post(f"/api/groups/{gid}/leave")
    assert again.status_code == 400 and again.json()["code"] == "convener_hands_over_first"
    role = ben.post(
        f"/api/groups/{gid}/roles",
        {
            "name": "Mediation hours",
            "rrule": "FREQ=WEEKLY;BYDAY=WE",
            "starts_on": "2030-01-02",
            "start_time": "19:00",
            "duration_minutes": 90,
        },
        content_type="application/json",
    )
    assert role.status_code == 201
    listed = ben.get(f"/api/networks/{world.network.pk}/groups").json()
    assert [g["name"] for g in listed] == ["Conflict resolution"]
    assert ben.get(f"/api/groups/{gid}").json()["role_ids"] == [role.json()["id"]]
    assert zed.get(f"/api/groups/{gid}").status_code == 404
    assert zed.post(f"/api/groups/{gid}/join").json()["code"] == "not_found"
    assert zed.get(f"/api/networks/{world.network.pk}/groups").status_code == 404
