"""The profile page and API tokens, through the pages members use."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.members.models import ApiToken
from mutua.test import World, client_for

PROFILE = reverse("members:profile")
TOKENS = reverse("members:api_tokens")


def profile_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "display_name": "Ben",
        "preferred_language": "en",
        # The personas' 555-01xx numbers are fictional, which the phone check rightly refuses.
        "phone": "+14155552672",
        "preferred_channel": "email",
        "notify_categories": [],
    }
    data.update(changes)
    return data


class TestProfile:
    def test_profile_shows_the_members_own_details(self, world: World) -> None:
        html = client_for(world.ben).get(PROFILE).content.decode()
        assert 'value="Ben"' in html
        assert "ben@example.org" in html
        assert 'for="id_display_name"' in html
        assert html.count("<h1") == 1

    def test_member_edits_their_profile(self, world: World) -> None:
        client = client_for(world.ben)
        response = client.post(
            PROFILE,
            profile_data(
                display_name="  Benjamin ",
                phone="+1 415 555 2671",
                preferred_channel="sms",
                notify_categories=["food", "rides"],
            ),
        )
        assert response.status_code == 302
        world.ben.refresh_from_db()
        assert world.ben.display_name == "Benjamin"
        assert world.ben.phone == "+14155552671"
        assert world.ben.preferred_channel == "sms"
        assert world.ben.notify_categories == ["food", "rides"]
        assert AuditEvent.objects.filter(
            action="member.profile_updated", object_id=str(world.ben.pk), actor=world.ben
        ).exists()
        page = client.get(PROFILE).content.decode()
        assert "Your profile is saved." in page
        assert re.search(r'value="food"[^>]*checked', page)

    def test_switching_language_takes_effect_on_the_next_page(self, world: World) -> None:
        client = client_for(world.ben)
        assert '<html lang="en">' in client.get(PROFILE).content.decode()
        client.post(PROFILE, profile_data(preferred_language="es"))
        world.ben.refresh_from_db()
        assert world.ben.preferred_language == "es"
        assert client.session["member_language"] == "es"
        assert '<html lang="es">' in client.get(PROFILE).content.decode()

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"phone": "12ab"}, "phone", "Start the phone number with + and the country code"),
            ({"phone": "+1555"}, "phone", "is not a valid phone number."),
            ({"phone": "", "preferred_channel": "phone"}, "phone", "Add a phone number"),
            ({"display_name": ""}, "display_name", "Please tell us what to call you."),
            ({"notify_categories": ["weapons"]}, "notify_categories", "Select a valid choice."),
        ],
    )
    def test_bad_input_is_refused_and_nothing_changes(
        self, world: World, changes: dict[str, object], field: str, message: str
    ) -> None:
        client = client_for(world.ben)
        response = client.post(PROFILE, profile_data(**{"display_name": "Benny", **changes}))
        assert response.status_code == 400
        errors = response.context["form"].errors[field]
        assert any(message in error for error in errors), errors
        world.ben.refresh_from_db()
        assert world.ben.display_name == "Ben"
        assert world.ben.phone == "+15550100002"
        assert not AuditEvent.objects.filter(action="member.profile_updated").exists()
        assert "member_language" not in client.session


class TestApiTokens:
    def test_member_creates_a_token_and_sees_the_secret_only_once(self, world: World) -> None:
        client = client_for(world.ben)
        response = client.post(TOKENS, {"action": "create", "name": "pantry sheet"})
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        secret = response.context["secret"]
        assert secret in response.content.decode()
        token = ApiToken.objects.get(member=world.ben)
        assert token.name == "pantry sheet"
        assert token.token_hash == ApiToken.hash(secret)
        assert secret not in token.token_hash
        assert AuditEvent.objects.filter(action="api_token.created", actor=world.ben).exists()

        listing = client.get(TOKENS).content.decode()
        assert "pantry sheet" in listing
        assert secret not in listing

    def test_a_token_needs_a_name(self, world: World) -> None:
        response = client_for(world.ben).post(TOKENS, {"action": "create", "name": "  "})
        assert response.status_code == 400
        assert "Give the token a name." in response.content.decode()
        assert not ApiToken.objects.exists()

    def test_member_revokes_their_own_token(self, world: World) -> None:
        client = client_for(world.ben)
        client.post(TOKENS, {"action": "create", "name": "old script"})
        token = ApiToken.objects.get(member=world.ben)
        response = client.post(TOKENS, {"action": "revoke", "token": token.pk})
        assert response.status_code == 302
        token.refresh_from_db()
        assert token.revoked_at is not None
        assert AuditEvent.objects.filter(
            action="api_token.revoked", object_id=str(token.pk), actor=world.ben
        ).exists()

    def test_revoking_twice_or_a_made_up_token_is_not_found(self, world: World) -> None:
        client = client_for(world.ben)
        client.post(TOKENS, {"action": "create", "name": "old script"})
        token = ApiToken.objects.get(member=world.ben)
        assert client.post(TOKENS, {"action": "revoke", "token": token.pk}).status_code == 302
        assert client.post(TOKENS, {"action": "revoke", "token": token.pk}).status_code == 404
        assert client.post(TOKENS, {"action": "revoke", "token": "x"}).status_code == 404
        assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1

    def test_nobody_else_can_see_or_revoke_a_members_token(self, world: World) -> None:
        client_for(world.ben).post(TOKENS, {"action": "create", "name": "ben's script"})
        token = ApiToken.objects.get(member=world.ben)
        chloe = client_for(world.chloe)
        assert "ben&#x27;s script" not in chloe.get(TOKENS).content.decode()
        response = chloe.post(TOKENS, {"action": "revoke", "token": token.pk})
        assert response.status_code == 404
        token.refresh_from_db()
        assert token.revoked_at is None
        assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_anonymous_visitor_is_sent_to_sign_in(world: World) -> None:
    for url in (PROFILE, TOKENS):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("members:sign_in") + "?next=")
