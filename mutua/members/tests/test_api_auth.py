"""Who may call the JSON API: a live token, or a signed-in browser (with CSRF on writes)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mutua.exchange.models import Request
from mutua.members.models import ApiToken, User
from mutua.members.services import create_api_token, revoke_api_token
from mutua.test import World, client_for

CSRF_TOKEN = "a" * 32


def bearer(secret: str, **kwargs: Any) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}", **kwargs)


def request_body(world: World) -> dict[str, Any]:
    return {
        "pod_id": world.maple.pk,
        "category": "food",
        "summary": "Bread and milk",
        "needed_by": (timezone.now() + timedelta(days=1)).isoformat(),
    }


def assert_unauthenticated(response: Any) -> None:
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "not_authenticated"
    assert response.json()["message"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_token_identifies_its_member_and_records_its_use(world: World) -> None:
    token, secret = create_api_token(member=world.rosa, name="my script")
    assert token.last_used_at is None

    response = bearer(secret).get("/api/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": world.rosa.pk,
        "display_name": "Rosa",
        "preferred_language": "es",
        "pods": [
            {
                "id": world.maple.pk,
                "name": "Maple Street",
                "network_id": world.network.pk,
                "network_name": "Riverside",
            }
        ],
    }
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Only the hash is stored: the secret itself appears nowhere in the database.
    assert not ApiToken.objects.filter(token_hash=secret).exists()


def test_token_can_write_without_csrf(world: World) -> None:
    _, secret = create_api_token(member=world.rosa, name="my script")

    response = bearer(secret, enforce_csrf_checks=True).post(
        "/api/requests", request_body(world), content_type="application/json"
    )

    assert response.status_code == 201, response.content
    assert Request.objects.get().requester == world.rosa


def test_revoked_token_is_refused(world: World) -> None:
    token, secret = create_api_token(member=world.rosa, name="old laptop")
    assert bearer(secret).get("/api/me").status_code == 200
    revoke_api_token(token=token, actor=world.rosa)

    assert_unauthenticated(bearer(secret).get("/api/me"))
    assert_unauthenticated(
        bearer(secret).post("/api/requests", request_body(world), content_type="application/json")
    )
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    "header",
    [
        "Bearer mutua_not-a-real-token",
        "Bearer ",
        "Token {secret}",
        "Basic cm9zYTpzZWNyZXQ=",
        "{hash}",
        "Bearer {hash}",
    ],
)
def test_unknown_or_malformed_token_is_refused(world: World, header: str) -> None:
    _, secret = create_api_token(member=world.rosa, name="script")
    value = header.format(secret=secret, hash=ApiToken.hash(secret))

    assert_unauthenticated(Client(HTTP_AUTHORIZATION=value).get("/api/me"))


def test_token_of_a_deactivated_account_is_refused(world: World) -> None:
    _, secret = create_api_token(member=world.rosa, name="script")
    User.objects.filter(pk=world.rosa.user_id).update(is_active=False)

    assert_unauthenticated(bearer(secret).get("/api/me"))


def test_anonymous_caller_gets_401_not_a_csrf_error(world: World) -> None:
    anonymous = Client(enforce_csrf_checks=True)

    assert_unauthenticated(anonymous.get("/api/requests"))
    assert_unauthenticated(
        anonymous.post("/api/requests", request_body(world), content_type="application/json")
    )
    assert not Request.objects.exists()


def test_every_endpoint_in_the_document_requires_authentication(world: World) -> None:
    document = Client().get("/api/openapi.json").json()
    anonymous = Client()
    checked = 0
    for path, operations in document["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            response = getattr(anonymous, method)(url, {}, content_type="application/json")
            assert_unauthenticated(response)
            checked += 1
    assert checked >= 20


def test_signed_in_browser_reads_with_its_session(world: World) -> None:
    response = client_for(world.ben).get("/api/me")

    assert response.status_code == 200
    assert response.json()["id"] == world.ben.pk


def test_signed_in_browser_must_send_the_csrf_token_to_write(world: World) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.rosa.user)

    refused = browser.post("/api/requests", request_body(world), content_type="application/json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert not Request.objects.exists()

    browser.cookies["csrftoken"] = CSRF_TOKEN
    accepted = browser.post(
        "/api/requests",
        request_body(world),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
    )
    assert accepted.status_code == 201, accepted.content
    assert Request.objects.get().requester == world.rosa


def test_signed_in_account_without_a_member_is_not_let_in(db: None) -> None:
    operator = User.objects.create_superuser(email="operator@example.org", password="x" * 20)
    browser = Client()
    browser.force_login(operator)

    assert_unauthenticated(browser.get("/api/requests"))
