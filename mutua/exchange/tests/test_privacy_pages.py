"""Who sees what, persona by persona, through the pages. The private box is the point.

Rosa asks in Maple Street with an address, details, access notes and a phone. Only Rosa and the
member whose claim won (while they hold it) may read those, on any page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mutua.exchange import services
from mutua.exchange.models import Request
from mutua.exchange.tests.test_pages import (
    ACCESS_NOTES,
    ADDRESS,
    DETAILS,
    PHONE,
    ask,
    make_offer,
    request_form,
)
from mutua.members.models import Member
from mutua.test import World, client_for

ROSA_EMAIL = "rosa@example.org"
PRIVATE_STRINGS = (ADDRESS, DETAILS, ACCESS_NOTES, PHONE, ROSA_EMAIL)


def html_of(member: Member, url: str) -> str:
    page = client_for(member).get(url)
    assert page.status_code == 200
    return page.content.decode()


def assert_private_shown(html: str) -> None:
    assert 'class="private"' in html
    for secret in PRIVATE_STRINGS:
        assert secret in html


def assert_private_absent(html: str) -> None:
    for secret in PRIVATE_STRINGS:
        assert secret not in html


def pages_of(aid_request: Request) -> list[str]:
    return [
        aid_request.get_absolute_url(),
        reverse("exchange:request_list") + "?show=all",
        reverse("exchange:my_activity"),
    ]


# --- Requester and helper ----------------------------------------------------------------------


def test_requester_sees_her_own_private_details(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)

    assert_private_shown(html_of(world.rosa, aid_request.get_absolute_url()))


def test_winning_claimer_sees_the_address_while_helping(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    assert_private_absent(html_of(world.ben, aid_request.get_absolute_url()))

    services.claim_request(aid_request=aid_request, actor=world.ben)
    assert_private_shown(html_of(world.ben, aid_request.get_absolute_url()))

    services.fulfil_request(aid_request=aid_request, actor=world.ben)
    assert_private_shown(html_of(world.ben, aid_request.get_absolute_url()))


def test_helper_loses_the_address_after_releasing(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    ben = client_for(world.ben)
    ben.post(reverse("exchange:request_action", args=[aid_request.pk, "claim"]))
    assert ADDRESS in ben.get(aid_request.get_absolute_url()).content.decode()

    ben.post(reverse("exchange:request_action", args=[aid_request.pk, "release"]))

    for url in pages_of(aid_request):
        assert_private_absent(html_of(world.ben, url))


def test_helper_loses_the_address_once_the_requester_confirms(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.fulfil_request(aid_request=aid_request, actor=world.ben)

    services.confirm_request(aid_request=aid_request, actor=world.rosa)

    html = html_of(world.ben, aid_request.get_absolute_url())
    assert "Groceries for this week" in html
    assert_private_absent(html)


def test_helper_loses_the_address_when_the_requester_reopens(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    services.claim_request(aid_request=aid_request, actor=world.ben)

    client_for(world.rosa).post(reverse("exchange:request_action", args=[aid_request.pk, "reopen"]))

    assert_private_absent(html_of(world.ben, aid_request.get_absolute_url()))


# --- Neighbours who are not part of it ---------------------------------------------------------


@pytest.mark.parametrize("claimed", [False, True])
def test_same_pod_neighbour_sees_the_summary_but_nothing_private(
    world: World, claimed: bool
) -> None:
    aid_request = ask(world.rosa, world.maple)
    if claimed:
        services.claim_request(aid_request=aid_request, actor=world.ben)

    for url in pages_of(aid_request):
        html = html_of(world.chloe, url)
        assert "Groceries for this week" in html or url.endswith("/me/")
        assert_private_absent(html)
    assert "+15550100001" not in html_of(world.chloe, aid_request.get_absolute_url())


def test_other_pod_member_cannot_see_a_pod_request_at_all(world: World) -> None:
    aid_request = ask(world.rosa, world.maple)
    dev = client_for(world.dev)

    assert dev.get(aid_request.get_absolute_url()).status_code == 404
    assert dev.get(reverse("exchange:request_edit", args=[aid_request.pk])).status_code == 404
    assert "Groceries for this week" not in html_of(world.dev, reverse("exchange:request_list"))
    claim = dev.post(reverse("exchange:request_action", args=[aid_request.pk, "claim"]))
    assert claim.status_code == 404
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN


def test_other_pod_member_sees_a_network_request_without_private_details(world: World) -> None:
    aid_request = ask(world.rosa, world.maple, scope="network")

    detail = html_of(world.dev, aid_request.get_absolute_url())
    listing = html_of(world.dev, reverse("exchange:request_list"))

    assert "Groceries for this week" in detail
    assert "Groceries for this week" in listing
    assert_private_absent(detail)
    assert_private_absent(listing)


def test_other_pod_member_may_claim_a_network_request_and_then_sees_the_address(
    world: World,
) -> None:
    aid_request = ask(world.rosa, world.maple, scope="network")

    page = client_for(world.dev).post(
        reverse("exchange:request_action", args=[aid_request.pk, "claim"]), follow=True
    )

    assert_private_shown(page.content.decode())


def test_network_organizer_sees_no_private_details_either(world: World) -> None:
    aid_request = ask(world.rosa, world.maple, scope="network")

    assert_private_absent(html_of(world.olu, aid_request.get_absolute_url()))
    assert (
        client_for(world.olu).get(ask(world.rosa, world.maple).get_absolute_url()).status_code
        == 404
    )


def test_member_of_another_network_sees_nothing(world: World) -> None:
    pod_request = ask(world.rosa, world.maple)
    network_request = ask(world.rosa, world.maple, scope="network")
    offer = make_offer(world.ben, world.maple, scope="network")
    zed = client_for(world.zed)

    for aid_request in (pod_request, network_request):
        assert zed.get(aid_request.get_absolute_url()).status_code == 404
        assert (
            zed.post(reverse("exchange:message_post", args=[aid_request.pk]), {"body": "hi"})
        ).status_code == 404
    assert zed.get(offer.get_absolute_url()).status_code == 404
    assert zed.get(reverse("exchange:offer_answer", args=[offer.pk])).status_code == 404
    listing = html_of(world.zed, reverse("exchange:request_list") + "?show=all")
    assert "Groceries for this week" not in listing
    assert "Two hot meals a week" not in html_of(world.zed, reverse("exchange:offer_list"))


def test_pod_offer_is_hidden_from_other_pods(world: World) -> None:
    offer = make_offer(world.ben, world.maple)

    assert client_for(world.dev).get(offer.get_absolute_url()).status_code == 404
    assert "Two hot meals a week" not in html_of(world.dev, reverse("exchange:offer_list"))
    assert "Two hot meals a week" in html_of(world.chloe, reverse("exchange:offer_list"))


def test_a_crafted_request_in_another_pod_reveals_nothing_and_saves_nothing(world: World) -> None:
    page = client_for(world.dev).post(reverse("exchange:request_create"), request_form(world.maple))

    assert page.status_code == 400
    assert Request.objects.count() == 0


# --- People who are not signed in --------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(world: World) -> None:
    aid_request = ask(world.rosa, world.maple, scope="network")
    offer = make_offer(world.ben, world.maple, scope="network")
    anonymous = Client()
    sign_in = reverse("members:sign_in")
    urls = [
        reverse("exchange:request_list"),
        reverse("exchange:request_create"),
        aid_request.get_absolute_url(),
        reverse("exchange:request_edit", args=[aid_request.pk]),
        reverse("exchange:offer_list"),
        reverse("exchange:offer_create"),
        offer.get_absolute_url(),
        reverse("exchange:offer_edit", args=[offer.pk]),
        reverse("exchange:offer_answer", args=[offer.pk]),
        reverse("exchange:my_activity"),
    ]
    for url in urls:
        page = anonymous.get(url)
        assert page.status_code == 302, url
        assert page["Location"].startswith(sign_in), url

    claim = anonymous.post(reverse("exchange:request_action", args=[aid_request.pk, "claim"]))
    assert claim.status_code == 302 and claim["Location"].startswith(sign_in)
    aid_request.refresh_from_db()
    assert aid_request.status == Request.Status.OPEN
