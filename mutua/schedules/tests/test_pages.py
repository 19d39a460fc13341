"""The pages members use: roles, my commitments, swaps, pod workload, the calendar feed."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar
from pytest_django import DjangoAssertNumQueries

from mutua.audit.models import AuditEvent
from mutua.schedules import services
from mutua.schedules.models import MemberPause, Role, Shift, SwapRequest
from mutua.schedules.tests.helpers import NOW, clock, hold, make_role
from mutua.test import World, client_for, make_member

pytestmark = pytest.mark.usefixtures("clock")
__all__ = ["clock"]


def role_form(**changes: Any) -> dict[str, Any]:
    """ "Every 2 weeks on Tuesday at 18:00 in New York", as the builder sends it."""
    data: dict[str, Any] = {
        "name": "Bring meals",
        "description": "Hot dinner for the Garcias",
        "starts_on": "2026-03-03",
        "start_time": "18:00",
        "time_zone": "America/New_York",
        "duration_minutes": "90",
        "hours_per_occurrence": "",
        "interval": "2",
        "unit": "WEEKLY",
        "weekdays": ["TU"],
        "nth": "",
        "month_day": "",
        "rrule": "",
    }
    return data | changes


def test_role_created_with_the_schedule_builder(world: World) -> None:
    client = client_for(world.ben)
    response = client.post(reverse("schedules:role_create", args=[world.maple.pk]), role_form())
    role = Role.objects.get()
    assert response.status_code == 302 and response["Location"] == role.get_absolute_url()
    assert role.rrule == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"
    assert [s.local_start.strftime("%m-%d %H:%M") for s in role.shifts.all()[:2]] == [
        "03-03 18:00",
        "03-17 18:00",
    ]
    page = client.get(role.get_absolute_url())
    assert "Bring meals" in page.content.decode()


def test_role_form_shows_the_schedule_error_and_saves_nothing(world: World) -> None:
    client = client_for(world.ben)
    url = reverse("schedules:role_create", args=[world.maple.pk])
    response = client.post(url, role_form(rrule="FREQ=DAILY", duration_minutes="1500"))
    assert response.status_code == 400
    assert "less than 24 hours" in response.content.decode()
    response = client.post(url, role_form(starts_on="", rrule=""))
    assert response.status_code == 400
    assert "A role needs a schedule" in response.content.decode()
    response = client.post(url, role_form(rrule="FREQ=NEVER"))
    assert "cannot be read" in response.content.decode()
    assert Role.objects.count() == 0 and not AuditEvent.objects.filter(action="role.created")


def test_other_pods_roles_are_not_found(world: World) -> None:
    role = make_role(world.maple, world.ben)
    dev = client_for(world.dev)
    assert dev.get(reverse("schedules:role_list", args=[world.maple.pk])).status_code == 404
    assert dev.get(role.get_absolute_url()).status_code == 404
    assert dev.get(reverse("schedules:pod_workload", args=[world.maple.pk])).status_code == 404
    shift = role.shifts.first()
    assert shift is not None
    assert dev.get(shift.get_absolute_url()).status_code == 404
    assert client_for(world.zed).get(role.get_absolute_url()).status_code == 404


def test_taking_on_a_role_from_its_page(world: World) -> None:
    role = make_role(world.maple, world.ben)
    client = client_for(world.chloe)
    url = reverse("schedules:role_take_on", args=[role.pk])
    assert client.post(url, {"kind": "standby"}).status_code == 302
    response = client.post(url, {"kind": "holder"})
    assert response.status_code == 400
    assert "already holds this role" in response.content.decode()
    assert role.holders.get().kind == "standby"


def test_ask_for_cover_and_take_it_through_the_pages(world: World) -> None:
    role = make_role(world.maple, world.ben)
    hold(role, world.ben)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=2))
    shift = role.shifts.first()
    assert shift is not None
    ben, chloe = client_for(world.ben), client_for(world.chloe)
    cover = reverse("schedules:shift_action", args=[shift.pk, "cover"])
    take = reverse("schedules:shift_action", args=[shift.pk, "take"])
    page = chloe.post(take, follow=True)  # nothing to take yet
    assert "Someone already took this shift." in page.content.decode()
    ben.post(cover)
    assert "I&#x27;ll take this shift" in chloe.get(shift.get_absolute_url()).content.decode()
    chloe.post(take)
    shift.refresh_from_db()
    assert (shift.assignee, shift.status) == (world.chloe, "assigned")


def test_swap_through_the_pages_including_outside_the_pod(world: World) -> None:
    role = make_role(world.maple, world.ben)
    hold(role, world.ben)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=2))
    shift = role.shifts.first()
    assert shift is not None
    ben = client_for(world.ben)
    url = reverse("schedules:shift_swap", args=[shift.pk])
    response = ben.post(url, {"to_member": world.dev.pk, "their_shift": ""})
    assert response.status_code == 400
    assert "Dev is not in this pod" in response.content.decode()
    assert SwapRequest.objects.count() == 0
    assert ben.post(url, {"to_member": world.rosa.pk, "their_shift": ""}).status_code == 302
    swap = SwapRequest.objects.get()
    rosa = client_for(world.rosa)
    assert (
        "asks you to take Saturday run"
        in rosa.get(reverse("schedules:my_commitments")).content.decode()
    )
    assert (
        client_for(world.chloe)
        .post(reverse("schedules:swap_answer", args=[swap.pk, "accept"]))
        .status_code
        == 404
    )
    rosa.post(reverse("schedules:swap_answer", args=[swap.pk, "accept"]))
    shift.refresh_from_db()
    assert shift.assignee == world.rosa


def test_pause_and_capacity_on_my_commitments(world: World) -> None:
    client = client_for(world.ben)
    bad = client.post(
        reverse("schedules:my_pause"), {"starts_on": "2026-03-10", "ends_on": "2026-03-01"}
    )
    assert bad.status_code == 400
    assert "must end on or after" in bad.content.decode()
    dates = {"starts_on": "2026-03-10", "ends_on": "2026-03-31", "note": "away until April"}
    # Step one only shows what the break hands on; nothing changes yet.
    preview = client.post(reverse("schedules:my_pause"), dates)
    assert preview.status_code == 200 and not MemberPause.objects.exists()
    fingerprint = re.search(r'name="fingerprint" value="(\w+)"', preview.content.decode())
    assert fingerprint
    unticked = client.post(reverse("schedules:my_pause"), dates | {"fingerprint": fingerprint[1]})
    assert unticked.status_code == 400 and not MemberPause.objects.exists()
    good = client.post(
        reverse("schedules:my_pause"),
        dates | {"fingerprint": fingerprint[1], "confirm_handover": "on"},
    )
    assert good.status_code == 302 and MemberPause.objects.filter(member=world.ben).count() == 1
    assert (
        client.post(reverse("schedules:my_capacity"), {"hours_per_week": "300"}).status_code == 400
    )
    assert client.post(reverse("schedules:my_capacity"), {"hours_per_week": "4"}).status_code == 302
    page = client.get(reverse("schedules:my_commitments")).content.decode()
    assert "My commitments" in page and "You said you can give 4.0." in page


def test_pod_workload_page_shows_flags(world: World) -> None:
    role = make_role(world.maple, world.ben, is_critical=True, name="Saturday run")
    services.record_training(role=role, member=world.rosa, actor=world.ben)
    page = client_for(world.chloe).get(reverse("schedules:pod_workload", args=[world.maple.pk]))
    assert page.status_code == 200
    assert "Only Rosa knows how to do Saturday run." in page.content.decode()


def test_list_pages_use_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    client = client_for(world.ben)
    make_role(world.maple, world.ben, name="One", is_critical=True)
    urls = [
        reverse("schedules:role_list", args=[world.maple.pk]),
        reverse("schedules:pod_workload", args=[world.maple.pk]),
        reverse("schedules:my_commitments"),
    ]
    counts = []
    for url in urls:
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured.captured_queries))
    # Many more roles, holders, trainings and members: the same number of queries.
    for n in range(4):
        extra = make_member(f"Neighbour {n}", pod=world.maple, network=world.network)
        role = make_role(world.maple, world.ben, name=f"Role {n}", is_critical=True)
        hold(role, extra, world.ben)
        services.record_training(role=role, member=extra, actor=world.ben)
        services.materialize_shifts(role=role, until=NOW + timedelta(weeks=8))
    for url, before in zip(urls, counts, strict=True):
        with django_assert_num_queries(before):
            assert client.get(url).status_code == 200


def feed_url(page: str) -> str:
    match = re.search(r'value="(http[^"]+\.ics)"', page)
    assert match, "no feed link on the page"
    return match.group(1).removeprefix("http://testserver")


def test_calendar_feed_parses_and_a_new_link_revokes_the_old(world: World) -> None:
    role = make_role(world.maple, world.ben, time_zone="Europe/Madrid")
    hold(role, world.ben)
    role.shifts.all().delete()
    services.materialize_shifts(role=role, until=NOW + timedelta(weeks=3))
    client = client_for(world.ben)
    settings_url = reverse("schedules:calendar_settings")
    first = feed_url(client.post(settings_url, {"action": "create"}).content.decode())

    anonymous = client_for(world.zed)
    anonymous.logout()
    response = anonymous.get(first)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and "Mutua" in str(calendar["PRODID"])
    events = calendar.walk("VEVENT")
    shifts = list(Shift.objects.filter(assignee=world.ben))
    assert len(events) == len(shifts) == 3
    for event, shift in zip(events, shifts, strict=True):
        assert event.decoded("DTSTART") == shift.starts_at
        assert event.decoded("DTSTART").tzinfo is not None
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert event.decoded("DTEND") == shift.ends_at
        assert str(event["SUMMARY"]) == "Saturday run"
        assert str(event["UID"]).startswith(f"shift-{shift.pk}@")
        assert event.decoded("DTSTAMP") == NOW.astimezone(UTC)

    second = feed_url(client.post(settings_url, {"action": "create"}).content.decode())
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    client.post(settings_url, {"action": "revoke"})
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404
