"""The core loop in real Chromium: Rosa asks, Ben claims, sees the address, helps; Rosa confirms.

Every page on the way is checked by axe-core (serious and critical violations fail), and the same
loop runs again with JavaScript switched off, since Mutua must work on a small old phone.
Members sign in through the real door: an emailed one-time code typed into the code page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Browser, BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.models import Request, StatusChange
from mutua.test import World
from mutua.tests.browser import Person, person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUMMARY = "Groceries for this week, please"
ADDRESS = "12 Maple Street, flat 3"
AREA = "Maple St, near the library"
# Phone-sized screenshots to look at by eye (/tmp/mutua-phone-*.png).
SCREENSHOTS = Path(tempfile.gettempdir())


def run_core_loop(rosa: Person, ben: Person) -> Request:
    """Rosa asks with her address kept private; Ben claims, sees it, helps; Rosa confirms."""
    rosa.sign_in()
    rosa.axe("request list")
    rosa.page.get_by_role("link", name=rosa.t("Ask for help")).first.click()
    rosa.axe("request form")

    # An empty summary (spaces pass the browser's own check) is refused with a message next to
    # the field, and what she already typed is still there.
    page = rosa.page
    rosa.field("Short public summary").fill("   ")
    rosa.field("Exact address").fill(ADDRESS)
    rosa.press("Post my request")
    expect(page.get_by_text(rosa.t("Please write a short summary."))).to_be_visible()
    expect(rosa.field("Exact address")).to_have_value(ADDRESS)
    rosa.axe("request form with an error")
    assert not Request.objects.exists()

    rosa.field("Short public summary").fill(SUMMARY)
    rosa.field("Category").select_option(label=rosa.t("Groceries"))
    rosa.field("Approximate area").fill(AREA)
    rosa.press("Post my request")
    expect(page.get_by_role("heading", level=1, name=SUMMARY)).to_be_visible()
    expect(page.get_by_text(ADDRESS)).to_be_visible()  # her own address, in her private box
    rosa.axe("her request, just posted")

    ben.sign_in()
    ben.page.get_by_role("link", name=SUMMARY).click()
    expect(ben.page.get_by_role("heading", level=1, name=SUMMARY)).to_be_visible()
    assert ADDRESS not in ben.page.content(), "the address shows before Ben claimed the request"
    expect(ben.page.get_by_text(AREA)).to_be_visible()  # the coarse area is public
    ben.axe("an open request of a neighbour")

    ben.press("I can help with this")
    expect(ben.page.get_by_text(ADDRESS)).to_be_visible()
    assert ben.t("Someone is helping") in ben.status_badge()
    ben.axe("a request he claimed, with the address")

    ben.press("Mark as done")
    assert ben.t("Marked done by the helper") in ben.status_badge()
    ben.axe("a request he marked done")

    rosa.page.reload()
    assert rosa.t("Marked done by the helper") in rosa.status_badge()
    rosa.press("Confirm I got the help")
    assert rosa.t("Confirmed done") in rosa.status_badge()
    rosa.axe("her confirmed request")

    ben.page.reload()
    assert ben.t("Confirmed done") in ben.status_badge()

    aid_request = Request.objects.get()
    assert aid_request.summary == SUMMARY
    assert aid_request.requester == rosa.member
    assert aid_request.claimed_by == ben.member
    assert aid_request.status == Request.Status.CONFIRMED
    assert aid_request.claimed_at and aid_request.fulfilled_at and aid_request.confirmed_at
    assert aid_request.private.address == ADDRESS
    changes = StatusChange.objects.filter(request=aid_request)
    assert [(c.to_status, c.actor) for c in changes] == [
        ("open", rosa.member),
        ("claimed", ben.member),
        ("fulfilled", ben.member),
        ("confirmed", rosa.member),
    ]
    audited = AuditEvent.objects.filter(object_id=str(aid_request.pk)).values_list(
        "action", flat=True
    )
    assert {"request.claimed", "request.fulfilled", "request.confirmed"} <= set(audited)
    return aid_request


def test_member_asks_neighbour_claims_sees_address_helps_and_asker_confirms(
    browser: Browser,
    live_server: LiveServer,
    people: list[BrowserContext],
    world: World,
) -> None:
    anonymous = person(browser, live_server, people, world.rosa)
    anonymous.go("/")
    anonymous.axe("landing page, not signed in")

    rosa = person(browser, live_server, people, world.rosa)
    ben = person(browser, live_server, people, world.ben)
    run_core_loop(rosa, ben)


def test_core_loop_works_without_javascript(
    browser: Browser,
    live_server: LiveServer,
    people: list[BrowserContext],
    world: World,
) -> None:
    rosa = person(browser, live_server, people, world.rosa, javascript=False)
    ben = person(browser, live_server, people, world.ben, javascript=False)
    run_core_loop(rosa, ben)


def test_pages_with_content_are_accessible_and_readable_on_a_small_phone(
    browser: Browser,
    live_server: LiveServer,
    people: list[BrowserContext],
    world: World,
) -> None:
    """Offers, my activity, the pod and a claimed request (private box shown), at 360x640."""
    aid_request = services.create_request(
        author=world.rosa,
        draft=services.RequestDraft(
            pod=world.maple,
            scope="pod",
            category="groceries",
            summary=SUMMARY,
            urgency="high",
            area=AREA,
            address=ADDRESS,
            access_notes="Ring twice; the side door",
        ),
    )
    services.claim_request(aid_request=aid_request, actor=world.ben)
    services.create_offer(
        author=world.ben,
        draft=services.OfferDraft(
            pod=world.maple,
            scope="network",
            category="meals",
            description="Two hot meals a week",
            quantity="2 meals",
            availability_note="weekday evenings",
        ),
    )
    ben = person(browser, live_server, people, world.ben)
    ben.page.set_viewport_size({"width": 360, "height": 640})
    ben.sign_in()
    for where, path in [
        ("offers list", reverse("exchange:offer_list")),
        ("my activity", reverse("exchange:my_activity")),
        ("pod page", reverse("members:pod_detail", args=[world.maple.pk])),
        ("claimed request", aid_request.get_absolute_url()),
    ]:
        ben.go(path)
        ben.axe(f"{where} on a phone")
        shot = SCREENSHOTS / f"mutua-phone-{where.replace(' ', '-')}.png"
        ben.page.screenshot(path=shot, full_page=True)
        # Nothing wider than the phone: no sideways scrolling to read a page.
        width = ben.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{where} is {width}px wide on a 360px phone"
