"""Agreements, proposals and meetings over the JSON API, as a script drives it: with a token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.utils import timezone

from mutua.agreements.models import Agreement
from mutua.decisions.tests.helpers import TEXT
from mutua.members.models import Member
from mutua.members.services import create_api_token
from mutua.test import World


def api_client(member: Member) -> Client:
    _, secret = create_api_token(member=member, name="script")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post("/api" + path, body, content_type="application/json")


def test_agreement_from_proposal_to_signature_and_review(world: World) -> None:
    rosa, ben, olu = api_client(world.rosa), api_client(world.ben), api_client(world.olu)
    base = f"/decisions/pod/{world.maple.pk}/proposals"
    past = post(
        rosa,
        base,
        {
            "kind": "free_text",
            "title": "x",
            "process": "consent",
            "deadline_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        },
    )
    assert past.status_code == 400
    assert past.json()["code"] == "deadline_in_past"

    deadline = timezone.now() + timedelta(days=2)
    created = post(
        rosa,
        base,
        {
            "kind": "agreement_change",
            "title": "Our agreement",
            "process": "majority",
            "deadline_at": deadline.isoformat(),
            "text": TEXT.sections() | {"review_interval_days": 180},
        },
    )
    assert created.status_code == 201, created.json()
    proposal_id = created.json()["id"]

    assert post(ben, f"/proposals/{proposal_id}/votes", {"answer": "yes"}).status_code == 201
    second = post(ben, f"/proposals/{proposal_id}/votes", {"answer": "no"})
    assert (second.status_code, second.json()["code"]) == (400, "already_voted")
    wrong = post(rosa, f"/proposals/{proposal_id}/votes", {"answer": "agree"})
    assert wrong.json()["code"] == "bad_choice"
    outsider = post(api_client(world.dev), f"/proposals/{proposal_id}/votes", {"answer": "no"})
    assert outsider.status_code == 404  # Dev can't even see Maple Street's proposals

    offline = post(
        olu,
        f"/proposals/{proposal_id}/offline-votes",
        {"member_id": world.chloe.pk, "answer": "yes", "channel": "meeting"},
    )
    assert offline.status_code == 201
    assert offline.json()["description"] == "Chloe: Yes (recorded by Olu, at a meeting)"

    early = post(rosa, f"/proposals/{proposal_id}/close", {})
    assert early.json()["code"] == "voting_open"
    with time_machine.travel(deadline + timedelta(minutes=1)):
        late = post(rosa, f"/proposals/{proposal_id}/votes", {"answer": "yes"})
        assert late.json()["code"] == "voting_closed"
        closed = post(rosa, f"/proposals/{proposal_id}/close", {})
    assert closed.status_code == 200
    assert closed.json()["status"] == "adopted"
    assert closed.json()["adopted_version"] == 1
    assert closed.json()["tally"]["counts"] == {"yes": 2}

    agreement = ben.get(f"/api/agreements/pod/{world.maple.pk}").json()
    assert agreement["current"]["review_interval_days"] == 180
    assert agreement["not_signed"] == ["Ben", "Chloe", "Rosa"]
    signed = post(ben, f"/agreements/pod/{world.maple.pk}/sign", {"version": 1})
    assert signed.status_code == 201
    again = post(ben, f"/agreements/pod/{world.maple.pk}/sign", {"version": 1})
    assert again.json()["code"] == "already_signed"
    review = post(ben, f"/agreements/pod/{world.maple.pk}/reviews", {"note": "all good"})
    assert review.status_code == 201
    due = Agreement.objects.get(pod=world.maple).review_due_at
    assert due is not None and review.json()["outcome"] == "no_changes"
    versions = ben.get(f"/api/agreements/pod/{world.maple.pk}/versions").json()
    assert [v["number"] for v in versions] == [1]
    missing = ben.get(f"/api/agreements/pod/{world.maple.pk}/diff?old=1&new=2")
    assert missing.status_code == 404


def test_meetings_over_the_api(world: World) -> None:
    ben = api_client(world.ben)
    starts = timezone.now() + timedelta(days=1)
    created = post(
        ben,
        f"/pods/{world.maple.pk}/meetings",
        {"starts_at": starts.isoformat(), "agenda": ["Rota"]},
    )
    assert created.status_code == 201
    meeting = created.json()
    assert meeting["duration_minutes"] == 45
    systemic = meeting["agenda"][0]
    assert systemic["is_systemic"] is True
    removed = ben.delete(f"/api/meetings/{meeting['id']}/agenda/{systemic['id']}")
    assert (removed.status_code, removed.json()["code"]) == (400, "systemic_slot_required")
    rota = meeting["agenda"][1]
    assert ben.delete(f"/api/meetings/{meeting['id']}/agenda/{rota['id']}").status_code == 204
    with time_machine.travel(starts + timedelta(minutes=50)):
        recorded = post(
            ben,
            f"/meetings/{meeting['id']}/attendance",
            {"present": [world.ben.pk, world.rosa.pk], "notes": "Good"},
        )
    assert recorded.status_code == 200
    assert sorted(recorded.json()["present"]) == sorted([world.ben.pk, world.rosa.pk])
    listed = ben.get(f"/api/pods/{world.maple.pk}/meetings").json()
    assert [m["notes"] for m in listed] == ["Good"]
    assert api_client(world.dev).get(f"/api/pods/{world.maple.pk}/meetings").status_code == 404
