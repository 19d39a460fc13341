"""`manage.py load_demo` builds a believable network, through the services and within their rules.

The demo is loaded once for the module (a few seconds, two of them planning the delivery run) and
each test reads it inside its own rolled-back transaction; the reload tests change it only inside
theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mutua import demo
from mutua.agreements.models import SECTIONS, Agreement, AgreementReview, ReviewState, Signature
from mutua.decisions.models import Meeting, Proposal, Vote
from mutua.decisions.owners import Owner
from mutua.deliveries import routing
from mutua.deliveries import services as deliveries
from mutua.deliveries.models import DeliveryRun, PlannedVisit
from mutua.exchange.access import private_details
from mutua.exchange.models import Category, Invitation, Message, Offer, Request, RequestPrivate
from mutua.groups.models import GroupMembership, WorkingGroup
from mutua.members.access import is_pod_member
from mutua.members.models import (
    Member,
    MemberSkill,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
)
from mutua.members.services import normalize_phone, pod_size
from mutua.orientation import checklist
from mutua.orientation.models import EmergencyContact
from mutua.schedules import reports
from mutua.schedules.models import MemberPause, Role, RoleHolder, Shift, SwapRequest


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
        "agreements": Agreement.objects.count(),
        "signatures": Signature.objects.count(),
        "proposals": Proposal.objects.count(),
        "votes": Vote.objects.count(),
        "meetings": Meeting.objects.count(),
        "roles": Role.objects.count(),
        "groups": WorkingGroup.objects.count(),
        "runs": DeliveryRun.objects.count(),
    }


def member(key: str) -> Member:
    return Member.objects.get(user__email=demo.demo_email(key))


def pod(name: str) -> Pod:
    return Pod.objects.get(name=name)


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
    # E.g. removed in the admin (its agreements first: their versions are protected); the
    # members are still there.
    demo.delete_network(network.slug)
    members_before = Member.objects.count()
    output = load_demo()
    assert "already loaded" in output and "--reset" in output
    assert Member.objects.count() == members_before


# --- Agreements and decisions ---------------------------------------------------------------


def test_every_pod_and_the_network_have_an_adopted_agreement_of_five_sections(
    network: Network,
) -> None:
    owners = [Owner(pod=p) for p in network.pods.all()] + [Owner(network=network)]
    for owner in owners:
        agreement = Agreement.objects.of(owner).get()
        assert agreement.current_version is not None, owner.name
        for version in agreement.versions.all():
            for field, _heading in SECTIONS:
                assert getattr(version, field).strip(), (owner.name, version.number, field)
            proposal = version.adopted_via
            assert proposal.kind == Proposal.Kind.AGREEMENT_CHANGE
            assert proposal.status == Proposal.Status.ADOPTED
            assert proposal.closed_at is not None
            assert proposal.created_at < proposal.closed_at <= version.adopted_at
        assert agreement.first_adopted_at is not None
        assert agreement.first_adopted_at < timezone.now()
    maple = Agreement.objects.get(pod__name="Maple Street")
    assert maple.current_version is not None and maple.current_version.number == 2
    assert maple.versions.count() == 2
    assert maple.reviews.filter(outcome=AgreementReview.Outcome.NEW_VERSION).exists()
    network_agreement = Agreement.objects.get(network=network)
    assert network_agreement.reviews.filter(outcome=AgreementReview.Outcome.NO_CHANGES).exists()
    states = {a.owner.name: a.review_state() for a in Agreement.objects.all()}
    assert states["Luna Park"] == ReviewState.DUE
    assert list(states.values()).count(ReviewState.DUE) == 1
    assert ReviewState.OVERDUE not in states.values()


def test_most_members_signed_and_a_couple_have_not_yet(network: Network) -> None:
    unsigned = []
    for p in network.pods.all():
        agreement = Agreement.objects.get(pod=p)
        owner = Owner(pod=p)
        signed = set(
            Signature.objects.filter(version=agreement.current_version).values_list(
                "member_id", flat=True
            )
        )
        members = list(owner.members())
        assert len(signed) > len(members) / 2, p.name
        assert signed <= {m.pk for m in members}
        unsigned += [m.display_name for m in members if m.pk not in signed]
    assert sorted(unsigned) == ["Abena Osei", "Yusuf Haddad"]
    for signature in Signature.objects.select_related("version"):
        assert signature.version.adopted_at <= signature.signed_at <= timezone.now()


def test_proposals_open_with_votes_offline_vote_and_closed_majority(network: Network) -> None:
    now = timezone.now()
    proposals = Proposal.objects.filter(Q(network=network) | Q(pod__network=network))
    open_ones = list(proposals.open())
    assert open_ones
    for proposal in open_ones:
        assert proposal.deadline_at > now, proposal.title
        assert proposal.created_at < now
    assert any(p.process == Proposal.Process.CONSENT and p.votes.count() >= 3 for p in open_ones)
    offline = Vote.objects.filter(is_offline=True, proposal__in=open_ones).select_related(
        "proposal", "recorded_by"
    )
    assert offline.exists()
    for vote in offline:
        assert vote.recorded_by is not None
        assert vote.proposal.owner.is_facilitator(vote.recorded_by)
        assert vote.recorded_by.display_name in vote.description()
    closed = proposals.filter(process=Proposal.Process.MAJORITY).exclude(
        status=Proposal.Status.OPEN
    )
    assert closed.count() == 1
    freezer = closed.get()
    assert freezer.status == Proposal.Status.ADOPTED
    assert freezer.tally["votes"] == freezer.votes.count() >= (freezer.quorum or 1)
    assert freezer.closed_at is not None and freezer.deadline_at <= freezer.closed_at <= now
    assert freezer.working_group_link.group.name == "Resource distribution"
    for vote in Vote.objects.filter(proposal__in=proposals).select_related("proposal"):
        assert vote.proposal.created_at <= vote.created_at <= now
        if vote.proposal.closed_at is not None:
            assert vote.created_at <= vote.proposal.closed_at


def test_a_past_check_in_with_notes_and_the_next_one_scheduled(network: Network) -> None:
    now = timezone.now()
    maple = pod("Maple Street")
    past = Meeting.objects.get(pod=maple, starts_at__lt=now)
    assert past.is_recorded and past.notes.startswith("Systemic discussion")
    assert past.attendance.count() == 7
    assert past.agenda.filter(is_systemic=True).count() == 1
    upcoming = Meeting.objects.filter(pod=maple).upcoming(now).get()
    assert upcoming.agenda.filter(is_systemic=True, position=1).exists()
    assert Meeting.objects.filter(pod__name="Luna Park", notes__contains="sistémica").exists()


# --- Roles, shifts, groups, welcome ----------------------------------------------------------


def test_roles_have_schedules_holders_and_shifts_for_the_coming_weeks(network: Network) -> None:
    now = timezone.now()
    for p in network.pods.all():
        roles = Role.objects.filter(pod=p)
        assert roles.exists(), p.name
        for role in roles:
            assert role.rrule.startswith("FREQ=")
            assert role.holders.filter(kind=RoleHolder.Kind.HOLDER).exists()
            coming = role.shifts.filter(starts_at__gt=now, starts_at__lt=now + timedelta(weeks=8))
            assert coming.exists(), role.name
    assert Shift.objects.filter(status=Shift.Status.DONE, starts_at__lt=now).exists()
    assert RoleHolder.objects.filter(kind=RoleHolder.Kind.STANDBY).exists()
    names = set(Role.objects.values_list("name", flat=True))
    assert {"Bring meals", "Saturday grocery run", "Call the phone tree"} <= names
    meals = Role.objects.get(name="Bring meals")
    assert meals.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert all(s.local_start.hour == 18 for s in meals.shifts.all())


def test_a_break_an_open_swap_and_stated_capacities(network: Network) -> None:
    linh = member("linh")
    pause = MemberPause.objects.get(member=linh)
    assert pause.ends_on > timezone.localdate() and pause.note.startswith("Away until")
    during = [
        s
        for s in Shift.objects.filter(assignee=linh, starts_at__gt=timezone.now())
        if pause.starts_on <= s.local_start.date() <= pause.ends_on
    ]
    assert during == []
    swap = SwapRequest.objects.get(status=SwapRequest.Status.PROPOSED)
    assert swap.from_member == member("fatima") and swap.to_member == member("tom")
    assert swap.shift.assignee == swap.from_member


def test_pod_pages_flag_a_missing_deputy_a_single_point_of_failure_and_overload(
    network: Network,
) -> None:
    now = timezone.now()
    luna, _load = reports.pod_flags(pod("Luna Park"), now)
    messages = {flag.kind: flag.message for flag in luna}
    assert "Llamar al árbol telefónico has no deputy" in messages["deputy"]
    assert "Only Diego Ramírez knows how" in messages["redundancy"]
    riverbend, _load = reports.pod_flags(pod("Riverbend Apartments"), now)
    overloaded = [f for f in riverbend if f.kind == "overload"]
    assert [f.member_id for f in overloaded] == [member("marcus").pk]
    maple, _load = reports.pod_flags(pod("Maple Street"), now)
    assert not [f for f in maple if f.kind in ("deputy", "redundancy", "overload")]
    organizer_roles = Role.objects.filter(is_organizer_role=True)
    assert organizer_roles.filter(holders__kind=RoleHolder.Kind.DEPUTY).distinct().count() >= 2


def test_working_groups_have_a_convener_and_a_deputy(network: Network) -> None:
    groups = WorkingGroup.objects.filter(network=network)
    assert set(groups.values_list("name", flat=True)) == {
        "Communications",
        "Resource distribution",
    }
    for group in groups:
        positions = list(group.memberships.values_list("position", flat=True))
        assert positions.count(GroupMembership.Position.CONVENER) == 1
        assert positions.count(GroupMembership.Position.DEPUTY) == 1
        assert len(positions) >= 4
        assert group.role_links.exists()


def test_most_are_welcomed_and_one_newcomer_per_pod_is_still_finding_their_feet(
    network: Network,
) -> None:
    assert EmergencyContact.objects.count() == len(demo.PEOPLE) - 2
    welcoming = {
        p.name: [
            c.member.display_name for c in checklist.being_welcomed(checklist.pod_checklists(p))
        ]
        for p in network.pods.all()
    }
    assert welcoming == {
        "Maple Street": ["Yusuf Haddad"],
        "Luna Park": [],
        "Oak Court": [],
        "Riverbend Apartments": ["Abena Osei"],
    }


# --- Matching and deliveries ------------------------------------------------------------------


def test_helping_profiles_are_coarse_and_around_one_city_area(network: Network) -> None:
    for person in demo.PEOPLE:
        m = member(person.key)
        assert m.help_lat is not None and m.help_lng is not None
        assert round(m.help_lat, 2) == m.help_lat and round(m.help_lng, 2) == m.help_lng
        assert abs(m.help_lat - 45.52) <= 0.03 and abs(m.help_lng + 122.68) <= 0.06  # a few km
        if person.language == "es":
            assert "es" in m.spoken_languages
    assert MemberSkill.objects.filter(valid_until__lt=timezone.localdate()).count() == 1
    assert MemberSkill.objects.filter(name="food handling").exists()
    for aid_request in Request.objects.filter(network=network).open():
        assert aid_request.area_lat is not None and aid_request.area_lng is not None
    assert Request.objects.open().exclude(skill_needed="").exists()
    assert Request.objects.open().exclude(language_wanted="").exists()
    invitation = Invitation.objects.live().get()
    assert invitation.member == member("hiroshi") and invitation.reasons


def test_the_organizer_sees_suggested_helpers_with_reasons(network: Network) -> None:
    client = Client()
    client.force_login(member("amara").user)
    response = client.get(reverse("exchange:suggestions", args=[network.slug]))
    assert response.status_code == 200
    assert len(response.context["matched"]) >= 1
    assert len(response.context["invited"]) == 1
    assert "same pod" in response.content.decode()
    assert "has “food handling”" in response.content.decode()


def test_tomorrows_delivery_run_has_a_plan_that_passes_the_check(network: Network) -> None:
    run = DeliveryRun.objects.get(network=network)
    assert run.status == DeliveryRun.Status.PLANNED
    assert run.date == timezone.localdate() + timedelta(days=1)
    stops = list(run.stops.select_related("request"))
    drivers = list(run.drivers.all())
    assert len(stops) == 3 and len(drivers) == 2
    for stop in stops:
        assert stop.request is not None and stop.request.status == Request.Status.CLAIMED
        assert RequestPrivate.objects.get(request=stop.request).address
        assert "Luna Park Ave" not in stop.label
        assert not stop.unplaced_reason
    built = deliveries.build_problem(run, stops, drivers)

    def minutes(moment: datetime | None) -> float:
        assert moment is not None
        return (moment - built.day_start).total_seconds() / 60

    routes = []
    for driver in drivers:
        visits = list(PlannedVisit.objects.filter(driver=driver).order_by("order"))
        if visits:
            assert driver.route_distance_km is not None
            routes.append(
                routing.Route(
                    driver_id=str(driver.pk),
                    visits=tuple(
                        routing.Visit(str(v.stop_id), minutes(v.arrival_at), minutes(v.service_at))
                        for v in visits
                    ),
                    distance=driver.route_distance_km,
                    end=minutes(driver.returns_at),
                )
            )
    assert run.total_distance_km is not None
    plan = routing.Plan(routes=tuple(routes), distance=run.total_distance_km)
    assert routing.check_plan(built.problem, plan) == []


def test_the_organizers_pages_show_the_new_features(network: Network) -> None:
    client = Client()
    client.force_login(member("amara").user)
    expected = {
        "Suggested matches": "Sofía Herrera",
        "Maple Street agreement, v1 → v2": "Rosa prefers texts",
        "Maple Street proposals": "Lend out our tools",
        "Luna Park check-ins": "Kiosco del parque Luna",
        "Luna Park roles and flags": "Only Diego Ramírez knows how",
        "Riverbend workload": "Marcus Johnson",
        "Working groups": "Resource distribution",
        "Maple Street welcomes": "Yusuf Haddad",
        "Tomorrow's delivery run": "Caja del banco para Lucía",
    }
    pages = dict(demo.demo_pages())
    assert set(pages) == set(expected)
    for label, path in pages.items():
        response = client.get(path)
        assert response.status_code == 200, label
        assert expected[label] in response.content.decode(), label
