"""Roles and shifts over JSON. Adapters only: schema in, access, one service, schema out.

Rules come back from services.py as a ``ValidationError`` that ``mutua/api.py`` turns into a 400
with its code (``no_schedule``, ``bad_rrule``, ``swap_outside_pod``...).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.access import access_pod
from mutua.members.models import Member, Network, NetworkMembership, Pod
from mutua.schedules import access, reports, services
from mutua.schedules.models import MemberPause, Role, RoleHolder, Shift

router = Router()


class MemberRef(Schema):
    id: int
    display_name: str


class RoleOut(Schema):
    id: int
    name: str
    description: str
    pod_id: int | None
    network_id: int | None
    rrule: str
    starts_on: date
    start_time: time
    time_zone: str
    duration_minutes: int
    hours_per_occurrence: Decimal
    is_critical: bool
    is_organizer_role: bool


class RoleIn(Schema):
    """A role with its schedule: an RFC 5545 RRULE from a local wall-time start in a zone."""

    model_config = ConfigDict(extra="forbid")

    pod_id: int | None = None
    network_id: int | None = None
    name: str
    description: str = ""
    rrule: str = Field("", description="e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    starts_on: date | None = None
    start_time: time | None = Field(None, description="Local wall time, e.g. 18:00")
    time_zone: str = Field("UTC", description="IANA name, e.g. America/New_York")
    duration_minutes: int = 60
    hours_per_occurrence: Decimal | None = None
    is_critical: bool = False
    is_organizer_role: bool = False


class RoleFilters(Schema):
    pod_id: int | None = None
    network_id: int | None = None


class HolderIn(Schema):
    model_config = ConfigDict(extra="forbid")

    kind: str = Field(RoleHolder.Kind.HOLDER, json_schema_extra={"enum": [*RoleHolder.Kind.values]})


class HolderOut(Schema):
    role_id: int
    member: MemberRef
    kind: str


class RoleRef(Schema):
    id: int
    name: str
    time_zone: str


class ShiftOut(Schema):
    """A shift; ``starts_at``/``ends_at`` in UTC, ``role.time_zone`` for showing local time."""

    id: int
    role: RoleRef
    starts_at: datetime
    ends_at: datetime
    status: str
    assignee: MemberRef | None


class EscalationStepOut(Schema):
    """One step of a shift's escalation path. ``who``/``hours_before``/``due_at`` are null for
    a step taken outside the path (asking for cover asks standby members first)."""

    who: str | None
    hours_before: int | None
    description: str
    due_at: datetime | None
    level: str
    taken_at: datetime | None
    notified_count: int | None


class PauseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    starts_on: date
    ends_on: date
    note: str = ""
    seen: str | None = Field(
        None, description="The fingerprint of the preview shown; refused if it changed since"
    )


class PausePreviewIn(Schema):
    starts_on: date
    ends_on: date


class HandoverOut(Schema):
    """What a change leaves with nobody; send ``fingerprint`` back as ``seen`` to confirm it."""

    shifts: list[ShiftOut]
    roles: list[HolderOut]
    fingerprint: str


class StepDownIn(Schema):
    model_config = ConfigDict(extra="forbid")

    seen: str | None = Field(
        None, description="The fingerprint of the preview shown; refused if it changed since"
    )


class PauseOut(Schema):
    id: int
    starts_on: date
    ends_on: date
    note: str


class SwapIn(Schema):
    model_config = ConfigDict(extra="forbid")

    to_member_id: int
    their_shift_id: int | None = None


class SwapOut(Schema):
    id: int
    shift_id: int
    their_shift_id: int | None
    from_member: MemberRef
    to_member: MemberRef
    status: str


class FlagOut(Schema):
    kind: str
    message: str
    role_id: int | None
    member_id: int | None


class WorkloadOut(Schema):
    member: MemberRef
    committed_hours_per_week: Decimal
    capacity_hours_per_week: Decimal | None
    is_overloaded: bool


class PodFlagsOut(Schema):
    flags: list[FlagOut]
    workload: list[WorkloadOut]
    is_lopsided: bool
    top_share_percent: int


def _unknown(code: str, message: str) -> ValidationError:
    return ValidationError(message, code=code)


def _owner(member: Member, payload: RoleIn) -> Pod | Network:
    if (payload.pod_id is None) == (payload.network_id is None):
        raise _unknown("bad_owner", _("Give exactly one of pod_id and network_id."))
    if payload.pod_id is not None:
        try:
            return access_pod(member, payload.pod_id)
        except Http404:
            raise _unknown("unknown_pod", _("There is no pod with this id.")) from None
    network = Network.objects.filter(
        Q(pk=payload.network_id),
        pk__in=NetworkMembership.objects.filter(member=member).values("network_id"),
    ).first()
    if network is None:
        raise _unknown("unknown_network", _("There is no network with this id."))
    return network


@router.get("/roles", response={200: list[RoleOut], **ERRORS})
def list_roles(request: HttpRequest, filters: Query[RoleFilters]) -> list[RoleOut]:
    """Roles of my pods and networks."""
    roles = Role.objects.visible_to(current_member(request)).active()
    if filters.pod_id is not None:
        roles = roles.filter(pod_id=filters.pod_id)
    if filters.network_id is not None:
        roles = roles.filter(network_id=filters.network_id)
    return [RoleOut.model_validate(role) for role in roles]


@router.post("/roles", response={201: RoleOut, **WRITE_ERRORS})
def create_role(request: HttpRequest, payload: RoleIn) -> Status[RoleOut]:
    """Define a recurring role; its shifts for the next eight weeks are scheduled at once."""
    member = current_member(request)
    draft = services.RoleDraft(
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
    role = services.create_role(owner=_owner(member, payload), draft=draft, actor=member)
    return Status(201, RoleOut.model_validate(role))


@router.get("/roles/{role_id}", response={200: RoleOut, **ERRORS})
def get_role(request: HttpRequest, role_id: int) -> RoleOut:
    return RoleOut.model_validate(access.access_role(current_member(request), role_id))


@router.post("/roles/{role_id}/holders", response={201: HolderOut, **WRITE_ERRORS})
def take_on_role(request: HttpRequest, role_id: int, payload: HolderIn) -> Status[HolderOut]:
    """Take on a role myself: in the rotation (holder), on standby, or as deputy."""
    member = current_member(request)
    role = access.access_role(member, role_id)
    holder = services.take_on_role(role=role, member=member, kind=payload.kind, actor=member)
    return Status(201, HolderOut.model_validate(holder))


@router.get("/me/shifts", response={200: list[ShiftOut], **ERRORS})
def my_shifts(request: HttpRequest) -> list[ShiftOut]:
    """My shifts that have not ended yet."""
    shifts = Shift.objects.filter(
        assignee=current_member(request), ends_at__gt=timezone.now()
    ).select_related("role", "assignee")
    return [ShiftOut.model_validate(shift) for shift in shifts]


@router.post("/me/pauses", response={201: PauseOut, **WRITE_ERRORS})
def pause(request: HttpRequest, payload: PauseIn) -> Status[PauseOut]:
    """Take a break: my shifts in it become open for others."""
    member = current_member(request)
    made: MemberPause = services.pause_member(
        member=member,
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
        note=payload.note,
        actor=member,
        seen=payload.seen,
    )
    return Status(201, PauseOut.model_validate(made))


def _handover_out(handover: services.ShiftHandover) -> HandoverOut:
    return HandoverOut(
        shifts=[ShiftOut.model_validate(shift) for shift in handover.shifts],
        roles=[HolderOut.model_validate(hold) for hold in handover.holds],
        fingerprint=handover.fingerprint,
    )


@router.get("/me/pauses/preview", response={200: HandoverOut, **ERRORS})
def pause_preview(request: HttpRequest, filters: Query[PausePreviewIn]) -> HandoverOut:
    """The shifts a break on these days would open for others, and the roles I hold."""
    member = current_member(request)
    services.check_pause_dates(starts_on=filters.starts_on, ends_on=filters.ends_on)
    handover = services.pause_handover(
        member=member, starts_on=filters.starts_on, ends_on=filters.ends_on
    )
    return _handover_out(handover)


@router.get("/roles/{role_id}/step-down", response={200: HandoverOut, **ERRORS})
def step_down_preview(request: HttpRequest, role_id: int) -> HandoverOut:
    """My upcoming shifts of this role that stepping down would leave with nobody."""
    member = current_member(request)
    role = access.access_role(member, role_id)
    return _handover_out(services.step_down_handover(role=role, member=member))


@router.post("/roles/{role_id}/step-down", response={200: HandoverOut, **WRITE_ERRORS})
def step_down(request: HttpRequest, role_id: int, payload: StepDownIn) -> HandoverOut:
    """Stop holding this role; my upcoming shifts of it are opened for others."""
    member = current_member(request)
    role = access.access_role(member, role_id)
    handed_on = services.step_down_from_role(
        role=role, member=member, actor=member, seen=payload.seen
    )
    return _handover_out(handed_on)


def _shift_action(request: HttpRequest, shift_id: int, action: str) -> ShiftOut:
    member = current_member(request)
    shift = access.access_shift(member, shift_id)
    if action == "cover":
        shift = services.ask_for_cover(shift=shift, actor=member)
    else:
        shift = services.take_cover(shift=shift, actor=member)
    return ShiftOut.model_validate(access.access_shift(member, shift.pk))


@router.get("/shifts/{shift_id}/escalation", response={200: list[EscalationStepOut], **ERRORS})
def shift_escalation(request: HttpRequest, shift_id: int) -> list[EscalationStepOut]:
    """The escalation path this shift follows (from the pod's agreement), step by step, with
    the steps already taken."""
    shift = access.access_shift(current_member(request), shift_id)
    out = []
    for planned in services.escalation_plan(shift):
        step, taken = planned.step, planned.taken
        taken_at = taken.created_at if taken else None
        notified_count = len(taken.notified_member_ids) if taken else None
        if step is not None:
            out.append(
                EscalationStepOut(
                    who=step.who,
                    hours_before=int(step.within.total_seconds() // 3600),
                    description=step.description,
                    due_at=planned.due_at,
                    level=step.level,
                    taken_at=taken_at,
                    notified_count=notified_count,
                )
            )
        elif taken is not None:
            out.append(
                EscalationStepOut(
                    who=None,
                    hours_before=None,
                    description=str(taken.get_level_display()),
                    due_at=None,
                    level=taken.level,
                    taken_at=taken_at,
                    notified_count=notified_count,
                )
            )
    return out


@router.post("/shifts/{shift_id}/cover", response={200: ShiftOut, **WRITE_ERRORS})
def ask_for_cover(request: HttpRequest, shift_id: int) -> ShiftOut:
    """Ask for cover for my shift; it stays mine until someone takes it."""
    return _shift_action(request, shift_id, "cover")


@router.post("/shifts/{shift_id}/take", response={200: ShiftOut, **WRITE_ERRORS})
def take_cover(request: HttpRequest, shift_id: int) -> ShiftOut:
    """Take a shift that needs someone; the first to take it wins (``already_taken``)."""
    return _shift_action(request, shift_id, "take")


@router.post("/shifts/{shift_id}/swaps", response={201: SwapOut, **WRITE_ERRORS})
def propose_swap(request: HttpRequest, shift_id: int, payload: SwapIn) -> Status[SwapOut]:
    """Ask someone in the pod to take my shift, optionally in exchange for one of theirs."""
    member = current_member(request)
    shift = access.access_shift(member, shift_id)
    to_member = Member.objects.filter(pk=payload.to_member_id).first()
    if to_member is None:
        raise _unknown("swap_outside_pod", _("That person is not in this pod."))
    their_shift = None
    if payload.their_shift_id is not None:
        their_shift = access.access_shift(member, payload.their_shift_id)
    swap = services.propose_swap(
        shift=shift, to_member=to_member, their_shift=their_shift, actor=member
    )
    return Status(201, SwapOut.model_validate(swap))


@router.post("/swaps/{swap_id}/accept", response={200: SwapOut, **WRITE_ERRORS})
def accept_swap(request: HttpRequest, swap_id: int) -> SwapOut:
    member = current_member(request)
    swap = services.accept_swap(swap=access.access_swap(member, swap_id), actor=member)
    return SwapOut.model_validate(swap)


@router.post("/swaps/{swap_id}/decline", response={200: SwapOut, **WRITE_ERRORS})
def decline_swap(request: HttpRequest, swap_id: int) -> SwapOut:
    member = current_member(request)
    swap = services.decline_swap(swap=access.access_swap(member, swap_id), actor=member)
    return SwapOut.model_validate(swap)


@router.get("/pods/{pod_id}/flags", response={200: PodFlagsOut, **ERRORS})
def pod_flags(request: HttpRequest, pod_id: int) -> PodFlagsOut:
    """Critical roles with fewer than two people, roles without deputies, overload, lopsidedness."""
    pod = access.access_schedule_pod(current_member(request), pod_id)
    flags, load = reports.pod_flags(pod, timezone.now())
    return PodFlagsOut(
        flags=[FlagOut.model_validate(flag, from_attributes=True) for flag in flags],
        workload=[
            WorkloadOut(
                member=MemberRef.model_validate(row.member),
                committed_hours_per_week=row.committed,
                capacity_hours_per_week=row.capacity,
                is_overloaded=row.is_overloaded,
            )
            for row in load.rows
        ],
        is_lopsided=load.is_lopsided,
        top_share_percent=load.top_share_percent,
    )
