"""An agreement from proposal to adoption in real Chromium, every page checked by axe-core.

Rosa proposes Maple Street's first agreement, Ben votes, Olu records Chloe's vote given by phone;
after the deadline Rosa closes the vote, the agreement is adopted as version 1 and Ben signs it.
The helpers (signing in by emailed code, axe checks, the module-scoped Chromium) are the shared
ones of mutua/tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from mutua.agreements.models import Agreement, Signature
from mutua.decisions.models import Proposal, Vote
from mutua.decisions.tests.helpers import TEXT
from mutua.test import World
from mutua.tests.browser import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SECTION_LABELS = {
    "membership": "Membership",
    "commitments": "Commitments",
    "communication": "Communication protocols",
    "boundaries": "Boundaries",
    "review_cycle": "Review cycle",
}


def test_agreement_walks_from_proposal_to_adoption_and_signature(
    browser: Browser,
    live_server: LiveServer,
    people: list[BrowserContext],
    world: World,
) -> None:
    rosa = person(browser, live_server, people, world.rosa)
    ben = person(browser, live_server, people, world.ben)
    olu = person(browser, live_server, people, world.olu)
    agreement_path = reverse("agreements:detail", args=["pod", world.maple.pk])

    rosa.sign_in()
    rosa.go(world.maple.get_absolute_url())
    rosa.axe("pod page without an agreement")
    rosa.page.get_by_role("link", name=rosa.t("Start one")).click()
    rosa.axe("agreement page, no agreement yet")
    rosa.page.get_by_role("link", name=rosa.t("Propose the agreement")).click()
    rosa.axe("proposal form")

    # One section left empty: the form says which, and keeps what she wrote.
    for field, label in SECTION_LABELS.items():
        if field != "boundaries":
            rosa.field(label).fill(getattr(TEXT, field))
    deadline = timezone.localtime(timezone.now() + timedelta(hours=2))
    rosa.field("Voting closes at").fill(deadline.strftime("%Y-%m-%dT%H:%M"))
    rosa.press("Open for votes")
    missing = rosa.t("Write the “%(section)s” section: an agreement has all five sections.")
    expect(rosa.page.get_by_text(missing % {"section": rosa.t("Boundaries")})).to_be_visible()
    expect(rosa.field("Membership")).to_have_value(TEXT.membership)
    rosa.axe("proposal form with an error")
    assert not Proposal.objects.exists()

    rosa.field("Boundaries").fill(TEXT.boundaries)
    rosa.press("Open for votes")
    expect(rosa.page.get_by_role("heading", level=1, name=rosa.t("Our agreement"))).to_be_visible()
    rosa.axe("proposal page, open")
    proposal = Proposal.objects.get()

    ben.sign_in()
    ben.go(proposal.get_absolute_url())
    ben.page.get_by_label(ben.t("Agree"), exact=True).check()
    ben.press("Vote")
    expect(ben.page.get_by_text("Ben: " + ben.t("Agree"))).to_be_visible()
    ben.axe("proposal page after voting")

    olu.sign_in()
    olu.go(proposal.get_absolute_url())
    olu.field("Whose vote").select_option(label="Chloe")
    olu.page.get_by_label(olu.t("Stand aside (I won't stop it, but won't take part)")).check()
    olu.field("How they gave it").select_option(value="phone")
    olu.press("Record their vote")
    expect(olu.page.get_by_text("(recorded by Olu, by phone)")).to_be_visible()
    olu.axe("proposal page with an offline vote")
    assert Vote.objects.get(member=world.chloe).recorded_by == world.olu

    with time_machine.travel(proposal.deadline_at + timedelta(minutes=1)):
        rosa.page.reload()
        rosa.press("Count the votes and close")
        adopted = rosa.t("Adopted as version %(number)s of the agreement.") % {"number": 1}
        expect(rosa.page.get_by_text(adopted)).to_be_visible()
        rosa.axe("proposal page, adopted")
    proposal.refresh_from_db()
    assert proposal.status == Proposal.Status.ADOPTED

    ben.go(agreement_path)
    expect(ben.page.get_by_role("heading", name=ben.t("Boundaries"))).to_be_visible()
    ben.axe("agreement page, version 1")
    ben.press("I have read version 1 and sign on")
    expect(ben.page.get_by_text(ben.t("You signed this version."))).to_be_visible()
    ben.axe("agreement page after signing")
    agreement = Agreement.objects.get(pod=world.maple)
    assert Signature.objects.filter(version=agreement.current_version, member=world.ben).exists()

    ben.page.get_by_role("link", name=ben.t("Print view (one page)")).click()
    expect(ben.page.locator("nav")).to_have_count(0)
    ben.axe("print view")
    # The fridge-door promise: the whole agreement prints on one sheet, A4 or Letter.
    for paper in ("A4", "Letter"):
        pdf = ben.page.pdf(format=paper)
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages == 1, paper
