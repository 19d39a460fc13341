"""The welcome checklist, emergency contacts and the leaving handover over JSON. Adapters only."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict

from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.models import Member
from mutua.orientation import access, checklist, services
from mutua.orientation.models import EmergencyContact

router = Router()


class StepOut(Schema):
    key: str
    label: str
    is_done: bool
    hint: str
    url: str


class ChecklistOut(Schema):
    member_id: int
    display_name: str
    pod_id: int
    done_count: int
    total: int
    is_complete: bool
    steps: list[StepOut]


class EmergencyContactIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str
    phone: str
    relationship: str = ""


class EmergencyContactOut(Schema):
    member_id: int
    name: str
    phone: str
    relationship: str


class HoldOut(Schema):
    role_id: int
    role: str
    kind: str
    is_organizer_role: bool


class ShiftOut(Schema):
    id: int
    role_id: int
    role: str
    starts_at: str


class SeatOut(Schema):
    group_id: int
    group: str
    position: str


class HandoverOut(Schema):
    pod_id: int
    member_id: int
    until: date | None
    is_pod_organizer: bool
    holds: list[HoldOut]
    shifts: list[ShiftOut]
    seats: list[SeatOut]
    fingerprint: str


class LeaveIn(Schema):
    model_config = ConfigDict(extra="forbid")

    confirm_handover: bool = False
    fingerprint: str | None = None


def _checklist_out(item: checklist.Checklist) -> ChecklistOut:
    return ChecklistOut(
        member_id=item.member.pk,
        display_name=item.member.display_name,
        pod_id=item.pod.pk,
        done_count=item.done_count,
        total=item.total,
        is_complete=item.is_complete,
        steps=[StepOut(**vars(step)) for step in item.steps],
    )


def _contact_out(contact: EmergencyContact) -> EmergencyContactOut:
    return EmergencyContactOut(
        member_id=contact.member_id,
        name=contact.name,
        phone=contact.phone,
        relationship=contact.relationship,
    )


def _handover_out(preview: services.Handover) -> HandoverOut:
    return HandoverOut(
        pod_id=preview.pod.pk,
        member_id=preview.member.pk,
        until=preview.until,
        is_pod_organizer=preview.is_pod_organizer,
        holds=[
            HoldOut(
                role_id=h.role_id,
                role=h.role.name,
                kind=h.kind,
                is_organizer_role=h.role.is_organizer_role,
            )
            for h in preview.holds
        ],
        shifts=[
            ShiftOut(
                id=s.pk, role_id=s.role_id, role=s.role.name, starts_at=s.starts_at.isoformat()
            )
            for s in preview.shifts
        ],
        seats=[
            SeatOut(group_id=g.group_id, group=g.group.name, position=g.position)
            for g in preview.seats
        ],
        fingerprint=preview.fingerprint,
    )


@router.get("/pods/{pod_id}/welcome", response={200: ChecklistOut, **ERRORS})
def my_checklist(request: HttpRequest, pod_id: int) -> ChecklistOut:
    member = current_member(request)
    pod = access.access_own_pod(member, pod_id)
    member = Member.objects.select_related("user").get(pk=member.pk)
    return _checklist_out(checklist.checklist(member, pod))


@router.post("/pods/{pod_id}/welcome/not-now", response={200: ChecklistOut, **WRITE_ERRORS})
def not_now(request: HttpRequest, pod_id: int) -> ChecklistOut:
    member = current_member(request)
    pod = access.access_own_pod(member, pod_id)
    services.say_not_now(member=member, pod=pod, actor=member)
    member = Member.objects.select_related("user").get(pk=member.pk)
    return _checklist_out(checklist.checklist(member, pod))


@router.get("/pods/{pod_id}/welcomes", response={200: list[ChecklistOut], **ERRORS})
def pod_welcomes(request: HttpRequest, pod_id: int) -> list[ChecklistOut]:
    """Everyone in the pod still taking their first steps (no private details)."""
    pod = access.access_welcome_pod(current_member(request), pod_id)
    return [_checklist_out(c) for c in checklist.being_welcomed(checklist.pod_checklists(pod))]


@router.get("/me/emergency-contact", response={200: EmergencyContactOut, **ERRORS})
def my_emergency_contact(request: HttpRequest) -> EmergencyContactOut:
    member = current_member(request)
    return _contact_out(access.access_emergency_contact(member, member.pk))


@router.put("/me/emergency-contact", response={200: EmergencyContactOut, **WRITE_ERRORS})
def set_emergency_contact(request: HttpRequest, payload: EmergencyContactIn) -> EmergencyContactOut:
    member = current_member(request)
    contact = services.set_emergency_contact(
        member=member,
        name=payload.name,
        phone=payload.phone,
        relationship=payload.relationship,
        actor=member,
    )
    return _contact_out(contact)


@router.delete("/me/emergency-contact", response={204: None, **WRITE_ERRORS})
def remove_emergency_contact(request: HttpRequest) -> Status[None]:
    member = current_member(request)
    services.remove_emergency_contact(member=member, actor=member)
    return Status(204, None)


@router.get("/members/{member_id}/emergency-contact", response={200: EmergencyContactOut, **ERRORS})
def member_emergency_contact(request: HttpRequest, member_id: int) -> EmergencyContactOut:
    """For the member and the organizers of their pod; anyone else gets 404."""
    return _contact_out(access.access_emergency_contact(current_member(request), member_id))


@router.get("/pods/{pod_id}/handover", response={200: HandoverOut, **ERRORS})
def handover(request: HttpRequest, pod_id: int, until: date | None = None) -> HandoverOut:
    """What leaving (or, with ``until``, a break from today) would hand on to others."""
    member = current_member(request)
    pod = access.access_own_pod(member, pod_id)
    return _handover_out(services.handover_preview(member, pod, until))


@router.post("/pods/{pod_id}/leave", response={200: HandoverOut, **WRITE_ERRORS})
def leave(request: HttpRequest, pod_id: int, payload: LeaveIn) -> HandoverOut:
    """Leave the pod. Refused (``handover_unconfirmed``) without ``confirm_handover``, and
    (``handover_changed``) when ``fingerprint`` is not the one the handover shows now."""
    member = current_member(request)
    pod = access.access_own_pod(member, pod_id)
    handed_over = services.leave_pod(
        member=member,
        pod=pod,
        actor=member,
        confirm_handover=payload.confirm_handover,
        seen=payload.fingerprint,
    )
    return _handover_out(handed_over)
