"""Working groups over JSON. Adapters only: schema in, access, one service, schema out."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from mutua.decisions.owners import Owner
from mutua.decisions.services import ProposalDraft
from mutua.groups import access, reports, services
from mutua.groups.models import GroupMembership, WorkingGroup
from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.models import Member
from mutua.schedules.services import RoleDraft

router = Router()


class MemberRef(Schema):
    id: int
    display_name: str


class GroupOut(Schema):
    id: int
    network_id: int
    name: str
    purpose: str
    member_count: int
    convener: MemberRef | None
    deputy: MemberRef | None
    has_deputy: bool


class MembershipOut(Schema):
    member: MemberRef
    position: str


class GroupDetailOut(GroupOut):
    members: list[MembershipOut]
    role_ids: list[int]
    open_proposal_ids: list[int]
    flags: list[str]


class GroupIn(Schema):
    model_config = ConfigDict(extra="forbid")

    network_id: int
    name: str
    purpose: str = ""


class AppointIn(Schema):
    model_config = ConfigDict(extra="forbid")

    member_id: int
    position: str = Field(
        GroupMembership.Position.DEPUTY,
        json_schema_extra={"enum": [*GroupMembership.Position.values]},
    )


class GroupRoleIn(Schema):
    """A role of the group, with its schedule (an RFC 5545 RRULE from a local start)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    rrule: str = Field("", description="e.g. FREQ=MONTHLY;BYDAY=1MO")
    starts_on: date | None = None
    start_time: time | None = None
    time_zone: str = "UTC"
    duration_minutes: int = 60
    hours_per_occurrence: Decimal | None = None
    is_critical: bool = False
    is_organizer_role: bool = False


class CreatedOut(Schema):
    id: int


class GroupProposalIn(Schema):
    model_config = ConfigDict(extra="forbid")

    title: str
    body: str = ""
    kind: str = "free_text"
    process: str = "consent"
    deadline_at: datetime
    quorum: int | None = None


def _ref(member: Member | None) -> MemberRef | None:
    return MemberRef(id=member.pk, display_name=member.display_name) if member else None


def _group_out(group: WorkingGroup) -> GroupOut:
    deputy = reports.deputy(group)
    return GroupOut(
        id=group.pk,
        network_id=group.network_id,
        name=group.name,
        purpose=group.purpose,
        member_count=len(group.memberships.all()),
        convener=_ref(reports.convener(group)),
        deputy=_ref(deputy),
        has_deputy=deputy is not None,
    )


@router.get("/networks/{network_id}/groups", response={200: list[GroupOut], **ERRORS})
def list_groups(request: HttpRequest, network_id: int) -> list[GroupOut]:
    network = access.access_network(current_member(request), network_id)
    return [_group_out(group) for group in reports.groups_of(network)]


def _detail(group_id: int) -> GroupDetailOut:
    group = reports.group_with_people(group_id)
    roles = reports.group_roles(group)
    return GroupDetailOut(
        **_group_out(group).model_dump(exclude={"convener", "deputy"}),
        convener=_ref(reports.convener(group)),
        deputy=_ref(reports.deputy(group)),
        members=[
            MembershipOut(
                member=MemberRef(id=m.member.pk, display_name=m.member.display_name),
                position=m.position,
            )
            for m in group.memberships.all()
        ],
        role_ids=[role.pk for role in roles],
        open_proposal_ids=[p.pk for p in reports.group_open_proposals(group)],
        flags=[flag.message for flag in reports.all_flags(group, roles)],
    )


@router.get("/groups/{group_id}", response={200: GroupDetailOut, **ERRORS})
def get_group(request: HttpRequest, group_id: int) -> GroupDetailOut:
    group = access.access_group(current_member(request), group_id)
    return _detail(group.pk)


@router.post("/groups", response={201: GroupDetailOut, **WRITE_ERRORS})
def create_group(request: HttpRequest, payload: GroupIn) -> Status[GroupDetailOut]:
    member = current_member(request)
    network = access.access_network(member, payload.network_id)
    group = services.create_group(
        network=network, name=payload.name, purpose=payload.purpose, actor=member
    )
    return Status(201, _detail(group.pk))


@router.post("/groups/{group_id}/join", response={200: GroupDetailOut, **WRITE_ERRORS})
def join_group(request: HttpRequest, group_id: int) -> GroupDetailOut:
    member = current_member(request)
    group = access.access_group(member, group_id)
    services.join_group(group=group, actor=member)
    return _detail(group.pk)


@router.post("/groups/{group_id}/leave", response={200: GroupDetailOut, **WRITE_ERRORS})
def leave_group(request: HttpRequest, group_id: int) -> GroupDetailOut:
    member = current_member(request)
    group = access.access_group(member, group_id)
    services.leave_group(group=group, actor=member)
    return _detail(group.pk)


@router.post("/groups/{group_id}/appoint", response={200: GroupDetailOut, **WRITE_ERRORS})
def appoint(request: HttpRequest, group_id: int, payload: AppointIn) -> GroupDetailOut:
    member = current_member(request)
    group = access.access_group(member, group_id)
    target = Member.objects.filter(pk=payload.member_id).first()
    if target is None:
        raise Http404
    services.appoint(group=group, member=target, position=payload.position, actor=member)
    return _detail(group.pk)


@router.post("/groups/{group_id}/roles", response={201: CreatedOut, **WRITE_ERRORS})
def create_group_role(
    request: HttpRequest, group_id: int, payload: GroupRoleIn
) -> Status[CreatedOut]:
    member = current_member(request)
    group = access.access_group(member, group_id)
    draft = RoleDraft(
        name=payload.name,
        description=payload.description,
        rrule=payload.rrule,
        starts_on=payload.starts_on,
        start_time=payload.start_time,
        time_zone=payload.time_zone,
        duration=timedelta(minutes=payload.duration_minutes),
        hours_per_occurrence=payload.hours_per_occurrence,
        is_critical=payload.is_critical,
        is_organizer_role=payload.is_organizer_role,
    )
    role = services.create_group_role(group=group, draft=draft, actor=member)
    return Status(201, CreatedOut(id=role.pk))


@router.post("/groups/{group_id}/proposals", response={201: CreatedOut, **WRITE_ERRORS})
def create_group_proposal(
    request: HttpRequest, group_id: int, payload: GroupProposalIn
) -> Status[CreatedOut]:
    member = current_member(request)
    group = access.access_group(member, group_id)
    draft = ProposalDraft(
        owner=Owner(network=group.network),
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        process=payload.process,
        deadline_at=payload.deadline_at,
        quorum=payload.quorum,
    )
    proposal = services.create_group_proposal(group=group, draft=draft, actor=member)
    return Status(201, CreatedOut(id=proposal.pk))
