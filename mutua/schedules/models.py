"""Recurring roles, their shifts, who holds them, and what keeps the work shared and survivable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutua.members.access import active_pod_ids, network_ids
from mutua.members.models import Member, Network, Pod
from mutua.schedules import recurrence


class RoleQuerySet(models.QuerySet["Role"]):
    def visible_to(self, member: Member) -> RoleQuerySet:
        """Roles of the member's active pods and of their networks."""
        return self.filter(
            Q(pod_id__in=active_pod_ids(member)) | Q(network_id__in=network_ids(member))
        )

    def active(self) -> RoleQuerySet:
        return self.filter(archived_at=None)


class Role(models.Model):
    """A recurring, specific task with a schedule: "bring meals every second Tuesday at 18:00".

    Owned by exactly one pod or one network. The schedule is an RFC 5545 RRULE expanded from a
    local wall-time start (``starts_on`` at ``start_time``) in ``time_zone``; see recurrence.py.
    """

    pod = models.ForeignKey(
        Pod, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="roles"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    rrule = models.CharField(_("recurrence rule (RRULE)"), max_length=500)
    starts_on = models.DateField(_("first day"))
    start_time = models.TimeField(_("starts at (local time)"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    duration = models.DurationField(_("duration"))
    hours_per_occurrence = models.DecimalField(
        _("hours of work each time"), max_digits=5, decimal_places=2
    )
    is_critical = models.BooleanField(_("critical"), default=False)
    is_organizer_role = models.BooleanField(_("organizer-level role"), default=False)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(pod__isnull=False, network__isnull=True)
                | Q(pod__isnull=True, network__isnull=False),
                name="role_owned_by_pod_or_network",
            ),
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)) & Q(duration__lt=timedelta(hours=24)),
                name="role_duration_under_a_day",
            ),
            models.CheckConstraint(
                condition=Q(hours_per_occurrence__gt=0), name="role_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("schedules:role_detail", args=[self.pk])

    @property
    def dtstart(self) -> datetime:
        """The naive wall-time DTSTART the rule is expanded from."""
        return recurrence.wall_time(self.starts_on, self.start_time)

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    def occurrences(self, start: datetime, end: datetime) -> list[datetime]:
        return recurrence.expand(self.rrule, self.dtstart, self.time_zone, start, end)


class RoleHolder(models.Model):
    """A member who took on a role: in the rotation, on standby, or as its deputy."""

    class Kind(models.TextChoices):
        HOLDER = "holder", _("Takes turns")
        STANDBY = "standby", _("On standby")
        DEPUTY = "deputy", _("Deputy")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="holders")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="role_holds")
    kind = models.CharField(_("how"), max_length=10, choices=Kind.choices, default=Kind.HOLDER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]  # the rotation order
        constraints = [
            models.UniqueConstraint(fields=["role", "member"], name="one_hold_per_member_and_role")
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.kind} {self.role}"


class ShiftQuerySet(models.QuerySet["Shift"]):
    def upcoming(self, now: datetime) -> ShiftQuerySet:
        return self.filter(ends_at__gt=now)

    def needing_someone(self) -> ShiftQuerySet:
        return self.filter(status__in=[Shift.Status.UNFILLED, Shift.Status.COVER_REQUESTED])

    def visible_to(self, member: Member) -> ShiftQuerySet:
        return self.filter(role__in=Role.objects.visible_to(member))


class Shift(models.Model):
    """One occurrence of a role, at a real moment (stored in UTC), with one assignee or none."""

    class Status(models.TextChoices):
        UNFILLED = "unfilled", _("Needs someone")
        ASSIGNED = "assigned", _("Assigned")
        COVER_REQUESTED = "cover_requested", _("Cover asked for")
        DONE = "done", _("Done")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="shifts")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    assignee = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="shifts"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNFILLED)
    done_at = models.DateTimeField(null=True, blank=True)

    objects = ShiftQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["role", "starts_at"], name="one_shift_per_occurrence"),
            models.CheckConstraint(
                condition=Q(status="unfilled", assignee__isnull=True)
                | Q(status__in=["assigned", "cover_requested", "done"], assignee__isnull=False),
                name="shift_assignee_matches_status",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} at {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("schedules:shift_detail", args=[self.pk])

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(recurrence.zone(self.role.time_zone))

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(recurrence.zone(self.role.time_zone))


class MemberPause(models.Model):
    """A rest period ("away until March"): no new shifts, and held ones are handed on."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until (inclusive)"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="pause_in_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} away {self.starts_on}–{self.ends_on}"


class SwapRequest(models.Model):
    """Asking another member to take my shift, optionally in exchange for one of theirs."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        # The shift changed hands another way, or one of the two left, paused or stepped down.
        CANCELLED = "cancelled", _("Cancelled")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="swap_requests")
    their_shift = models.ForeignKey(
        Shift, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    from_member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    to_member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="swaps_received")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="proposed"), name="one_open_swap_per_shift"
            )
        ]

    def __str__(self) -> str:
        return f"swap of {self.shift} from {self.from_member} to {self.to_member}"


class EscalationStep(models.Model):
    """One step along the escalation path for an unfilled shift, with whom it reached."""

    class Level(models.TextChoices):
        STANDBY = "standby", _("Standby members")
        ROLE_HOLDERS = "role_holders", _("Everyone who holds the role")
        ORGANIZERS = "organizers", _("The pod's organizers")
        EVERYONE = "everyone", _("Everyone in the pod")
        NETWORK_ORGANIZERS = "network_organizers", _("The network's organizers")

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="escalations")
    level = models.CharField(max_length=20, choices=Level.choices)
    notified_member_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["shift", "level"], name="one_step_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.shift} escalated to {self.level}"


class RoleCompetence(models.Model):
    """Someone who knows how to do a role: trained for it, or has done a shift of it."""

    class Source(models.TextChoices):
        TRAINED = "trained", _("Trained")
        HAS_DONE = "has_done", _("Has done it")

    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="competences")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="competences")
    source = models.CharField(max_length=10, choices=Source.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["role", "member", "source"], name="one_competence_per_source"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.source} {self.role}"


class MemberCapacity(models.Model):
    """How many hours a week a member says they can give; the yardstick for overload."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="capacity")
    hours_per_week = models.DecimalField(_("hours a week"), max_digits=5, decimal_places=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=0) & Q(hours_per_week__lte=168),
                name="capacity_in_a_week",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.hours_per_week} h/week"


class CalendarFeed(models.Model):
    """A private iCalendar link. Only the token's hash is kept; a new link revokes the old."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(revoked_at=None), name="one_live_feed_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.member}"

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()
