"""Every roles-and-shifts page, checked by axe-core in real Chromium, with and without errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from pytest_django.live_server_helper import LiveServer

from mutua.schedules import services
from mutua.schedules.tests.helpers import hold, make_role
from mutua.test import World
from mutua.tests.browser import SignedIn, assert_accessible, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_schedule_pages_are_accessible(
    world: World, signed_in: SignedIn, live_server: LiveServer
) -> None:
    role = make_role(world.maple, world.ben, is_critical=True)
    hold(role, world.ben)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=role.created_at + timedelta(weeks=3))
    shift = role.shifts.first()
    assert shift is not None
    services.propose_swap(shift=shift, to_member=world.rosa, actor=world.ben)
    ben = signed_in(world.ben)
    for where, path in [
        ("role list", reverse("schedules:role_list", args=[world.maple.pk])),
        ("role form", reverse("schedules:role_create", args=[world.maple.pk])),
        ("role detail", role.get_absolute_url()),
        ("shift detail", shift.get_absolute_url()),
        ("shift swap form", reverse("schedules:shift_swap", args=[shift.pk])),
        ("my commitments", reverse("schedules:my_commitments")),
        ("pod workload", reverse("schedules:pod_workload", args=[world.maple.pk])),
        ("calendar settings", reverse("schedules:calendar_settings")),
        ("network roles", reverse("schedules:network_role_list", args=[world.network.pk])),
        ("step down from a role", reverse("schedules:role_step_down", args=[role.pk])),
    ]:
        visit(ben, live_server, path)
        assert_accessible(ben, where)

    # The role form with errors: the message must be tied to its field.
    visit(ben, live_server, reverse("schedules:role_create", args=[world.maple.pk]))
    ben.fill("#id_name", "Bring meals")
    ben.fill("#id_starts_on", "2030-03-07")
    ben.fill("#id_start_time", "09:00")
    ben.fill("#id_rrule", "FREQ=NEVER")
    ben.click("main form button[type=submit]")
    assert "cannot be read" in ben.content()
    assert_accessible(ben, "role form with errors")

    # A break from my commitments: the list of what it hands on, before anything changes.
    visit(ben, live_server, reverse("schedules:my_commitments"))
    ben.fill("#id_starts_on", shift.local_start.date().isoformat())
    ben.fill("#id_ends_on", shift.local_start.date().isoformat())
    ben.click("text=Show what my break hands on")
    assert ben.locator("#confirm_handover").count() == 1
    assert_accessible(ben, "break, what it hands on")
    ben.click("main form button[type=submit]")
    assert_accessible(ben, "break, not confirmed")
    ben.check("#confirm_handover")
    ben.click("main form button[type=submit]")
    visit(ben, live_server, shift.get_absolute_url())
    assert "Who has been asked" in ben.content()  # the shift is open now, with the protocol
    assert_accessible(ben, "shift that needs someone")
