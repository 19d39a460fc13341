"""Passwordless sign-in and sign-up, through the pages members use."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from mutua.audit.models import AuditEvent
from mutua.members import views
from mutua.members.models import Member, SignInCode, User
from mutua.test import World, client_for

SIGN_IN = reverse("members:sign_in")
CODE = reverse("members:sign_in_code")
SIGN_UP = reverse("members:sign_up")
REQUESTS = reverse("exchange:request_list")

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def capture(django_capture_on_commit_callbacks: Capture) -> Callable[[], Any]:
    """Run the after-commit callbacks (queued emails) of what happens inside the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def ask_code(client: Client, email: str, capture: Callable[[], Any]) -> Any:
    with capture():
        return client.post(SIGN_IN, {"email": email})


def code_from_outbox() -> str:
    match = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body))
    assert match, mail.outbox[-1].body
    return match.group(1)


def signed_in_user_id(client: Client) -> str | None:
    value = client.session.get("_auth_user_id")
    return str(value) if value is not None else None


class TestSignIn:
    def test_member_signs_in_with_the_emailed_code(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        response = ask_code(client, "Rosa@Example.org ", capture)
        assert response.status_code == 302
        assert response["Location"] == CODE
        assert [m.to for m in mail.outbox] == [["rosa@example.org"]]

        page = client.get(CODE)
        assert "rosa@example.org" in page.content.decode()

        response = client.post(CODE, {"code": code_from_outbox()})
        assert response.status_code == 302
        assert response["Location"] == REQUESTS
        assert signed_in_user_id(client) == str(world.rosa.user.pk)
        # Rosa reads Mutua in Spanish from the next page on.
        assert client.session["member_language"] == "es"
        assert SignInCode.objects.get(email="rosa@example.org").used_at is not None
        assert client.get(reverse("members:profile")).status_code == 200

    def test_a_code_works_only_once(self, world: World, capture: Callable[[], Any]) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        code = code_from_outbox()
        assert client.post(CODE, {"code": code}).status_code == 302
        client.post(reverse("members:sign_out"))

        again = Client()
        session = again.session
        session["sign_in_email"] = "ben@example.org"
        session.save()
        response = again.post(CODE, {"code": code})
        assert response.status_code == 400
        assert "This code has expired or was already used." in response.content.decode()
        assert signed_in_user_id(again) is None

    def test_sign_in_returns_to_the_page_the_member_wanted(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        wanted = reverse("members:my_pods")
        response = client.get(wanted)
        assert response.status_code == 302
        client.get(response["Location"])  # the sign-in page remembers ?next=
        ask_code(client, "ben@example.org", capture)
        response = client.post(CODE, {"code": code_from_outbox()})
        assert response["Location"] == wanted

    def test_sign_in_never_sends_a_member_to_another_site(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        client.get(SIGN_IN, {"next": "https://evil.example/"})
        ask_code(client, "ben@example.org", capture)
        response = client.post(CODE, {"code": code_from_outbox()})
        assert response["Location"] == REQUESTS

    def test_unknown_email_gets_the_same_page_and_no_email(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        known, unknown = Client(), Client()
        known_response = ask_code(known, "ben@example.org", capture)
        unknown_response = ask_code(unknown, "nobody@example.org", capture)
        assert unknown_response.status_code == known_response.status_code == 302
        assert unknown_response["Location"] == known_response["Location"]
        assert [m.to for m in mail.outbox] == [["ben@example.org"]]

        def page(client: Client, email: str) -> str:
            html = client.get(CODE).content.decode()
            html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
            return html.replace(email, "EMAIL")

        assert page(known, "ben@example.org") == page(unknown, "nobody@example.org")
        # And no code, even a right guess, signs in to an account that does not exist.
        response = unknown.post(CODE, {"code": "000000"})
        assert response.status_code == 400
        assert signed_in_user_id(unknown) is None

    def test_wrong_code_is_refused_and_uses_up_a_try(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        wrong = "111111" if code_from_outbox() != "111111" else "222222"
        response = client.post(CODE, {"code": wrong})
        assert response.status_code == 400
        html = response.content.decode()
        assert "That code is not right." in html
        assert 'aria-invalid="true"' in html
        assert signed_in_user_id(client) is None
        assert SignInCode.objects.get(email="ben@example.org").attempts == 1

    def test_empty_code_is_asked_for(self, world: World, capture: Callable[[], Any]) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        response = client.post(CODE, {"code": ""})
        assert response.status_code == 400
        assert "Enter the 6-digit code from the email." in response.content.decode()

    def test_expired_code_is_refused(self, world: World, capture: Callable[[], Any]) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        code = code_from_outbox()
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = client.post(CODE, {"code": code})
        assert response.status_code == 400
        assert "This code has expired or was already used." in response.content.decode()
        assert signed_in_user_id(client) is None

    def test_code_still_works_just_before_it_expires(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        code = code_from_outbox()
        with time_machine.travel(timezone.now() + timedelta(minutes=14)):
            response = client.post(CODE, {"code": code})
        assert response.status_code == 302
        assert signed_in_user_id(client) == str(world.ben.user.pk)

    def test_after_too_many_wrong_tries_even_the_right_code_is_refused(
        self, world: World, capture: Callable[[], Any], settings: SettingsWrapper
    ) -> None:
        client = Client()
        ask_code(client, "ben@example.org", capture)
        code = code_from_outbox()
        wrong = "111111" if code != "111111" else "222222"
        for _ in range(settings.SIGN_IN_ATTEMPTS_PER_CODE):
            assert client.post(CODE, {"code": wrong}).status_code == 400
        response = client.post(CODE, {"code": code})
        assert response.status_code == 400
        assert "Too many wrong tries. Ask for a new code." in response.content.decode()
        assert signed_in_user_id(client) is None

    def test_too_many_codes_for_one_address_are_refused(
        self, world: World, capture: Callable[[], Any], settings: SettingsWrapper
    ) -> None:
        client = Client()
        for _ in range(settings.SIGN_IN_CODES_PER_HOUR):
            assert ask_code(client, "ben@example.org", capture).status_code == 302
        response = ask_code(client, "ben@example.org", capture)
        assert response.status_code == 429
        assert "Too many codes asked for this address." in response.content.decode()
        assert len(mail.outbox) == settings.SIGN_IN_CODES_PER_HOUR
        # An hour later the address may ask again.
        with time_machine.travel(timezone.now() + timedelta(minutes=61)):
            assert ask_code(client, "ben@example.org", capture).status_code == 302

    def test_too_many_codes_from_one_connection_are_refused(
        self, world: World, capture: Callable[[], Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(views, "CODES_PER_IP_PER_HOUR", 2)
        client = Client()
        assert ask_code(client, "ben@example.org", capture).status_code == 302
        assert ask_code(client, "chloe@example.org", capture).status_code == 302
        response = ask_code(client, "rosa@example.org", capture)
        assert response.status_code == 429
        assert "Too many sign-in codes were asked for from your connection." in (
            response.content.decode()
        )
        assert not SignInCode.objects.filter(email="rosa@example.org").exists()
        # Another connection is not affected.
        other = Client(REMOTE_ADDR="10.0.0.9")
        assert ask_code(other, "rosa@example.org", capture).status_code == 302

    def test_not_an_email_address_is_refused(self, world: World) -> None:
        response = Client().post(SIGN_IN, {"email": "not-an-email"})
        assert response.status_code == 400
        assert "is not an email address." in response.content.decode()
        assert not SignInCode.objects.exists()

    def test_code_page_without_an_address_sends_back_to_sign_in(self, world: World) -> None:
        response = Client().get(CODE)
        assert response.status_code == 302
        assert response["Location"] == SIGN_IN

    def test_signed_in_member_skips_the_sign_in_page(self, world: World) -> None:
        response = client_for(world.ben).get(SIGN_IN)
        assert response.status_code == 302
        assert response["Location"] == REQUESTS


class TestSignOut:
    def test_sign_out_needs_a_post_and_signs_out(self, world: World) -> None:
        client = client_for(world.ben)
        assert client.get(reverse("members:sign_out")).status_code == 405
        assert signed_in_user_id(client) == str(world.ben.user.pk)
        response = client.post(reverse("members:sign_out"))
        assert response.status_code == 302
        assert signed_in_user_id(client) is None
        assert client.get(reverse("members:profile")).status_code == 302


class TestSignUp:
    def good(self, **changes: str) -> dict[str, str]:
        data = {
            "email": "nia@example.org",
            "display_name": "Nia",
            "preferred_language": "en",
            "phone": "",
            "preferred_channel": "email",
        }
        data.update(changes)
        return data

    def test_newcomer_signs_up_and_gets_a_code(
        self, world: World, capture: Callable[[], Any]
    ) -> None:
        client = Client()
        with capture():
            response = client.post(
                SIGN_UP, self.good(phone="+1 415 555 2671", preferred_channel="sms")
            )
        assert response.status_code == 302
        assert response["Location"] == CODE
        member = Member.objects.get(user__email="nia@example.org")
        assert member.display_name == "Nia"
        assert member.phone == "+14155552671"
        assert member.preferred_channel == "sms"
        assert AuditEvent.objects.filter(
            action="member.registered", object_id=str(member.pk), actor=member
        ).exists()
        assert [m.to for m in mail.outbox] == [["nia@example.org"]]
        response = client.post(CODE, {"code": code_from_outbox()})
        assert response.status_code == 302
        assert signed_in_user_id(client) == str(member.user.pk)

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"email": "nia-at-example"}, "email", "is not an email address."),
            ({"email": ""}, "email", "Please enter your email address."),
            ({"email": "rosa@example.org"}, "email", "Someone already signed up with this email"),
            ({"display_name": "   "}, "display_name", "Please tell us what to call you."),
            ({"phone": "12ab"}, "phone", "Start the phone number with + and the country code"),
            ({"phone": "5551234567"}, "phone", "Start the phone number with + and the country"),
            ({"phone": "+12ab"}, "phone", "is not a"),
            ({"phone": "+1555"}, "phone", "is not a valid phone number."),
            ({"preferred_channel": "sms"}, "phone", "Add a phone number to be reached by text"),
            ({"preferred_language": "xx"}, "preferred_language", "Select a valid choice."),
        ],
    )
    def test_bad_input_is_refused_with_a_specific_message_and_nothing_saved(
        self,
        world: World,
        capture: Callable[[], Any],
        changes: dict[str, str],
        field: str,
        message: str,
    ) -> None:
        users = User.objects.count()
        with capture():
            response = Client().post(SIGN_UP, self.good(**changes))
        assert response.status_code == 400
        form = response.context["form"]
        assert any(message in error for error in form.errors[field]), form.errors
        # The error is tied to its field for screen readers.
        assert f'id="id_{field}_error"' in response.content.decode()
        assert User.objects.count() == users
        assert not AuditEvent.objects.filter(action="member.registered").exists()
        assert mail.outbox == []
        assert not SignInCode.objects.exists()

    def test_what_was_typed_is_kept_after_an_error(self, world: World) -> None:
        response = Client().post(SIGN_UP, self.good(phone="12ab", display_name="Nia Q"))
        html = response.content.decode()
        assert 'value="Nia Q"' in html
        assert 'value="nia@example.org"' in html


class TestDemoSignIn:
    def test_demo_sign_in_does_not_exist_when_switched_off(
        self, world: World, settings: SettingsWrapper
    ) -> None:
        settings.DEMO_SIGN_IN = False
        client = Client()
        assert client.get(reverse("members:demo_sign_in")).status_code == 404
        response = client.post(reverse("members:demo_sign_in"), {"member": world.rosa.pk})
        assert response.status_code == 404
        assert signed_in_user_id(client) is None

    def test_demo_sign_in_signs_in_with_one_click_when_on(
        self, world: World, settings: SettingsWrapper
    ) -> None:
        settings.DEMO_SIGN_IN = True
        client = Client()
        page = client.get(reverse("members:demo_sign_in"))
        assert page.status_code == 200
        assert "Sign in as Rosa" in page.content.decode()
        response = client.post(reverse("members:demo_sign_in"), {"member": world.rosa.pk})
        assert response.status_code == 302
        assert signed_in_user_id(client) == str(world.rosa.user.pk)
        assert client.session["member_language"] == "es"


class TestHome:
    def test_anonymous_visitor_sees_what_mutua_is_and_how_to_join(self, world: World) -> None:
        response = Client().get(reverse("home"))
        assert response.status_code == 200
        html = response.content.decode()
        assert "neighbours helping neighbours" in html
        assert f'href="{SIGN_IN}"' in html
        assert f'href="{SIGN_UP}"' in html
        assert "Rosa" not in html

    def test_member_goes_straight_to_the_requests(self, world: World) -> None:
        response = client_for(world.ben).get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == REQUESTS


def test_a_signed_in_operator_without_a_member_may_not_use_members_pages(world: World) -> None:
    operator = User.objects.create_superuser(email="op@example.org", password="x-long-password")
    client = Client()
    client.force_login(operator)
    assert client.get(reverse("members:profile")).status_code == 403
    assert client.get(reverse("members:my_pods")).status_code == 403
