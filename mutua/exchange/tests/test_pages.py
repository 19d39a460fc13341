"""The core loop through the pages members use: forms, buttons, messages, my activity.

Helpers at the top are shared with test_privacy_pages.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.models import Message, Offer, Request, RequestPrivate, StatusChange
from mutua.members.models import Member, Pod, User
from mutua.test import World, client_for

ADDRESS = "12 Maple Street, flat 3"
DETAILS = "Diabetic, please no sugar"
ACCESS_NOTES = "Ring twice, side door"
PHONE = "+442079460123"


def local_input(moment: datetime) -> str:
    """What a ``datetime-local`` input sends: the local wall time, without a zone."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def ask(
    member: Member, pod: Pod, *, scope: str = "pod", summary: str = "Groceries for this week"
) -> Request:
    """A request with every private detail filled in, made through the service."""
    return services.create_request(
        author=member,
        draft=services.RequestDraft(
            pod=pod,
            scope=scope,
            category="groceries",
            summary=summary,
            urgency="high",
            needed_by=timezone.now() + timedelta(days=2),
            area="Maple St, near the library",
            address=ADDRESS,
            details=DETAILS,
            access_notes=ACCESS_NOTES,
            contact_phone=PHONE,
        ),
    )


def make_offer(member: Member, pod: Pod, *, scope: str = "pod") -> Offer:
    return services.create_offer(
        author=member,
        draft=services.OfferDraft(
            pod=pod,
            scope=scope,
            category="meals",
            description="Two hot meals a week",
            quantity="2 meals",
            availability_note="weekday evenings",
        ),
    )


def request_form(pod: Pod, **changes: Any) -> dict[str, Any]:
    """The request form as a member fills it in."""
    data: dict[str, Any] = {
        "pod": pod.pk,
        "scope": "pod",
        "category": "groceries",
        "summary": "Milk and bread, please",
        "urgency": "normal",
        "needed_from": "",
        "needed_by": local_input(timezone.now() + timedelta(days=1)),
        "area": "Maple St",
        "address": ADDRESS,
        "details": DETAILS,
        "access_notes": ACCESS_NOTES,
        "contact_phone": "",
    }
    return data | changes


def offer_form(pod: Pod, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "pod": pod.pk,
        "scope": "network",
        "category": "rides",
        "description": "Rides to the clinic",
        "quantity": "twice a week",
        "available_from": "",
        "available_until": "",
        "availability_note": "mornings",
    }
    return data | changes


def act(client: Client, aid_request: Request, action: str) -> Any:
    return client.post(
        reverse("exchange:request_action", args=[aid_request.pk, action]), follow=True
    )


def row_counts() -> tuple[int, ...]:
    return (
        Request.objects.count(),
        RequestPrivate.objects.count(),
        StatusChange.objects.count(),
        Offer.objects.count(),
        Message.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Asking for help ---------------------------------------------------------------------------


def test_form_offers_only_the_members_own_pods(world: World) -> None:
    page = client_for(world.rosa).get(reverse("exchange:request_create"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Maple Street" in html
    assert "Oak Court" not in html
    assert "never your exact address" in html
    assert "only you and the neighbour who takes your request will see this" in html.lower()


def test_member_asks_for_help_and_lands_on_the_request(world: World) -> None:
    page = client_for(world.rosa).post(
        reverse("exchange:request_create"), request_form(world.maple), follow=True
    )

    aid_request = Request.objects.get()
    assert page.redirect_chain == [(aid_request.get_absolute_url(), 302)]
    assert aid_request.requester == world.rosa
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.summary == "Milk and bread, please"
    assert aid_request.private.address == ADDRESS
    assert "Your request is posted" in page.content.decode()
    assert ADDRESS in page.content.decode()  # the requester sees her own private box


@override_settings(TIME_ZONE="Europe/Madrid")
def test_needed_by_is_read_in_the_current_time_zone(world: World) -> None:
    client_for(world.rosa).post(
        reverse("exchange:request_create"), request_form(world.maple, needed_by="2030-06-01T10:00")
    )

    needed_by = Request.objects.get().needed_by
    assert needed_by is not None
    assert needed_by == datetime(2030, 6, 1, 8, 0, tzinfo=UTC)  # 10:00 in Madrid


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"summary": "   "}, "summary", "Please write a short summary."),
        (
            {"needed_by": local_input(timezone.now() - timedelta(days=1))},
            "needed_by",
            "The needed-by date is in the past.",
        ),
        (
            {
                "needed_from": local_input(timezone.now() + timedelta(days=3)),
                "needed_by": local_input(timezone.now() + timedelta(days=2)),
            },
            "needed_by",
            "The start of the window is after its end.",
        ),
        (
            {"contact_phone": "call me"},
            "contact_phone",
            "Start the phone number with + and the country code",
        ),
        ({"needed_by": "tomorrow-ish"}, "needed_by", "Enter a valid date/time."),
    ],
)
def test_bad_request_input_is_explained_next_to_the_field_and_nothing_is_saved(
    world: World, changes: dict[str, str], field: str, message: str
) -> None:
    before = row_counts()

    page = client_for(world.rosa).post(
        reverse("exchange:request_create"), request_form(world.maple, **changes)
    )

    assert page.status_code == 400
    assert any(message in error for error in page.context["form"].errors[field])
    html = page.content.decode()
    assert f'id="id_{field}_error"' in html  # tied to the input by aria-describedby
    assert 'aria-invalid="true"' in html
    assert row_counts() == before


def test_crafted_post_for_a_pod_one_is_not_in_gets_the_services_reason(world: World) -> None:
    before = row_counts()

    page = client_for(world.rosa).post(reverse("exchange:request_create"), request_form(world.oak))

    assert page.status_code == 400
    assert page.context["form"].errors["pod"] == [
        "You can only ask for help in a pod you belong to."
    ]
    assert row_counts() == before


def test_requester_edits_summary_and_private_details(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    client = client_for(world.rosa)
    form_page = client.get(reverse("exchange:request_edit", args=[aid_request.pk]))
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["summary"] == "Groceries for this week"
    assert form_page.context["form"].initial["address"] == ADDRESS

    page = client.post(
        reverse("exchange:request_edit", args=[aid_request.pk]),
        request_form(world.maple, summary="Groceries and soap", address="14 Maple Street"),
        follow=True,
    )

    aid_request.refresh_from_db()
    assert page.redirect_chain[-1][0] == aid_request.get_absolute_url()
    assert aid_request.summary == "Groceries and soap"
    assert RequestPrivate.objects.get(request=aid_request).address == "14 Maple Street"
    assert AuditEvent.objects.filter(action="request.edited", actor=world.rosa).count() == 1


def test_editing_keeps_an_untouched_needed_by_to_the_second(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)  # needed_by has seconds; the input shows minutes
    needed_by = aid_request.needed_by
    assert needed_by is not None and needed_by.second + needed_by.microsecond > 0
    with time_machine.travel(needed_by + timedelta(hours=1)):  # it is in the past by now
        client_for(world.rosa).post(
            reverse("exchange:request_edit", args=[aid_request.pk]),
            request_form(world.maple, summary="Groceries, still", needed_by=local_input(needed_by)),
        )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries, still"
    assert aid_request.needed_by == needed_by


def test_only_the_requester_can_open_the_edit_page(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)

    page = client_for(world.chloe).get(reverse("exchange:request_edit", args=[aid_request.pk]))

    assert page.status_code == 404


def test_edit_with_an_empty_summary_keeps_the_old_one(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)

    page = client_for(world.rosa).post(
        reverse("exchange:request_edit", args=[aid_request.pk]),
        request_form(world.maple, summary=""),
    )

    assert page.status_code == 400
    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries for this week"


# --- The loop: claim, fulfil, confirm ----------------------------------------------------------


def test_full_loop_through_the_buttons(world: World) -> None:
    rosa, ben = client_for(world.rosa), client_for(world.ben)
    rosa.post(reverse("exchange:request_create"), request_form(world.maple))
    aid_request = Request.objects.get()

    claimed = act(ben, aid_request, "claim")
    assert "You are helping with this request" in claimed.content.decode()
    assert ADDRESS in claimed.content.decode()  # the winning helper now sees where to go
    fulfilled = act(ben, aid_request, "fulfil")
    assert "Marked as done" in fulfilled.content.decode()
    confirmed = act(rosa, aid_request, "confirm")
    assert "Confirmed" in confirmed.content.decode()

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CONFIRMED
    assert aid_request.claimed_by == world.ben
    assert aid_request.claimed_at is not None
    assert aid_request.fulfilled_at is not None
    assert aid_request.confirmed_at is not None
    assert aid_request.created_at <= aid_request.claimed_at <= aid_request.fulfilled_at
    assert aid_request.fulfilled_at <= aid_request.confirmed_at
    assert [(c.from_status, c.to_status, c.actor) for c in aid_request.status_changes.all()] == [
        ("", "open", world.rosa),
        ("open", "claimed", world.ben),
        ("claimed", "fulfilled", world.ben),
        ("fulfilled", "confirmed", world.rosa),
    ]
    audit = AuditEvent.objects.filter(object_type="exchange.request", object_id=str(aid_request.pk))
    assert sorted(audit.values_list("action", flat=True)) == [
        "request.claimed",
        "request.confirmed",
        "request.fulfilled",
        "request.open",
    ]
    # The timeline on the page shows every step.
    html = confirmed.content.decode()
    for label in ("Open", "Someone is helping", "Marked done by the helper", "Confirmed done"):
        assert label in html


def test_second_claimer_is_told_it_is_already_taken(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")

    page = act(client_for(world.chloe), aid_request, "claim")

    assert "Someone else has already taken this request" in page.content.decode()
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.ben
    assert StatusChange.objects.filter(request=aid_request, to_status="claimed").count() == 1


def test_requester_cannot_claim_her_own_request(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)

    page = act(client_for(world.rosa), aid_request, "claim")

    assert "You cannot claim your own request." in page.content.decode()
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN


def test_release_reopens_the_request(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    ben = client_for(world.ben)
    act(ben, aid_request, "claim")

    page = act(ben, aid_request, "release")

    assert "You released the request" in page.content.decode()
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.claimed_by is None
    assert AuditEvent.objects.filter(action="request.released", actor=world.ben).count() == 1
    # Now anyone else may claim it.
    act(client_for(world.chloe), aid_request, "claim")
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.chloe


def test_requester_reopens_and_then_cancels(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")
    rosa = client_for(world.rosa)

    act(rosa, aid_request, "reopen")
    aid_request.refresh_from_db()
    assert (aid_request.status, aid_request.claimed_by) == (Request.Status.OPEN, None)

    act(rosa, aid_request, "cancel")
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CANCELLED
    assert aid_request.cancelled_at is not None


def test_someone_else_cannot_mark_a_request_done(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")

    page = act(client_for(world.chloe), aid_request, "fulfil")

    assert "Only the member helping with this request can mark it done." in page.content.decode()
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED


def test_unknown_action_is_not_found_and_get_is_not_allowed(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    ben = client_for(world.ben)

    assert (
        ben.post(reverse("exchange:request_action", args=[aid_request.pk, "steal"])).status_code
        == 404
    )
    assert (
        ben.get(reverse("exchange:request_action", args=[aid_request.pk, "claim"])).status_code
        == 405
    )
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN


def test_detail_shows_the_buttons_that_fit_the_person_and_status(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    url = aid_request.get_absolute_url()
    claim = reverse("exchange:request_action", args=[aid_request.pk, "claim"])
    fulfil = reverse("exchange:request_action", args=[aid_request.pk, "fulfil"])
    confirm = reverse("exchange:request_action", args=[aid_request.pk, "confirm"])
    edit = reverse("exchange:request_edit", args=[aid_request.pk])

    chloe_html = client_for(world.chloe).get(url).content.decode()
    rosa_html = client_for(world.rosa).get(url).content.decode()
    assert claim in chloe_html and edit not in chloe_html
    assert claim not in rosa_html and edit in rosa_html

    act(client_for(world.ben), aid_request, "claim")
    ben_html = client_for(world.ben).get(url).content.decode()
    rosa_html = client_for(world.rosa).get(url).content.decode()
    assert fulfil in ben_html and confirm not in ben_html
    assert confirm in rosa_html and fulfil not in rosa_html
    assert claim not in client_for(world.chloe).get(url).content.decode()


# --- Messages ----------------------------------------------------------------------------------


def test_requester_and_helper_write_to_each_other(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")
    url = reverse("exchange:message_post", args=[aid_request.pk])

    client_for(world.ben).post(url, {"body": "On my way"})
    page = client_for(world.rosa).post(url, {"body": "Thank you!"}, follow=True)

    assert [(m.author, m.body) for m in Message.objects.filter(request=aid_request)] == [
        (world.ben, "On my way"),
        (world.rosa, "Thank you!"),
    ]
    html = page.content.decode()
    assert "On my way" in html and "Thank you!" in html


def test_same_pod_neighbour_cannot_read_or_write_the_thread(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")
    client_for(world.ben).post(
        reverse("exchange:message_post", args=[aid_request.pk]), {"body": "On my way"}
    )
    chloe = client_for(world.chloe)

    page = chloe.post(reverse("exchange:message_post", args=[aid_request.pk]), {"body": "Hi!"})

    assert page.status_code == 400
    assert "Only the requester and the member helping can write here." in page.content.decode()
    assert "On my way" not in page.content.decode()
    assert "On my way" not in chloe.get(aid_request.get_absolute_url()).content.decode()
    assert Message.objects.count() == 1


def test_no_thread_before_anyone_claims(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)

    page = client_for(world.rosa).post(
        reverse("exchange:message_post", args=[aid_request.pk]), {"body": "Anyone?"}
    )

    assert page.status_code == 400
    assert 'id="thread"' not in page.content.decode()
    assert Message.objects.count() == 0


def test_empty_message_is_explained(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    act(client_for(world.ben), aid_request, "claim")

    page = client_for(world.ben).post(
        reverse("exchange:message_post", args=[aid_request.pk]), {"body": "  "}
    )

    assert page.status_code == 400
    assert page.context["message_form"].errors["body"] == ["The message is empty."]
    assert Message.objects.count() == 0


# --- Offers ------------------------------------------------------------------------------------


def test_member_offers_help_and_edits_it(world: World) -> None:
    dev = client_for(world.dev)
    page = dev.post(reverse("exchange:offer_create"), offer_form(world.oak), follow=True)

    offer = Offer.objects.get()
    assert page.redirect_chain == [(offer.get_absolute_url(), 302)]
    assert (offer.offerer, offer.pod, offer.scope) == (world.dev, world.oak, "network")
    assert AuditEvent.objects.filter(action="offer.created", actor=world.dev).count() == 1

    edit_url = reverse("exchange:offer_edit", args=[offer.pk])
    assert dev.get(edit_url).context["form"].initial["description"] == "Rides to the clinic"
    dev.post(edit_url, offer_form(world.oak, description="Rides to the clinic and the pharmacy"))
    offer.refresh_from_db()
    assert offer.description == "Rides to the clinic and the pharmacy"


def test_bad_offer_input_is_explained_and_nothing_is_saved(world: World) -> None:
    dev = client_for(world.dev)
    before = row_counts()

    empty = dev.post(reverse("exchange:offer_create"), offer_form(world.oak, description=""))
    wrong_pod = dev.post(reverse("exchange:offer_create"), offer_form(world.maple))
    backwards = dev.post(
        reverse("exchange:offer_create"),
        offer_form(
            world.oak,
            available_from=local_input(timezone.now() + timedelta(days=5)),
            available_until=local_input(timezone.now() + timedelta(days=4)),
        ),
    )

    assert empty.status_code == wrong_pod.status_code == backwards.status_code == 400
    assert empty.context["form"].errors["description"] == ["Please describe what you offer."]
    assert wrong_pod.context["form"].errors["pod"] == ["You can only offer in a pod you belong to."]
    assert backwards.context["form"].errors["available_until"] == [
        "The start of the window is after its end."
    ]
    assert row_counts() == before


def test_only_the_offerer_edits_and_withdraws(world: World) -> None:
    offer = make_offer(world.ben, world.maple)
    chloe = client_for(world.chloe)

    assert chloe.get(reverse("exchange:offer_edit", args=[offer.pk])).status_code == 404
    refused = chloe.post(reverse("exchange:offer_withdraw", args=[offer.pk]), follow=True)
    assert "Only the person who offered can withdraw it." in refused.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE

    page = client_for(world.ben).post(
        reverse("exchange:offer_withdraw", args=[offer.pk]), follow=True
    )

    assert "Your offer is withdrawn." in page.content.decode()
    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.withdrawn_at is not None
    assert AuditEvent.objects.filter(action="offer.withdrawn", actor=world.ben).count() == 1
    # Gone from the list, for everyone.
    listing = chloe.get(reverse("exchange:offer_list")).content.decode()
    assert "Two hot meals a week" not in listing


def test_answering_an_offer_creates_a_claimed_request_in_one_step(world: World) -> None:
    offer = make_offer(world.ben, world.maple)
    chloe = client_for(world.chloe)
    url = reverse("exchange:offer_answer", args=[offer.pk])
    assert chloe.get(url).context["form"].initial["summary"] == "Two hot meals a week"

    page = chloe.post(
        url,
        {
            "pod": world.maple.pk,
            "summary": "Meals while I recover",
            "needed_by": local_input(timezone.now() + timedelta(days=3)),
            "address": "7 Maple Street",
            "details": "Vegetarian",
        },
        follow=True,
    )

    aid_request = Request.objects.get()
    assert page.redirect_chain == [(aid_request.get_absolute_url(), 302)]
    assert aid_request.requester == world.chloe
    assert aid_request.from_offer == offer
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.claimed_by == world.ben
    assert aid_request.category == "meals"
    assert [c.to_status for c in aid_request.status_changes.all()] == ["open", "claimed"]
    assert AuditEvent.objects.filter(action="offer.answered", actor=world.chloe).count() == 1
    # Ben, the helper, sees where to bring the meals.
    assert (
        "7 Maple Street"
        in client_for(world.ben).get(aid_request.get_absolute_url()).content.decode()
    )


def test_one_cannot_answer_ones_own_offer(world: World) -> None:
    offer = make_offer(world.ben, world.maple)

    page = client_for(world.ben).post(
        reverse("exchange:offer_answer", args=[offer.pk]),
        {"pod": world.maple.pk, "summary": "Meals", "needed_by": "", "address": "", "details": ""},
    )

    assert page.status_code == 400
    assert "You cannot answer your own offer." in page.content.decode()
    assert Request.objects.count() == 0


# --- My activity -------------------------------------------------------------------------------


def test_my_activity_shows_what_i_asked_what_i_help_with_and_what_i_offer(world: World) -> None:
    mine = ask(world.ben, world.maple, summary="Help moving a sofa")
    helping = ask(world.rosa, world.maple, summary="Groceries for Rosa")
    services.claim_request(aid_request=helping, actor=world.ben)
    make_offer(world.ben, world.maple)
    ask(world.chloe, world.maple, summary="Chloe needs a ladder")

    page = client_for(world.ben).get(reverse("exchange:my_activity"))

    assert page.status_code == 200
    assert list(page.context["my_requests"]) == [mine]
    assert list(page.context["helping"]) == [helping]
    assert [o.description for o in page.context["my_offers"]] == ["Two hot meals a week"]
    html = page.content.decode()
    assert "Help moving a sofa" in html
    assert "Groceries for Rosa" in html
    assert "Two hot meals a week" in html
    assert "Chloe needs a ladder" not in html
    assert ADDRESS not in html  # the private box is on the request's own page only


# --- Lists -------------------------------------------------------------------------------------


def test_request_list_puts_open_requests_first_and_filters(world: World) -> None:
    taken = ask(world.rosa, world.maple, summary="Taken one")
    services.claim_request(aid_request=taken, actor=world.ben)
    open_one = ask(world.rosa, world.maple, summary="Open one")
    network = ask(world.dev, world.oak, scope="network", summary="Network-wide one")
    client = client_for(world.chloe)

    everything = client.get(reverse("exchange:request_list"))
    assert [r.pk for r in everything.context["page"]] == [network.pk, open_one.pk, taken.pk]

    by_network = client.get(reverse("exchange:request_list"), {"where": "network"})
    assert [r.pk for r in by_network.context["page"]] == [network.pk]
    by_pod = client.get(reverse("exchange:request_list"), {"where": f"pod-{world.maple.pk}"})
    assert [r.pk for r in by_pod.context["page"]] == [open_one.pk, taken.pk]
    only_open = client.get(reverse("exchange:request_list"), {"show": "open"})
    assert taken.pk not in [r.pk for r in only_open.context["page"]]
    meals = client.get(reverse("exchange:request_list"), {"category": "meals"})
    assert list(meals.context["page"]) == []
    # A pod one is not in is not a filter (it would show nothing anyway); the rest still apply.
    crafted = client.get(
        reverse("exchange:request_list"), {"where": f"pod-{world.oak.pk}", "category": "meals"}
    )
    assert list(crafted.context["page"]) == []


def test_request_list_pages_by_25(world: World) -> None:
    for number in range(27):
        ask(world.rosa, world.maple, summary=f"Request number {number}")
    client = client_for(world.chloe)

    first = client.get(reverse("exchange:request_list"), {"category": "groceries"})
    second = client.get(reverse("exchange:request_list"), {"category": "groceries", "page": "2"})

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 2
    assert "category=groceries&amp;page=2" in first.content.decode()


def _count_queries(fetch: Callable[[], Any]) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_request_list_query_count_does_not_grow_with_rows(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.chloe)
    for number in range(2):
        ask(world.rosa, world.maple, summary=f"Request {number}")
    with_two = _count_queries(lambda: client.get(reverse("exchange:request_list")))
    for number in range(18):
        ask(world.ben if number % 2 else world.rosa, world.maple, summary=f"More {number}")
    services.claim_request(
        aid_request=Request.objects.filter(requester=world.rosa)[0], actor=world.chloe
    )

    with django_assert_num_queries(with_two):
        page = client.get(reverse("exchange:request_list"))

    assert len(page.context["page"]) == 20


def test_my_activity_query_count_does_not_grow_with_rows(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.ben)

    def add_one_of_each() -> None:
        ask(world.ben, world.maple)
        services.claim_request(aid_request=ask(world.rosa, world.maple), actor=world.ben)
        make_offer(world.ben, world.maple)

    for _ in range(2):
        add_one_of_each()
    with_two = _count_queries(lambda: client.get(reverse("exchange:my_activity")))
    for _ in range(18):
        add_one_of_each()
    services.claim_request(
        aid_request=Request.objects.filter(requester=world.ben)[0], actor=world.chloe
    )

    with django_assert_num_queries(with_two):
        page = client.get(reverse("exchange:my_activity"))

    assert len(page.context["my_requests"]) == len(page.context["helping"]) == 20
    assert len(page.context["my_offers"]) == 20


# --- Who may use the pages ---------------------------------------------------------------------


def test_a_signed_in_user_without_a_member_is_refused(db: None) -> None:
    client = Client()
    client.force_login(User.objects.create_user(email="operator@example.org"))

    assert client.get(reverse("exchange:request_list")).status_code == 403
    assert client.get(reverse("exchange:my_activity")).status_code == 403
