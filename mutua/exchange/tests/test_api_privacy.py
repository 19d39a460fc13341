"""Who reads what through the JSON API, persona by persona. The address must never leak."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mutua.exchange import services
from mutua.exchange.models import Request
from mutua.members.models import Member
from mutua.members.services import create_api_token
from mutua.test import World, client_for

ADDRESS = "12 Maple Street, flat 3"
DETAILS = "Insulin in the fridge"
CONTACT = "+16175550123"


def api_client(member: Member) -> Client:
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def ask(world: World, scope: str = "pod") -> Request:
    """Rosa asks her pod for help, with an address and details only her helper should read."""
    return services.create_request(
        author=world.rosa,
        draft=services.RequestDraft(
            pod=world.maple,
            scope=scope,
            category="medical_supplies",
            summary="Pick up a prescription",
            area="Maple St",
            address=ADDRESS,
            details=DETAILS,
            contact_phone=CONTACT,
        ),
    )


def assert_no_secret(response: Any) -> None:
    for secret in (ADDRESS, DETAILS, CONTACT, "rosa@example.org"):
        assert secret not in response.content.decode(), secret


@pytest.fixture
def claimed(world: World) -> Request:
    aid_request = ask(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    return aid_request


@pytest.mark.parametrize("persona", ["rosa", "ben"])
def test_requester_and_winning_claimer_read_the_private_details(
    world: World, claimed: Request, persona: str
) -> None:
    response = api_client(getattr(world, persona)).get(f"/api/requests/{claimed.pk}")

    assert response.status_code == 200
    assert response.json()["private"] == {
        "address": ADDRESS,
        "details": DETAILS,
        "access_notes": "",
        "phone": CONTACT,
        "email": "rosa@example.org",
    }


def test_same_pod_member_sees_the_summary_but_no_private_details(
    world: World, claimed: Request
) -> None:
    chloe = api_client(world.chloe)

    detail = chloe.get(f"/api/requests/{claimed.pk}")
    listed = chloe.get("/api/requests")
    activity = chloe.get("/api/me/activity")

    assert detail.status_code == 200
    assert detail.json()["summary"] == "Pick up a prescription"
    assert detail.json()["private"] is None
    assert [item["id"] for item in listed.json()["items"]] == [claimed.pk]
    for response in (detail, listed, activity):
        assert_no_secret(response)


def test_lists_never_carry_private_details_even_for_those_allowed(
    world: World, claimed: Request
) -> None:
    for member in (world.rosa, world.ben):
        client = api_client(member)
        for url in ("/api/requests", "/api/me/activity"):
            response = client.get(url)
            assert response.status_code == 200
            assert_no_secret(response)


@pytest.mark.parametrize("persona", ["dev", "olu", "zed"])
def test_members_outside_the_pod_find_no_pod_scoped_request(
    world: World, claimed: Request, persona: str
) -> None:
    client = api_client(getattr(world, persona))

    detail = client.get(f"/api/requests/{claimed.pk}")
    missing = client.get("/api/requests/999999")
    listed = client.get("/api/requests")

    # Not allowed looks exactly like not there.
    assert detail.status_code == 404
    assert detail.json() == missing.json()
    assert listed.json() == {"count": 0, "items": []}
    assert client.get(f"/api/requests/{claimed.pk}/messages").status_code == 404
    assert client.post(f"/api/requests/{claimed.pk}/claim").status_code == 404
    for response in (detail, listed):
        assert_no_secret(response)


def test_network_scoped_request_reaches_other_pods_without_its_details(world: World) -> None:
    aid_request = ask(world, scope="network")
    dev = api_client(world.dev)

    detail = dev.get(f"/api/requests/{aid_request.pk}")

    assert detail.status_code == 200
    assert detail.json()["private"] is None
    assert_no_secret(detail)
    assert api_client(world.zed).get(f"/api/requests/{aid_request.pk}").status_code == 404


def test_claimer_from_another_pod_reads_details_once_the_claim_is_won(world: World) -> None:
    aid_request = ask(world, scope="network")
    dev = api_client(world.dev)

    claimed = dev.post(f"/api/requests/{aid_request.pk}/claim")

    assert claimed.status_code == 200
    assert claimed.json()["private"]["address"] == ADDRESS


def test_former_claimer_loses_the_details_after_release(world: World, claimed: Request) -> None:
    ben = api_client(world.ben)

    released = ben.post(f"/api/requests/{claimed.pk}/release")
    after = ben.get(f"/api/requests/{claimed.pk}")

    assert released.status_code == 200
    assert released.json()["private"] is None
    assert after.json()["private"] is None
    assert_no_secret(released)
    assert_no_secret(after)
    assert ben.get(f"/api/requests/{claimed.pk}/messages").status_code == 404


def test_helper_loses_the_details_once_the_help_is_confirmed(
    world: World, claimed: Request
) -> None:
    services.fulfil_request(aid_request=claimed, actor=world.ben)
    services.confirm_request(aid_request=claimed, actor=world.rosa)

    response = api_client(world.ben).get(f"/api/requests/{claimed.pk}")

    assert response.json()["status"] == "confirmed"
    assert response.json()["private"] is None
    assert_no_secret(response)


def test_losing_claimer_never_sees_the_details(world: World, claimed: Request) -> None:
    chloe = api_client(world.chloe)

    lost = chloe.post(f"/api/requests/{claimed.pk}/claim")

    assert lost.status_code == 400
    assert lost.json()["code"] == "already_claimed"
    assert_no_secret(lost)


def test_anonymous_caller_gets_nothing(world: World, claimed: Request) -> None:
    anonymous = Client()

    for url in (f"/api/requests/{claimed.pk}", "/api/requests", "/api/me/activity"):
        response = anonymous.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
        assert_no_secret(response)


def test_privacy_is_the_same_through_the_browser_session(world: World, claimed: Request) -> None:
    ben = client_for(world.ben).get(f"/api/requests/{claimed.pk}")
    chloe = client_for(world.chloe).get(f"/api/requests/{claimed.pk}")
    dev = client_for(world.dev).get(f"/api/requests/{claimed.pk}")

    assert ben.json()["private"]["address"] == ADDRESS
    assert chloe.json()["private"] is None
    assert_no_secret(chloe)
    assert dev.status_code == 404
