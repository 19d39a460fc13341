from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutua.lib.crypto import EncryptedTextField
from mutua.members.access import active_pod_ids, network_ids
from mutua.members.models import SPOKEN_LANGUAGES, Member, Network, Pod


class Category(models.TextChoices):
    FOOD = "food", _("Food")
    GROCERIES = "groceries", _("Groceries")
    MEALS = "meals", _("Meals")
    CHILDCARE = "childcare", _("Childcare")
    RIDES = "rides", _("Rides and transport")
    MEDICAL_SUPPLIES = "medical_supplies", _("Medical supplies")
    ERRANDS = "errands", _("Errands and labour")
    HOUSING = "housing", _("Housing")
    MONEY = "money", _("Money")
    EMOTIONAL_SUPPORT = "emotional_support", _("Emotional support")
    OTHER = "other", _("Other")


class Scope(models.TextChoices):
    POD = "pod", _("My pod")
    NETWORK = "network", _("My whole network")


def in_scope_of(member: Member) -> Q:
    """Rows whose scope reaches the member: pod scope in their pods, network scope in networks."""
    return Q(scope=Scope.POD, pod_id__in=active_pod_ids(member)) | Q(
        scope=Scope.NETWORK, network_id__in=network_ids(member)
    )


class RequestQuerySet(models.QuerySet["Request"]):
    def visible_to(self, member: Member) -> RequestQuerySet:
        """What this member may see: in scope, their own, or the ones they hold."""
        return self.filter(in_scope_of(member) | Q(requester=member) | Q(claimed_by=member))

    def open(self) -> RequestQuerySet:
        return self.filter(status=Request.Status.OPEN)

    def active(self) -> RequestQuerySet:
        return self.filter(status__in=[Request.Status.OPEN, Request.Status.CLAIMED])


class Request(models.Model):
    """A neighbour asking for help. Its public part is the summary; private details sit apart."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLAIMED = "claimed", _("Someone is helping")
        FULFILLED = "fulfilled", _("Marked done by the helper")
        CONFIRMED = "confirmed", _("Confirmed done")
        CANCELLED = "cancelled", _("Cancelled")

    class Urgency(models.TextChoices):
        LOW = "low", _("Whenever possible")
        NORMAL = "normal", _("Within a few days")
        HIGH = "high", _("Soon")
        URGENT = "urgent", _("Urgent (today)")

    requester = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="requests")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="requests")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="requests")
    scope = models.CharField(_("who can see it"), max_length=10, choices=Scope.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    summary = models.CharField(_("short public summary"), max_length=140)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    needed_from = models.DateTimeField(_("needed from"), null=True, blank=True)
    needed_by = models.DateTimeField(_("needed by"), null=True, blank=True)
    # A coarse area only ("Eastside, near the library"), never the exact address.
    area = models.CharField(_("approximate area"), max_length=120, blank=True)
    area_lat = models.FloatField(null=True, blank=True)
    area_lng = models.FloatField(null=True, blank=True)
    # What a helper must bring, for matching: a skill or valid certificate (stored lower-case,
    # like MemberSkill.name) and a language to share with the requester. Blank: anyone.
    skill_needed = models.CharField(
        _("skill or certificate needed"),
        max_length=80,
        blank=True,
        help_text=_("Optional, e.g. “first aid” or “driver's licence”."),
    )
    language_wanted = models.CharField(
        _("helper should speak"), max_length=10, blank=True, choices=SPOKEN_LANGUAGES
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    claimed_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="claimed_requests"
    )
    from_offer = models.ForeignKey(
        "Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="requests"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        # Each branch of visible_to() (pod, network, own, helping) can then find the open and
        # claimed rows without reading the history: list pages cost the same at 1k or 100k rows.
        indexes = [
            models.Index(fields=["network", "status", "-created_at"]),
            models.Index(fields=["pod", "status", "-created_at"], name="request_pod_status"),
            models.Index(fields=["requester", "status"], name="request_requester_status"),
            models.Index(fields=["claimed_by", "status"], name="request_helper_status"),
            # "My activity" lists someone's latest closed requests without sorting their history.
            models.Index(fields=["requester", "-created_at"], name="request_requester_recent"),
            models.Index(fields=["claimed_by", "-created_at"], name="request_helper_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", claimed_by__isnull=True)
                | Q(status="cancelled")
                | Q(status__in=["claimed", "fulfilled", "confirmed"], claimed_by__isnull=False),
                name="request_claimed_status_has_claimer",
            ),
            models.CheckConstraint(
                condition=Q(needed_from__isnull=True)
                | Q(needed_by__isnull=True)
                | Q(needed_from__lte=models.F("needed_by")),
                name="request_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    def get_absolute_url(self) -> str:
        return reverse("exchange:request_detail", args=[self.pk])


class RequestPrivate(models.Model):
    """What only the requester and the winning helper may read. Encrypted at rest."""

    request = models.OneToOneField(Request, on_delete=models.CASCADE, related_name="private")
    address = EncryptedTextField(_("exact address"), blank=True)
    details = EncryptedTextField(_("private details"), blank=True)
    access_notes = EncryptedTextField(_("access notes"), blank=True)
    contact_phone = EncryptedTextField(_("phone for this request"), blank=True)

    def __str__(self) -> str:
        return f"private details of request {self.request_id}"


class StatusChange(models.Model):
    """Every status change with its time: response-time reports are built from these."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    actor = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class Message(models.Model):
    """A short note between requester and helper, so nobody has to hand out a phone number."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"), max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:40]


class OfferQuerySet(models.QuerySet["Offer"]):
    def visible_to(self, member: Member) -> OfferQuerySet:
        return self.filter(in_scope_of(member) | Q(offerer=member))

    def active(self) -> OfferQuerySet:
        return self.filter(status=Offer.Status.ACTIVE)


class Offer(models.Model):
    """A neighbour offering help: what, how much or how often, and when."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Available")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    offerer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="offers")
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="offers")
    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="offers")
    scope = models.CharField(_("who can see it"), max_length=10, choices=Scope.choices)
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    description = models.CharField(_("what you offer"), max_length=280)
    quantity = models.CharField(
        _("how much or how often"), max_length=120, blank=True, help_text=_("e.g. 2 meals a week")
    )
    available_from = models.DateTimeField(_("available from"), null=True, blank=True)
    available_until = models.DateTimeField(_("available until"), null=True, blank=True)
    availability_note = models.CharField(
        _("when you are available"),
        max_length=120,
        blank=True,
        help_text=_("e.g. weekday evenings"),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_from__lte=models.F("available_until")),
                name="offer_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def get_absolute_url(self) -> str:
        return reverse("exchange:offer_detail", args=[self.pk])


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def live(self) -> InvitationQuerySet:
        return self.filter(status=Invitation.Status.INVITED)


class Invitation(models.Model):
    """A dispatcher's suggestion put to one helper: consent, not dispatch.

    The helper accepts (which claims the request, by the usual one-winner rule) or declines
    without giving a reason, and then the next best helper is asked. A request has at most one
    live invitation at a time, so two neighbours are never both told "this one is yours".
    """

    class Status(models.TextChoices):
        INVITED = "invited", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        EXPIRED = "expired", _("No longer needed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 1 for the first helper asked for this request, 2 for the next after a decline, ...
    rank = models.PositiveSmallIntegerField(default=1)
    # The matcher's reasons as [code, value] pairs; pages word them in the reader's language.
    reasons = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="invited"),
                name="one_live_invitation_per_request",
            ),
        ]
        indexes = [models.Index(fields=["member", "status"])]

    def __str__(self) -> str:
        return f"{self.member} invited to {self.request_id} ({self.status})"
