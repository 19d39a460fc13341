"""Welcoming, emergency contacts, handing over and working groups, checked by axe-core in Chromium.

Serious and critical violations fail (the shared helper in mutua/tests/browser.py); each form is
also checked while it shows an error, since that is when a screen reader user needs it most.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.live_server_helper import LiveServer

from mutua.groups import services as groups
from mutua.orientation.models import EmergencyContact
from mutua.schedules import services as schedules
from mutua.schedules.tests.helpers import hold, make_role
from mutua.test import World
from mutua.tests.browser import SignedIn, assert_accessible, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_welcome_contact_handover_and_group_pages_are_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    run = make_role(world.maple, world.ben, name="Saturday run")
    hold(run, world.ben)
    run.shifts.all().delete()
    schedules.materialize_shifts(role=run, until=timezone.now() + timedelta(weeks=3))
    comms = groups.create_group(network=world.network, name="Communications", actor=world.ben)
    groups.join_group(group=comms, actor=world.rosa)
    ben = signed_in(world.ben)

    for where, path in [
        ("welcome checklist", reverse("orientation:welcome")),
        ("pod welcomes", reverse("orientation:pod_welcomes", args=[world.maple.pk])),
        ("group list", reverse("groups:group_list", args=[world.network.pk])),
        ("group detail", comms.get_absolute_url()),
        ("handover preview before leaving", reverse("orientation:leave", args=[world.maple.pk])),
    ]:
        visit(ben, live_server, path)
        assert_accessible(ben, where)
    assert "Saturday run" in ben.content()  # the leave page lists what needs a new holder

    # The emergency contact form, empty and then with an error tied to its field.
    visit(ben, live_server, reverse("orientation:emergency_contact"))
    assert_accessible(ben, "emergency contact form")
    ben.fill("#id_phone", "+1 555 0100 123")
    ben.click("main form button[type=submit]")
    assert "Write the name of the person to call." in ben.content()
    assert not EmergencyContact.objects.exists()
    assert_accessible(ben, "emergency contact form with an error")

    # The break: dates first, then the list of what it hands on, then the confirmation.
    visit(ben, live_server, reverse("orientation:pause", args=[world.maple.pk]))
    assert_accessible(ben, "pause form")
    first = timezone.localdate() + timedelta(days=1)
    ben.fill("#id_starts_on", first.isoformat())
    ben.fill("#id_ends_on", (first + timedelta(days=14)).isoformat())
    ben.click("main form button[type=submit]")
    assert ben.locator("#confirm_handover").count() == 1
    assert_accessible(ben, "handover preview before a break")
    ben.click("main form button[type=submit]")  # not ticked: refused, with the reason
    assert ben.locator("[role=alert]").count() >= 1
    assert_accessible(ben, "handover preview with an error")
