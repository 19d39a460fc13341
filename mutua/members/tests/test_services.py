"""Joining, pods, profiles and passwordless sign-in, at the service level."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.audit.models import AuditEvent
from mutua.members import services
from mutua.members.models import (
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
from mutua.members.services import Profile
from mutua.test import World, make_member


def raises_code(code: str) -> pytest.RaisesExc[ValidationError]:
    return pytest.raises(ValidationError, check=lambda error: error.code == code)


# --- Phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+12025550143", "+12025550143"),
        ("  +1 (202) 555-0143 ", "+12025550143"),
        ("+34 612 345 678", "+34612345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
        ("   ", ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw: str, e164: str) -> None:
    assert services.normalize_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("202 555 0143", "phone_needs_country_code"),
        ("0034612345678", "phone_needs_country_code"),
        ("+1 call me", "phone_invalid"),
        ("+999123", "phone_invalid"),
        ("+1 555 0100", "phone_invalid"),
    ],
)
def test_phone_numbers_that_cannot_be_dialled_are_refused(raw: str, code: str) -> None:
    with raises_code(code):
        services.normalize_phone(raw)


# --- Registering --------------------------------------------------------------------------


def profile(**changes: object) -> Profile:
    values: dict[str, object] = {"display_name": "Ana", "preferred_language": "es"}
    values.update(changes)
    return Profile(**values)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_newcomer_registers_with_nothing_but_how_to_reach_them() -> None:
    member = services.register_member(
        email="  Ana@Example.org ",
        profile=profile(
            display_name=" Ana ",
            phone="+34 612 345 678",
            preferred_channel=Member.Channel.SMS,
            notify_categories=("food", "rides"),
        ),
    )

    member.refresh_from_db()
    assert member.user.email == "ana@example.org"
    assert not member.user.has_usable_password()
    assert member.display_name == "Ana"
    assert member.phone == "+34612345678"
    assert member.preferred_language == "es"
    assert member.notify_categories == ["food", "rides"]
    assert AuditEvent.objects.filter(action="member.registered", actor=member).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "changes", "code"),
    [
        ("not-an-email", {}, "email_invalid"),
        ("ana@example.org", {"display_name": "  "}, "empty_name"),
        ("ana@example.org", {"preferred_language": "tlh"}, "bad_language"),
        ("ana@example.org", {"preferred_channel": "pigeon"}, "bad_channel"),
        ("ana@example.org", {"phone": "612 345 678"}, "phone_needs_country_code"),
        ("ana@example.org", {"phone": "+1 call me"}, "phone_invalid"),
        ("ana@example.org", {"preferred_channel": "sms"}, "channel_needs_phone"),
        ("ana@example.org", {"notify_categories": ("food", "pets")}, "bad_category"),
    ],
)
def test_bad_registration_is_refused_and_nothing_is_saved(
    email: str, changes: dict[str, object], code: str
) -> None:
    before = (User.objects.count(), Member.objects.count(), AuditEvent.objects.count())

    with raises_code(code):
        services.register_member(email=email, profile=profile(**changes))

    assert (User.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == before
    assert not User.objects.filter(email=email).exists()


def test_email_already_registered_is_refused(world: World) -> None:
    members_before = Member.objects.count()

    with raises_code("email_taken"):
        services.register_member(email="ROSA@example.org", profile=profile())

    assert Member.objects.count() == members_before


def test_bad_profile_edit_keeps_the_old_profile(world: World) -> None:
    with raises_code("phone_invalid"):
        services.update_profile(member=world.ben, profile=profile(phone="+1 call me"))

    world.ben.refresh_from_db()
    assert world.ben.display_name == "Ben"
    assert world.ben.phone == "+15550100002"


# --- Networks and pods --------------------------------------------------------------------


@pytest.mark.django_db
def test_anyone_may_join_a_network_once() -> None:
    network = Network.objects.create(name="Eastside", slug="eastside")
    ana = services.register_member(email="ana@example.org", profile=profile())

    first = services.join_network(member=ana, network=network)
    again = services.join_network(member=ana, network=network)

    assert first.pk == again.pk
    assert first.role == NetworkMembership.Role.MEMBER
    assert AuditEvent.objects.filter(action="network.joined", actor=ana).count() == 1


def newcomer(world: World) -> Member:
    """Someone who just joined Riverside and belongs to no pod yet."""
    return make_member("Nadia", pod=None, network=world.network)


def test_pod_member_welcomes_a_newcomer_by_default(world: World) -> None:
    nadia = newcomer(world)
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple, message=" Hi all! ")
    assert membership.status == PodMembership.Status.PENDING
    assert membership.message == "Hi all!"

    services.accept_pod_member(membership=membership, actor=world.chloe)

    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.ACTIVE
    assert membership.decided_by == world.chloe
    assert membership.decided_at is not None
    assert membership.household is not None
    assert membership.household.pod == world.maple
    assert membership.household.name == "Nadia's household"
    assert list(
        AuditEvent.objects.filter(object_type="members.pod", object_id=str(world.maple.pk))
        .order_by("id")
        .values_list("action", "actor__display_name")
    ) == [("pod.join_requested", "Nadia"), ("pod.member_accepted", "Chloe")]


def test_newcomer_may_join_an_existing_household(world: World) -> None:
    nadia = newcomer(world)
    bens_household = PodMembership.objects.get(member=world.ben, pod=world.maple).household
    assert bens_household is not None
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple)

    services.accept_pod_member(membership=membership, actor=world.ben, household=bens_household)

    membership.refresh_from_db()
    assert membership.household == bens_household


def test_household_of_another_pod_is_refused(world: World) -> None:
    nadia = newcomer(world)
    devs_household = PodMembership.objects.get(member=world.dev).household
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple)

    with raises_code("household_other_pod"):
        services.accept_pod_member(membership=membership, actor=world.ben, household=devs_household)

    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.PENDING


@pytest.mark.parametrize("who", ["dev", "zed"])
def test_people_outside_the_pod_cannot_welcome_newcomers(world: World, who: str) -> None:
    nadia = newcomer(world)
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple)
    households_before = Household.objects.count()

    with raises_code("cannot_admit"):
        services.accept_pod_member(membership=membership, actor=getattr(world, who))
    with raises_code("cannot_admit"):
        services.decline_pod_member(membership=membership, actor=getattr(world, who))

    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.PENDING
    assert Household.objects.count() == households_before


def test_organizer_only_pod_refuses_a_plain_member_and_accepts_an_organizer(world: World) -> None:
    world.maple.admission = Pod.Admission.ORGANIZER
    world.maple.save()
    nadia = newcomer(world)
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple)

    with raises_code("cannot_admit"):
        services.accept_pod_member(membership=membership, actor=world.chloe)
    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.PENDING

    # Olu organizes the Riverside network, which makes him an organizer of its pods.
    services.accept_pod_member(membership=membership, actor=world.olu)
    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.ACTIVE
    assert membership.decided_by == world.olu


def test_pod_declines_and_the_answer_is_final(world: World) -> None:
    nadia = newcomer(world)
    membership = services.ask_to_join_pod(member=nadia, pod=world.maple)

    services.decline_pod_member(membership=membership, actor=world.ben)

    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.DECLINED
    with raises_code("already_decided"):
        services.accept_pod_member(membership=membership, actor=world.chloe)
    membership.refresh_from_db()
    assert membership.status == PodMembership.Status.DECLINED
    # Declined people may ask again later.
    again = services.ask_to_join_pod(member=nadia, pod=world.maple)
    assert again.status == PodMembership.Status.PENDING


def test_asking_twice_or_from_outside_the_network_is_refused(world: World) -> None:
    nadia = newcomer(world)
    services.ask_to_join_pod(member=nadia, pod=world.maple)

    with raises_code("already_asked"):
        services.ask_to_join_pod(member=nadia, pod=world.maple)
    with raises_code("already_member"):
        services.ask_to_join_pod(member=world.ben, pod=world.maple)
    with raises_code("not_in_network"):
        services.ask_to_join_pod(member=world.zed, pod=world.maple)

    assert PodMembership.objects.filter(member=nadia).count() == 1
    assert not PodMembership.objects.filter(member=world.zed, pod=world.maple).exists()


@pytest.mark.parametrize(
    ("households", "is_small", "is_large"),
    [(2, True, False), (3, False, False), (8, False, False), (9, False, True)],
)
def test_pod_size_says_when_a_pod_is_below_or_above_three_to_eight_households(
    world: World, households: int, is_small: bool, is_large: bool
) -> None:
    pod = Pod.objects.create(network=world.network, name="Birch Lane")
    for number in range(households):
        first = make_member(f"Birch {number} A", pod=pod, network=world.network)
        # A second person in the same household does not make the pod bigger.
        make_member(
            f"Birch {number} B",
            pod=pod,
            network=world.network,
            household=PodMembership.objects.get(member=first).household,
        )
    # Neither do pending newcomers.
    services.ask_to_join_pod(member=newcomer(world), pod=pod)

    size = services.pod_size(pod)

    assert (size.households, size.is_small, size.is_large) == (households, is_small, is_large)


# --- Sign-in codes ------------------------------------------------------------------------


def request_code(
    email: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> str:
    """Ask for a code and read it from the email, as the member would."""
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_sign_in_code(email=email)
    assert len(mail.outbox) == sent + 1
    match = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert match is not None
    return match.group(1)


def test_member_signs_in_with_the_emailed_code_once(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    code = request_code("  BEN@example.org", django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["ben@example.org"]
    assert not SignInCode.objects.filter(code_hash=code).exists()  # only the hash is kept

    user = services.check_sign_in_code(email="ben@example.org", code=f" {code[:3]} {code[3:]} ")

    assert user == world.ben.user
    with raises_code("code_expired"):
        services.check_sign_in_code(email="ben@example.org", code=code)


def test_unknown_address_gets_no_email_and_no_hint(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.request_sign_in_code(email="stranger@example.org")

    assert mail.outbox == []
    with raises_code("code_wrong"):
        services.check_sign_in_code(email="stranger@example.org", code="000000")


@override_settings(SIGN_IN_CODE_TTL_MINUTES=15)
def test_code_expires(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = request_code("ben@example.org", django_capture_on_commit_callbacks)
        traveller.shift(timedelta(minutes=15, seconds=1))

        with raises_code("code_expired"):
            services.check_sign_in_code(email="ben@example.org", code=code)


@override_settings(SIGN_IN_CODE_TTL_MINUTES=15)
def test_code_still_works_just_before_it_expires(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        code = request_code("ben@example.org", django_capture_on_commit_callbacks)
        traveller.shift(timedelta(minutes=14, seconds=59))

        assert services.check_sign_in_code(email="ben@example.org", code=code) == world.ben.user


@override_settings(SIGN_IN_ATTEMPTS_PER_CODE=3)
def test_wrong_guesses_use_up_the_code(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    code = request_code("ben@example.org", django_capture_on_commit_callbacks)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _attempt in range(3):
        with raises_code("code_wrong"):
            services.check_sign_in_code(email="ben@example.org", code=wrong)

    with raises_code("too_many_attempts"):
        services.check_sign_in_code(email="ben@example.org", code=code)
    assert SignInCode.objects.get(email="ben@example.org").attempts == 3


@override_settings(SIGN_IN_CODES_PER_HOUR=3)
def test_codes_are_rate_limited_per_address_for_an_hour(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _code in range(3):
            request_code("ben@example.org", django_capture_on_commit_callbacks)

        with raises_code("rate_limited"):
            services.request_sign_in_code(email="ben@example.org")
        assert SignInCode.objects.filter(email="ben@example.org").count() == 3
        # Another address is not affected.
        request_code("chloe@example.org", django_capture_on_commit_callbacks)

        traveller.shift(timedelta(hours=1, minutes=1))
        code = request_code("ben@example.org", django_capture_on_commit_callbacks)
        assert services.check_sign_in_code(email="ben@example.org", code=code) == world.ben.user


def test_only_the_newest_code_counts(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        first = request_code("ben@example.org", django_capture_on_commit_callbacks)
        traveller.shift(timedelta(seconds=30))
        second = request_code("ben@example.org", django_capture_on_commit_callbacks)
        if first == second:  # one chance in a million; the rule still holds
            return

        with raises_code("code_wrong"):
            services.check_sign_in_code(email="ben@example.org", code=first)
        assert services.check_sign_in_code(email="ben@example.org", code=second) == world.ben.user


def test_bad_address_for_a_code_is_refused(world: World) -> None:
    with raises_code("email_invalid"):
        services.request_sign_in_code(email="ben at example")

    assert not SignInCode.objects.filter(email__startswith="ben").exists()


# --- API tokens ---------------------------------------------------------------------------


def test_member_creates_a_token_whose_secret_is_shown_once(world: World) -> None:
    token, secret = services.create_api_token(member=world.ben, name=" my script ")

    assert secret.startswith("mutua_")
    assert token.name == "my script"
    assert token.token_hash == ApiToken.hash(secret)
    assert secret not in token.token_hash
    assert AuditEvent.objects.filter(action="api_token.created", actor=world.ben).count() == 1


def test_token_needs_a_name(world: World) -> None:
    with raises_code("empty_name"):
        services.create_api_token(member=world.ben, name="  ")

    assert not ApiToken.objects.filter(member=world.ben).exists()


def test_only_the_owner_revokes_a_token(world: World) -> None:
    token, _secret = services.create_api_token(member=world.ben, name="script")

    with raises_code("not_owner"):
        services.revoke_api_token(token=token, actor=world.chloe)
    token.refresh_from_db()
    assert token.revoked_at is None

    services.revoke_api_token(token=token, actor=world.ben)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=world.ben).count() == 1
