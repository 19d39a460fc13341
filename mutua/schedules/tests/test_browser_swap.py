"""A shift swap in real Chromium, every page checked by axe-core.

Ben asks Chloe to swap his next Saturday run for hers; Chloe accepts on her commitments page;
both then see the other as the assignee of the shift they gave away. The helpers (signing in by
emailed code, axe checks, the module-scoped Chromium) are the shared ones of mutua/tests.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from mutua.audit.models import AuditEvent
from mutua.schedules import services
from mutua.schedules.models import Shift, SwapRequest
from mutua.schedules.tests.helpers import hold, make_role
from mutua.test import World
from mutua.tests.browser import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_member_proposes_a_swap_the_other_accepts_and_both_see_the_new_assignees(
    browser: Browser,
    live_server: LiveServer,
    people: list[BrowserContext],
    world: World,
) -> None:
    role = make_role(world.maple, world.ben, name="Saturday run")
    hold(role, world.ben, world.chloe)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=timezone.now() + timedelta(weeks=4))
    bens_shift = Shift.objects.filter(role=role, assignee=world.ben).first()
    chloes_shift = Shift.objects.filter(role=role, assignee=world.chloe).first()
    assert bens_shift is not None and chloes_shift is not None

    ben = person(browser, live_server, people, world.ben)
    ben.sign_in()
    ben.go(bens_shift.get_absolute_url())
    ben.axe("his shift")
    ben.page.get_by_role("link", name=ben.t("Swap with someone")).click()
    expect(ben.page.get_by_role("heading", level=1, name=ben.t("Swap a shift"))).to_be_visible()
    ben.axe("swap form")

    ben.field("Swap with").select_option(label="Chloe")
    ben.field("In exchange for their shift (optional)").select_option(str(chloes_shift.pk))
    ben.press("Ask to swap")
    expect(ben.page.get_by_text("Waiting for Chloe to answer about Saturday run.")).to_be_visible()
    ben.axe("his commitments, swap waiting")
    swap = SwapRequest.objects.get()
    assert (swap.from_member, swap.to_member, swap.their_shift) == (
        world.ben,
        world.chloe,
        chloes_shift,
    )

    chloe = person(browser, live_server, people, world.chloe)
    chloe.sign_in()
    chloe.go(reverse("schedules:my_commitments"))
    expect(chloe.page.get_by_text("Ben asks you to take Saturday run on")).to_be_visible()
    chloe.axe("her commitments, a swap to answer")
    chloe.press("Accept")
    expect(
        chloe.page.get_by_text(chloe.t("Swap accepted. Your shifts are updated."))
    ).to_be_visible()
    chloe.axe("her commitments after accepting")

    # Both see the new assignees on the two shifts.
    for viewer in (ben, chloe):
        viewer.go(bens_shift.get_absolute_url())
        expect(viewer.page.locator("dl.facts")).to_contain_text("Chloe")
        viewer.go(chloes_shift.get_absolute_url())
        expect(viewer.page.locator("dl.facts")).to_contain_text("Ben")
    chloe.axe("the shift she gave Ben")

    bens_shift.refresh_from_db()
    chloes_shift.refresh_from_db()
    swap.refresh_from_db()
    assert (bens_shift.assignee, chloes_shift.assignee) == (world.chloe, world.ben)
    assert swap.status == SwapRequest.Status.ACCEPTED and swap.decided_at is not None
    actions = set(
        AuditEvent.objects.filter(object_id=str(swap.pk)).values_list("action", flat=True)
    )
    assert {"swap.proposed", "swap.accepted"} <= actions
