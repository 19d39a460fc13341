"""`manage.py load_demo` builds a believable network, through the services and within their rules.

The demo is loaded once for the module (it takes a second or two) and each test reads it inside
its own rolled-back transaction; the reload tests change it only inside theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mutua import demo
from mutua.exchange.access import private_details
from mutua.exchange.models import Category, Message, Offer, Request, RequestPrivate
from mutua.members.access import is_pod_member
from mutua.members.models import Member, Network, NetworkMembership, Pod, PodMembership
from mutua.members.services import normalize_phone, pod_size


@dataclass(frozen=True)
class Loaded:
    output: str
    emails_sent: int
    tasks_queued: int


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Loaded]:
    # Committed for real, with the database as task queue (the default outside tests): loading
    # must still queue no task and print no email.
    with django_db_blocker.unblock():
        emails_before = len(mail.outbox)
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            output = load_demo()
        yield Loaded(
            output=output,
            emails_sent=len(mail.outbox) - emails_before,
            tasks_queued=DBTaskResult.objects.count(),
        )
        demo.delete_demo()


@pytest.fixture
def network(loaded: Loaded, db: None) -> Network:
    return Network.objects.get(slug=demo.DEMO_NETWORK_SLUG)


def counts() -> dict[str, int]:
    return {
        "networks": Network.objects.count(),
        "pods": Pod.objects.count(),
        "members": Member.objects.count(),
        "requests": Request.objects.count(),
        "offers": Offer.objects.count(),
        "messages": Message.objects.count(),
    }


def test_pods_have_healthy_sizes_except_one_too_small_and_one_too_large(network: Network) -> None:
    sizes = {pod.name: pod_size(pod).households for pod in network.pods.all()}
    assert sizes == {
        "Maple Street": 6,
        "Luna Park": 5,
        "Oak Court": 2,  # shows the "below healthy size" message
        "Riverbend Apartments": 9,  # shows the suggestion to split
    }
    newcomer = PodMembership.objects.get(status=PodMembership.Status.PENDING)
    assert newcomer.pod.name == "Oak Court"
    assert newcomer.member.display_name == "Jamal Wright"


def test_every_pod_member_was_welcomed_by_a_neighbour_or_the_organizer(network: Network) -> None:
    organizer = NetworkMembership.objects.get(
        network=network, role=NetworkMembership.Role.ORGANIZER
    ).member
    assert organizer.display_name == "Amara Okafor"
    active = PodMembership.objects.filter(status=PodMembership.Status.ACTIVE)
    assert active.count() == len(demo.PEOPLE)
    for membership in active:
        assert membership.decided_by is not None
        assert membership.decided_by != membership.member
        assert membership.decided_at is not None
        assert membership.requested_at < membership.decided_at < timezone.now()


def test_members_write_in_english_and_spanish(network: Network) -> None:
    languages = set(Member.objects.values_list("preferred_language", flat=True))
    assert languages == {"en", "es"}
    for language in ("en", "es"):
        assert Request.objects.filter(requester__preferred_language=language).exists()
        assert Offer.objects.filter(offerer__preferred_language=language).exists()
    spanish = Request.objects.filter(requester__preferred_language="es")
    assert spanish.filter(summary__icontains="para").count() >= spanish.count() // 2


def test_members_ask_and_offer_with_valid_phones(network: Network) -> None:
    asking = set(Request.objects.values_list("requester_id", flat=True))
    offering = set(Offer.objects.values_list("offerer_id", flat=True))
    helping = set(Request.objects.exclude(claimed_by=None).values_list("claimed_by_id", flat=True))
    # Reciprocity: nearly everyone both asks and gives (only a newcomer or two have not yet).
    assert len(asking & (offering | helping)) >= Member.objects.count() - 2
    phones = [phone for phone in Member.objects.values_list("phone", flat=True) if phone]
    assert len(phones) >= 20
    assert all(normalize_phone(phone) == phone for phone in phones)


def test_requests_cover_every_category_and_every_stage(network: Network) -> None:
    requests = Request.objects.filter(network=network)
    assert set(requests.values_list("category", flat=True)) == set(Category.values)
    for status in Request.Status.values:
        assert requests.filter(status=status).exists(), status
    assert requests.open().filter(urgency=Request.Urgency.URGENT).exists()
    assert requests.exclude(from_offer=None).count() == 2
    assert Message.objects.filter(request__requester__preferred_language="es").exists()
    assert Offer.objects.filter(status=Offer.Status.WITHDRAWN).count() == 1
    # A few weeks of history, not everything made a second ago.
    oldest = requests.order_by("created_at").first()
    assert oldest is not None
    assert (timezone.now() - oldest.created_at).days >= 21


def test_every_request_keeps_the_services_rules(network: Network) -> None:
    now = timezone.now()
    for aid_request in Request.objects.filter(network=network):
        assert 0 < len(aid_request.summary) <= 140
        assert is_pod_member(aid_request.requester, aid_request.pod)
        if aid_request.status in (Request.Status.OPEN, Request.Status.CLAIMED):
            # New and still-active requests may not be needed by a date already past.
            assert aid_request.needed_by is None or aid_request.needed_by > now, aid_request
        if aid_request.needed_from and aid_request.needed_by:
            assert aid_request.needed_from <= aid_request.needed_by
        if aid_request.claimed_by_id is not None:
            assert aid_request.claimed_by_id != aid_request.requester_id
        times = [
            aid_request.created_at,
            aid_request.claimed_at,
            aid_request.fulfilled_at,
            aid_request.confirmed_at,
            aid_request.cancelled_at,
        ]
        present = [time for time in times if time is not None]
        assert present == sorted(present) and present[-1] <= now
        changes = list(aid_request.status_changes.all())
        assert changes[0].to_status == Request.Status.OPEN
        assert changes[-1].to_status == aid_request.status
        assert [change.created_at for change in changes] == sorted(c.created_at for c in changes)
        assert changes[0].created_at == aid_request.created_at


def test_private_details_are_encrypted_and_shown_only_to_requester(network: Network) -> None:
    rosa = Member.objects.get(user__email=demo.demo_email("rosa"))
    aid_request = Request.objects.get(requester=rosa, status=Request.Status.OPEN)
    private = RequestPrivate.objects.get(request=aid_request)
    assert private.address == "1418 Maple St, apt. 2"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, details FROM exchange_requestprivate WHERE id = %s", [private.pk]
        )
        address, details = cursor.fetchone()
    assert "Maple" not in address and "diabética" not in details
    assert address.startswith("gAAAA")  # a Fernet token
    neighbour = Member.objects.get(user__email=demo.demo_email("priya"))
    assert private_details(rosa, aid_request) is not None
    assert private_details(neighbour, aid_request) is None
    assert "1418" not in aid_request.area


def test_loading_queues_no_task_and_prints_no_email(loaded: Loaded) -> None:
    assert loaded.tasks_queued == 0
    assert loaded.emails_sent > 0  # the services did notify, into the in-memory outbox


def test_output_says_how_to_sign_in(loaded: Loaded) -> None:
    assert "Riverside Mutual Aid" in loaded.output
    assert demo.demo_email("amara") in loaded.output
    assert "/demo-sign-in/" in loaded.output
    assert "one-time code" in loaded.output


def test_loading_again_changes_nothing(network: Network) -> None:
    before = counts()
    output = load_demo()
    assert "already loaded" in output
    assert counts() == before


def test_reset_loads_a_fresh_copy_without_duplicates(network: Network) -> None:
    before = counts()
    output = load_demo("--reset")
    assert "Deleted the previous demo network" in output
    assert counts() == before
    assert not Network.objects.filter(pk=network.pk).exists()
    assert Network.objects.filter(slug=demo.DEMO_NETWORK_SLUG).count() == 1


def test_leftover_demo_members_are_not_registered_twice(network: Network) -> None:
    network.delete()  # e.g. removed in the admin: the members are still there
    members_before = Member.objects.count()
    output = load_demo()
    assert "already loaded" in output and "--reset" in output
    assert Member.objects.count() == members_before
