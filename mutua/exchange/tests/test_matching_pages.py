"""Suggestions, invitations and "you could help with" through the pages and the JSON API."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mutua.exchange import services
from mutua.exchange.models import Invitation, Request
from mutua.exchange.tests.test_api import api_client, post
from mutua.exchange.tests.test_pages import request_form
from mutua.exchange.tests.test_suggestions import (
    ACCESS_NOTES,
    ADDRESS,
    DETAILS,
    PHONE,
    helping,
    need,
)
from mutua.members.models import Member
from mutua.test import World, client_for, make_member

PRIVATE = (ADDRESS, DETAILS, ACCESS_NOTES, PHONE, "+15550100001")


def suggestions_url(world: World) -> str:
    return reverse("exchange:suggestions", args=[world.network.slug])


def html(member: Member, url: str) -> str:
    response = client_for(member).get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def street(world: World) -> Request:
    helping(world.rosa, 0, categories=())
    helping(world.ben, 0)
    helping(world.chloe, 1, languages=("es",))
    return need(world.rosa, world.maple)


class TestSuggestionsPage:
    def test_organizer_sees_helper_reasons_and_no_private_details(self, world: World) -> None:
        aid_request = street(world)
        need(world.rosa, world.maple, language="fr", summary="En français, s'il vous plaît")
        page = html(world.olu, suggestions_url(world))
        assert aid_request.summary in page
        assert "Suggested: <strong>Ben</strong>" in page
        assert "same pod, 0.0 km, free now" in page
        assert "<details>" in page and "helps already given this week" in page
        assert "No one within reach speaks French." in page
        for secret in PRIVATE:
            assert secret not in page

    def test_members_who_organize_nothing_get_not_found(self, world: World) -> None:
        street(world)
        for member in (world.ben, world.zed):
            assert client_for(member).get(suggestions_url(world)).status_code == 404

    def test_network_page_links_organizers_to_it(self, world: World) -> None:
        url = reverse("members:network_detail", args=[world.network.slug])
        assert suggestions_url(world) in html(world.olu, url)
        assert suggestions_url(world) not in html(world.ben, url)

    def test_propose_and_propose_all_buttons_send_invitations(self, world: World) -> None:
        aid_request = street(world)
        second = need(world.rosa, world.maple, summary="Second")
        olu = client_for(world.olu)
        response = olu.post(
            reverse("exchange:propose", args=[aid_request.pk]), {"helper": world.chloe.pk}
        )
        assert response.status_code == 302
        assert Invitation.objects.get(request=aid_request).member == world.chloe
        page = olu.get(suggestions_url(world)).content.decode()
        assert "Chloe was invited" in page
        olu.post(reverse("exchange:propose_all", args=[world.network.slug]))
        assert Invitation.objects.get(request=second).member == world.ben

    def test_refused_proposal_shows_the_reason(self, world: World) -> None:
        aid_request = street(world)
        page = client_for(world.ben).post(
            reverse("exchange:propose", args=[aid_request.pk]),
            {"helper": world.chloe.pk},
            follow=True,
        )
        assert "Only an organizer" in page.content.decode()
        assert not Invitation.objects.exists()

    def test_query_count_does_not_grow_with_requests(self, world: World) -> None:
        street(world)
        helping(world.dev, 2, languages=("fr",))
        helping(world.olu, -1, skills=(services.SkillDraft("first aid"),))

        def add(n: int) -> None:
            for i in range(n):
                requester, pod = [(world.rosa, world.maple), (world.dev, world.oak)][i % 2]
                need(requester, pod, summary=f"Request {i}", language=["", "fr", "es"][i % 3])

        def count() -> int:
            client = client_for(world.olu)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(suggestions_url(world)).status_code == 200
            return len(queries)

        add(4)
        Invitation.objects.create(request=Request.objects.earliest("id"), member=world.ben)
        small = count()
        add(25)
        assert Request.objects.count() == 30
        assert count() == small


class TestInvitationsPage:
    def test_invited_member_accepts_with_one_tap(self, world: World) -> None:
        aid_request = street(world)
        invitation = services.propose_match(
            aid_request=aid_request, helper=world.chloe, actor=world.olu
        )
        page = html(world.chloe, reverse("exchange:invitations"))
        assert (aid_request.summary in page and "speaks" not in page) or "free now" in page
        for secret in PRIVATE:
            assert secret not in page
        assert aid_request.summary not in html(world.ben, reverse("exchange:invitations"))
        response = client_for(world.chloe).post(
            reverse("exchange:invitation_answer", args=[invitation.pk, "accept"]), follow=True
        )
        assert response.redirect_chain[-1][0] == aid_request.get_absolute_url()
        assert ADDRESS in response.content.decode()
        aid_request.refresh_from_db()
        assert aid_request.claimed_by == world.chloe

    def test_decline_asks_the_next_neighbour(self, world: World) -> None:
        aid_request = street(world)
        invitation = services.propose_match(
            aid_request=aid_request, helper=world.ben, actor=world.olu
        )
        response = client_for(world.ben).post(
            reverse("exchange:invitation_answer", args=[invitation.pk, "decline"]), follow=True
        )
        assert "We will ask someone else" in response.content.decode()
        assert Invitation.objects.live().get().member == world.chloe

    def test_someone_elses_invitation_is_not_found(self, world: World) -> None:
        aid_request = street(world)
        invitation = services.propose_match(
            aid_request=aid_request, helper=world.ben, actor=world.olu
        )
        url = reverse("exchange:invitation_answer", args=[invitation.pk, "accept"])
        assert client_for(world.chloe).post(url).status_code == 404
        assert Invitation.objects.get().status == "invited"

    def test_my_activity_links_to_invitations(self, world: World) -> None:
        page = html(world.ben, reverse("exchange:my_activity"))
        assert reverse("exchange:invitations") in page


class TestCouldHelpPage:
    def test_lists_fitting_requests_without_private_details(self, world: World) -> None:
        aid_request = street(world)
        page = html(world.chloe, reverse("exchange:could_help"))
        assert aid_request.summary in page and "1.1 km" in page
        for secret in PRIVATE:
            assert secret not in page

    def test_member_without_area_is_asked_for_it(self, world: World) -> None:
        street(world)
        page = html(world.dev, reverse("exchange:could_help"))
        assert reverse("exchange:helping_profile") in page


class TestHelpingProfilePage:
    def test_member_sets_area_languages_and_skills(self, world: World) -> None:
        url = reverse("exchange:helping_profile")
        assert 'for="id_help_lat"' in html(world.ben, url)
        response = client_for(world.ben).post(
            url,
            {
                "help_area": "Maple St",
                "help_lat": "40.71449",
                "help_lng": "-74.0049",
                "travel_km": "5",
                "languages": ["en", "es"],
                "weekly_capacity": "3",
                "skill_0": "Food handling",
                "skill_0_until": "2030-01-31",
                "skill_1": "",
                "skill_1_until": "",
            },
        )
        assert response.status_code == 302
        ben = Member.objects.get(pk=world.ben.pk)
        assert (ben.help_lat, ben.help_lng, ben.travel_km) == (40.71, -74.0, 5)
        assert ben.languages == ["en", "es"] and ben.weekly_capacity == 3
        assert list(ben.skills.values_list("name", "valid_until")) == [
            ("food handling", date(2030, 1, 31))
        ]
        assert 'value="food handling"' in html(world.ben, url)

    def test_half_a_location_is_refused_next_to_the_field(self, world: World) -> None:
        response = client_for(world.ben).post(
            reverse("exchange:helping_profile"),
            {"help_lat": "40.7", "help_lng": "", "travel_km": "3", "weekly_capacity": "2"},
        )
        assert response.status_code == 400
        assert "Give both latitude and longitude" in response.content.decode()


class TestRequestForm:
    def test_request_can_ask_for_a_language_and_a_skill(self, world: World) -> None:
        response = client_for(world.rosa).post(
            reverse("exchange:request_create"),
            request_form(world.maple, language_wanted="es", skill_needed=" First Aid"),
        )
        assert response.status_code == 302
        aid_request = Request.objects.get()
        assert (aid_request.language_wanted, aid_request.skill_needed) == ("es", "first aid")

    def test_unknown_language_is_refused(self, world: World) -> None:
        response = client_for(world.rosa).post(
            reverse("exchange:request_create"), request_form(world.maple, language_wanted="zz")
        )
        assert response.status_code == 400
        assert not Request.objects.exists()


class TestApi:
    def test_round_trip_suggest_propose_accept(self, world: World) -> None:
        aid_request = street(world)
        olu = api_client(world.olu)
        url = f"/api/networks/{world.network.slug}/suggestions"
        [row] = olu.get(url).json()
        assert row["request"]["id"] == aid_request.pk and row["helper"]["id"] == world.ben.pk
        assert {"code": "same_pod", "value": str(world.maple.pk), "text": "same pod"} in row[
            "reasons"
        ]
        assert {part["code"] for part in row["cost_parts"]} >= {"distance", "fairness"}
        assert "address" not in str(row) and ADDRESS not in str(row)
        assert api_client(world.ben).get(url).status_code == 404

        response = post(olu, f"/api/requests/{aid_request.pk}/propose", {"helper_id": 0})
        assert response.status_code == 400
        response = post(olu, f"/api/requests/{aid_request.pk}/propose", {"helper_id": world.ben.pk})
        assert response.status_code == 201
        invitation_id = response.json()["id"]
        refused = post(
            api_client(world.chloe),
            f"/api/requests/{aid_request.pk}/propose",
            {"helper_id": world.chloe.pk},
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "not_dispatcher")

        ben = api_client(world.ben)
        [mine] = ben.get("/api/me/invitations").json()
        assert mine["id"] == invitation_id and mine["status"] == "invited"
        assert ADDRESS not in str(mine)
        accepted = post(ben, f"/api/invitations/{invitation_id}/accept")
        assert accepted.status_code == 200
        assert accepted.json()["private"]["address"] == ADDRESS
        again = post(ben, f"/api/invitations/{invitation_id}/accept")
        assert (again.status_code, again.json()["code"]) == (400, "not_live")

    def test_decline_and_could_help(self, world: World) -> None:
        aid_request = street(world)
        [row] = api_client(world.chloe).get("/api/me/could-help").json()
        assert row["request"]["id"] == aid_request.pk and row["km"] == 1.1
        invitation = services.propose_match(
            aid_request=aid_request, helper=world.ben, actor=world.olu
        )
        assert (
            post(api_client(world.chloe), f"/api/invitations/{invitation.pk}/decline").status_code
            == 404
        )
        declined = post(api_client(world.ben), f"/api/invitations/{invitation.pk}/decline").json()
        assert declined["declined"]["status"] == "declined" and declined["next_invited"] is True

    def test_propose_all_over_the_api(self, world: World) -> None:
        street(world)
        outsider = make_member("Uma", pod=None, network=world.network)
        response = post(
            api_client(world.olu), f"/api/networks/{world.network.slug}/suggestions/propose-all"
        )
        assert [i["member"]["id"] for i in response.json()] == [world.ben.pk]
        assert (
            api_client(outsider).get(f"/api/networks/{world.network.slug}/suggestions").status_code
            == 404
        )
