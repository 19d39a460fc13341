"""Networks and pods through the pages: joining, asking, welcoming, and the pod's healthy size."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mutua.audit.models import AuditEvent
from mutua.members.models import (
    Household,
    Member,
    NetworkMembership,
    Pod,
    PodMembership,
)
from mutua.test import World, client_for, make_member


def pod_url(pod: Pod) -> str:
    return reverse("members:pod_detail", args=[pod.pk])


def join_url(pod: Pod) -> str:
    return reverse("members:pod_join", args=[pod.pk])


def decide_url(membership: PodMembership, decision: str) -> str:
    return reverse("members:pod_decide", args=[membership.pod_id, membership.pk, decision])


def accept_data(membership: PodMembership, **fields: Any) -> dict[str, Any]:
    return {f"newcomer-{membership.pk}-{name}": value for name, value in fields.items()}


@pytest.fixture
def nia(world: World) -> Member:
    """A newcomer in the Riverside network who is in no pod yet."""
    return make_member("Nia", pod=None, network=world.network)


@pytest.fixture
def nia_asks_maple(world: World, nia: Member) -> PodMembership:
    response = client_for(nia).post(join_url(world.maple), {"message": "I live at the corner"})
    assert response.status_code == 302
    return PodMembership.objects.get(member=nia, pod=world.maple)


class TestNetworks:
    def test_member_joins_a_network(self, world: World) -> None:
        client = client_for(world.zed)
        detail = reverse("members:network_detail", args=["riverside"])
        page = client.get(detail).content.decode()
        assert "Join Riverside" in page
        # Before joining, pods are listed but cannot be opened.
        assert pod_url(world.maple) not in page

        response = client.post(reverse("members:network_join", args=["riverside"]))
        assert response.status_code == 302
        assert NetworkMembership.objects.filter(network=world.network, member=world.zed).exists()
        assert (
            AuditEvent.objects.filter(
                action="network.joined", object_id=str(world.network.pk), actor=world.zed
            ).count()
            == 1
        )
        page = client.get(detail).content.decode()
        assert pod_url(world.maple) in page
        assert client.get(pod_url(world.maple)).status_code == 200

    def test_joining_twice_changes_nothing(self, world: World) -> None:
        client = client_for(world.ben)
        client.post(reverse("members:network_join", args=["riverside"]))
        assert NetworkMembership.objects.filter(member=world.ben).count() == 1
        assert not AuditEvent.objects.filter(action="network.joined").exists()

    def test_network_page_counts_households_per_pod(self, world: World) -> None:
        response = client_for(world.ben).get(reverse("members:network_detail", args=["riverside"]))
        counts = {pod.name: pod.household_count for pod in response.context["pods"]}
        assert counts == {"Maple Street": 3, "Oak Court": 2}
        assert "3 households" in response.content.decode()

    def test_network_list_shows_every_network(self, world: World) -> None:
        html = client_for(world.ben).get(reverse("members:network_list")).content.decode()
        assert "Riverside" in html
        assert "Hilltop" in html

    def test_joining_is_post_only(self, world: World) -> None:
        client = client_for(world.zed)
        assert client.get(reverse("members:network_join", args=["riverside"])).status_code == 405
        assert not NetworkMembership.objects.filter(
            network=world.network, member=world.zed
        ).exists()


class TestAskToJoin:
    def test_network_member_asks_to_join_a_pod(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        assert nia_asks_maple.status == PodMembership.Status.PENDING
        assert nia_asks_maple.message == "I live at the corner"
        assert AuditEvent.objects.filter(
            action="pod.join_requested", object_id=str(world.maple.pk), actor=nia
        ).exists()
        client = client_for(nia)
        page = client.get(pod_url(world.maple)).content.decode()
        assert "You asked to join this pod." in page
        mine = client.get(reverse("members:my_pods"))
        assert [m.pod for m in mine.context["pending"]] == [world.maple]
        assert mine.context["active"] == []

    def test_asking_twice_is_refused(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        response = client_for(nia).post(join_url(world.maple), {"message": "again"})
        assert response.status_code == 400
        assert "You already asked to join" in response.content.decode()
        assert PodMembership.objects.filter(member=nia, pod=world.maple).count() == 1
        assert AuditEvent.objects.filter(action="pod.join_requested").count() == 1

    def test_pod_member_asking_is_told_they_are_in(self, world: World) -> None:
        response = client_for(world.ben).post(join_url(world.maple), {})
        assert response.status_code == 400
        assert "You are already in this pod." in response.content.decode()

    def test_pod_page_offers_the_form_only_to_those_not_in_the_pod(
        self, world: World, nia: Member
    ) -> None:
        assert "Ask to join this pod" in client_for(nia).get(pod_url(world.maple)).content.decode()
        assert "Ask to join this pod" not in (
            client_for(world.ben).get(pod_url(world.maple)).content.decode()
        )


class TestWelcomingNewcomers:
    def test_any_pod_member_may_welcome_a_newcomer_into_a_new_household(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        client = client_for(world.chloe)
        page = client.get(pod_url(world.maple)).content.decode()
        assert "Welcome Nia" in page
        assert "I live at the corner" in page

        response = client.post(
            decide_url(nia_asks_maple, "accept"),
            accept_data(nia_asks_maple, household="", new_household_name="Corner house"),
        )
        assert response.status_code == 302
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.ACTIVE
        assert nia_asks_maple.decided_by == world.chloe
        assert nia_asks_maple.household is not None
        assert nia_asks_maple.household.name == "Corner house"
        event = AuditEvent.objects.get(action="pod.member_accepted")
        assert event.actor == world.chloe
        assert event.data["member_id"] == nia.pk
        mine = client_for(nia).get(reverse("members:my_pods"))
        assert [m.pod for m in mine.context["active"]] == [world.maple]

    def test_newcomer_may_join_an_existing_household(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        rosas = Household.objects.get(name="Rosa's household")
        response = client_for(world.ben).post(
            decide_url(nia_asks_maple, "accept"), accept_data(nia_asks_maple, household=rosas.pk)
        )
        assert response.status_code == 302
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.household == rosas
        assert Household.objects.filter(pod=world.maple).count() == 3

    def test_a_household_of_another_pod_is_refused(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        devs = Household.objects.get(name="Dev's household")
        response = client_for(world.ben).post(
            decide_url(nia_asks_maple, "accept"), accept_data(nia_asks_maple, household=devs.pk)
        )
        assert response.status_code == 400
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.PENDING

    def test_member_of_another_pod_may_not_welcome(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        client = client_for(world.dev)
        assert "Welcome Nia" not in client.get(pod_url(world.maple)).content.decode()
        response = client.post(
            decide_url(nia_asks_maple, "accept"), accept_data(nia_asks_maple, household="")
        )
        assert response.status_code == 400
        assert "Only members of this pod can welcome new members." in response.content.decode()
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.PENDING
        assert not AuditEvent.objects.filter(action="pod.member_accepted").exists()
        assert Household.objects.filter(pod=world.maple).count() == 3

    def test_organizer_only_pod_refuses_plain_members_and_lets_organizers_welcome(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        Pod.objects.filter(pk=world.maple.pk).update(admission=Pod.Admission.ORGANIZER)
        chloe = client_for(world.chloe)
        assert "Welcome Nia" not in chloe.get(pod_url(world.maple)).content.decode()
        response = chloe.post(
            decide_url(nia_asks_maple, "accept"), accept_data(nia_asks_maple, household="")
        )
        assert response.status_code == 400
        assert "Only this pod&#x27;s organizers can welcome new members." in (
            response.content.decode()
        )
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.PENDING

        PodMembership.objects.filter(member=world.ben, pod=world.maple).update(
            role=PodMembership.Role.ORGANIZER
        )
        response = client_for(world.ben).post(
            decide_url(nia_asks_maple, "accept"), accept_data(nia_asks_maple, household="")
        )
        assert response.status_code == 302
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.ACTIVE
        assert nia_asks_maple.decided_by == world.ben

    def test_welcoming_twice_is_refused(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        data = accept_data(nia_asks_maple, household="")
        assert client_for(world.ben).post(decide_url(nia_asks_maple, "accept"), data).status_code
        response = client_for(world.chloe).post(decide_url(nia_asks_maple, "accept"), data)
        assert response.status_code == 400
        assert "This request to join was already answered." in response.content.decode()
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.decided_by == world.ben
        assert AuditEvent.objects.filter(action="pod.member_accepted").count() == 1
        # The refused second welcome left no empty household behind.
        assert Household.objects.filter(pod=world.maple).count() == 4

    def test_pod_member_declines_a_newcomer(
        self, world: World, nia: Member, nia_asks_maple: PodMembership
    ) -> None:
        response = client_for(world.chloe).post(decide_url(nia_asks_maple, "decline"))
        assert response.status_code == 302
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.DECLINED
        assert AuditEvent.objects.filter(action="pod.member_declined", actor=world.chloe).exists()
        # A declined newcomer may ask again later.
        assert client_for(nia).post(join_url(world.maple), {}).status_code == 302

    def test_unknown_decision_is_not_found(
        self, world: World, nia_asks_maple: PodMembership
    ) -> None:
        response = client_for(world.ben).post(decide_url(nia_asks_maple, "promote"))
        assert response.status_code == 404
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.PENDING

    def test_a_membership_of_another_pod_is_not_found_through_this_pod(
        self, world: World, nia_asks_maple: PodMembership
    ) -> None:
        url = reverse("members:pod_decide", args=[world.oak.pk, nia_asks_maple.pk, "accept"])
        response = client_for(world.dev).post(url, {})
        assert response.status_code == 404
        nia_asks_maple.refresh_from_db()
        assert nia_asks_maple.status == PodMembership.Status.PENDING


class TestPodPage:
    def test_pod_page_shows_display_names_only(self, world: World) -> None:
        html = client_for(world.dev).get(pod_url(world.maple)).content.decode()
        for name in ("Rosa", "Ben", "Chloe"):
            assert name in html
        for private in ("rosa@example.org", "+15550100001", "ben@example.org", "+15550100002"):
            assert private not in html

    def test_healthy_pod_gets_no_size_warning(self, world: World) -> None:
        response = client_for(world.ben).get(pod_url(world.maple))
        assert response.context["size"].households == 3
        html = response.content.decode()
        assert "invite neighbours" not in html
        assert "Consider splitting" not in html

    def test_small_pod_is_told_to_invite_neighbours(self, world: World) -> None:
        response = client_for(world.dev).get(pod_url(world.oak))
        assert response.context["size"].households == 2
        assert "A healthy pod has 3 to 8 households; invite neighbours." in (
            response.content.decode()
        )

    def test_large_pod_is_told_to_split(self, world: World) -> None:
        for n in range(6):
            make_member(f"Neighbour {n}", pod=world.maple, network=world.network)
        response = client_for(world.ben).get(pod_url(world.maple))
        assert response.context["size"].households == 9
        assert (
            "Consider splitting into two pods: networks grow by adding pods, not by growing one "
            "pod." in response.content.decode()
        )

    def test_members_sharing_a_household_count_once(self, world: World) -> None:
        bens = Household.objects.get(name="Ben's household")
        for n in range(6):
            make_member(f"Kid {n}", pod=world.maple, network=world.network, household=bens)
        response = client_for(world.ben).get(pod_url(world.maple))
        assert response.context["size"].households == 3
        assert "Consider splitting" not in response.content.decode()

    def test_pod_page_queries_do_not_grow_with_households(
        self, world: World, django_assert_max_num_queries: Any, nia: Member
    ) -> None:
        client = client_for(world.ben)
        client_for(nia).post(join_url(world.maple))
        with django_assert_max_num_queries(20) as small:
            client.get(pod_url(world.maple))
        queries = len(small)
        for n in range(8):
            make_member(f"Neighbour {n}", pod=world.maple, network=world.network)
        for n in range(3):
            newcomer = make_member(f"Newcomer {n}", pod=None, network=world.network)
            client_for(newcomer).post(join_url(world.maple))
        with django_assert_max_num_queries(queries):
            client.get(pod_url(world.maple))

    def test_pod_of_another_network_is_not_found(self, world: World) -> None:
        client = client_for(world.zed)
        assert client.get(pod_url(world.maple)).status_code == 404
        assert client.post(join_url(world.maple)).status_code == 404
        assert not PodMembership.objects.filter(member=world.zed, pod=world.maple).exists()

    def test_missing_pod_looks_the_same_as_a_forbidden_one(self, world: World) -> None:
        assert (
            client_for(world.zed).get(reverse("members:pod_detail", args=[99999])).status_code
            == 404
        )


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("members:profile", []),
        ("members:api_tokens", []),
        ("members:network_list", []),
        ("members:network_detail", ["riverside"]),
        ("members:network_join", ["riverside"]),
        ("members:my_pods", []),
        ("members:pod_detail", ["POD"]),
        ("members:pod_join", ["POD"]),
        ("members:pod_decide", ["POD", 1, "accept"]),
    ],
)
def test_anonymous_visitor_is_sent_to_sign_in_from_every_members_page(
    world: World, name: str, args: list[Any]
) -> None:
    url = reverse(name, args=[world.maple.pk if arg == "POD" else arg for arg in args])
    for response in (Client().get(url), Client().post(url)):
        assert response.status_code == 302
        assert response["Location"] == reverse("members:sign_in") + "?next=" + url
    assert not AuditEvent.objects.exists()
