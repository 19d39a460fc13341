"""Welcoming newcomers and handing over when someone leaves or pauses. One function per change.

Succession rule: nothing a member holds silently disappears. Before a member leaves a pod (or
takes a break), ``handover_preview`` lists what needs a new holder; ``leave_pod`` refuses
("handover_unconfirmed") until that list was confirmed, and refuses ("handover_changed") when it
changed since it was shown. After leaving, the member's future shifts in the pod are unfilled (so
the rotation refills them, or escalation asks standby members, then organizers, then everyone),
their holdings of the pod's roles end, their open swaps in the pod are cancelled (the other side
is emailed), and their convener/deputy seats in the network's groups pass on. Every item is in an
audit row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.groups import services as groups
from mutua.groups.models import GroupMembership
from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, Pod, PodMembership
from mutua.members.services import normalize_phone
from mutua.orientation.models import CommitmentDeferral, EmergencyContact
from mutua.schedules import services as schedules
from mutua.schedules.models import MemberPause, RoleHolder, Shift, SwapRequest

HELD = (Shift.Status.ASSIGNED, Shift.Status.COVER_REQUESTED)

# --- Welcome ------------------------------------------------------------------------------


@transaction.atomic
def set_emergency_contact(
    *, member: Member, name: str, phone: str, relationship: str = "", actor: Member
) -> EmergencyContact:
    """Add or change whom to call in an emergency. Only the member sets their own."""
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can set your emergency contact."), code="not_yours")
    name = name.strip()
    if not name:
        raise ValidationError(_("Write the name of the person to call."), code="empty_name")
    if len(name) > 120:
        raise ValidationError(_("Keep the name under 120 characters."), code="name_too_long")
    phone = normalize_phone(phone)
    if not phone:
        raise ValidationError(_("Add their phone number."), code="empty_phone")
    contact, created = EmergencyContact.objects.update_or_create(
        member=member,
        defaults={"name": name, "phone": phone, "relationship": relationship.strip()[:60]},
    )
    # The audit row says that it changed, never what it says.
    record(
        action="emergency_contact.added" if created else "emergency_contact.changed",
        target=contact,
        actor=actor,
    )
    return contact


@transaction.atomic
def remove_emergency_contact(*, member: Member, actor: Member) -> None:
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can remove your emergency contact."), code="not_yours")
    contact = EmergencyContact.objects.filter(member=member).first()
    if contact is None:
        raise ValidationError(_("There is no emergency contact to remove."), code="no_contact")
    record(action="emergency_contact.removed", target=contact, actor=actor)
    contact.delete()


@transaction.atomic
def say_not_now(*, member: Member, pod: Pod, actor: Member) -> CommitmentDeferral:
    """Answer "not now" to a first commitment: the pod knows you were asked and answered."""
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can answer for yourself."), code="not_yours")
    if not is_pod_member(member, pod):
        raise ValidationError(_("You are not a member of this pod."), code="not_in_pod")
    deferral, created = CommitmentDeferral.objects.get_or_create(member=member, pod=pod)
    if created:
        record(action="commitment.not_now", target=pod, actor=actor, member_id=member.pk)
    return deferral


# --- Handover -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Handover:
    """What a member's leaving (``until`` None) or break (``until`` a day) hands on to others."""

    member: Member
    pod: Pod
    starts_on: date | None
    until: date | None
    holds: list[RoleHolder]  # the pod's roles they hold (in turns, standby, or as deputy)
    shifts: list[Shift]  # their upcoming shifts that will need someone
    seats: list[GroupMembership]  # convener and deputy seats in the network's groups
    is_pod_organizer: bool

    @property
    def is_leaving(self) -> bool:
        return self.until is None

    @property
    def is_empty(self) -> bool:
        return not (self.holds or self.shifts or self.seats or self.is_pod_organizer)

    @property
    def fingerprint(self) -> str:
        """What was shown, in short: a confirmation of an older list is not a confirmation."""
        parts = [
            *(f"h{h.pk}:{h.kind}" for h in self.holds),
            *(f"s{s.pk}" for s in self.shifts),
            *(f"g{g.pk}:{g.position}" for g in self.seats),
            f"o{int(self.is_pod_organizer)}",
        ]
        return hashlib.sha256("|".join(sorted(parts)).encode()).hexdigest()[:16]

    def deputy_holds(self) -> list[RoleHolder]:
        return [h for h in self.holds if h.kind == RoleHolder.Kind.DEPUTY]


def _other_live_pod_in_network(member: Member, pod: Pod) -> bool:
    return (
        PodMembership.objects.filter(
            member=member, status=PodMembership.Status.ACTIVE, pod__network_id=pod.network_id
        )
        .exclude(pod=pod)
        .exists()
    )


def handover_preview(
    member: Member,
    pod: Pod,
    until: date | None = None,
    *,
    starts_on: date | None = None,
    now: datetime | None = None,
) -> Handover:
    """List what needs a new holder if the member leaves the pod (or pauses until ``until``).

    Leaving: their holdings of the pod's roles, their upcoming shifts in those roles, their
    convener/deputy seats in the network's groups (unless they stay in another pod of it), and
    whether they organize the pod. Pausing: the same holdings and seats (their deputies step in),
    and every shift of theirs on those days, which the break opens for others.
    """
    now = now or timezone.now()
    holds = list(
        RoleHolder.objects.filter(member=member, role__pod=pod, role__archived_at=None)
        .select_related("role")
        .order_by("role__name", "role_id")
    )
    upcoming = Shift.objects.filter(assignee=member, status__in=HELD, starts_at__gt=now)
    if until is None:
        shifts = list(upcoming.filter(role__pod=pod).select_related("role"))
    else:
        first = starts_on or timezone.localdate(now)
        # Local dates differ by zone: pick in Python, exactly as schedules.pause_member does.
        candidates = upcoming.filter(
            starts_at__lt=timezone.make_aware(datetime.combine(until, time())) + timedelta(days=2)
        ).select_related("role")
        shifts = [s for s in candidates if first <= s.local_start.date() <= until]
    if until is None and _other_live_pod_in_network(member, pod):
        seats: list[GroupMembership] = []  # still in the network through another pod: kept
    else:
        seats = list(
            GroupMembership.objects.filter(
                member=member,
                group__network_id=pod.network_id,
                position__in=[GroupMembership.Position.CONVENER, GroupMembership.Position.DEPUTY],
            )
            .select_related("group")
            .order_by("group__name", "id")
        )
    organizer = PodMembership.objects.filter(
        member=member,
        pod=pod,
        status=PodMembership.Status.ACTIVE,
        role=PodMembership.Role.ORGANIZER,
    ).exists()
    return Handover(
        member=member,
        pod=pod,
        starts_on=starts_on if until is not None else None,
        until=until,
        holds=holds,
        shifts=shifts,
        seats=seats,
        is_pod_organizer=organizer,
    )


def _check_confirmed(preview: Handover, confirm_handover: bool, seen: str | None) -> None:
    if not confirm_handover:
        raise ValidationError(
            _("Look through what needs a new holder and confirm it first."),
            code="handover_unconfirmed",
        )
    if seen is not None and seen != preview.fingerprint:
        raise ValidationError(
            _("What you hold changed since the list was shown. Look through it again."),
            code="handover_changed",
        )


@transaction.atomic
def leave_pod(
    *,
    member: Member,
    pod: Pod,
    actor: Member,
    confirm_handover: bool = True,
    seen: str | None = None,
) -> Handover:
    """Leave a pod after confirming the handover. ``seen`` is the fingerprint that was shown.

    A member leaves themselves; a pod organizer may record it for them (someone who moved away).
    """
    if actor.pk != member.pk and not is_pod_organizer(actor, pod):
        raise ValidationError(
            _("Only the member or the pod's organizers can do this."), code="not_yours"
        )
    if not is_pod_member(member, pod):
        raise ValidationError(
            _("%(name)s is not a member of this pod.") % {"name": member.display_name},
            code="not_in_pod",
        )
    preview = handover_preview(member, pod)
    _check_confirmed(preview, confirm_handover, seen)
    left = PodMembership.objects.filter(
        member=member, pod=pod, status=PodMembership.Status.ACTIVE
    ).update(status=PodMembership.Status.LEFT, decided_at=timezone.now(), decided_by=actor)
    if not left:  # someone recorded it a moment ago
        raise ValidationError(_("This member already left the pod."), code="not_in_pod")
    freed = list(
        Shift.objects.filter(
            pk__in=[s.pk for s in preview.shifts], assignee=member, status__in=HELD
        ).values_list("pk", flat=True)
    )
    Shift.objects.filter(pk__in=freed).update(assignee=None, status=Shift.Status.UNFILLED)
    for hold in preview.holds:
        record(
            action="role.hold_ended",
            target=hold.role,
            actor=actor,
            member_id=member.pk,
            kind=hold.kind,
            reason="left_pod",
        )
    RoleHolder.objects.filter(pk__in=[h.pk for h in preview.holds]).delete()
    # Swaps they asked for or were asked about in this pod can't happen now: called off, and
    # the other side is told (after commit, in their language).
    cancelled = schedules.cancel_open_swaps(
        swaps=SwapRequest.objects.filter(
            Q(from_member=member) | Q(to_member=member), shift__role__pod=pod
        ),
        actor=actor,
        reason="left_pod",
    )
    vacated = (
        groups.vacate_positions(member=member, network=pod.network, actor=actor)
        if preview.seats
        else []
    )
    record(
        action="pod.member_left",
        target=pod,
        actor=actor,
        member_id=member.pk,
        ended_holds=[
            {"role_id": h.role_id, "role": h.role.name, "kind": h.kind} for h in preview.holds
        ],
        freed_shift_ids=freed,
        vacated_seats=[
            {
                "group_id": v.group.pk,
                "position": v.position,
                "successor_id": v.successor.pk if v.successor else None,
            }
            for v in vacated
        ],
        was_organizer=preview.is_pod_organizer,
        cancelled_swap_ids=[swap.pk for swap in cancelled],
    )
    return preview


@transaction.atomic
def pause_with_handover(
    *,
    member: Member,
    pod: Pod,
    starts_on: date,
    ends_on: date,
    note: str = "",
    actor: Member,
    confirm_handover: bool = True,
    seen: str | None = None,
) -> MemberPause:
    """Take a break after seeing which shifts it opens and which roles your deputies cover.

    The break itself is ``schedules.services.pause_member``: this adds the confirmed look first.
    """
    if not is_pod_member(member, pod):
        raise ValidationError(_("You are not a member of this pod."), code="not_in_pod")
    if ends_on < starts_on:
        raise ValidationError(
            _("The break must end on or after the day it starts."), code="pause_out_of_order"
        )
    preview = handover_preview(member, pod, ends_on, starts_on=starts_on)
    _check_confirmed(preview, confirm_handover, seen)
    return schedules.pause_member(
        member=member, starts_on=starts_on, ends_on=ends_on, note=note, actor=actor
    )
