"""Who hears about what, in which language, and only once the change is committed.

The last tests run the real queues: the database queue with its worker, and Redis through RQ.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from typing import Any

import django_rq
import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.template import loader
from django.test import override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult
from pytest_django import DjangoCaptureOnCommitCallbacks
from rq import SimpleWorker

from mutua.exchange import services
from mutua.exchange.models import Category, Request, Scope
from mutua.exchange.services import RequestDraft
from mutua.notifications import services as notify
from mutua.notifications.tasks import send_email
from mutua.test import World, make_member


def draft(world: World, **changes: Any) -> RequestDraft:
    values: dict[str, Any] = {
        "pod": world.maple,
        "scope": Scope.POD,
        "category": Category.GROCERIES,
        "summary": "Groceries for this week",
        "address": "12 Elm Street, flat 3",
        "details": "Ring twice; the dog is friendly",
    }
    values.update(changes)
    return RequestDraft(**values)


def recipients() -> list[str]:
    return sorted(address for email in mail.outbox for address in email.to)


@pytest.fixture
def on_commit(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> DjangoCaptureOnCommitCallbacks:
    return django_capture_on_commit_callbacks


# --- New requests -------------------------------------------------------------------------


def test_pod_request_is_told_to_the_pod_but_not_the_requester(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    with on_commit(execute=True):
        aid_request = services.create_request(author=world.rosa, draft=draft(world))

    assert recipients() == sorted([world.ben.email, world.chloe.email])
    email = next(email for email in mail.outbox if email.to == [world.ben.email])
    assert "Groceries for this week" in email.subject
    assert aid_request.get_absolute_url() in str(email.body)


def test_network_request_is_told_to_every_pod_of_the_network_only(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    with on_commit(execute=True):
        services.create_request(author=world.rosa, draft=draft(world, scope=Scope.NETWORK))

    assert recipients() == sorted(
        member.email for member in (world.ben, world.chloe, world.dev, world.olu)
    )


def test_members_hear_only_about_the_categories_they_chose(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    world.chloe.notify_categories = [Category.RIDES]
    world.chloe.save()
    world.ben.notify_categories = [Category.GROCERIES, Category.MEALS]
    world.ben.save()

    with on_commit(execute=True):
        services.create_request(author=world.rosa, draft=draft(world))
    assert recipients() == [world.ben.email]

    mail.outbox.clear()
    with on_commit(execute=True):
        services.create_request(author=world.rosa, draft=draft(world, category=Category.RIDES))
    assert recipients() == [world.chloe.email]


def test_people_still_waiting_to_join_the_pod_are_not_told(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    from mutua.members.services import ask_to_join_pod

    nadia = make_member("Nadia", pod=None, network=world.network)
    ask_to_join_pod(member=nadia, pod=world.maple)

    with on_commit(execute=True):
        services.create_request(author=world.rosa, draft=draft(world))

    assert nadia.email not in recipients()


def test_emails_never_carry_the_private_details(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    with on_commit(execute=True):
        aid_request = services.create_request(
            author=world.rosa, draft=draft(world, scope=Scope.NETWORK)
        )
        services.claim_request(aid_request=aid_request, actor=world.ben)
        services.fulfil_request(aid_request=aid_request, actor=world.ben)

    assert len(mail.outbox) == 6
    for email in mail.outbox:
        assert "Elm Street" not in f"{email.subject} {email.body}"
        assert "dog" not in f"{email.subject} {email.body}"


def test_nothing_is_sent_when_the_change_is_rolled_back(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    class ChangedMyMind(Exception):
        pass

    with (
        on_commit(execute=True) as callbacks,
        pytest.raises(ChangedMyMind),
        transaction.atomic(),
    ):
        services.create_request(author=world.rosa, draft=draft(world))
        raise ChangedMyMind

    assert callbacks == []
    assert mail.outbox == []
    assert not Request.objects.filter(requester=world.rosa).exists()


def test_nothing_is_sent_before_the_commit(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    with on_commit(execute=False) as callbacks:
        services.create_request(author=world.rosa, draft=draft(world))

    assert len(callbacks) == 2
    assert mail.outbox == []


# --- Claims, releases, done -----------------------------------------------------------------


@pytest.fixture
def claimed(world: World) -> Request:
    """Rosa's request, which Ben has just taken (its emails were never committed, so not sent)."""
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    services.claim_request(aid_request=aid_request, actor=world.ben)
    assert mail.outbox == []
    return aid_request


def test_requester_is_told_who_claimed(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    mail.outbox.clear()

    with on_commit(execute=True):
        services.claim_request(aid_request=aid_request, actor=world.ben)

    assert recipients() == [world.rosa.email]
    assert "Ben" in mail.outbox[0].subject


@pytest.mark.parametrize("action", ["release_request", "fulfil_request"])
def test_requester_is_told_when_the_helper_releases_or_is_done(
    world: World, claimed: Request, on_commit: DjangoCaptureOnCommitCallbacks, action: str
) -> None:
    with on_commit(execute=True):
        getattr(services, action)(aid_request=claimed, actor=world.ben)

    assert recipients() == [world.rosa.email]
    assert claimed.get_absolute_url() in str(mail.outbox[0].body)


@pytest.mark.parametrize("action", ["confirm_request", "reopen_request", "cancel_request"])
def test_helper_is_told_when_the_requester_closes_or_reopens(
    world: World, claimed: Request, on_commit: DjangoCaptureOnCommitCallbacks, action: str
) -> None:
    with on_commit(execute=True):
        getattr(services, action)(aid_request=claimed, actor=world.rosa)

    assert recipients() == [world.ben.email]


def test_cancelling_a_request_nobody_took_tells_nobody(
    world: World, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    aid_request = services.create_request(author=world.rosa, draft=draft(world))
    mail.outbox.clear()

    with on_commit(execute=True):
        services.cancel_request(aid_request=aid_request, actor=world.rosa)

    assert mail.outbox == []


def test_refused_claim_tells_nobody(
    world: World, claimed: Request, on_commit: DjangoCaptureOnCommitCallbacks
) -> None:
    from django.core.exceptions import ValidationError

    with on_commit(execute=True), pytest.raises(ValidationError):
        services.claim_request(aid_request=claimed, actor=world.chloe)

    assert mail.outbox == []


def test_each_email_is_written_in_its_recipients_language(
    world: World,
    claimed: Request,
    on_commit: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rosa reads Spanish, Ben English: each email is rendered with the reader's language on."""
    rendered: list[tuple[str, str | None]] = []
    real_render = loader.render_to_string

    def spy(template_name: str, context: dict[str, Any] | None = None, **kwargs: Any) -> str:
        recipient = (context or {}).get("recipient")
        name = getattr(recipient, "display_name", None)
        rendered.append((translation.get_language(), name))
        return real_render(template_name, context, **kwargs)

    monkeypatch.setattr(notify, "render_to_string", spy)

    with translation.override("en"), on_commit(execute=True):
        services.fulfil_request(aid_request=claimed, actor=world.ben)  # tells Rosa
        services.confirm_request(aid_request=claimed, actor=world.rosa)  # tells Ben

    assert rendered == [("es", "Rosa"), ("es", "Rosa"), ("en", "Ben"), ("en", "Ben")]
    assert recipients() == sorted([world.rosa.email, world.ben.email])


# --- The real queues ----------------------------------------------------------------------


@pytest.fixture
def restore_signals() -> Iterator[None]:
    """The db_worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    names = ("SIGINT", "SIGTERM", "SIGQUIT")
    saved = {
        name: signal.getsignal(getattr(signal, name)) for name in names if hasattr(signal, name)
    }
    yield
    for name, handler in saved.items():
        signal.signal(getattr(signal, name), handler)


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_database_queue_sends_the_emails_when_the_worker_runs(
    world: World, restore_signals: None
) -> None:
    successful_before = DBTaskResult.objects.successful().count()
    assert not DBTaskResult.objects.ready().exists()

    services.create_request(author=world.rosa, draft=draft(world))

    # Committed and queued, not yet sent: the web request does not wait for the mail server.
    assert mail.outbox == []
    assert DBTaskResult.objects.ready().count() == 2

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    assert recipients() == sorted([world.ben.email, world.chloe.email])
    assert not DBTaskResult.objects.ready().exists()
    assert DBTaskResult.objects.successful().count() == successful_before + 2


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_database_queue_keeps_nothing_from_a_rolled_back_change(
    world: World, restore_signals: None
) -> None:
    queued_before = DBTaskResult.objects.count()

    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_request(author=world.rosa, draft=draft(world))
        raise RuntimeError("rolled back")

    assert DBTaskResult.objects.count() == queued_before
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    assert mail.outbox == []


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A queue of its own on the local Redis, so parallel runs never take each other's jobs."""
    name = f"mutua-test-{uuid.uuid4().hex}"
    with override_settings(
        RQ_QUEUES={name: {"URL": REDIS_URL}},
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [name]}},
    ):
        yield name
        queue = django_rq.get_queue(name)
        queue.empty()  # type: ignore[no-untyped-call]
        queue.delete(delete_jobs=True)


def test_redis_queue_sends_the_email_when_an_rq_worker_runs(
    redis_queue: str, restore_signals: None
) -> None:
    send_email.using(queue_name=redis_queue).enqueue(
        to="ben@example.org", subject="Hello from Redis", body="Sent by an RQ worker."
    )
    queue = django_rq.get_queue(redis_queue)
    assert queue.count == 1
    assert mail.outbox == []

    from django_tasks_rq.backend import Job

    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)

    assert [(email.to, email.subject) for email in mail.outbox] == [
        (["ben@example.org"], "Hello from Redis")
    ]
    assert queue.count == 0
