"""Many members press "I can help" at the same moment: exactly one claim wins, on every database.

Each claimer is a thread with its own database connection, so the claims really are concurrent
transactions (hence ``transaction=True``: the threads must see committed rows). A barrier releases
them all at once.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.models import Category, Request, Scope, StatusChange
from mutua.exchange.services import RequestDraft
from mutua.members.models import Member
from mutua.test import World, make_member

CLAIMERS = 20
ROUNDS = 5


def race(request_id: int, claimers: list[Member]) -> dict[int, str]:
    """Let every claimer claim the request at the same instant; each one's outcome by member id."""
    barrier = threading.Barrier(len(claimers))
    outcomes: dict[int, str] = {}
    lock = threading.Lock()

    def claim(member: Member) -> None:
        try:
            # Loaded before the barrier, like a page each member has open in front of them.
            aid_request = Request.objects.get(pk=request_id)
            barrier.wait(timeout=30)
            try:
                services.claim_request(aid_request=aid_request, actor=member)
                outcome = "won"
            except ValidationError as error:
                outcome = f"refused: {error.code}"
        except Exception as error:  # anything else is a failure the test must show
            outcome = f"crashed: {error!r}"
            barrier.abort()
        finally:
            connection.close()  # this thread's own connection
        with lock:
            outcomes[member.pk] = outcome

    threads = [threading.Thread(target=claim, args=(member,)) for member in claimers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a claimer never finished"
    return outcomes


def helpers(world: World) -> list[Member]:
    return [
        make_member(f"Helper {number:02d}", pod=world.maple, network=world.network)
        for number in range(CLAIMERS)
    ]


def new_request(world: World, summary: str) -> Request:
    return services.create_request(
        author=world.rosa,
        draft=RequestDraft(
            pod=world.maple,
            scope=Scope.POD,
            category=Category.GROCERIES,
            summary=summary,
            address="12 Elm Street",
        ),
    )


def assert_one_winner(outcomes: dict[int, str], aid_request: Request) -> Member:
    assert len(outcomes) == CLAIMERS
    assert Counter(outcomes.values()) == {"won": 1, "refused: already_claimed": CLAIMERS - 1}
    (winner_id,) = (member_id for member_id, outcome in outcomes.items() if outcome == "won")
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.CLAIMED
    assert aid_request.claimed_by_id == winner_id
    assert aid_request.claimed_at is not None
    return Member.objects.get(pk=winner_id)


@pytest.mark.django_db(transaction=True)
def test_exactly_one_of_twenty_simultaneous_claims_wins(world: World) -> None:
    claimers = helpers(world)

    for round_number in range(ROUNDS):
        aid_request = new_request(world, f"Groceries, round {round_number}")
        mail.outbox.clear()

        outcomes = race(aid_request.pk, claimers)

        winner = assert_one_winner(outcomes, aid_request)
        claimed = StatusChange.objects.filter(request=aid_request, to_status="claimed")
        assert [(change.from_status, change.actor_id) for change in claimed] == [
            ("open", winner.pk)
        ]
        assert list(
            AuditEvent.objects.filter(
                object_type="exchange.request",
                object_id=str(aid_request.pk),
                action__startswith="request.",
            )
            .order_by("id")
            .values_list("action", "actor_id")
        ) == [("request.open", world.rosa.pk), ("request.claimed", winner.pk)]
        # Rosa hears once, about the one helper who won.
        assert [email.to for email in mail.outbox] == [[world.rosa.email]]
        assert winner.display_name in mail.outbox[0].subject


@pytest.mark.django_db(transaction=True)
def test_released_request_is_raced_for_again_and_still_has_one_winner(world: World) -> None:
    claimers = helpers(world)
    aid_request = new_request(world, "Help carrying shopping")
    winners: list[Member] = []

    for _round in range(ROUNDS):
        winner = assert_one_winner(race(aid_request.pk, claimers), aid_request)
        winners.append(winner)
        services.release_request(aid_request=aid_request, actor=winner)

    transitions = list(
        StatusChange.objects.filter(request=aid_request).values_list(
            "from_status", "to_status", "actor_id"
        )
    )
    expected = [("", "open", world.rosa.pk)]
    for winner in winners:
        expected += [("open", "claimed", winner.pk), ("claimed", "open", winner.pk)]
    assert transitions == expected
    assert (
        AuditEvent.objects.filter(action="request.claimed", object_id=str(aid_request.pk)).count()
        == ROUNDS
    )
