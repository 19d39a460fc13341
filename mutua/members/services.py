"""Joining networks and pods, profiles, and passwordless sign-in. One function per change."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import (
    POD_MAX_HOUSEHOLDS,
    POD_MIN_HOUSEHOLDS,
    ApiToken,
    Household,
    Member,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
    SignInCode,
    User,
)
from mutua.notifications import services as notify


def normalize_phone(raw: str) -> str:
    """A phone number in E.164 (+15551234567), or a clear error saying what is wrong with it."""
    raw = raw.strip()
    if not raw:
        return ""
    if not raw.startswith("+"):
        raise ValidationError(
            _("Start the phone number with + and the country code, e.g. +15551234567."),
            code="phone_needs_country_code",
        )
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(phone)s” is not a phone number.") % {"phone": raw}, code="phone_invalid"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("“%(phone)s” is not a valid phone number.") % {"phone": raw}, code="phone_invalid"
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class Profile:
    display_name: str
    preferred_language: str
    phone: str = ""
    preferred_channel: str = Member.Channel.EMAIL
    notify_categories: tuple[str, ...] = ()


def _checked_profile(profile: Profile) -> Profile:
    name = profile.display_name.strip()
    if not name:
        raise ValidationError(_("Please tell us what to call you."), code="empty_name")
    if profile.preferred_language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Mutua does not speak that language yet."), code="bad_language")
    if profile.preferred_channel not in Member.Channel.values:
        raise ValidationError(_("Unknown contact channel."), code="bad_channel")
    phone = normalize_phone(profile.phone)
    if profile.preferred_channel in (Member.Channel.SMS, Member.Channel.PHONE) and not phone:
        raise ValidationError(
            _("Add a phone number to be reached by text or call."), code="channel_needs_phone"
        )
    from mutua.exchange.models import Category

    unknown = set(profile.notify_categories) - set(Category.values)
    if unknown:
        raise ValidationError(
            _("Unknown categories: %(names)s.") % {"names": ", ".join(sorted(unknown))},
            code="bad_category",
        )
    return Profile(
        display_name=name,
        preferred_language=profile.preferred_language,
        phone=phone,
        preferred_channel=profile.preferred_channel,
        notify_categories=tuple(profile.notify_categories),
    )


@transaction.atomic
def register_member(*, email: str, profile: Profile) -> Member:
    """Create a person's account. No screening, no questions beyond how to reach them."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(email)s” is not an email address.") % {"email": email}, code="email_invalid"
        ) from None
    if User.objects.filter(email=email).exists():
        raise ValidationError(
            _("Someone already signed up with this email: sign in instead."), code="email_taken"
        )
    profile = _checked_profile(profile)
    user = User.objects.create_user(email=email)
    member = Member.objects.create(
        user=user,
        display_name=profile.display_name,
        preferred_language=profile.preferred_language,
        phone=profile.phone,
        preferred_channel=profile.preferred_channel,
        notify_categories=list(profile.notify_categories),
    )
    record(action="member.registered", target=member, actor=member)
    return member


@transaction.atomic
def update_profile(*, member: Member, profile: Profile) -> Member:
    profile = _checked_profile(profile)
    member.display_name = profile.display_name
    member.preferred_language = profile.preferred_language
    member.phone = profile.phone
    member.preferred_channel = profile.preferred_channel
    member.notify_categories = list(profile.notify_categories)
    member.save()
    record(action="member.profile_updated", target=member, actor=member)
    return member


@transaction.atomic
def join_network(*, member: Member, network: Network) -> NetworkMembership:
    """Anyone may join a network: mutual aid asks no eligibility questions."""
    membership, created = NetworkMembership.objects.get_or_create(network=network, member=member)
    if created:
        record(action="network.joined", target=network, actor=member)
    return membership


@transaction.atomic
def ask_to_join_pod(*, member: Member, pod: Pod, message: str = "") -> PodMembership:
    """Ask a pod to welcome you; its members decide by the pod's own admission rule."""
    if not NetworkMembership.objects.filter(network_id=pod.network_id, member=member).exists():
        raise ValidationError(
            _("Join the %(network)s network first.") % {"network": pod.network.name},
            code="not_in_network",
        )
    live = PodMembership.objects.filter(
        pod=pod,
        member=member,
        status__in=[PodMembership.Status.PENDING, PodMembership.Status.ACTIVE],
    ).first()
    if live is not None:
        code = "already_member" if live.status == PodMembership.Status.ACTIVE else "already_asked"
        raise ValidationError(
            _("You are already in this pod.")
            if code == "already_member"
            else _("You already asked to join; the pod will answer soon."),
            code=code,
        )
    try:
        with transaction.atomic():
            membership = PodMembership.objects.create(
                pod=pod, member=member, message=message.strip()[:1000]
            )
    except IntegrityError:
        raise ValidationError(
            _("You already asked to join; the pod will answer soon."), code="already_asked"
        ) from None
    record(action="pod.join_requested", target=pod, actor=member)
    return membership


def can_decide_admission(actor: Member, pod: Pod) -> bool:
    if pod.admission == Pod.Admission.ORGANIZER:
        return is_pod_organizer(actor, pod)
    return is_pod_member(actor, pod) or is_pod_organizer(actor, pod)


@transaction.atomic
def accept_pod_member(
    *,
    membership: PodMembership,
    actor: Member,
    household: Household | None = None,
    new_household_name: str = "",
) -> PodMembership:
    """Welcome someone into the pod, into an existing household or a new one of their own."""
    pod = membership.pod
    if not can_decide_admission(actor, pod):
        raise ValidationError(
            _("Only this pod's organizers can welcome new members.")
            if pod.admission == Pod.Admission.ORGANIZER
            else _("Only members of this pod can welcome new members."),
            code="cannot_admit",
        )
    if household is not None and household.pod_id != pod.pk:
        raise ValidationError(_("That household is in another pod."), code="household_other_pod")
    if household is None:
        name = new_household_name.strip() or _("%(name)s's household") % {
            "name": membership.member.display_name
        }
        household = Household.objects.create(pod=pod, name=name)
    accepted = PodMembership.objects.filter(
        pk=membership.pk, status=PodMembership.Status.PENDING
    ).update(
        status=PodMembership.Status.ACTIVE,
        household=household,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    if not accepted:
        raise ValidationError(
            _("This request to join was already answered."), code="already_decided"
        )
    membership.refresh_from_db()
    record(
        action="pod.member_accepted",
        target=pod,
        actor=actor,
        member_id=membership.member_id,
        household_id=household.pk,
    )
    return membership


@transaction.atomic
def decline_pod_member(*, membership: PodMembership, actor: Member) -> PodMembership:
    if not can_decide_admission(actor, membership.pod):
        raise ValidationError(
            _("Only members of this pod can answer requests to join."), code="cannot_admit"
        )
    if not PodMembership.objects.filter(
        pk=membership.pk, status=PodMembership.Status.PENDING
    ).update(status=PodMembership.Status.DECLINED, decided_at=timezone.now(), decided_by=actor):
        raise ValidationError(
            _("This request to join was already answered."), code="already_decided"
        )
    membership.refresh_from_db()
    record(
        action="pod.member_declined",
        target=membership.pod,
        actor=actor,
        member_id=membership.member_id,
    )
    return membership


@dataclass(frozen=True)
class PodSize:
    households: int
    is_small: bool
    is_large: bool


def pod_size(pod: Pod) -> PodSize:
    """Count active households; a pod outside 3–8 is told so (and, when large, to split)."""
    households = (
        PodMembership.objects.filter(pod=pod, status=PodMembership.Status.ACTIVE)
        .exclude(household=None)
        .values("household_id")
        .distinct()
        .count()
    )
    return PodSize(
        households=households,
        is_small=households < POD_MIN_HOUSEHOLDS,
        is_large=households > POD_MAX_HOUSEHOLDS,
    )


# --- Sign-in by one-time code -------------------------------------------------------------


def request_sign_in_code(*, email: str) -> None:
    """Email a one-time code. Says nothing about whether the address is known (no enumeration).

    Rate limited per address: after SIGN_IN_CODES_PER_HOUR codes in an hour, a clear error.
    """
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(email)s” is not an email address.") % {"email": email}, code="email_invalid"
        ) from None
    with transaction.atomic():
        hour_ago = timezone.now() - timedelta(hours=1)
        if (
            SignInCode.objects.filter(email=email, created_at__gte=hour_ago).count()
            >= settings.SIGN_IN_CODES_PER_HOUR
        ):
            raise ValidationError(
                _("Too many codes asked for this address. Please wait an hour and try again."),
                code="rate_limited",
            )
        code = f"{secrets.randbelow(10**6):06d}"
        SignInCode.objects.create(
            email=email,
            code_hash=SignInCode.hash(code),
            expires_at=timezone.now() + timedelta(minutes=settings.SIGN_IN_CODE_TTL_MINUTES),
        )
        member = Member.objects.filter(user__email=email).first()
        if member is not None:
            notify.sign_in_code(email=email, code=code, language=member.preferred_language)


def check_sign_in_code(*, email: str, code: str) -> User:
    """The user for a valid, unused, unexpired code; each wrong guess uses up an attempt."""
    email = email.strip().lower()
    code = code.strip().replace(" ", "")
    with transaction.atomic():
        latest = (
            SignInCode.objects.filter(email=email, used_at=None, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if latest is None:
            raise ValidationError(
                _("This code has expired or was already used. Ask for a new one."),
                code="code_expired",
            )
        if latest.attempts >= settings.SIGN_IN_ATTEMPTS_PER_CODE:
            raise ValidationError(
                _("Too many wrong tries. Ask for a new code."), code="too_many_attempts"
            )
        wrong = not secrets.compare_digest(latest.code_hash, SignInCode.hash(code))
        if wrong:
            # Raised after the block: an exception inside atomic() would undo this count.
            SignInCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") + 1)
        else:
            user = User.objects.filter(email=email, is_active=True).first()
            if user is not None:
                SignInCode.objects.filter(pk=latest.pk).update(used_at=timezone.now())
                return user
    raise ValidationError(_("That code is not right."), code="code_wrong")


@transaction.atomic
def create_api_token(*, member: Member, name: str) -> tuple[ApiToken, str]:
    """A token for scripts. The secret is shown once; only its hash is kept."""
    if not name.strip():
        raise ValidationError(_("Give the token a name."), code="empty_name")
    secret = ApiToken.new_secret()
    token = ApiToken.objects.create(
        member=member, name=name.strip(), token_hash=ApiToken.hash(secret)
    )
    record(action="api_token.created", target=token, actor=member)
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: Member) -> None:
    if token.member_id != actor.pk:
        raise ValidationError(_("That is not your token."), code="not_owner")
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    record(action="api_token.revoked", target=token, actor=actor)


@transaction.atomic
def set_preferred_language(*, member: Member, language: str) -> Member:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Mutua does not speak that language yet."), code="bad_language")
    if member.preferred_language != language:
        member.preferred_language = language
        member.save(update_fields=["preferred_language"])
        record(action="member.language_changed", target=member, actor=member, language=language)
    return member
