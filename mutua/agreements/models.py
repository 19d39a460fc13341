"""The one-page agreement of a pod or network: five sections, versioned, signed and reviewed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_stubs_ext import StrPromise

from mutua.decisions.owners import Owner
from mutua.members.models import Member, Network, Pod

# The first review comes soon after adoption: a new agreement meets reality quickly.
FIRST_REVIEW_AFTER = timedelta(days=90)
DEFAULT_REVIEW_INTERVAL_DAYS = 365
# A review is "due" this long before its date, and reminders repeat at most this often.
REVIEW_DUE_WINDOW = timedelta(days=14)
REMINDER_EVERY = timedelta(days=7)

# The five sections, in the order they are read. Every version has all five, none empty.
SECTIONS: tuple[tuple[str, StrPromise], ...] = (
    ("membership", _("Membership")),
    ("commitments", _("Commitments")),
    ("communication", _("Communication protocols")),
    ("boundaries", _("Boundaries")),
    ("review_cycle", _("Review cycle")),
)
SECTION_HINTS: dict[str, StrPromise] = {
    "membership": _("Who is in, and how new members are added."),
    "commitments": _("What each member contributes, and on what schedule."),
    "communication": _("Channels, and the escalation path when someone can't keep a commitment."),
    "boundaries": _("What the pod does not cover."),
    "review_cycle": _("When and how the agreement is revisited."),
}


class EscalationWho(models.TextChoices):
    """Who an unfilled shift is offered to, at one step of the agreed escalation path."""

    STANDBY = "standby", _("the role's standby members")
    ROLE_HOLDERS = "role_holders", _("everyone who holds the role")
    ORGANIZERS = "organizers", _("the organizers")
    POD = "pod", _("everyone in the pod")
    NETWORK_ORGANIZERS = "network_organizers", _("the network's organizers")


# The path Mutua follows when an agreement says nothing else (and the one every agreement had
# before pods could write their own): standby members, then organizers, then everyone.
DEFAULT_ESCALATION_STEPS: tuple[tuple[str, int], ...] = (
    (EscalationWho.STANDBY, 48),
    (EscalationWho.ORGANIZERS, 24),
    (EscalationWho.POD, 12),
)


def default_escalation_steps() -> list[dict[str, Any]]:
    """The default path as stored: ``[{"who": "standby", "hours_before": 48}, ...]``."""
    return [{"who": str(who), "hours_before": hours} for who, hours in DEFAULT_ESCALATION_STEPS]


def describe_escalation_step(step: dict[str, Any]) -> str:
    """One step as members read it: "48 hours before the shift, ask the role's standby members."."""
    who = dict(EscalationWho.choices).get(step["who"], step["who"])
    hours = int(step["hours_before"])
    return ngettext(
        "%(hours)s hour before the shift, ask %(who)s.",
        "%(hours)s hours before the shift, ask %(who)s.",
        hours,
    ) % {"hours": hours, "who": who}


class ReviewState(models.TextChoices):
    NOT_ADOPTED = "not_adopted", _("No agreement adopted yet")
    OK = "ok", _("Up to date")
    DUE = "due", _("Review due soon")
    OVERDUE = "overdue", _("Review overdue")


class AgreementQuerySet(models.QuerySet["Agreement"]):
    def of(self, owner: Owner) -> AgreementQuerySet:
        return self.filter(**owner.lookup())

    def review_due(self, now: datetime | None = None) -> AgreementQuerySet:
        """Agreements whose review is due within the window, or overdue."""
        return self.filter(review_due_at__lte=(now or timezone.now()) + REVIEW_DUE_WINDOW)


class Agreement(models.Model):
    """The agreement of exactly one pod or one network. Its text lives in its versions."""

    pod = models.OneToOneField(
        Pod, null=True, blank=True, on_delete=models.CASCADE, related_name="agreement"
    )
    network = models.OneToOneField(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="agreement"
    )
    current_version = models.ForeignKey(
        "AgreementVersion", null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    first_adopted_at = models.DateTimeField(null=True, blank=True)
    last_reviewed_at = models.DateTimeField(null=True, blank=True)
    # Kept by the services on every adoption and review, so lists and the reminder job need no
    # computation per row. See services.next_review_due for the rule.
    review_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(pod__isnull=False, network__isnull=True)
                | Q(pod__isnull=True, network__isnull=False),
                name="agreement_owned_by_pod_xor_network",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Agreement of %(owner)s") % {"owner": self.owner.name})

    def get_absolute_url(self) -> str:
        return agreement_url(self.owner)

    @property
    def owner(self) -> Owner:
        return Owner.of(self)

    def review_state(self, now: datetime | None = None) -> ReviewState:
        if self.review_due_at is None:
            return ReviewState.NOT_ADOPTED
        now = now or timezone.now()
        if self.review_due_at <= now:
            return ReviewState.OVERDUE
        if self.review_due_at <= now + REVIEW_DUE_WINDOW:
            return ReviewState.DUE
        return ReviewState.OK


def agreement_url(owner: Owner, name: str = "detail") -> str:
    return reverse(f"agreements:{name}", args=[owner.kind, owner.pk])


class AgreementVersion(models.Model):
    """One adopted text of the agreement. Never edited: a change is a new version."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    membership = models.TextField(_("membership"))
    commitments = models.TextField(_("commitments"))
    communication = models.TextField(_("communication protocols"))
    boundaries = models.TextField(_("boundaries"))
    review_cycle = models.TextField(_("review cycle"))
    review_interval_days = models.PositiveIntegerField(
        _("days between reviews"), default=DEFAULT_REVIEW_INTERVAL_DAYS
    )
    # Part of the communication protocols: who is asked to fill an unfilled shift, and how
    # many hours before it starts. Ordered, checked by services.check_escalation_steps.
    escalation_steps = models.JSONField(_("escalation path"), default=default_escalation_steps)
    adopted_at = models.DateTimeField()
    adopted_via = models.OneToOneField(
        "decisions.Proposal", on_delete=models.RESTRICT, related_name="adopted_version"
    )
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["agreement", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="version_number_unique"),
            models.CheckConstraint(
                condition=~Q(membership="")
                & ~Q(commitments="")
                & ~Q(communication="")
                & ~Q(boundaries="")
                & ~Q(review_cycle=""),
                name="version_has_five_sections",
            ),
            models.CheckConstraint(
                condition=Q(review_interval_days__gte=1), name="version_interval_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Version %(number)s") % {"number": self.number})

    def get_absolute_url(self) -> str:
        return reverse(
            "agreements:version",
            args=[self.agreement.owner.kind, self.agreement.owner.pk, self.number],
        )

    def sections(self) -> list[tuple[str, str, str]]:
        """(field, heading, text) for the five sections, in reading order."""
        return [(field, str(heading), getattr(self, field)) for field, heading in SECTIONS]

    def escalation_sentences(self) -> list[str]:
        return [describe_escalation_step(step) for step in self.escalation_steps]


class Signature(models.Model):
    """A member signing on to one version. Signing a newer version is a new signature."""

    version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="signatures"
    )
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="signatures")
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "member"], name="sign_a_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} signed {self.version}"


class AgreementReview(models.Model):
    """A review of the agreement: kept as it is ("no changes"), or a new version adopted."""

    class Outcome(models.TextChoices):
        NO_CHANGES = "no_changes", _("Reviewed, no changes")
        NEW_VERSION = "new_version", _("Reviewed, new version adopted")

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(_("note"), blank=True)
    reviewed_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.reviewed_at:%Y-%m-%d})"


class ReviewReminder(models.Model):
    """A reminder that was emailed, so the next one waits at least a week."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    sent_at = models.DateTimeField()
    review_due_at = models.DateTimeField()
    recipient_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"reminder for {self.agreement_id} at {self.sent_at:%Y-%m-%d}"
