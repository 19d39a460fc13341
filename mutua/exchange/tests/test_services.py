"""The rules of the core loop, at the service level, against the real database.

Every failure is asserted by its code, and every failure leaves the database as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.models import (
    Category,
    Message,
    Offer,
    Request,
    RequestPrivate,
    Scope,
    StatusChange,
)
from mutua.exchange.services import OfferDraft, RequestDraft
from mutua.test import World


def request_draft(world: World, **changes: Any) -> RequestDraft:
    """Rosa's groceries request in Maple Street, with whatever a test changes."""
    draft = RequestDraft(
        pod=world.maple,
        scope=Scope.POD,
        category=Category.GROCERIES,
        summary="Groceries for this week",
        area="Maple St, near the library",
        address="12 Elm Street, flat 3",
        details="Ring twice; the dog is friendly",
    )
    return dataclasses.replace(draft, **changes)


def offer_draft(world: World, **changes: Any) -> OfferDraft:
    """Dev's offer of meals to the whole network."""
    draft = OfferDraft(
        pod=world.oak,
        scope=Scope.NETWORK,
        category=Category.MEALS,
        description="A hot meal on weekday evenings",
        quantity="2 meals a week",
    )
    return dataclasses.replace(draft, **changes)


def rosas_request(world: World, **changes: Any) -> Request:
    return services.create_request(author=world.rosa, draft=request_draft(world, **changes))


def history(aid_request: Request) -> list[tuple[str, str, str | None]]:
    """The status changes of a request, oldest first: (from, to, actor's name)."""
    return [
        (change.from_status, change.to_status, change.actor.display_name if change.actor else None)
        for change in StatusChange.objects.filter(request=aid_request).select_related("actor")
    ]


def audit_actions(aid_request: Request) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="exchange.request", object_id=str(aid_request.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def row_counts() -> dict[str, int]:
    return {
        "requests": Request.objects.count(),
        "private": RequestPrivate.objects.count(),
        "status_changes": StatusChange.objects.count(),
        "audit": AuditEvent.objects.count(),
        "messages": Message.objects.count(),
        "offers": Offer.objects.count(),
    }


def raises_code(code: str) -> pytest.RaisesExc[ValidationError]:
    return pytest.raises(ValidationError, check=lambda error: error.code == code)


# --- Asking for help ----------------------------------------------------------------------


def test_member_asks_for_help_in_own_pod(world: World) -> None:
    aid_request = rosas_request(world, needed_by=timezone.now() + timedelta(days=2))

    assert aid_request.status == Request.Status.OPEN
    assert aid_request.requester == world.rosa
    assert aid_request.network == world.network
    assert aid_request.claimed_by is None
    private = RequestPrivate.objects.get(request=aid_request)
    assert private.address == "12 Elm Street, flat 3"
    assert private.details == "Ring twice; the dog is friendly"
    assert history(aid_request) == [("", "open", "Rosa")]
    assert audit_actions(aid_request) == ["request.open"]


def _in_one_day() -> datetime:
    return timezone.now() + timedelta(days=1)


BAD_REQUESTS: list[tuple[str, Callable[[World], dict[str, Any]]]] = [
    ("empty_summary", lambda w: {"summary": "   "}),
    ("summary_too_long", lambda w: {"summary": "x" * 141}),
    ("bad_category", lambda w: {"category": "pets"}),
    ("bad_scope", lambda w: {"scope": "planet"}),
    ("bad_urgency", lambda w: {"urgency": "yesterday"}),
    ("not_in_pod", lambda w: {"pod": w.oak}),
    ("needed_by_in_past", lambda w: {"needed_by": timezone.now() - timedelta(hours=1)}),
    (
        "window_out_of_order",
        lambda w: {"needed_from": _in_one_day() + timedelta(days=1), "needed_by": _in_one_day()},
    ),
    ("naive_datetime", lambda w: {"needed_by": datetime(2099, 1, 1, 12, 0)}),
    ("phone_invalid", lambda w: {"contact_phone": "+1 call me"}),
    ("phone_needs_country_code", lambda w: {"contact_phone": "555 0100"}),
]


@pytest.mark.parametrize(("code", "changes"), BAD_REQUESTS, ids=[code for code, _ in BAD_REQUESTS])
def test_bad_request_is_refused_and_nothing_is_saved(
    world: World, code: str, changes: Callable[[World], dict[str, Any]]
) -> None:
    before = row_counts()
    outbox_before = len(mail.outbox)

    with raises_code(code):
        rosas_request(world, **changes(world))

    assert row_counts() == before
    assert len(mail.outbox) == outbox_before


# --- Claiming -----------------------------------------------------------------------------


def test_neighbour_claims_open_request(world: World) -> None:
    aid_request = rosas_request(world)

    claimed = services.claim_request(aid_request=aid_request, actor=world.ben)

    claimed.refresh_from_db()
    assert claimed.status == Request.Status.CLAIMED
    assert claimed.claimed_by == world.ben
    assert claimed.claimed_at is not None
    assert history(claimed) == [("", "open", "Rosa"), ("open", "claimed", "Ben")]
    assert audit_actions(claimed) == ["request.open", "request.claimed"]


def test_requester_cannot_claim_own_request(world: World) -> None:
    aid_request = rosas_request(world)
    before = row_counts()

    with raises_code("own_request"):
        services.claim_request(aid_request=aid_request, actor=world.rosa)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.claimed_by is None
    assert row_counts() == before


def test_second_claimer_is_told_it_is_taken(world: World) -> None:
    aid_request = rosas_request(world)
    stale_copy = Request.objects.get(pk=aid_request.pk)  # Chloe's page was loaded before Ben won
    services.claim_request(aid_request=aid_request, actor=world.ben)
    before = row_counts()

    with raises_code("already_claimed"):
        services.claim_request(aid_request=stale_copy, actor=world.chloe)

    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.ben
    assert row_counts() == before


def test_closed_request_cannot_be_claimed(world: World) -> None:
    aid_request = rosas_request(world)
    services.cancel_request(aid_request=aid_request, actor=world.rosa)

    with raises_code("already_claimed"):
        services.claim_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CANCELLED
    assert aid_request.claimed_by is None


# --- Releasing ----------------------------------------------------------------------------


def test_helper_releases_request_and_it_reopens(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    services.release_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.claimed_by is None
    assert aid_request.claimed_at is None
    assert history(aid_request) == [
        ("", "open", "Rosa"),
        ("open", "claimed", "Ben"),
        ("claimed", "open", "Ben"),
    ]
    assert audit_actions(aid_request)[-2:] == ["request.open", "request.released"]
    # Once released, anybody may claim it again.
    services.claim_request(aid_request=aid_request, actor=world.chloe)
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.chloe


@pytest.mark.parametrize("who", ["chloe", "rosa"])
def test_only_the_helper_can_release(world: World, who: str) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    before = row_counts()

    with raises_code("not_claimer"):
        services.release_request(aid_request=aid_request, actor=getattr(world, who))

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.claimed_by == world.ben
    assert row_counts() == before


def test_open_request_cannot_be_released(world: World) -> None:
    aid_request = rosas_request(world)

    with raises_code("not_claimer"):
        services.release_request(aid_request=aid_request, actor=world.ben)


# --- Fulfilling, confirming, reopening, cancelling -----------------------------------------


def test_whole_loop_is_timestamped_and_recorded_in_order(world: World) -> None:
    start = timezone.now()
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.fulfil_request(aid_request=aid_request, actor=world.ben)
    services.confirm_request(aid_request=aid_request, actor=world.rosa)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CONFIRMED
    assert aid_request.claimed_by == world.ben
    assert aid_request.claimed_at is not None
    assert aid_request.fulfilled_at is not None
    assert aid_request.confirmed_at is not None
    assert aid_request.cancelled_at is None
    assert (
        start
        <= aid_request.created_at
        <= aid_request.claimed_at
        <= aid_request.fulfilled_at
        <= aid_request.confirmed_at
        <= timezone.now()
    )
    assert history(aid_request) == [
        ("", "open", "Rosa"),
        ("open", "claimed", "Ben"),
        ("claimed", "fulfilled", "Ben"),
        ("fulfilled", "confirmed", "Rosa"),
    ]
    times = list(
        StatusChange.objects.filter(request=aid_request).values_list("created_at", flat=True)
    )
    assert times == sorted(times)
    assert audit_actions(aid_request) == [
        "request.open",
        "request.claimed",
        "request.fulfilled",
        "request.confirmed",
    ]


@pytest.mark.parametrize("who", ["chloe", "rosa"])
def test_only_the_helper_can_mark_done(world: World, who: str) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_claimer"):
        services.fulfil_request(aid_request=aid_request, actor=getattr(world, who))

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.fulfilled_at is None


def test_open_request_cannot_be_marked_done(world: World) -> None:
    aid_request = rosas_request(world)

    with raises_code("not_claimer"):
        services.fulfil_request(aid_request=aid_request, actor=world.ben)


def test_requester_may_confirm_while_it_is_still_claimed(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    services.confirm_request(aid_request=aid_request, actor=world.rosa)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CONFIRMED
    assert aid_request.fulfilled_at is None
    assert history(aid_request)[-1] == ("claimed", "confirmed", "Rosa")


def test_only_the_requester_can_confirm(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.fulfil_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_requester"):
        services.confirm_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.FULFILLED
    assert aid_request.confirmed_at is None


@pytest.mark.parametrize("status", ["open", "confirmed", "cancelled"])
def test_request_nobody_holds_cannot_be_confirmed(world: World, status: str) -> None:
    aid_request = rosas_request(world)
    if status == "confirmed":
        services.claim_request(aid_request=aid_request, actor=world.ben)
        services.confirm_request(aid_request=aid_request, actor=world.rosa)
    elif status == "cancelled":
        services.cancel_request(aid_request=aid_request, actor=world.rosa)
    before = row_counts()

    with raises_code("not_confirmable"):
        services.confirm_request(aid_request=aid_request, actor=world.rosa)

    assert row_counts() == before


@pytest.mark.parametrize("held", ["claimed", "fulfilled"])
def test_requester_reopens_and_helper_loses_it(world: World, held: str) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    if held == "fulfilled":
        services.fulfil_request(aid_request=aid_request, actor=world.ben)

    services.reopen_request(aid_request=aid_request, actor=world.rosa)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.claimed_by is None
    assert aid_request.claimed_at is None
    assert aid_request.fulfilled_at is None
    assert history(aid_request)[-1] == (held, "open", "Rosa")
    assert audit_actions(aid_request)[-1] == "request.open"


def test_only_the_requester_can_reopen(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.fulfil_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_requester"):
        services.reopen_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.FULFILLED
    assert aid_request.claimed_by == world.ben


def test_open_request_cannot_be_reopened(world: World) -> None:
    aid_request = rosas_request(world)

    with raises_code("not_reopenable"):
        services.reopen_request(aid_request=aid_request, actor=world.rosa)


@pytest.mark.parametrize("status", ["open", "claimed", "fulfilled"])
def test_requester_cancels_request_still_in_progress(world: World, status: str) -> None:
    aid_request = rosas_request(world)
    if status in ("claimed", "fulfilled"):
        services.claim_request(aid_request=aid_request, actor=world.ben)
    if status == "fulfilled":
        services.fulfil_request(aid_request=aid_request, actor=world.ben)

    services.cancel_request(aid_request=aid_request, actor=world.rosa)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CANCELLED
    assert aid_request.cancelled_at is not None
    assert history(aid_request)[-1] == (status, "cancelled", "Rosa")
    assert audit_actions(aid_request)[-1] == "request.cancelled"


def test_only_the_requester_can_cancel(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_requester"):
        services.cancel_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.cancelled_at is None


@pytest.mark.parametrize("status", ["confirmed", "cancelled"])
def test_closed_request_cannot_be_cancelled(world: World, status: str) -> None:
    aid_request = rosas_request(world)
    if status == "confirmed":
        services.claim_request(aid_request=aid_request, actor=world.ben)
        services.confirm_request(aid_request=aid_request, actor=world.rosa)
    else:
        services.cancel_request(aid_request=aid_request, actor=world.rosa)
    before = row_counts()

    with raises_code("not_cancellable"):
        services.cancel_request(aid_request=aid_request, actor=world.rosa)

    assert row_counts() == before


# --- Editing ------------------------------------------------------------------------------


def test_requester_edits_request_and_private_details(world: World) -> None:
    aid_request = rosas_request(world)

    services.update_request(
        aid_request=aid_request,
        actor=world.rosa,
        draft=request_draft(
            world, summary="Groceries and nappies", scope=Scope.NETWORK, address="14 Elm Street"
        ),
    )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries and nappies"
    assert aid_request.scope == Scope.NETWORK
    assert RequestPrivate.objects.get(request=aid_request).address == "14 Elm Street"
    assert audit_actions(aid_request)[-1] == "request.edited"


def test_only_the_requester_can_edit(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_requester"):
        services.update_request(
            aid_request=aid_request,
            actor=world.ben,
            draft=request_draft(world, summary="Nothing needed", address=""),
        )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries for this week"
    assert RequestPrivate.objects.get(request=aid_request).address == "12 Elm Street, flat 3"


def test_closed_request_cannot_be_edited(world: World) -> None:
    aid_request = rosas_request(world)
    services.cancel_request(aid_request=aid_request, actor=world.rosa)

    with raises_code("not_editable"):
        services.update_request(
            aid_request=aid_request, actor=world.rosa, draft=request_draft(world, summary="Later")
        )


def test_bad_edit_keeps_what_was_saved(world: World) -> None:
    aid_request = rosas_request(world)
    before = row_counts()

    with raises_code("empty_summary"):
        services.update_request(
            aid_request=aid_request,
            actor=world.rosa,
            draft=request_draft(world, summary="", address="somewhere else"),
        )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries for this week"
    assert RequestPrivate.objects.get(request=aid_request).address == "12 Elm Street, flat 3"
    assert row_counts() == before


def test_edit_may_keep_a_needed_by_date_that_has_since_passed(world: World) -> None:
    needed_by = timezone.now() + timedelta(days=1)
    aid_request = rosas_request(world, needed_by=needed_by)

    with time_machine.travel(timezone.now() + timedelta(days=2)):
        services.update_request(
            aid_request=aid_request,
            actor=world.rosa,
            draft=request_draft(world, summary="Still need groceries", needed_by=needed_by),
        )
        with raises_code("needed_by_in_past"):
            services.update_request(
                aid_request=aid_request,
                actor=world.rosa,
                draft=request_draft(world, needed_by=needed_by + timedelta(hours=1)),
            )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Still need groceries"
    assert aid_request.needed_by == needed_by


def test_edit_from_a_stale_page_does_not_undo_a_claim(world: World) -> None:
    aid_request = rosas_request(world)
    rosas_copy = Request.objects.get(pk=aid_request.pk)  # loaded while it was still open
    services.claim_request(aid_request=aid_request, actor=world.ben)

    services.update_request(
        aid_request=rosas_copy,
        actor=world.rosa,
        draft=request_draft(world, summary="Groceries, and bread if you can"),
    )

    aid_request.refresh_from_db()
    assert aid_request.summary == "Groceries, and bread if you can"
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.claimed_by == world.ben
    assert aid_request.claimed_at is not None


def test_edit_from_a_stale_page_of_a_closed_request_is_refused(world: World) -> None:
    aid_request = rosas_request(world)
    rosas_copy = Request.objects.get(pk=aid_request.pk)
    services.cancel_request(aid_request=aid_request, actor=world.rosa)
    before = row_counts()

    with raises_code("not_editable"):
        services.update_request(
            aid_request=rosas_copy, actor=world.rosa, draft=request_draft(world, summary="Later")
        )

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CANCELLED
    assert aid_request.summary == "Groceries for this week"
    assert row_counts() == before


# --- Messages -----------------------------------------------------------------------------


def test_requester_and_helper_write_in_the_thread(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.post_message(aid_request=aid_request, actor=world.ben, body="  On my way  ")
        services.post_message(aid_request=aid_request, actor=world.rosa, body="Thank you!")

    assert [
        (m.author.display_name, m.body) for m in Message.objects.filter(request=aid_request)
    ] == [
        ("Ben", "On my way"),
        ("Rosa", "Thank you!"),
    ]
    assert audit_actions(aid_request)[-2:] == ["request.message", "request.message"]
    assert sorted(email.to[0] for email in mail.outbox) == [world.ben.email, world.rosa.email]


@pytest.mark.parametrize("who", ["chloe", "dev"])
def test_others_cannot_write_in_the_thread(world: World, who: str) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    with raises_code("not_in_thread"):
        services.post_message(aid_request=aid_request, actor=getattr(world, who), body="Hi")

    assert not Message.objects.filter(request=aid_request).exists()


def test_thread_opens_only_once_someone_holds_the_request(world: World) -> None:
    aid_request = rosas_request(world)

    with raises_code("not_in_thread"):
        services.post_message(aid_request=aid_request, actor=world.rosa, body="Anyone?")

    assert not Message.objects.filter(request=aid_request).exists()


@pytest.mark.parametrize(
    ("body", "code"), [("   ", "empty_message"), ("x" * 1001, "message_too_long")]
)
def test_bad_message_is_refused(world: World, body: str, code: str) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    before = row_counts()

    with raises_code(code):
        services.post_message(aid_request=aid_request, actor=world.ben, body=body)

    assert row_counts() == before


# --- Offers -------------------------------------------------------------------------------


def test_member_offers_help_and_withdraws_it(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))
    assert offer.status == Offer.Status.ACTIVE
    assert offer.network == world.network

    services.withdraw_offer(offer=offer, actor=world.dev)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.withdrawn_at is not None
    assert list(
        AuditEvent.objects.filter(object_type="exchange.offer")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["offer.created", "offer.withdrawn"]
    with raises_code("offer_withdrawn"):
        services.withdraw_offer(offer=offer, actor=world.dev)


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        ("empty_description", {"description": " "}),
        ("description_too_long", {"description": "x" * 281}),
        ("bad_category", {"category": "pets"}),
        ("bad_scope", {"scope": "planet"}),
        (
            "window_out_of_order",
            {
                "available_from": timezone.now() + timedelta(days=2),
                "available_until": timezone.now() + timedelta(days=1),
            },
        ),
    ],
)
def test_bad_offer_is_refused(world: World, code: str, changes: dict[str, Any]) -> None:
    before = row_counts()

    with raises_code(code):
        services.create_offer(author=world.dev, draft=offer_draft(world, **changes))

    assert row_counts() == before


def test_cannot_offer_in_a_pod_one_is_not_in(world: World) -> None:
    with raises_code("not_in_pod"):
        services.create_offer(author=world.dev, draft=offer_draft(world, pod=world.maple))

    assert not Offer.objects.filter(offerer=world.dev).exists()


def test_only_the_offerer_can_edit_or_withdraw(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))

    with raises_code("not_offerer"):
        services.update_offer(offer=offer, actor=world.olu, draft=offer_draft(world))
    with raises_code("not_offerer"):
        services.withdraw_offer(offer=offer, actor=world.olu)

    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACTIVE


def test_edit_from_a_stale_page_does_not_bring_back_a_withdrawn_offer(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))
    devs_copy = Offer.objects.get(pk=offer.pk)
    services.withdraw_offer(offer=offer, actor=world.dev)

    with raises_code("offer_withdrawn"):
        services.update_offer(
            offer=devs_copy, actor=world.dev, draft=offer_draft(world, description="Soup")
        )

    offer.refresh_from_db()
    assert offer.status == Offer.Status.WITHDRAWN
    assert offer.description == "A hot meal on weekday evenings"


def test_answering_an_offer_makes_a_matched_request_in_one_step(
    world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))

    with django_capture_on_commit_callbacks(execute=True):
        aid_request = services.answer_offer(
            offer=offer,
            actor=world.rosa,
            draft=request_draft(world, summary="A meal on Tuesday, please"),
        )

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.requester == world.rosa
    assert aid_request.claimed_by == world.dev
    assert aid_request.claimed_at is not None
    assert aid_request.from_offer == offer
    assert aid_request.category == Category.MEALS  # the offer's, whatever the draft said
    assert RequestPrivate.objects.get(request=aid_request).address == "12 Elm Street, flat 3"
    assert history(aid_request) == [("", "open", "Rosa"), ("open", "claimed", "Dev")]
    assert AuditEvent.objects.filter(
        action="offer.answered", object_id=str(offer.pk), actor=world.rosa
    ).exists()
    assert [email.to for email in mail.outbox] == [[world.dev.email]]


def test_answering_an_offer_keeps_the_language_asked_for(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))
    aid_request = services.answer_offer(
        offer=offer, actor=world.rosa, draft=request_draft(world, language_wanted="es")
    )
    aid_request.refresh_from_db()
    assert aid_request.language_wanted == "es"


def test_cannot_answer_own_or_withdrawn_offer(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))
    with raises_code("own_offer"):
        services.answer_offer(
            offer=offer, actor=world.dev, draft=request_draft(world, pod=world.oak)
        )

    services.withdraw_offer(offer=offer, actor=world.dev)
    with raises_code("offer_withdrawn"):
        services.answer_offer(offer=offer, actor=world.rosa, draft=request_draft(world))

    assert not Request.objects.filter(from_offer=offer).exists()


def test_bad_answer_to_offer_saves_nothing(world: World) -> None:
    offer = services.create_offer(author=world.dev, draft=offer_draft(world))
    before = row_counts()

    with raises_code("not_in_pod"):
        services.answer_offer(
            offer=offer, actor=world.rosa, draft=request_draft(world, pod=world.oak)
        )

    assert row_counts() == before


def test_service_refuses_a_claim_from_someone_the_request_is_not_shared_with(world: World) -> None:
    aid_request = services.create_request(
        author=world.rosa,
        draft=services.RequestDraft(
            pod=world.maple, scope="pod", category="groceries", summary="Milk and eggs"
        ),
    )
    with pytest.raises(ValidationError) as refused:
        services.claim_request(aid_request=aid_request, actor=world.dev)
    assert refused.value.code == "not_visible"
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN and aid_request.claimed_by is None
    services.claim_request(aid_request=aid_request, actor=world.ben)
    aid_request.refresh_from_db()
    assert aid_request.claimed_by == world.ben
