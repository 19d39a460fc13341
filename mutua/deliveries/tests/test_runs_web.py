"""Delivery runs through the doors members use: the pages, the route sheet and the JSON API."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, time, timedelta

import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver, RunStop
from mutua.deliveries.tests.test_runs import (
    add_driver,
    add_stop,
    at,
    claimed_request,
    make_run,
    near,
    plan,
    run_day,
)
from mutua.members.models import ApiToken, Member
from mutua.test import World, client_for

SVG_NS = "{http://www.w3.org/2000/svg}"
ADDRESS = "12 Elm Street, Apt 3"


def planned_run_for_ben(world: World) -> DeliveryRun:
    """Rosa's groceries (Ben is helping) on a run Ben drives; Chloe drives too, with no stops."""
    run = make_run(world)
    rosas = claimed_request(world, address=ADDRESS)
    add_stop(run, world, aid_request=rosas, point=near(300, 300), what_to_bring="Two bags")
    add_stop(run, world, label="Bread for the shelter", point=near(-400, 100))
    add_driver(run, world.ben)
    add_driver(run, world.chloe, start=near(9000, 9000), hours=(8, 9))
    return plan(run, world)


def on(day: date, hour: int = 9) -> time_machine.travel:
    """Travel to that hour of that day (frozen). Plan before travelling: the solver's clock."""
    return time_machine.travel(timezone.make_aware(datetime.combine(day, time(hour))), tick=False)


# --- Pages -----------------------------------------------------------------------------------


def test_organizer_creates_a_run_and_sees_errors_next_to_fields(world: World) -> None:
    client = client_for(world.olu)
    url = reverse("deliveries:run_create", args=[world.maple.pk])
    response = client.post(url, {"name": "", "date": run_day().isoformat()})
    assert response.status_code == 400
    response = client.post(url, {"name": "Old", "date": "2001-01-01"})
    assert response.status_code == 400
    assert "The day of the run is in the past." in response.content.decode()
    assert not DeliveryRun.objects.exists()

    response = client.post(url, {"name": "Saturday groceries", "date": run_day().isoformat()})
    run = DeliveryRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    listing = client.get(reverse("deliveries:run_list", args=[world.maple.pk]))
    assert "Saturday groceries" in listing.content.decode()


def test_member_cannot_create_a_run(world: World) -> None:
    response = client_for(world.chloe).post(
        reverse("deliveries:run_create", args=[world.maple.pk]),
        {"name": "Mine", "date": run_day().isoformat()},
    )
    assert response.status_code == 400
    assert "Only the organizers" in response.content.decode()
    assert not DeliveryRun.objects.exists()


def test_add_stop_page_success_and_failure(world: World) -> None:
    run = make_run(world)
    client = client_for(world.olu)
    url = reverse("deliveries:stop_add", args=[run.pk])
    lat, lng = near(100, 100)
    data = {
        "kind": "delivery",
        "label": "Groceries for Rosa",
        "lat": lat,
        "lng": lng,
        "window_start": "12:00",
        "window_end": "11:00",
        "service_minutes": 5,
        "load": 2,
        "what_to_bring": "Two bags",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "The time window closes before it opens." in response.content.decode()
    assert not RunStop.objects.exists()

    response = client.post(url, {**data, "window_start": "10:00"})
    assert response.status_code == 302
    stop = RunStop.objects.get()
    assert stop.window_start == at(run.date, 10)
    assert stop.window_end == at(run.date, 11)


def test_volunteer_to_drive_success_and_no_hours(world: World) -> None:
    run = make_run(world)
    client = client_for(world.chloe)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "Volunteer to drive" in page
    assert "Add the stop" not in page  # Chloe is not an organizer
    url = reverse("deliveries:driver_add", args=[run.pk])
    data = {
        "capacity": 8,
        "start_lat": 40.0,
        "start_lng": -75.0,
        "available_from": "14:00",
        "available_until": "13:00",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    assert "hours end before they start" in response.content.decode()
    assert not RunDriver.objects.exists()
    response = client.post(url, {**data, "available_until": "17:00"})
    assert response.status_code == 302
    assert RunDriver.objects.get().member == world.chloe


def test_plan_button_shows_routes_and_unplaced_with_reasons(world: World) -> None:
    run = make_run(world)
    add_stop(run, world, label="Soup for Dana", point=near(200, 0))
    add_stop(run, world, label="Piano", point=near(0, 200), load=99)
    add_driver(run, world.ben)
    client = client_for(world.olu)
    response = client.post(reverse("deliveries:run_plan", args=[run.pk]), follow=True)
    page = response.content.decode()
    assert "The run is planned." in page
    assert "Soup for Dana" in page
    assert "could not place: its load is above every driver&#x27;s vehicle capacity" in page
    assert "Elm Street" not in page


def test_member_cannot_plan_through_the_page(world: World) -> None:
    run = make_run(world)
    add_stop(run, world)
    add_driver(run, world.ben)
    response = client_for(world.chloe).post(
        reverse("deliveries:run_plan", args=[run.pk]), follow=True
    )
    assert "Only the organizers" in response.content.decode()
    assert not PlannedVisit.objects.exists()


def test_route_sheet_shows_the_address_only_to_its_driver_on_the_day(world: World) -> None:
    run = planned_run_for_ben(world)
    sheet = reverse("deliveries:route_sheet", args=[run.pk])
    printed = reverse("deliveries:route_sheet_print", args=[run.pk])
    ben = client_for(world.ben)

    with on(run.date - timedelta(days=1), 20):
        page = ben.get(sheet).content.decode()
        assert "Groceries for Rosa" in page and "Two bags" in page
        assert ADDRESS not in page
        assert "Exact addresses appear here on the day" in page
    with on(run.date, 7):
        assert ADDRESS in ben.get(sheet).content.decode()
        assert ADDRESS in ben.get(printed).content.decode()
        # Chloe drives too, but not to Rosa's.
        chloe_sheet = client_for(world.chloe).get(sheet)
        assert chloe_sheet.status_code == 200
        assert ADDRESS not in chloe_sheet.content.decode()
        # Rosa's pod neighbour who is not driving, the organizer: no sheet at all.
        assert client_for(world.rosa).get(sheet).status_code == 404
        assert client_for(world.olu).get(sheet).status_code == 404
        # Other pod, other network: the run does not exist for them.
        for member in (world.dev, world.zed):
            assert client_for(member).get(sheet).status_code == 404
            assert client_for(member).get(run.get_absolute_url()).status_code == 404
        # The run page itself never shows an address, even to the driver on the day.
        for member in (world.ben, world.olu, world.rosa):
            assert ADDRESS not in client_for(member).get(run.get_absolute_url()).content.decode()
    with on(run.date + timedelta(days=1), 9):
        assert ADDRESS not in ben.get(sheet).content.decode()


def _svgs(page: str) -> list[ET.Element]:
    # Our own page, rendered in the test: trusted input.
    found = re.findall(r"<svg\b.*?</svg>", page, flags=re.S)
    return [ET.fromstring(svg) for svg in found]  # noqa: S314


def test_route_sketches_are_shown_only_to_the_runs_organizers_and_drivers(world: World) -> None:
    run = planned_run_for_ben(world)
    for member in (world.olu, world.ben, world.chloe):
        assert _svgs(client_for(member).get(run.get_absolute_url()).content.decode())
    neighbour = client_for(world.rosa).get(run.get_absolute_url()).content.decode()
    assert "Ben" in neighbour  # the plan is there, in words
    assert _svgs(neighbour) == []


def test_route_sketch_is_well_formed_accessible_svg(world: World) -> None:
    run = planned_run_for_ben(world)
    page = client_for(world.olu).get(run.get_absolute_url()).content.decode()
    (svg,) = _svgs(page)
    assert svg.tag == f"{SVG_NS}svg"
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG_NS}title")
    desc = svg.find(f"{SVG_NS}desc")
    assert title is not None and "Ben" in (title.text or "")
    assert desc is not None and "Groceries for Rosa" in (desc.text or "")
    labelled_by = (svg.get("aria-labelledby") or "").split()
    assert labelled_by == [title.get("id"), desc.get("id")]
    circles = svg.findall(f".//{SVG_NS}circle")
    numbers = [t.text for t in svg.findall(f".//{SVG_NS}text")]
    assert len(circles) == 2 and numbers == ["1", "2"]
    assert svg.find(f"{SVG_NS}polyline") is not None
    # The organizer's sketch does not show where the driver starts; the driver's own does.
    assert svg.find(f"{SVG_NS}rect") is None
    with on(run.date - timedelta(days=1)):
        own = client_for(world.ben).get(reverse("deliveries:route_sheet", args=[run.pk]))
    (own_svg,) = _svgs(own.content.decode())
    assert own_svg.find(f"{SVG_NS}rect") is not None
    for element in own_svg.iter():
        for value in (element.get("cx"), element.get("cy")):
            if value is not None:
                assert 0 <= float(value) <= 200


def test_run_page_query_count_does_not_grow_with_stops(world: World) -> None:
    counts = []
    for size in (3, 15):
        run = make_run(world, name=f"Run of {size}")
        for i in range(size):
            add_stop(run, world, label=f"Stop {i}", point=near(100 * i, 50 * (i % 4)))
        add_driver(run, world.ben, capacity=100)
        add_driver(run, world.chloe, capacity=100)
        plan(run, world)
        client = client_for(world.olu)
        client.get(run.get_absolute_url())  # warm the session and caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(run.get_absolute_url())
        assert response.status_code == 200
        assert response.content.decode().count("<li><strong>Stop ") == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- JSON API --------------------------------------------------------------------------------


def api_client(member: Member) -> tuple[Client, dict[str, str]]:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(member=member, name="test", token_hash=ApiToken.hash(secret))
    return Client(), {"Authorization": f"Bearer {secret}"}


def test_api_round_trip(world: World) -> None:
    rosas = claimed_request(world, address=ADDRESS)
    olu, olu_auth = api_client(world.olu)
    ben, ben_auth = api_client(world.ben)
    day = run_day()

    response = olu.post(
        "/api/runs",
        {
            "pod_id": world.maple.pk,
            "name": "API run",
            "date": day.isoformat(),
            "solve_seconds": 0.3,
        },
        content_type="application/json",
        headers=olu_auth,
    )
    assert response.status_code == 201, response.content
    run_id = response.json()["id"]
    lat, lng = near(200, 200)
    stop = {
        "request_id": rosas.pk,
        "lat": lat,
        "lng": lng,
        "window_start": at(day, 12).isoformat(),
        "window_end": at(day, 11).isoformat(),
        "what_to_bring": "Two bags",
    }
    response = olu.post(
        f"/api/runs/{run_id}/stops", stop, content_type="application/json", headers=olu_auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "window_out_of_order"
    stop["window_start"] = at(day, 10).isoformat()
    response = olu.post(
        f"/api/runs/{run_id}/stops", stop, content_type="application/json", headers=olu_auth
    )
    assert response.status_code == 201
    assert response.json()["label"] == "Groceries for Rosa"
    assert "lat" not in response.json() and "location" not in response.json()

    driver = {
        "capacity": 5,
        "start_lat": 40.0,
        "start_lng": -75.0,
        "available_from": at(day, 9).isoformat(),
        "available_until": at(day, 9).isoformat(),
    }
    response = ben.post(
        f"/api/runs/{run_id}/drivers", driver, content_type="application/json", headers=ben_auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "driver_no_hours"
    driver["available_until"] = at(day, 17).isoformat()
    response = ben.post(
        f"/api/runs/{run_id}/drivers", driver, content_type="application/json", headers=ben_auth
    )
    assert response.status_code == 201
    assert "start_lat" not in response.json()

    response = ben.post(f"/api/runs/{run_id}/plan", headers=ben_auth)
    assert response.status_code == 400
    assert response.json()["code"] == "not_organizer"
    response = olu.post(f"/api/runs/{run_id}/plan", headers=olu_auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "planned"
    assert [v["label"] for v in body["routes"][0]["visits"]] == ["Groceries for Rosa"]
    assert body["unplaced"] == []
    assert olu.get(f"/api/runs/{run_id}/plan", headers=olu_auth).json() == body

    with on(day - timedelta(days=1)):
        sheet = ben.get(f"/api/runs/{run_id}/my-route", headers=ben_auth).json()
    assert sheet["visits"][0]["address"] is None
    assert sheet["visits"][0]["what_to_bring"] == "Two bags"
    with on(day):
        sheet = ben.get(f"/api/runs/{run_id}/my-route", headers=ben_auth).json()
        assert sheet["visits"][0]["address"] == ADDRESS
        assert olu.get(f"/api/runs/{run_id}/my-route", headers=olu_auth).status_code == 404
        zed, zed_auth = api_client(world.zed)
        assert zed.get(f"/api/runs/{run_id}", headers=zed_auth).status_code == 404
    assert ADDRESS not in olu.get(f"/api/runs/{run_id}", headers=olu_auth).content.decode()


def test_openapi_document_lists_the_run_endpoints(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    for path, methods in {
        "/api/runs": {"post"},
        "/api/runs/{run_id}": {"get"},
        "/api/runs/{run_id}/stops": {"post"},
        "/api/runs/{run_id}/drivers": {"post"},
        "/api/runs/{run_id}/plan": {"get", "post"},
        "/api/runs/{run_id}/done": {"post"},
        "/api/runs/{run_id}/my-route": {"get"},
    }.items():
        assert set(document["paths"][path]) == methods, path
    # Nothing private is ever part of a response shape.
    for name in ("StopOut", "DriverOut", "RunOut"):
        fields = set(document["components"]["schemas"][name]["properties"])
        assert not fields & {"location", "start_location", "lat", "lng", "address"}, name
