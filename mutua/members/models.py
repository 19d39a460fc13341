from __future__ import annotations

import hashlib
import secrets
from datetime import date
from typing import Any

from django.conf import global_settings, settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A healthy pod has 3–8 households: below that it cannot cover for itself, above that people stop
# knowing each other. Larger networks grow by adding pods.
POD_MIN_HOUSEHOLDS = 3
POD_MAX_HOUSEHOLDS = 8

# Languages a member may say they speak: Django's list (its names are translated in Django's own
# catalogue), far more than the few languages Mutua's pages are written in.
SPOKEN_LANGUAGES: list[tuple[str, str]] = list(global_settings.LANGUAGES)
# Home areas are kept to about a kilometre (two decimals of a degree), never an exact address.
COARSE_DECIMALS = 2


class UserManager(BaseUserManager["User"]):
    def create_user(self, email: str, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(
            email=self.normalize_email(email).lower(), is_staff=True, is_superuser=True, **extra
        )
        user.set_password(password)
        user.save(using=self._db)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """The sign-in identity. Members sign in by one-time code; only operators have passwords."""

    email = models.EmailField(_("email"), unique=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"

    def __str__(self) -> str:
        return self.email


class Network(models.Model):
    """A city or neighbourhood network: the pods that look out for each other."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PodQuerySet(models.QuerySet["Pod"]):
    def with_household_count(self) -> PodQuerySet:
        return self.annotate(
            household_count=models.Count(
                "memberships__household",
                filter=Q(memberships__status=PodMembership.Status.ACTIVE),
                distinct=True,
            )
        )


class Pod(models.Model):
    """A small group of households (3–8) who know each other and cover for each other."""

    class Admission(models.TextChoices):
        ANY_MEMBER = "any_member", _("Any member of the pod may accept a newcomer")
        ORGANIZER = "organizer", _("Only the pod's organizers may accept a newcomer")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="pods")
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    area = models.CharField(
        _("area"), max_length=120, blank=True, help_text=_("A neighbourhood or a few streets.")
    )
    admission = models.CharField(
        _("who may accept newcomers"),
        max_length=20,
        choices=Admission.choices,
        default=Admission.ANY_MEMBER,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PodQuerySet.as_manager()

    class Meta:
        ordering = ["network", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "name"], name="pod_name_unique_in_network")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:pod_detail", args=[self.pk])


class Household(models.Model):
    """People who live together; a pod's size is counted in households, not people."""

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="households")
    name = models.CharField(_("household name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person in Mutua. Everybody can both ask and offer: there are no clients or volunteers."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message (SMS)")
        PHONE = "phone", _("Phone call")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    display_name = models.CharField(_("display name"), max_length=80)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    phone = models.CharField(
        _("phone"),
        max_length=20,
        blank=True,
        help_text=_("International format, e.g. +15551234567"),
    )
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    # Categories the member wants to hear about when new requests come in (empty: all).
    notify_categories = models.JSONField(default=list, blank=True)
    # How the member can help, read by matching (mutua/exchange/suggestions.py). The home area
    # is coarse: a name and a point rounded to about 1 km, never an address.
    help_area = models.CharField(
        _("area you help around"),
        max_length=120,
        blank=True,
        help_text=_("A neighbourhood or a landmark, e.g. “Maple St, near the library”."),
    )
    help_lat = models.FloatField(_("rough latitude"), null=True, blank=True)
    help_lng = models.FloatField(_("rough longitude"), null=True, blank=True)
    travel_km = models.PositiveSmallIntegerField(_("how far you can go (km)"), default=3)
    # Language codes from SPOKEN_LANGUAGES; empty means just the preferred language.
    languages = models.JSONField(default=list, blank=True)
    weekly_capacity = models.PositiveSmallIntegerField(
        _("requests you can take on a week"), default=2
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(help_lat__isnull=True) | Q(help_lat__gte=-90, help_lat__lte=90),
                name="member_help_lat_in_range",
            ),
            models.CheckConstraint(
                condition=Q(help_lng__isnull=True) | Q(help_lng__gte=-180, help_lng__lte=180),
                name="member_help_lng_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def spoken_languages(self) -> list[str]:
        """The languages the member speaks: the ones they listed, else their preferred one."""
        return list(self.languages) or [self.preferred_language]

    @property
    def has_help_area(self) -> bool:
        return self.help_lat is not None and self.help_lng is not None


class MemberSkillQuerySet(models.QuerySet["MemberSkill"]):
    def valid_on(self, day: date) -> MemberSkillQuerySet:
        """Skills with no expiry, or whose certificate is still valid on this day."""
        return self.filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))


class MemberSkill(models.Model):
    """A skill or certificate ("food handling", "first aid", "driver's licence").

    A certificate has a `valid_until` day; after it a request needing it no longer fits.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="skills")
    # Stored lower-case and trimmed, so "First aid" on a request finds "first aid" here.
    name = models.CharField(_("skill or certificate"), max_length=80)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MemberSkillQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="one_skill_name_per_member")
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: date) -> bool:
        return self.valid_until is None or self.valid_until >= day


class NetworkMembership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ORGANIZER = "organizer", _("Organizer")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="network_memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "member"], name="one_membership_per_network")
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.network}"


class PodMembership(models.Model):
    """A member's place in a pod: asked for, then accepted by the pod (its own admission rule)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be welcomed")
        ACTIVE = "active", _("Member")
        DECLINED = "declined", _("Not accepted")
        LEFT = "left", _("Left")

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        ORGANIZER = "organizer", _("Organizer")

    pod = models.ForeignKey(Pod, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="pod_memberships")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="memberships"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    message = models.TextField(_("a few words to the pod"), blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # At most one live (pending or active) membership per member and pod.
            models.UniqueConstraint(
                fields=["pod", "member"],
                condition=Q(status__in=["pending", "active"]),
                name="one_live_membership_per_pod",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.pod} ({self.status})"


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SignInCode(models.Model):
    """A one-time code emailed to sign in. Only its hash is stored."""

    email = models.EmailField(db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"sign-in code for {self.email}"

    @staticmethod
    def hash(code: str) -> str:
        return _hash_code(code)


class ApiToken(models.Model):
    """A bearer token for scripts using the JSON API. Only its hash is stored."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def new_secret() -> str:
        return "mutua_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(secret: str) -> str:
        return _hash_code(secret)
