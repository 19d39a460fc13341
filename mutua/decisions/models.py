"""Proposals, votes and meetings: how a pod (or a network) decides and checks in together."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutua.decisions.owners import Owner
from mutua.members.access import active_pod_ids, network_ids
from mutua.members.models import Member, Network, NetworkMembership, Pod


def _owned_by_one() -> Q:
    return Q(pod__isnull=False, network__isnull=True) | Q(pod__isnull=True, network__isnull=False)


def visible_owner_q(member: Member) -> Q:
    """Pod rows for the pod's members and its network's organizers; network rows for members."""
    organized = NetworkMembership.objects.filter(
        member=member, role=NetworkMembership.Role.ORGANIZER
    ).values("network_id")
    return (
        Q(pod_id__in=active_pod_ids(member))
        | Q(pod__network_id__in=organized)
        | Q(network_id__in=network_ids(member))
    )


class ProposalQuerySet(models.QuerySet["Proposal"]):
    def visible_to(self, member: Member) -> ProposalQuerySet:
        return self.filter(visible_owner_q(member))

    def of(self, owner: Owner) -> ProposalQuerySet:
        return self.filter(**owner.lookup())

    def open(self) -> ProposalQuerySet:
        return self.filter(status=Proposal.Status.OPEN)

    def due(self, now: datetime | None = None) -> ProposalQuerySet:
        """Open proposals whose deadline has passed: ready to be closed."""
        return self.open().filter(deadline_at__lte=now or timezone.now())

    def with_vote_count(self) -> ProposalQuerySet:
        return self.annotate(vote_count=models.Count("votes"))


class Proposal(models.Model):
    """Something a pod or network is asked to decide, by its chosen process, before a deadline."""

    class Kind(models.TextChoices):
        AGREEMENT_CHANGE = "agreement_change", _("Adopt or change the agreement")
        ADD_ROLE = "add_role", _("Add a role")
        SPEND = "spend", _("Spend from a fund")
        FREE_TEXT = "free_text", _("Anything else")

    class Process(models.TextChoices):
        CONSENT = "consent", _("Consent (agree, stand aside, object, block)")
        MAJORITY = "majority", _("Majority vote (yes, no, abstain)")
        SCORE = "score", _("Score vote (0 to 5)")

    class Status(models.TextChoices):
        OPEN = "open", _("Open for votes")
        ADOPTED = "adopted", _("Adopted")
        REJECTED = "rejected", _("Not adopted")
        NO_QUORUM = "no_quorum", _("Not decided: too few votes")

    pod = models.ForeignKey(
        Pod, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    network = models.ForeignKey(
        Network, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("what it is about"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=140)
    body = models.TextField(_("what and why"), blank=True)
    # For an agreement change: the whole proposed text of the five sections.
    membership = models.TextField(_("membership"), blank=True)
    commitments = models.TextField(_("commitments"), blank=True)
    communication = models.TextField(_("communication protocols"), blank=True)
    boundaries = models.TextField(_("boundaries"), blank=True)
    review_cycle = models.TextField(_("review cycle"), blank=True)
    review_interval_days = models.PositiveIntegerField(
        _("days between reviews"), null=True, blank=True
    )
    # The proposed escalation path (see AgreementVersion.escalation_steps); null on other kinds
    # and on changes proposed before pods could write their own path (read as the default).
    escalation_steps = models.JSONField(_("escalation path"), null=True, blank=True)
    # The agreement version the change was written against (0: there was no agreement yet).
    base_version_number = models.PositiveIntegerField(null=True, blank=True)
    process = models.CharField(_("how we decide"), max_length=10, choices=Process.choices)
    deadline_at = models.DateTimeField(_("deadline"))
    quorum = models.PositiveIntegerField(_("quorum (votes needed)"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    # Counts per choice (and the mean, for score votes), frozen when the proposal closes.
    tally = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        Member, null=True, on_delete=models.SET_NULL, related_name="proposals_made"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline_at"])]
        constraints = [
            models.CheckConstraint(condition=_owned_by_one(), name="proposal_owned_by_one"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="proposal_closed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(quorum__isnull=True) | Q(quorum__gte=1), name="proposal_quorum_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:proposal_detail", args=[self.pk])

    @property
    def owner(self) -> Owner:
        return Owner.of(self)

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_past_deadline(self, now: datetime | None = None) -> bool:
        return self.deadline_at <= (now or timezone.now())

    def choices(self) -> list[tuple[str, str]]:
        """The answers this proposal's process takes, as (value, label)."""
        if self.process == self.Process.CONSENT:
            return list(Vote.Consent.choices)
        if self.process == self.Process.MAJORITY:
            return list(Vote.Majority.choices)
        return [(str(score), str(score)) for score in range(Vote.MAX_SCORE + 1)]


class Vote(models.Model):
    """One member's answer to a proposal; at most one each. Offline votes name who recorded them."""

    MAX_SCORE = 5

    class Consent(models.TextChoices):
        AGREE = "agree", _("Agree")
        STAND_ASIDE = "stand_aside", _("Stand aside (I won't stop it, but won't take part)")
        OBJECT = "object", _("Object (recorded, does not stop it)")
        BLOCK = "block", _("Block (this must not go ahead)")

    class Majority(models.TextChoices):
        YES = "yes", _("Yes")
        NO = "no", _("No")
        ABSTAIN = "abstain", _("Abstain")

    class Channel(models.TextChoices):
        PHONE = "phone", _("by phone")
        MEETING = "meeting", _("at a meeting")
        IN_PERSON = "in_person", _("in person")
        TEXT = "text", _("by text message")

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes")
    # Consent and majority votes fill ``choice``; score votes fill ``score``.
    choice = models.CharField(max_length=12, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_offline = models.BooleanField(default=False)
    offline_channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    recorded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "member"], name="one_vote_per_member"),
            models.CheckConstraint(
                condition=(~Q(choice="") & Q(score__isnull=True))
                | (Q(choice="") & Q(score__isnull=False) & Q(score__lte=5)),
                name="vote_choice_or_score",
            ),
            models.CheckConstraint(
                condition=Q(is_offline=False, recorded_by__isnull=True, offline_channel="")
                | (Q(is_offline=True, recorded_by__isnull=False) & ~Q(offline_channel="")),
                name="offline_vote_names_recorder",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} on {self.proposal}: {self.answer}"

    @property
    def answer(self) -> str:
        """The vote as stored: a choice value, or the score as text."""
        return self.choice if self.score is None else str(self.score)

    def description(self) -> str:
        """How the vote reads on the page: "Chloe: Agree (recorded by Olu, by phone)"."""
        if self.is_offline and self.recorded_by is not None:
            return gettext("%(name)s: %(answer)s (recorded by %(recorder)s, %(channel)s)") % {
                "name": self.member.display_name,
                "answer": self.answer_label,
                "recorder": self.recorded_by.display_name,
                "channel": self.get_offline_channel_display(),
            }
        return gettext("%(name)s: %(answer)s") % {
            "name": self.member.display_name,
            "answer": self.answer_label,
        }

    @property
    def answer_label(self) -> str:
        if self.score is not None:
            return str(self.score)
        labels = dict(Vote.Consent.choices) | dict(Vote.Majority.choices)
        return str(labels.get(self.choice, self.choice))


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, member: Member) -> MeetingQuerySet:
        organized = NetworkMembership.objects.filter(
            member=member, role=NetworkMembership.Role.ORGANIZER
        ).values("network_id")
        return self.filter(Q(pod_id__in=active_pod_ids(member)) | Q(pod__network_id__in=organized))

    def upcoming(self, now: datetime | None = None) -> MeetingQuerySet:
        return self.filter(starts_at__gte=now or timezone.now())


class Meeting(models.Model):
    """A pod's check-in (monthly, 45 minutes by default), its agenda, who came and the notes."""

    DEFAULT_DURATION = timedelta(minutes=45)

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=140)
    starts_at = models.DateTimeField(_("starts at"))
    duration = models.DurationField(_("duration"), default=DEFAULT_DURATION)
    place = models.CharField(_("where"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration__gt=timedelta(0)) & Q(duration__lte=timedelta(hours=8)),
                name="meeting_duration_sensible",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("decisions:meeting_detail", args=[self.pk])

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + self.duration

    @property
    def duration_minutes(self) -> int:
        return int(self.duration.total_seconds() // 60)

    @property
    def is_recorded(self) -> bool:
        return self.recorded_at is not None


# Stored in English and shown translated (``AgendaItem.display_title``); it is never removed.
SYSTEMIC_SLOT_TITLE = _("Systemic discussion: what policy failures are members facing?")


class AgendaItem(models.Model):
    """One point on a meeting's agenda. The systemic-discussion slot is always there."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("agenda item"), max_length=200)
    is_systemic = models.BooleanField(default=False)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting"],
                condition=Q(is_systemic=True),
                name="one_systemic_slot_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def display_title(self) -> str:
        """The systemic slot in the reader's language; other items as their author wrote them."""
        return str(SYSTEMIC_SLOT_TITLE) if self.is_systemic else self.title


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attended_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.meeting}"
