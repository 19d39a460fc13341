"""The JSON API for requests, offers and activity, driven as a script drives it: with a token."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.models import Message, Offer, Request, RequestPrivate, StatusChange
from mutua.members.models import Member
from mutua.members.services import create_api_token
from mutua.test import World

ADDRESS = "12 Maple Street, flat 3"


def api_client(member: Member) -> Client:
    """A script's client: every call carries the member's API token."""
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, body or {}, content_type="application/json")


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, body, content_type="application/json")


def in_days(days: float) -> str:
    return (timezone.now() + timedelta(days=days)).isoformat()


def request_body(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "pod_id": world.maple.pk,
        "scope": "pod",
        "category": "groceries",
        "summary": "Groceries for the week",
        "urgency": "high",
        "needed_by": in_days(3),
        "area": "Maple St, near the library",
        "address": ADDRESS,
        "access_notes": "Ring twice",
        "contact_phone": "+16175550123",
    }
    body.update(changes)
    return body


def draft(world: World, **changes: Any) -> services.RequestDraft:
    fields: dict[str, Any] = {
        "pod": world.maple,
        "scope": "pod",
        "category": "groceries",
        "summary": "Groceries for the week",
        "address": ADDRESS,
    }
    fields.update(changes)
    return services.RequestDraft(**fields)


def actions_on(aid_request: Request) -> list[tuple[str, str]]:
    events = AuditEvent.objects.filter(
        object_type="exchange.request", object_id=str(aid_request.pk)
    )
    return [(event.action, event.actor.display_name if event.actor else "") for event in events]


# --- The core loop ------------------------------------------------------------------------


def test_request_goes_from_asked_to_confirmed_through_the_api(world: World) -> None:
    rosa, ben, chloe = api_client(world.rosa), api_client(world.ben), api_client(world.chloe)

    created = post(rosa, "/api/requests", request_body(world))
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "open"
    assert body["requester"] == {"id": world.rosa.pk, "display_name": "Rosa"}
    assert body["private"]["address"] == ADDRESS
    request_id = body["id"]

    claimed = post(ben, f"/api/requests/{request_id}/claim")
    assert claimed.status_code == 200, claimed.content
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["claimed_by"]["id"] == world.ben.pk
    assert claimed.json()["private"]["address"] == ADDRESS

    late = post(chloe, f"/api/requests/{request_id}/claim")
    assert late.status_code == 400
    assert late.json()["code"] == "already_claimed"
    assert late.json()["message"]

    fulfilled = post(ben, f"/api/requests/{request_id}/fulfil")
    assert fulfilled.status_code == 200, fulfilled.content
    assert fulfilled.json()["status"] == "fulfilled"

    confirmed = post(rosa, f"/api/requests/{request_id}/confirm")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"

    aid_request = Request.objects.get(pk=request_id)
    assert aid_request.status == Request.Status.CONFIRMED
    assert aid_request.claimed_by == world.ben
    assert aid_request.claimed_at and aid_request.fulfilled_at and aid_request.confirmed_at
    assert RequestPrivate.objects.get(request=aid_request).address == ADDRESS
    assert [
        (c.from_status, c.to_status) for c in StatusChange.objects.filter(request=aid_request)
    ] == [
        ("", "open"),
        ("open", "claimed"),
        ("claimed", "fulfilled"),
        ("fulfilled", "confirmed"),
    ]
    assert sorted(actions_on(aid_request)) == sorted(
        [
            ("request.open", "Rosa"),
            ("request.claimed", "Ben"),
            ("request.fulfilled", "Ben"),
            ("request.confirmed", "Rosa"),
        ]
    )


def test_second_claim_loses_and_changes_nothing(world: World) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    assert post(api_client(world.ben), f"/api/requests/{aid_request.pk}/claim").status_code == 200

    response = post(api_client(world.chloe), f"/api/requests/{aid_request.pk}/claim")

    assert response.status_code == 400
    assert response.json()["code"] == "already_claimed"
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.ben
    assert StatusChange.objects.filter(request=aid_request, to_status="claimed").count() == 1


def test_claimer_can_release_and_requester_can_reopen_and_cancel(world: World) -> None:
    rosa, ben = api_client(world.rosa), api_client(world.ben)
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    url = f"/api/requests/{aid_request.pk}"

    post(ben, f"{url}/claim")
    released = post(ben, f"{url}/release")
    assert released.status_code == 200
    assert released.json()["status"] == "open"
    assert released.json()["claimed_by"] is None

    post(ben, f"{url}/claim")
    reopened = post(rosa, f"{url}/reopen")
    assert reopened.json()["status"] == "open"

    cancelled = post(rosa, f"{url}/cancel")
    assert cancelled.json()["status"] == "cancelled"
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CANCELLED
    assert aid_request.cancelled_at is not None
    assert ("request.released", "Ben") in actions_on(aid_request)
    assert ("request.cancelled", "Rosa") in actions_on(aid_request)


def test_only_the_claimer_marks_done_and_only_the_requester_confirms(world: World) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    services.claim_request(aid_request=aid_request, actor=world.ben)
    chloe = api_client(world.chloe)

    not_mine = post(chloe, f"/api/requests/{aid_request.pk}/fulfil")
    assert not_mine.status_code == 400
    assert not_mine.json()["code"] == "not_claimer"
    # Confirming, reopening and cancelling are the requester's: to others the request is not there.
    for action in ("confirm", "reopen", "cancel"):
        response = post(chloe, f"/api/requests/{aid_request.pk}/{action}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED


def test_requester_edits_with_patch_and_keeps_what_was_left_out(world: World) -> None:
    aid_request = services.create_request(
        author=world.rosa, draft=draft(world, access_notes="Side door", details="Gluten free")
    )
    rosa = api_client(world.rosa)

    response = patch(rosa, f"/api/requests/{aid_request.pk}", {"summary": "Groceries and soap"})

    assert response.status_code == 200, response.content
    assert response.json()["summary"] == "Groceries and soap"
    assert response.json()["private"]["address"] == ADDRESS
    private = RequestPrivate.objects.get(request=aid_request)
    assert (private.address, private.access_notes, private.details) == (
        ADDRESS,
        "Side door",
        "Gluten free",
    )
    assert private.contact_phone == ""  # the profile phone is not copied into the request
    assert ("request.edited", "Rosa") in actions_on(aid_request)


def test_put_replaces_every_field_and_others_cannot_edit(world: World) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    url = f"/api/requests/{aid_request.pk}"

    replaced = api_client(world.rosa).put(
        url,
        request_body(world, summary="A ride to the clinic", category="rides", address=""),
        content_type="application/json",
    )
    assert replaced.status_code == 200, replaced.content
    aid_request.refresh_from_db()
    assert (aid_request.summary, aid_request.category) == ("A ride to the clinic", "rides")

    chloe = patch(api_client(world.chloe), url, {"summary": "Hijacked"})
    assert chloe.status_code == 404
    aid_request.refresh_from_db()
    assert aid_request.summary == "A ride to the clinic"


def test_bad_edit_keeps_what_was_saved(world: World) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))

    response = patch(api_client(world.rosa), f"/api/requests/{aid_request.pk}", {"summary": "  "})

    assert response.status_code == 400
    assert response.json()["code"] == "empty_summary"
    assert response.json()["fields"] == {"summary": response.json()["message"]}
    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries for the week"
    assert RequestPrivate.objects.get(request=aid_request).address == ADDRESS


# --- Lists ----------------------------------------------------------------------------------


def test_list_filters_by_status_and_category_and_pages(world: World) -> None:
    groceries = services.create_request(author=world.rosa, draft=draft(world))
    ride = services.create_request(
        author=world.rosa, draft=draft(world, category="rides", summary="Ride")
    )
    meals = services.create_request(
        author=world.chloe, draft=draft(world, category="meals", summary="Meals")
    )
    services.claim_request(aid_request=ride, actor=world.ben)
    ben = api_client(world.ben)

    everything = ben.get("/api/requests").json()
    assert everything["count"] == 3
    assert [item["id"] for item in everything["items"]] == [meals.pk, ride.pk, groceries.pk]
    assert [i["id"] for i in ben.get("/api/requests?status=open").json()["items"]] == [
        meals.pk,
        groceries.pk,
    ]
    assert [i["id"] for i in ben.get("/api/requests?category=rides").json()["items"]] == [ride.pk]
    page = ben.get("/api/requests?limit=1&offset=1").json()
    assert page["count"] == 3
    assert [item["id"] for item in page["items"]] == [ride.pk]


def test_list_rejects_an_unknown_status_filter(world: World) -> None:
    response = api_client(world.ben).get("/api/requests?status=lost&limit=0")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert set(response.json()["fields"]) == {"status", "limit"}


def test_request_list_query_count_does_not_grow_with_rows(
    world: World, django_assert_num_queries: Any
) -> None:
    ben = api_client(world.ben)
    ben.get("/api/requests")  # the token's first use is recorded once; measure after it

    def add(count: int) -> None:
        for number in range(count):
            aid_request = services.create_request(
                author=world.rosa, draft=draft(world, summary=f"Errand {number}")
            )
            if number % 2:
                services.claim_request(aid_request=aid_request, actor=world.chloe)

    add(2)
    with CaptureQueriesContext(connection) as two_rows:
        assert len(ben.get("/api/requests").json()["items"]) == 2
    add(18)
    with django_assert_num_queries(len(two_rows.captured_queries)):
        response = ben.get("/api/requests")
    items = response.json()["items"]
    assert len(items) == 20
    assert {item["claimed_by"]["display_name"] for item in items if item["claimed_by"]} == {"Chloe"}


def test_my_activity_lists_what_i_asked_for_help_with_and_offer(world: World) -> None:
    mine = services.create_request(author=world.rosa, draft=draft(world))
    helping = services.create_request(
        author=world.chloe, draft=draft(world, summary="Lift a sofa", category="errands")
    )
    services.claim_request(aid_request=helping, actor=world.rosa)
    offer = services.create_offer(
        author=world.rosa,
        draft=services.OfferDraft(
            pod=world.maple, scope="pod", category="meals", description="Soup on Sundays"
        ),
    )
    services.create_request(author=world.chloe, draft=draft(world, summary="Not Rosa's business"))

    activity = api_client(world.rosa).get("/api/me/activity")

    assert activity.status_code == 200
    body = activity.json()
    assert [item["id"] for item in body["my_requests"]] == [mine.pk]
    assert [item["id"] for item in body["helping_with"]] == [helping.pk]
    assert [item["id"] for item in body["my_offers"]] == [offer.pk]


# --- Messages -------------------------------------------------------------------------------


def test_requester_and_helper_exchange_messages_and_nobody_else_reads_them(world: World) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    services.claim_request(aid_request=aid_request, actor=world.ben)
    url = f"/api/requests/{aid_request.pk}/messages"

    sent = post(api_client(world.rosa), url, {"body": "The side door is open"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["author"]["display_name"] == "Rosa"

    thread = api_client(world.ben).get(url)
    assert thread.status_code == 200
    assert [message["body"] for message in thread.json()] == ["The side door is open"]

    chloe = api_client(world.chloe)
    assert chloe.get(url).status_code == 404
    assert post(chloe, url, {"body": "Hello?"}).status_code == 404
    empty = post(api_client(world.ben), url, {"body": "   "})
    assert empty.status_code == 400
    assert empty.json()["code"] == "empty_message"
    assert Message.objects.filter(request=aid_request).count() == 1


# --- Offers ---------------------------------------------------------------------------------


def offer_body(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "pod_id": world.oak.pk,
        "scope": "network",
        "category": "meals",
        "description": "A pot of soup on Sundays",
        "quantity": "4 portions a week",
        "availability_note": "Sunday afternoons",
    }
    body.update(changes)
    return body


def test_answering_an_offer_creates_a_request_claimed_by_the_offerer(world: World) -> None:
    created = post(api_client(world.dev), "/api/offers", offer_body(world))
    assert created.status_code == 201, created.content
    offer_id = created.json()["id"]
    rosa = api_client(world.rosa)
    assert [item["id"] for item in rosa.get("/api/offers").json()["items"]] == [offer_id]

    answered = post(
        rosa,
        f"/api/offers/{offer_id}/answer",
        {"pod_id": world.maple.pk, "summary": "Soup for two, please", "address": ADDRESS},
    )

    assert answered.status_code == 201, answered.content
    body = answered.json()
    assert body["status"] == "claimed"
    assert body["category"] == "meals"
    assert body["claimed_by"]["id"] == world.dev.pk
    assert body["from_offer_id"] == offer_id
    aid_request = Request.objects.get(pk=body["id"])
    assert aid_request.from_offer_id == offer_id
    assert aid_request.requester == world.rosa
    assert aid_request.claimed_by == world.dev
    assert AuditEvent.objects.filter(
        action="offer.answered", object_id=str(offer_id), actor=world.rosa
    ).exists()
    # The member who offered now holds the request, so they see where to bring the soup.
    dev_view = api_client(world.dev).get(f"/api/requests/{aid_request.pk}").json()
    assert dev_view["private"]["address"] == ADDRESS


def test_offer_is_edited_and_withdrawn_only_by_its_offerer(world: World) -> None:
    offer = services.create_offer(
        author=world.dev,
        draft=services.OfferDraft(
            pod=world.oak, scope="network", category="rides", description="Rides to the clinic"
        ),
    )
    url = f"/api/offers/{offer.pk}"
    dev, rosa = api_client(world.dev), api_client(world.rosa)

    edited = patch(dev, url, {"quantity": "Twice a week"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["quantity"] == "Twice a week"
    assert edited.json()["description"] == "Rides to the clinic"

    not_hers = post(rosa, f"{url}/withdraw")
    assert not_hers.status_code == 400
    assert not_hers.json()["code"] == "not_offerer"

    withdrawn = post(dev, f"{url}/withdraw")
    assert withdrawn.json()["status"] == "withdrawn"
    too_late = post(rosa, f"{url}/answer", {"pod_id": world.maple.pk, "summary": "A ride"})
    assert too_late.status_code == 400
    assert too_late.json()["code"] == "offer_withdrawn"
    assert not Request.objects.exists()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.withdrawn_at is not None


def test_pod_scoped_offer_is_not_found_from_another_pod(world: World) -> None:
    offer = services.create_offer(
        author=world.dev,
        draft=services.OfferDraft(pod=world.oak, scope="pod", category="meals", description="Soup"),
    )
    rosa = api_client(world.rosa)

    assert rosa.get(f"/api/offers/{offer.pk}").status_code == 404
    assert rosa.get("/api/offers").json()["items"] == []
    assert api_client(world.olu).get(f"/api/offers/{offer.pk}").status_code == 200


def test_bad_offer_is_refused_with_its_code(world: World) -> None:
    response = post(api_client(world.dev), "/api/offers", offer_body(world, description=" "))

    assert response.status_code == 400
    assert response.json()["code"] == "empty_description"
    assert response.json()["fields"] == {"description": response.json()["message"]}
    assert not Offer.objects.exists()


# --- Bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"summary": "   "}, "empty_summary", "summary"),
        ({"summary": "x" * 141}, "summary_too_long", "summary"),
        ({"needed_by": "2001-01-01T10:00:00+00:00"}, "needed_by_in_past", "needed_by"),
        ({"needed_by": "2099-01-01T10:00:00"}, "naive_datetime", None),
        ({"category": "haircuts"}, "bad_category", "category"),
        ({"scope": "world"}, "bad_scope", "scope"),
        ({"contact_phone": "call me maybe"}, "phone_needs_country_code", "contact_phone"),
        ({"contact_phone": "+1555"}, "phone_invalid", "contact_phone"),
        ({"pod_id": 999_999}, "unknown_pod", "pod_id"),
    ],
)
def test_bad_request_is_refused_with_its_code_and_nothing_is_saved(
    world: World, changes: dict[str, Any], code: str, field: str | None
) -> None:
    rosa = api_client(world.rosa)
    events = AuditEvent.objects.count()

    response = post(rosa, "/api/requests", request_body(world, **changes))

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert body["fields"] == ({field: body["message"]} if field else None)
    assert Request.objects.count() == 0
    assert RequestPrivate.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_asking_in_a_pod_one_is_not_in(world: World) -> None:
    response = post(
        api_client(world.rosa), "/api/requests", request_body(world, pod_id=world.oak.pk)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "not_in_pod"
    assert not Request.objects.exists()


def test_pod_of_another_network_looks_unknown(world: World) -> None:
    hilltop_pod_id = world.zed.pod_memberships.get().pod_id

    response = post(
        api_client(world.rosa), "/api/requests", request_body(world, pod_id=hilltop_pod_id)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_pod"
    assert not Request.objects.exists()


@pytest.mark.parametrize(
    ("raw_body", "fields"),
    [
        ("{not json", {"body"}),
        ("[1, 2]", {"body"}),
        (json.dumps({"pod_id": "maple", "category": "food"}), {"pod_id", "summary"}),
        (
            json.dumps({"pod_id": 1, "summary": "x", "category": "food", "adress": "1 Elm"}),
            {"adress"},
        ),
        (
            json.dumps({"pod_id": 1, "summary": "x", "category": "food", "needed_by": "soon"}),
            {"needed_by"},
        ),
    ],
)
def test_malformed_body_is_a_400_with_field_messages(
    world: World, raw_body: str, fields: set[str]
) -> None:
    response = api_client(world.rosa).post(
        "/api/requests", raw_body, content_type="application/json"
    )

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid_input"
    assert set(body["fields"]) == fields
    assert all(body["fields"].values())
    assert not Request.objects.exists()


def test_unknown_request_is_404_in_the_error_shape(world: World) -> None:
    response = api_client(world.rosa).get("/api/requests/999999")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "fields": None}


# --- The document -----------------------------------------------------------------------------


def test_openapi_document_describes_every_endpoint_and_its_errors(client: Client) -> None:
    response = client.get("/api/openapi.json")

    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path, methods in {
        "/api/requests": {"get", "post"},
        "/api/requests/{request_id}": {"get", "put", "patch"},
        "/api/requests/{request_id}/claim": {"post"},
        "/api/requests/{request_id}/release": {"post"},
        "/api/requests/{request_id}/fulfil": {"post"},
        "/api/requests/{request_id}/confirm": {"post"},
        "/api/requests/{request_id}/reopen": {"post"},
        "/api/requests/{request_id}/cancel": {"post"},
        "/api/requests/{request_id}/messages": {"get", "post"},
        "/api/offers": {"get", "post"},
        "/api/offers/{offer_id}": {"get", "patch"},
        "/api/offers/{offer_id}/withdraw": {"post"},
        "/api/offers/{offer_id}/answer": {"post"},
        "/api/me/activity": {"get"},
        "/api/me": {"get"},
    }.items():
        assert set(paths[path]) == methods, path
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status in ("400", "401", "404"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == error, (method, path, status)
            assert operation["security"], (method, path)
    assert set(document["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "fields",
    }
    assert set(document["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}


def test_docs_page_is_served(client: Client) -> None:
    response = client.get("/api/docs")

    assert response.status_code == 200
    assert b'"url": "/api/openapi.json"' in response.content
    # Served from our own static files: the docs page calls no third-party CDN.
    assert b'src="/static/ninja/swagger-ui-bundle.js"' in response.content
