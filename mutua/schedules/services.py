"""Roles, shifts, swaps, cover, pauses and escalation. One typed function per change.

Pages, the JSON API and the cron commands all call these; none of them holds a rule of its own.
Emails are queued on commit, so a refused or rolled-back change tells nobody anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutua.agreements.models import (
    DEFAULT_ESCALATION_STEPS,
    EscalationWho,
    default_escalation_steps,
    describe_escalation_step,
)
from mutua.agreements.services import MAX_ESCALATION_HOURS, agreement_of
from mutua.audit.services import record
from mutua.decisions.owners import Owner
from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, Network, NetworkMembership, Pod, PodMembership
from mutua.notifications.tasks import send_email
from mutua.schedules import recurrence
from mutua.schedules.models import (
    CalendarFeed,
    EscalationStep,
    MemberCapacity,
    MemberPause,
    Role,
    RoleCompetence,
    RoleHolder,
    Shift,
    SwapRequest,
)
from mutua.schedules.rotation import rotate

# How far ahead shifts exist as rows (the cron command keeps this topped up).
HORIZON = timedelta(weeks=8)
# A rule must give at least one date within this long, and no more than MAX_PER_YEAR of them.
RULE_WINDOW = timedelta(days=366)
MAX_PER_YEAR = 1000
# Who is asked for a shift nobody holds, and how close to the start, comes from the pod's (or
# network's) agreement: its communication protocols hold the path (escalation_path below).

# The agreement's "who" and the step kept for it. "pod" is stored as "everyone", as it always was.
LEVEL_FOR_WHO: dict[str, str] = {
    EscalationWho.STANDBY: EscalationStep.Level.STANDBY,
    EscalationWho.ROLE_HOLDERS: EscalationStep.Level.ROLE_HOLDERS,
    EscalationWho.ORGANIZERS: EscalationStep.Level.ORGANIZERS,
    EscalationWho.POD: EscalationStep.Level.EVERYONE,
    EscalationWho.NETWORK_ORGANIZERS: EscalationStep.Level.NETWORK_ORGANIZERS,
}
HELD = (Shift.Status.ASSIGNED, Shift.Status.COVER_REQUESTED)
# Shifts left with nobody are refilled from the rotation only when they are further ahead than
# this (the default first escalation step); closer ones are asked for, never handed out unasked.
REFILL_NOTICE = timedelta(hours=DEFAULT_ESCALATION_STEPS[0][1])


# --- Helpers ------------------------------------------------------------------------------


def _email(member: Member, template: str, context: dict[str, object]) -> None:
    """Render in the member's language now, send after commit."""
    with translation.override(member.preferred_language):
        subject = render_to_string(f"schedules/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"schedules/email/{template}_body.txt", context)
    to = member.user.email
    transaction.on_commit(lambda: send_email.enqueue(to=to, subject=subject, body=body))


def _shift_context(shift: Shift, recipient: Member, **extra: object) -> dict[str, object]:
    from django.conf import settings

    return {
        "shift": shift,
        "role": shift.role,
        "recipient": recipient,
        "when": shift.local_start,
        "url": settings.SITE_URL + shift.get_absolute_url(),
        **extra,
    }


def belongs_to_owner(member: Member, role: Role) -> bool:
    """In the role's pod (active), or in its network for a network role."""
    if role.pod_id is not None:
        return PodMembership.objects.filter(
            member=member, pod_id=role.pod_id, status=PodMembership.Status.ACTIVE
        ).exists()
    return NetworkMembership.objects.filter(Q(network_id=role.network_id), member=member).exists()


def organizes_owner(member: Member, role: Role) -> bool:
    if role.pod is not None:
        return is_pod_organizer(member, role.pod)
    return NetworkMembership.objects.filter(
        Q(network_id=role.network_id), member=member, role=NetworkMembership.Role.ORGANIZER
    ).exists()


def owner_members(role: Role) -> Iterable[Member]:
    """Everyone the role belongs to: the pod's active members, or the network's."""
    if role.pod_id is not None:
        members = Member.objects.filter(
            pod_memberships__pod_id=role.pod_id,
            pod_memberships__status=PodMembership.Status.ACTIVE,
        )
    else:
        members = Member.objects.filter(Q(network_memberships__network_id=role.network_id))
    return members.select_related("user").distinct()


def paused_member_ids(member_ids: Iterable[int], first: date, last: date) -> set[int]:
    """Who among these has a pause touching any day in ``[first, last]``."""
    return set(
        MemberPause.objects.filter(
            member_id__in=list(member_ids), starts_on__lte=last, ends_on__gte=first
        ).values_list("member_id", flat=True)
    )


def _is_paused(member: Member, shift: Shift) -> bool:
    day = shift.local_start.date()
    return bool(paused_member_ids([member.pk], day, day))


# --- Roles --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoleDraft:
    """A role as a member describes it. ``rrule`` may come from the friendly builder."""

    name: str
    rrule: str
    starts_on: date | None
    start_time: time | None
    time_zone: str
    duration: timedelta
    description: str = ""
    hours_per_occurrence: Decimal | None = None  # default: the duration
    is_critical: bool = False
    is_organizer_role: bool = False


def _rule_error(error: recurrence.RecurrenceError, draft: RoleDraft) -> ValidationError:
    # Messages are looked up at call time so they are in the member's language.
    messages = {
        "bad_time_zone": _("“%(zone)s” is not a time zone we know. Use a name like Europe/Madrid."),
        "bad_rrule": _("This recurrence rule cannot be read. Example: FREQ=WEEKLY;BYDAY=TU"),
    }
    return ValidationError(
        messages.get(error.code, messages["bad_rrule"]) % {"zone": draft.time_zone},
        code=error.code,
    )


def check_schedule(draft: RoleDraft, *, now: datetime) -> str:
    """The normalised RRULE if the schedule is usable; a ValidationError with a code if not."""
    rule = recurrence.normalize_rule(draft.rrule)
    if not rule or draft.starts_on is None or draft.start_time is None:
        raise ValidationError(
            _("A role needs a schedule: when it starts and how often it repeats."),
            code="no_schedule",
        )
    try:
        recurrence.zone(draft.time_zone)
    except recurrence.RecurrenceError as error:
        raise _rule_error(error, draft) from None
    if not timedelta(0) < draft.duration < timedelta(hours=24):
        raise ValidationError(
            _("Each time should last more than zero and less than 24 hours."),
            code="bad_duration",
        )
    dtstart = recurrence.wall_time(draft.starts_on, draft.start_time)
    try:
        recurrence.parse(rule, dtstart, draft.time_zone)
        where = recurrence.zone(draft.time_zone)
        begin = max(now, recurrence.localize(dtstart, where))
        starts = recurrence.expand(rule, dtstart, draft.time_zone, begin, begin + RULE_WINDOW)
    except recurrence.RecurrenceError as error:
        raise _rule_error(error, draft) from None
    if not starts:
        raise ValidationError(
            _("This schedule has no dates in the coming year. Check the rule and the first day."),
            code="rrule_no_dates",
        )
    overlap = recurrence.first_overlap(starts, draft.duration)
    if overlap is not None:
        raise ValidationError(
            _(
                "The shift on %(when)s would start before the previous one ends. Make the role "
                "shorter or repeat it less often."
            )
            % {"when": overlap.strftime("%Y-%m-%d %H:%M")},
            code="overlapping_occurrences",
        )
    if len(starts) > MAX_PER_YEAR:
        raise ValidationError(
            _("This schedule repeats too often to be a role for people."), code="too_frequent"
        )
    return rule


@transaction.atomic
def create_role(*, owner: Pod | Network, draft: RoleDraft, actor: Member) -> Role:
    """Define a recurring role. No open-ended commitments: it must have a working schedule."""
    if isinstance(owner, Pod):
        if not is_pod_member(actor, owner) and not is_pod_organizer(actor, owner):
            raise ValidationError(
                _("Only members of this pod can add its roles."), code="not_in_pod"
            )
    elif not NetworkMembership.objects.filter(
        member=actor, network=owner, role=NetworkMembership.Role.ORGANIZER
    ).exists():
        raise ValidationError(
            _("Only the network's organizers can add network roles."), code="not_organizer"
        )
    return add_role(owner=owner, draft=draft, actor=actor)


def add_role(*, owner: Pod | Network, draft: RoleDraft, actor: Member, **audit: Any) -> Role:
    """Check the draft's schedule and create the role with its first shifts. Who may add a role
    is the caller's rule (pod members, network organizers, a working group's members)."""
    name = draft.name.strip()
    if not name:
        raise ValidationError(_("Give the role a name, like “Bring meals”."), code="empty_name")
    if len(name) > 120:
        raise ValidationError(_("Keep the name under 120 characters."), code="name_too_long")
    rule = check_schedule(draft, now=timezone.now())
    hours = draft.hours_per_occurrence
    if hours is None:
        hours = (Decimal(draft.duration.total_seconds()) / 3600).quantize(Decimal("0.01"))
    if not Decimal(0) < hours <= Decimal(24):
        raise ValidationError(
            _("Hours of work each time should be more than zero and at most 24."),
            code="bad_hours",
        )
    assert draft.starts_on is not None and draft.start_time is not None  # check_schedule did
    role = Role.objects.create(
        pod=owner if isinstance(owner, Pod) else None,
        network=owner if isinstance(owner, Network) else None,
        name=name,
        description=draft.description.strip(),
        rrule=rule,
        starts_on=draft.starts_on,
        start_time=draft.start_time.replace(tzinfo=None),
        time_zone=draft.time_zone,
        duration=draft.duration,
        hours_per_occurrence=hours,
        is_critical=draft.is_critical,
        is_organizer_role=draft.is_organizer_role,
        created_by=actor,
    )
    record(
        action="role.created",
        target=role,
        actor=actor,
        rrule=rule,
        time_zone=role.time_zone,
        **audit,
    )
    materialize_shifts(role=role, until=timezone.now() + HORIZON)
    return role


@transaction.atomic
def take_on_role(*, role: Role, member: Member, kind: str, actor: Member) -> RoleHolder:
    """Join a role's rotation, its standby list, or become its deputy."""
    if kind not in RoleHolder.Kind.values:
        raise ValidationError(_("Unknown way of holding a role."), code="bad_kind")
    if actor.pk != member.pk and not organizes_owner(actor, role):
        raise ValidationError(
            _("Only organizers can sign someone else up for a role."), code="not_organizer"
        )
    if not belongs_to_owner(member, role):
        raise ValidationError(
            _("%(name)s is not in this pod.") % {"name": member.display_name}, code="not_in_pod"
        )
    try:
        with transaction.atomic():
            holder = RoleHolder.objects.create(role=role, member=member, kind=kind)
    except IntegrityError:
        raise ValidationError(
            _("%(name)s already holds this role.") % {"name": member.display_name},
            code="already_holds",
        ) from None
    record(action="role.taken_on", target=role, actor=actor, member_id=member.pk, kind=kind)
    return holder


@transaction.atomic
def record_training(*, role: Role, member: Member, actor: Member) -> RoleCompetence:
    """Note that someone has been shown how to do the role (for the redundancy count)."""
    if not belongs_to_owner(actor, role):
        raise ValidationError(_("Only members of this pod can do this."), code="not_in_pod")
    if not belongs_to_owner(member, role):
        raise ValidationError(
            _("%(name)s is not in this pod.") % {"name": member.display_name}, code="not_in_pod"
        )
    competence, created = RoleCompetence.objects.get_or_create(
        role=role, member=member, source=RoleCompetence.Source.TRAINED
    )
    if created:
        record(action="role.trained", target=role, actor=actor, member_id=member.pk)
    return competence


# --- Shifts -------------------------------------------------------------------------------


@transaction.atomic
def materialize_shifts(*, role: Role, until: datetime, now: datetime | None = None) -> int:
    """Create the role's missing shifts up to ``until``; running it again creates nothing.

    New shifts go to the holders in rotation, skipping anyone paused that day. The same turn of
    the rotation also refills shifts left with nobody (a pause, someone who left or stepped
    down) when a holder is free that day, but only those more than REFILL_NOTICE ahead: closer
    than that, nobody is handed a shift unasked, and escalation asks for help instead. Shifts
    that have someone are never touched, so swaps and cover already arranged stay as they are.
    Returns how many shifts were created.
    """
    now = now or timezone.now()
    # Local dates (for pauses) come from the zone; instants and durations are taken in UTC,
    # because Python adds a timedelta to a zoned datetime on the wall clock.
    starts = role.occurrences(now, until)
    existing = set(
        Shift.objects.filter(role=role, starts_at__gte=now, starts_at__lt=until).values_list(
            "starts_at", flat=True
        )
    )
    missing = [start.astimezone(UTC) for start in starts if start.astimezone(UTC) not in existing]
    empty = list(
        Shift.objects.filter(
            role=role,
            status=Shift.Status.UNFILLED,
            starts_at__gt=now + REFILL_NOTICE,
            starts_at__lt=until,
        ).order_by("starts_at")
    )
    holders = list(
        RoleHolder.objects.filter(role=role, kind=RoleHolder.Kind.HOLDER).values_list(
            "member_id", flat=True
        )
    )
    if not holders:
        empty = []  # nobody to refill them from
    if not missing and not empty:
        return 0
    where = recurrence.zone(role.time_zone)
    # One sequence of slots, in time order: (start in UTC, the empty shift or None for a new one)
    slots: list[tuple[datetime, Shift | None]] = sorted(
        [(start, None) for start in missing] + [(shift.starts_at, shift) for shift in empty],
        key=lambda slot: slot[0],
    )
    days = [start.astimezone(where).date() for start, _shift in slots]
    pauses = list(
        MemberPause.objects.filter(
            member_id__in=holders, starts_on__lte=days[-1], ends_on__gte=days[0]
        )
    )
    unavailable = [
        frozenset(p.member_id for p in pauses if p.starts_on <= day <= p.ends_on) for day in days
    ]
    last = (
        Shift.objects.filter(role=role, starts_at__lt=slots[0][0], assignee__isnull=False)
        .order_by("-starts_at")
        .values_list("assignee_id", flat=True)
        .first()
    )
    assignees = rotate(holders, unavailable, after=last)
    shifts = [
        Shift(
            role=role,
            starts_at=start,
            ends_at=start + role.duration,
            assignee_id=assignee,
            status=Shift.Status.UNFILLED if assignee is None else Shift.Status.ASSIGNED,
        )
        for (start, shift), assignee in zip(slots, assignees, strict=True)
        if shift is None
    ]
    # ignore_conflicts: two runs at once both skip the other's rows (unique role + starts_at).
    Shift.objects.bulk_create(shifts, ignore_conflicts=True)
    for (_start, shift), assignee in zip(slots, assignees, strict=True):
        if shift is None or assignee is None:
            continue
        # Conditional: someone may have taken it since it was read; they keep it.
        if Shift.objects.filter(pk=shift.pk, status=Shift.Status.UNFILLED).update(
            assignee_id=assignee, status=Shift.Status.ASSIGNED
        ):
            record(action="shift.refilled", target=shift, actor=None, assignee_id=assignee)
    return len(shifts)


def materialize_all_shifts(*, until: datetime, now: datetime | None = None) -> int:
    """Top up every active role; each role in its own transaction."""
    return sum(
        materialize_shifts(role=role, until=until, now=now)
        for role in Role.objects.active().iterator()
    )


def _held_by(shift: Shift, actor: Member) -> None:
    if shift.assignee_id != actor.pk or shift.status not in HELD:
        raise ValidationError(_("This is not your shift."), code="not_your_shift")
    if shift.starts_at <= timezone.now():
        raise ValidationError(_("This shift has already started."), code="shift_started")


@transaction.atomic
def ask_for_cover(*, shift: Shift, actor: Member) -> Shift:
    """Say you can't make it: the shift stays yours until someone takes it."""
    _held_by(shift, actor)
    if not Shift.objects.filter(pk=shift.pk, assignee=actor, status=Shift.Status.ASSIGNED).update(
        status=Shift.Status.COVER_REQUESTED
    ):
        raise ValidationError(_("You already asked for cover."), code="cover_already_requested")
    shift.refresh_from_db()
    # Those who know the role hear first: its standby members and the others in its rotation.
    # Their step of the escalation ladder is done now, so the ladder goes on from the organizers.
    candidates = list(
        Member.objects.filter(
            role_holds__role_id=shift.role_id,
            pk__in=[m.pk for m in owner_members(shift.role)],  # still in the pod
        )
        .exclude(pk=actor.pk)
        .select_related("user")
        .distinct()
        .order_by("display_name", "id")
    )
    day = shift.local_start.date()
    away = paused_member_ids([m.pk for m in candidates], day, day)
    recipients = [m for m in candidates if m.pk not in away]
    record(
        action="shift.cover_requested",
        target=shift,
        actor=actor,
        notified_member_ids=[m.pk for m in recipients],
    )
    if recipients:
        EscalationStep.objects.get_or_create(
            shift=shift,
            level=EscalationStep.Level.STANDBY,
            defaults={
                "notified_member_ids": [m.pk for m in recipients],
                "created_at": timezone.now(),
            },
        )
    for member in recipients:
        _email(member, "cover_asked", _shift_context(shift, member, actor=actor))
    return shift


@transaction.atomic
def take_cover(*, shift: Shift, actor: Member) -> Shift:
    """Take a shift that needs someone. The first member to take it gets it."""
    if shift.status not in (Shift.Status.UNFILLED, Shift.Status.COVER_REQUESTED):
        raise ValidationError(_("Someone already took this shift."), code="already_taken")
    if shift.starts_at <= timezone.now():
        raise ValidationError(_("This shift has already started."), code="shift_started")
    if shift.assignee_id == actor.pk:
        raise ValidationError(_("This shift is already yours."), code="already_yours")
    if not belongs_to_owner(actor, shift.role):
        raise ValidationError(_("Only members of this pod can take it."), code="not_in_pod")
    if _is_paused(actor, shift):
        raise ValidationError(_("You are on a break that day."), code="member_paused")
    previous = shift.assignee
    won = Shift.objects.filter(
        pk=shift.pk, status=shift.status, assignee_id=shift.assignee_id
    ).update(assignee=actor, status=Shift.Status.ASSIGNED)
    if not won:
        raise ValidationError(_("Someone already took this shift."), code="already_taken")
    shift.refresh_from_db()
    record(
        action="shift.cover_taken",
        target=shift,
        actor=actor,
        previous_assignee_id=previous.pk if previous else None,
    )
    cancel_open_swaps(
        swaps=SwapRequest.objects.filter(Q(shift=shift) | Q(their_shift=shift)),
        actor=actor,
        reason="cover_taken",
    )
    if previous is not None:
        _email(previous, "cover_taken", _shift_context(shift, previous, helper=actor))
    return shift


@transaction.atomic
def complete_shift(*, shift: Shift, actor: Member) -> Shift:
    """Mark your shift done; doing it once counts as knowing how (redundancy)."""
    if shift.assignee_id != actor.pk:
        raise ValidationError(_("This is not your shift."), code="not_your_shift")
    if shift.starts_at > timezone.now():
        raise ValidationError(_("This shift has not started yet."), code="shift_not_started")
    now = timezone.now()
    if not Shift.objects.filter(pk=shift.pk, assignee=actor, status__in=HELD).update(
        status=Shift.Status.DONE, done_at=now
    ):
        raise ValidationError(_("This shift is already done."), code="already_done")
    RoleCompetence.objects.get_or_create(
        role_id=shift.role_id, member=actor, source=RoleCompetence.Source.HAS_DONE
    )
    shift.refresh_from_db()
    record(action="shift.done", target=shift, actor=actor)
    return shift


# --- Pauses and capacity ------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftHandover:
    """Shifts a change would leave with nobody, shown before the change is confirmed."""

    shifts: list[Shift]
    holds: list[RoleHolder]  # the roles the member holds (their deputies and standby step in)

    @property
    def fingerprint(self) -> str:
        """What was shown, in short: a confirmation of an older list is not a confirmation."""
        parts = sorted(
            [f"s{s.pk}:{s.assignee_id}" for s in self.shifts]
            + [f"h{h.pk}:{h.kind}" for h in self.holds]
        )
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _check_handover(handover: ShiftHandover, *, confirm_handover: bool, seen: str | None) -> None:
    if not confirm_handover:
        raise ValidationError(
            _("Look through what needs a new holder and confirm it first."),
            code="handover_unconfirmed",
        )
    if seen is not None and seen != handover.fingerprint:
        raise ValidationError(
            _("What you hold changed since the list was shown. Look through it again."),
            code="handover_changed",
        )


def pause_handover(
    *, member: Member, starts_on: date, ends_on: date, now: datetime | None = None
) -> ShiftHandover:
    """The member's shifts on the days of a break (in each role's own time zone) and their roles."""
    now = now or timezone.now()
    # Local dates differ by zone, so pick the shifts in Python (a member holds only a few).
    held = Shift.objects.filter(
        assignee=member,
        status__in=HELD,
        starts_at__gt=now,
        starts_at__lt=timezone.make_aware(datetime.combine(ends_on, time())) + timedelta(days=2),
    ).select_related("role")
    shifts = [s for s in held if starts_on <= s.local_start.date() <= ends_on]
    holds = list(
        RoleHolder.objects.filter(member=member, role__archived_at=None)
        .select_related("role")
        .order_by("role__name", "role_id")
    )
    return ShiftHandover(shifts=shifts, holds=holds)


def check_pause_dates(*, starts_on: date, ends_on: date) -> None:
    """A break ends on or after its first day, and not before today."""
    if ends_on < starts_on:
        raise ValidationError(
            _("The break must end on or after the day it starts."), code="pause_out_of_order"
        )
    if ends_on < timezone.localdate():
        raise ValidationError(_("This break is already over."), code="pause_in_past")


@transaction.atomic
def pause_member(
    *,
    member: Member,
    starts_on: date,
    ends_on: date,
    note: str = "",
    actor: Member,
    confirm_handover: bool = True,
    seen: str | None = None,
) -> MemberPause:
    """Take a rest ("away until March"): your shifts in those days are opened for others.

    Pages show ``pause_handover`` first and pass the fingerprint they showed as ``seen``, so the
    break never opens a shift the member did not see listed.
    """
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can pause yourself."), code="not_yours")
    check_pause_dates(starts_on=starts_on, ends_on=ends_on)
    handover = pause_handover(member=member, starts_on=starts_on, ends_on=ends_on)
    _check_handover(handover, confirm_handover=confirm_handover, seen=seen)
    pause = MemberPause.objects.create(
        member=member, starts_on=starts_on, ends_on=ends_on, note=note.strip()[:200]
    )
    freed = [s.pk for s in handover.shifts]
    Shift.objects.filter(pk__in=freed, assignee=member, status__in=HELD).update(
        assignee=None, status=Shift.Status.UNFILLED
    )
    record(
        action="member.paused",
        target=pause,
        actor=actor,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        freed_shift_ids=freed,
    )
    cancel_open_swaps(
        swaps=SwapRequest.objects.filter(Q(shift_id__in=freed) | Q(their_shift_id__in=freed)),
        actor=actor,
        reason="paused",
    )
    return pause


def step_down_handover(*, role: Role, member: Member, now: datetime | None = None) -> ShiftHandover:
    """What stepping down from a role leaves with nobody: the member's upcoming shifts of it."""
    now = now or timezone.now()
    shifts = list(
        Shift.objects.filter(
            role=role, assignee=member, status__in=HELD, starts_at__gt=now
        ).select_related("role")
    )
    holds = list(RoleHolder.objects.filter(role=role, member=member).select_related("role"))
    return ShiftHandover(shifts=shifts, holds=holds)


@transaction.atomic
def step_down_from_role(
    *,
    role: Role,
    member: Member,
    actor: Member,
    confirm_handover: bool = True,
    seen: str | None = None,
) -> ShiftHandover:
    """Stop holding a role after seeing which upcoming shifts of it will need someone else.

    Those shifts are opened (the top-up refills them from the rotation, escalation asks for
    help with near ones), open swaps of them are cancelled, and a deputy seat left empty shows
    up as a flag on the pod page. An organizer may record it for someone who can't.
    """
    if actor.pk != member.pk and not organizes_owner(actor, role):
        raise ValidationError(
            _("Only organizers can take someone else off a role."), code="not_organizer"
        )
    handover = step_down_handover(role=role, member=member)
    if not handover.holds:
        raise ValidationError(
            _("%(name)s does not hold this role.") % {"name": member.display_name},
            code="not_holding",
        )
    _check_handover(handover, confirm_handover=confirm_handover, seen=seen)
    freed = list(
        Shift.objects.filter(
            pk__in=[s.pk for s in handover.shifts], assignee=member, status__in=HELD
        ).values_list("pk", flat=True)
    )
    Shift.objects.filter(pk__in=freed).update(assignee=None, status=Shift.Status.UNFILLED)
    RoleHolder.objects.filter(pk__in=[h.pk for h in handover.holds]).delete()
    record(
        action="role.stepped_down",
        target=role,
        actor=actor,
        member_id=member.pk,
        kinds=[h.kind for h in handover.holds],
        freed_shift_ids=freed,
    )
    cancel_open_swaps(
        swaps=SwapRequest.objects.filter(Q(shift_id__in=freed) | Q(their_shift_id__in=freed)),
        actor=actor,
        reason="stepped_down",
    )
    return handover


@transaction.atomic
def set_capacity(*, member: Member, hours_per_week: Decimal, actor: Member) -> MemberCapacity:
    """Say how many hours a week you can give; overload is measured against it."""
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can set your capacity."), code="not_yours")
    if not Decimal(0) <= hours_per_week <= Decimal(168):
        raise ValidationError(_("Hours a week should be between 0 and 168."), code="bad_capacity")
    capacity, _created = MemberCapacity.objects.update_or_create(
        member=member, defaults={"hours_per_week": hours_per_week}
    )
    record(action="member.capacity_set", target=capacity, actor=actor, hours=str(hours_per_week))
    return capacity


# --- Swaps --------------------------------------------------------------------------------


@transaction.atomic
def propose_swap(
    *, shift: Shift, to_member: Member, actor: Member, their_shift: Shift | None = None
) -> SwapRequest:
    """Ask a pod neighbour to take your shift (in exchange for one of theirs, if given)."""
    _held_by(shift, actor)
    if to_member.pk == actor.pk:
        raise ValidationError(_("Choose someone other than yourself."), code="swap_with_self")
    if not belongs_to_owner(to_member, shift.role):
        raise ValidationError(
            _("%(name)s is not in this pod; swap with someone in it.")
            % {"name": to_member.display_name},
            code="swap_outside_pod",
        )
    if their_shift is not None:
        if their_shift.role.pod_id != shift.role.pod_id or (
            their_shift.role.network_id != shift.role.network_id
        ):
            raise ValidationError(_("Swap shifts within the same pod."), code="swap_outside_pod")
        if their_shift.assignee_id != to_member.pk or their_shift.status not in HELD:
            raise ValidationError(
                _("That shift is not %(name)s's.") % {"name": to_member.display_name},
                code="not_their_shift",
            )
        if their_shift.starts_at <= timezone.now():
            raise ValidationError(_("That shift has already started."), code="shift_started")
    if _is_paused(to_member, shift):
        raise ValidationError(
            _("%(name)s is on a break that day.") % {"name": to_member.display_name},
            code="member_paused",
        )
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                shift=shift, their_shift=their_shift, from_member=actor, to_member=to_member
            )
    except IntegrityError:
        raise ValidationError(
            _("You already asked someone to swap this shift."), code="swap_pending"
        ) from None
    record(action="swap.proposed", target=swap, actor=actor, to_member_id=to_member.pk)
    _email(to_member, "swap_proposed", _shift_context(shift, to_member, swap=swap, actor=actor))
    return swap


def _answer(swap: SwapRequest, actor: Member, status: str) -> None:
    if swap.to_member_id != actor.pk:
        raise ValidationError(_("Only the person asked can answer."), code="not_yours_to_answer")
    if not SwapRequest.objects.filter(pk=swap.pk, status=SwapRequest.Status.PROPOSED).update(
        status=status, decided_at=timezone.now()
    ):
        if SwapRequest.objects.filter(pk=swap.pk, status=SwapRequest.Status.CANCELLED).exists():
            raise ValidationError(
                _("This swap was called off: the shift changed hands another way."),
                code="swap_cancelled",
            )
        raise ValidationError(_("This swap was already answered."), code="already_answered")
    swap.refresh_from_db()


@transaction.atomic
def accept_swap(*, swap: SwapRequest, actor: Member) -> SwapRequest:
    """Take the shift (and give yours, in an exchange). Both change at once or neither does."""
    _answer(swap, actor, SwapRequest.Status.ACCEPTED)
    stale = ValidationError(
        _("The shifts changed since the swap was asked; nothing was swapped."), code="swap_stale"
    )
    if not Shift.objects.filter(
        pk=swap.shift_id, assignee_id=swap.from_member_id, status__in=HELD
    ).update(assignee_id=swap.to_member_id, status=Shift.Status.ASSIGNED):
        raise stale
    if swap.their_shift_id is not None and not Shift.objects.filter(
        pk=swap.their_shift_id, assignee_id=swap.to_member_id, status__in=HELD
    ).update(assignee_id=swap.from_member_id, status=Shift.Status.ASSIGNED):
        raise stale
    record(action="swap.accepted", target=swap, actor=actor)
    _email(
        swap.from_member,
        "swap_answered",
        _shift_context(swap.shift, swap.from_member, swap=swap, actor=actor),
    )
    return swap


@transaction.atomic
def decline_swap(*, swap: SwapRequest, actor: Member) -> SwapRequest:
    _answer(swap, actor, SwapRequest.Status.DECLINED)
    record(action="swap.declined", target=swap, actor=actor)
    _email(
        swap.from_member,
        "swap_answered",
        _shift_context(swap.shift, swap.from_member, swap=swap, actor=actor),
    )
    return swap


def cancel_open_swaps(
    *, swaps: QuerySet[SwapRequest], actor: Member | None, reason: str
) -> list[SwapRequest]:
    """Cancel the open ones among ``swaps`` (a shift changed hands, its holder left or paused).

    Both sides are told, except the one who caused it; call inside the change's transaction.
    """
    open_swaps = list(
        swaps.filter(status=SwapRequest.Status.PROPOSED).select_related(
            "shift__role", "from_member__user", "to_member__user"
        )
    )
    if not open_swaps:
        return []
    SwapRequest.objects.filter(
        pk__in=[swap.pk for swap in open_swaps], status=SwapRequest.Status.PROPOSED
    ).update(status=SwapRequest.Status.CANCELLED, decided_at=timezone.now())
    for swap in open_swaps:
        swap.status = SwapRequest.Status.CANCELLED
        record(action="swap.cancelled", target=swap, actor=actor, reason=reason)
        for member in (swap.from_member, swap.to_member):
            if actor is not None and member.pk == actor.pk:
                continue
            _email(
                member,
                "swap_cancelled",
                _shift_context(swap.shift, member, swap=swap, actor=actor, reason=reason),
            )
    return open_swaps


# --- Escalation ---------------------------------------------------------------------------


def _level_members(shift: Shift, level: str) -> list[Member]:
    role = shift.role
    network_id = Owner.of(role).network_id
    if level == EscalationStep.Level.STANDBY:
        members = Member.objects.filter(
            role_holds__role=role, role_holds__kind=RoleHolder.Kind.STANDBY
        )
    elif level == EscalationStep.Level.ROLE_HOLDERS:
        members = Member.objects.filter(
            role_holds__role=role, pk__in=[m.pk for m in owner_members(role)]
        )
    elif level == EscalationStep.Level.ORGANIZERS and role.pod_id is not None:
        members = Member.objects.filter(
            pod_memberships__pod_id=role.pod_id,
            pod_memberships__status=PodMembership.Status.ACTIVE,
            pod_memberships__role=PodMembership.Role.ORGANIZER,
        )
    elif level in (EscalationStep.Level.ORGANIZERS, EscalationStep.Level.NETWORK_ORGANIZERS):
        members = Member.objects.filter(
            network_memberships__network_id=network_id,
            network_memberships__role=NetworkMembership.Role.ORGANIZER,
        )
    else:
        members = Member.objects.filter(pk__in=[m.pk for m in owner_members(role)])
    return list(members.select_related("user").distinct().order_by("display_name", "id"))


@dataclass(frozen=True)
class PathStep:
    """One step of the escalation path a shift follows: who, and how long before the start."""

    who: str
    level: str
    within: timedelta
    description: str


def escalation_path(role: Role) -> list[PathStep]:
    """The path in the current version of the role's owner's agreement: the pod's agreement for
    a pod role, the network's for a network role. The default ladder when none is adopted."""
    agreement = agreement_of(Owner.of(role))
    version = agreement.current_version if agreement else None
    steps = version.escalation_steps if version is not None else default_escalation_steps()
    return [
        PathStep(
            who=step["who"],
            level=LEVEL_FOR_WHO[step["who"]],
            within=timedelta(hours=step["hours_before"]),
            description=describe_escalation_step(step),
        )
        for step in steps
    ]


@dataclass(frozen=True)
class PlannedStep:
    """A step of a shift's path, when it is due, and the EscalationStep if it was taken."""

    step: PathStep | None  # None: taken outside the path (asking for cover asks standby first)
    due_at: datetime | None
    taken: EscalationStep | None


def escalation_plan(shift: Shift) -> list[PlannedStep]:
    """The steps the shift's path plans, in order, each with the step taken (if any); then any
    step taken outside the path. For the shift page and the API; changes nothing."""
    taken = {step.level: step for step in EscalationStep.objects.filter(shift=shift)}
    plan = [
        PlannedStep(
            step=step, due_at=shift.starts_at - step.within, taken=taken.pop(step.level, None)
        )
        for step in escalation_path(shift.role)
    ]
    extra = sorted(taken.values(), key=lambda step: (step.created_at, step.pk))
    return plan + [PlannedStep(step=None, due_at=None, taken=step) for step in extra]


@transaction.atomic
def escalate_unfilled_shifts(*, now: datetime | None = None) -> list[EscalationStep]:
    """Ask for help with shifts nobody holds, widening the circle as the start gets closer.

    The path is the one the pod agreed on (``escalation_path``); by default standby members
    first (48 h before), then the pod's organizers (24 h), then everyone in the pod (12 h). A
    step that reached nobody passes straight on to the next one. Each step happens once per
    shift, is kept as an EscalationStep and an audit row, and skips people already asked and
    people on a break that day.
    """
    now = now or timezone.now()
    widest = timedelta(hours=MAX_ESCALATION_HOURS)
    shifts = (
        Shift.objects.needing_someone()
        .filter(starts_at__gt=now, starts_at__lte=now + widest)
        .select_related("role__pod", "role__network", "assignee")
        .prefetch_related("escalations")
    )
    paths: dict[int, list[PathStep]] = {}  # one agreement read per role, not per shift
    steps: list[EscalationStep] = []
    for shift in shifts:
        if shift.role_id not in paths:
            paths[shift.role_id] = escalation_path(shift.role)
        done = {step.level: step for step in shift.escalations.all()}
        asked = {pk for step in done.values() for pk in step.notified_member_ids}
        day = shift.local_start.date()
        passes_on = False
        for path_step in paths[shift.role_id]:
            level = path_step.level
            if level in done:
                passes_on = not done[level].notified_member_ids
                continue
            if shift.starts_at - now > path_step.within and not passes_on:
                break
            candidates = [
                m
                for m in _level_members(shift, level)
                if m.pk not in asked and m.pk != shift.assignee_id
            ]
            away = paused_member_ids([m.pk for m in candidates], day, day)
            recipients = [m for m in candidates if m.pk not in away]
            step = EscalationStep.objects.create(
                shift=shift,
                level=level,
                notified_member_ids=[m.pk for m in recipients],
                created_at=now,
            )
            record(
                action="shift.escalated",
                target=shift,
                actor=None,
                level=level,
                notified_member_ids=step.notified_member_ids,
            )
            for member in recipients:
                _email(member, "shift_needs_cover", _shift_context(shift, member, level=level))
            asked.update(step.notified_member_ids)
            steps.append(step)
            passes_on = not recipients
    return steps


# --- Calendar feed ------------------------------------------------------------------------


@transaction.atomic
def create_calendar_feed(*, member: Member, actor: Member) -> tuple[CalendarFeed, str]:
    """A new private feed link; any older link stops working. The secret is shown once."""
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can make your calendar link."), code="not_yours")
    CalendarFeed.objects.filter(member=member, revoked_at=None).update(revoked_at=timezone.now())
    secret = CalendarFeed.new_secret()
    feed = CalendarFeed.objects.create(member=member, token_hash=CalendarFeed.hash(secret))
    record(action="calendar_feed.created", target=feed, actor=actor)
    return feed, secret


@transaction.atomic
def revoke_calendar_feed(*, member: Member, actor: Member) -> int:
    if actor.pk != member.pk:
        raise ValidationError(_("Only you can turn off your calendar link."), code="not_yours")
    live = list(CalendarFeed.objects.filter(member=member, revoked_at=None))
    CalendarFeed.objects.filter(pk__in=[f.pk for f in live]).update(revoked_at=timezone.now())
    for feed in live:
        record(action="calendar_feed.revoked", target=feed, actor=actor)
    return len(live)
