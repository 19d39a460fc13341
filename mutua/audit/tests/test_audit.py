"""The audit trail: who did what to which object, written in the same transaction as the change."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from mutua.audit.models import AuditEvent
from mutua.audit.services import record
from mutua.exchange import services
from mutua.exchange.models import Category, Request, Scope, StatusChange
from mutua.exchange.services import RequestDraft
from mutua.notifications import services as notify
from mutua.test import World


def rosas_request(world: World) -> Request:
    return services.create_request(
        author=world.rosa,
        draft=RequestDraft(
            pod=world.maple, scope=Scope.POD, category=Category.MEALS, summary="Soup for two"
        ),
    )


def test_record_writes_actor_action_object_and_data(world: World) -> None:
    event = record(action="pod.renamed", target=world.maple, actor=world.olu, old="Maple")

    event.refresh_from_db()
    assert event.actor == world.olu
    assert event.action == "pod.renamed"
    assert (event.object_type, event.object_id) == ("members.pod", str(world.maple.pk))
    assert event.data == {"old": "Maple"}
    assert event.created_at is not None


def test_system_actions_have_no_actor(world: World) -> None:
    event = record(action="pod.checked", target=world.maple, actor=None)

    assert event.actor is None


def test_audit_row_is_rolled_back_with_its_transaction(world: World) -> None:
    before = AuditEvent.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        record(action="pod.renamed", target=world.maple, actor=world.olu)
        raise RuntimeError("the change failed")

    assert AuditEvent.objects.count() == before


def test_failed_service_leaves_neither_change_nor_audit_row(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    aid_request = rosas_request(world)
    audit_before = AuditEvent.objects.count()

    def mail_server_exploded(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    # Fails after the status update and the audit row were written, inside the same transaction.
    monkeypatch.setattr(notify, "request_changed", mail_server_exploded)
    with pytest.raises(RuntimeError):
        services.claim_request(aid_request=aid_request, actor=world.ben)

    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
    assert aid_request.claimed_by is None
    assert AuditEvent.objects.count() == audit_before
    assert not StatusChange.objects.filter(request=aid_request, to_status="claimed").exists()


def test_refused_change_is_not_audited(world: World) -> None:
    aid_request = rosas_request(world)
    audit_before = AuditEvent.objects.count()

    with pytest.raises(ValidationError):
        services.fulfil_request(aid_request=aid_request, actor=world.ben)

    assert AuditEvent.objects.count() == audit_before


def test_audit_trail_follows_a_request_through_its_life(world: World) -> None:
    aid_request = rosas_request(world)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.post_message(aid_request=aid_request, actor=world.ben, body="Coming at six")
    services.fulfil_request(aid_request=aid_request, actor=world.ben)
    services.confirm_request(aid_request=aid_request, actor=world.rosa)

    trail = list(
        AuditEvent.objects.filter(object_type="exchange.request", object_id=str(aid_request.pk))
        .order_by("id")
        .values_list("action", "actor__display_name", "data")
    )
    assert trail == [
        ("request.open", "Rosa", {"from_status": ""}),
        ("request.claimed", "Ben", {"from_status": "open"}),
        ("request.message", "Ben", {}),
        ("request.fulfilled", "Ben", {"from_status": "claimed"}),
        ("request.confirmed", "Rosa", {"from_status": "fulfilled"}),
    ]
    # The message text is for the two of them, not for the audit trail.
    assert "six" not in str(trail)
