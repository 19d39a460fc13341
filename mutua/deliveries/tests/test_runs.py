"""Delivery runs at the service level: planning rules, bad input, and who sees an address.

Riverside's Maple Street is around (40.000, -75.000). Olu (network organizer) plans Maple's runs;
Ben and Chloe (Maple members) drive; Rosa asks for groceries and Ben is helping her.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from mutua.audit.models import AuditEvent
from mutua.deliveries import access, routing, services
from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver, RunStop
from mutua.exchange import services as exchange
from mutua.exchange.models import Request
from mutua.members.models import Member, Pod
from mutua.test import World

BASE = (40.0, -75.0)
SECONDS = 0.3  # per solve: small instances, kept fast


def run_day() -> date:
    return timezone.localdate() + timedelta(days=1)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def near(north_m: float, east_m: float) -> tuple[float, float]:
    """A point so many metres north and east of Maple Street's centre."""
    lat = BASE[0] + north_m / 111_195
    lng = BASE[1] + east_m / (111_195 * math.cos(math.radians(BASE[0])))
    return lat, lng


def make_run(
    world: World, *, pod: Pod | None = None, name: str = "Saturday groceries"
) -> DeliveryRun:
    return services.create_run(
        actor=world.olu, pod=pod or world.maple, name=name, day=run_day(), solve_seconds=SECONDS
    )


def claimed_request(
    world: World,
    *,
    summary: str = "Groceries for Rosa",
    address: str = "12 Elm Street, Apt 3",
    requester: Member | None = None,
    helper: Member | None = None,
    pod: Pod | None = None,
) -> Request:
    aid_request = exchange.create_request(
        author=requester or world.rosa,
        draft=exchange.RequestDraft(
            pod=pod or world.maple,
            scope="pod",
            category="groceries",
            summary=summary,
            address=address,
        ),
    )
    return exchange.claim_request(aid_request=aid_request, actor=helper or world.ben)


def add_stop(
    run: DeliveryRun,
    world: World,
    *,
    point: tuple[float, float] = BASE,
    label: str = "",
    load: int = 1,
    window: tuple[datetime | None, datetime | None] = (None, None),
    aid_request: Request | None = None,
    what_to_bring: str = "",
    kind: str = RunStop.Kind.DELIVERY,
) -> RunStop:
    return services.add_stop(
        run=run,
        actor=world.olu,
        draft=services.StopDraft(
            label=label or ("" if aid_request else "A stop"),
            kind=kind,
            aid_request=aid_request,
            lat=point[0],
            lng=point[1],
            window_start=window[0],
            window_end=window[1],
            load=load,
            what_to_bring=what_to_bring,
        ),
    )


def add_driver(
    run: DeliveryRun,
    member: Member,
    *,
    capacity: int = 10,
    hours: tuple[int, int] = (8, 18),
    start: tuple[float, float] = BASE,
) -> RunDriver:
    return services.add_driver(
        run=run,
        actor=member,
        member=member,
        draft=services.DriverDraft(
            capacity=capacity,
            start_lat=start[0],
            start_lng=start[1],
            available_from=at(run.date, hours[0]),
            available_until=at(run.date, hours[1]),
        ),
    )


def plan(run: DeliveryRun, world: World) -> DeliveryRun:
    return services.plan_run(run=run, actor=world.olu)


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Written again here (lat, lng order) so the test does not trust the module it checks."""
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def assert_feasible(run: DeliveryRun) -> None:
    """An independent check of the saved plan: capacity, windows, hours, travel, coverage; and
    routing.check_plan again on the plan rebuilt from the database."""
    stops = list(RunStop.objects.filter(run=run))
    drivers = list(RunDriver.objects.filter(run=run))
    visits = list(PlannedVisit.objects.filter(run=run).select_related("stop", "driver"))
    minutes_per_km = 60 / run.speed_kmh
    slack = timedelta(seconds=1)
    for driver in drivers:
        route = sorted((v for v in visits if v.driver_id == driver.pk), key=lambda v: v.order)
        if not route:
            continue
        assert [v.order for v in route] == list(range(1, len(route) + 1))
        delivered = sum(v.stop.load for v in route if v.stop.kind == RunStop.Kind.DELIVERY)
        assert delivered <= driver.capacity
        here, clock = driver.start_point, driver.available_from
        for visit in route:
            travel = timedelta(minutes=haversine_km(here, visit.stop.point) * minutes_per_km)
            assert visit.arrival_at >= clock + travel - slack
            assert visit.service_at >= visit.arrival_at - slack
            if visit.stop.window_start:
                assert visit.service_at >= visit.stop.window_start - slack
            if visit.stop.window_end:
                assert visit.service_at <= visit.stop.window_end + slack
            here, clock = visit.stop.point, visit.departure_at
        back = clock + timedelta(minutes=haversine_km(here, driver.start_point) * minutes_per_km)
        assert back <= driver.available_until + slack
        assert driver.returns_at is not None and abs(driver.returns_at - back) <= slack
    visited = [v.stop_id for v in visits]
    assert len(visited) == len(set(visited))
    for stop in stops:
        assert (stop.pk in visited) != bool(stop.unplaced_reason), stop.label

    built = services.build_problem(run, stops, drivers)
    orders = [
        (
            str(d.pk),
            [str(v.stop_id) for v in sorted(visits, key=lambda v: v.order) if v.driver_id == d.pk],
        )
        for d in drivers
    ]
    unplaced = [routing.Unplaced(str(s.pk), s.unplaced_reason) for s in stops if s.unplaced_reason]
    rebuilt = routing.plan_from_orders(built.problem, [o for o in orders if o[1]], unplaced)
    assert routing.check_plan(built.problem, rebuilt) == []
    for visit in visits:
        planned = next(r for r in rebuilt.routes if r.driver_id == str(visit.driver_id))
        expected = planned.visits[visit.order - 1]
        assert abs(built.at(expected.start) - visit.service_at) <= slack


# --- Planning ------------------------------------------------------------------------------


def test_plan_respects_capacity_and_windows(world: World) -> None:
    run = make_run(world)
    day = run.date
    for i in range(6):
        add_stop(
            run,
            world,
            label=f"Box {i}",
            point=near(300 * i, 200 * (i % 3)),
            load=3,
            window=(at(day, 9 + i % 2), at(day, 12 + i % 3)),
        )
    ben = add_driver(run, world.ben, capacity=10)
    chloe = add_driver(run, world.chloe, capacity=10)

    run = plan(run, world)

    assert run.status == DeliveryRun.Status.PLANNED
    # 18 boxes do not fit in one car of 10: both drive, every stop is placed.
    assert set(PlannedVisit.objects.filter(run=run).values_list("driver", flat=True)) == {
        ben.pk,
        chloe.pk,
    }
    assert PlannedVisit.objects.filter(run=run).count() == 6
    assert not RunStop.objects.filter(run=run).exclude(unplaced_reason="").exists()
    assert_feasible(run)
    event = AuditEvent.objects.get(action="delivery_run.planned", object_id=str(run.pk))
    assert event.actor == world.olu
    assert event.data["drivers"] == 2


def test_fewest_drivers_when_one_suffices(world: World) -> None:
    run = make_run(world)
    for i in range(4):
        add_stop(run, world, label=f"Meal {i}", point=near(200 * i, -150 * i), load=1)
    add_driver(run, world.ben, capacity=10)
    add_driver(run, world.chloe, capacity=10)

    run = plan(run, world)

    drivers_used = set(PlannedVisit.objects.filter(run=run).values_list("driver", flat=True))
    assert len(drivers_used) == 1
    assert PlannedVisit.objects.filter(run=run).count() == 4
    assert_feasible(run)


def test_stops_that_cannot_fit_are_listed_with_reasons(world: World) -> None:
    run = make_run(world)
    yesterday = run.date - timedelta(days=1)
    fits = add_stop(run, world, label="Fits", point=near(100, 100))
    heavy = add_stop(run, world, label="Piano", point=near(200, 0), load=50)
    # In order as times, but on the day before the run: on the run's day it closes before it
    # opens.
    off_day = add_stop(
        run,
        world,
        label="Wrong day",
        point=near(0, 200),
        window=(at(yesterday, 9), at(yesterday, 10)),
    )
    add_driver(run, world.ben, capacity=10)

    run = plan(run, world)

    heavy.refresh_from_db()
    off_day.refresh_from_db()
    assert heavy.unplaced_reason == routing.TOO_HEAVY
    assert "above every driver's vehicle capacity" in heavy.unplaced_message
    assert off_day.unplaced_reason == routing.WINDOW_CLOSED
    assert "closes before it opens" in off_day.unplaced_message
    assert list(PlannedVisit.objects.filter(run=run).values_list("stop", flat=True)) == [fits.pk]
    assert_feasible(run)


def test_without_drivers_every_stop_is_listed_not_dropped(world: World) -> None:
    run = make_run(world)
    stop = add_stop(run, world)
    plan(run, world)
    stop.refresh_from_db()
    assert stop.unplaced_reason == routing.NO_DRIVERS


def test_a_plan_failing_the_check_is_refused_and_nothing_is_saved(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = make_run(world)
    add_stop(run, world, point=near(100, 0))
    add_stop(run, world, point=near(0, 100))
    add_driver(run, world.ben)
    real_solve = routing.solve

    def loses_a_stop(problem: routing.Problem, *, seconds: float, seed: int = 0) -> routing.Plan:
        good = real_solve(problem, seconds=seconds, seed=seed)
        route = good.routes[0]
        shorter = routing.Route(route.driver_id, route.visits[:1], route.distance, route.end)
        return routing.Plan((shorter,), good.unplaced, good.distance)

    monkeypatch.setattr(routing, "solve", loses_a_stop)
    with pytest.raises(ValidationError) as error:
        plan(run, world)
    assert error.value.code == "plan_failed_check"
    run.refresh_from_db()
    assert run.status == DeliveryRun.Status.DRAFT
    assert not PlannedVisit.objects.filter(run=run).exists()
    assert not AuditEvent.objects.filter(action="delivery_run.planned").exists()


def test_a_run_changed_while_planning_is_not_saved(world: World) -> None:
    run = make_run(world)
    add_stop(run, world)
    add_driver(run, world.ben)
    stale = DeliveryRun.objects.get(pk=run.pk)
    add_stop(run, world, label="Late addition", point=near(50, 50))  # bumps the revision
    with pytest.raises(ValidationError) as error:
        services.plan_run(run=stale, actor=world.olu)
    assert error.value.code == "run_changed"
    assert not PlannedVisit.objects.filter(run=run).exists()


def test_adding_a_stop_drops_the_old_plan(world: World) -> None:
    run = make_run(world)
    add_stop(run, world)
    add_driver(run, world.ben)
    run = plan(run, world)
    assert PlannedVisit.objects.filter(run=run).count() == 1
    add_stop(run, world, label="Another", point=near(100, 0))
    run.refresh_from_db()
    assert run.status == DeliveryRun.Status.DRAFT
    assert not PlannedVisit.objects.filter(run=run).exists()


def test_only_organizers_plan_and_only_planned_runs_are_done(world: World) -> None:
    run = make_run(world)
    add_stop(run, world)
    add_driver(run, world.ben)
    with pytest.raises(ValidationError) as error:
        services.plan_run(run=run, actor=world.chloe)
    assert error.value.code == "not_organizer"
    with pytest.raises(ValidationError) as error:
        services.mark_run_done(run=run, actor=world.olu)
    assert error.value.code == "not_planned"
    run = plan(run, world)
    run = services.mark_run_done(run=run, actor=world.olu)
    assert run.status == DeliveryRun.Status.DONE
    assert AuditEvent.objects.filter(action="delivery_run.done", actor=world.olu).exists()
    with pytest.raises(ValidationError) as error:
        add_stop(run, world)
    assert error.value.code == "run_done"


# --- Bad input -------------------------------------------------------------------------------


def test_create_run_rules(world: World) -> None:
    with pytest.raises(ValidationError) as error:
        services.create_run(actor=world.chloe, pod=world.maple, name="Mine", day=run_day())
    assert error.value.code == "not_organizer"
    with pytest.raises(ValidationError) as error:
        services.create_run(actor=world.olu, pod=world.maple, name="  ", day=run_day())
    assert error.value.code == "empty_name"
    with pytest.raises(ValidationError) as error:
        services.create_run(
            actor=world.olu, pod=world.maple, name="Old", day=run_day() - timedelta(days=3)
        )
    assert error.value.code == "date_in_past"
    run = services.create_run(actor=world.olu, pod=world.maple, name="Fine", day=run_day())
    assert run.network == world.network
    assert AuditEvent.objects.filter(action="delivery_run.created", object_id=str(run.pk)).exists()


def test_stop_with_a_window_closing_before_it_opens_is_refused(world: World) -> None:
    run = make_run(world)
    with pytest.raises(ValidationError) as error:
        add_stop(run, world, window=(at(run.date, 12), at(run.date, 11)))
    assert error.value.code == "window_out_of_order"
    with pytest.raises(ValidationError) as error:
        add_stop(run, world, load=-1)
    assert error.value.code == "bad_load"
    assert not RunStop.objects.filter(run=run).exists()
    add_stop(run, world, window=(at(run.date, 11), at(run.date, 12)), load=0)
    assert RunStop.objects.filter(run=run).count() == 1
    assert AuditEvent.objects.filter(action="delivery_run.stop_added").count() == 1


def test_driver_with_no_hours_or_no_room_is_refused(world: World) -> None:
    run = make_run(world)
    with pytest.raises(ValidationError) as error:
        add_driver(run, world.ben, hours=(14, 14))
    assert error.value.code == "driver_no_hours"
    with pytest.raises(ValidationError) as error:
        add_driver(run, world.ben, hours=(15, 9))
    assert error.value.code == "driver_no_hours"
    with pytest.raises(ValidationError) as error:
        add_driver(run, world.ben, capacity=0)
    assert error.value.code == "bad_capacity"
    # Dev lives in Oak Court: not a member of Maple Street's pod.
    with pytest.raises(ValidationError) as error:
        add_driver(run, world.dev)
    assert error.value.code == "not_in_pod"
    # Chloe cannot sign Ben up; only he or an organizer can.
    with pytest.raises(ValidationError) as error:
        services.add_driver(
            run=run,
            actor=world.chloe,
            member=world.ben,
            draft=services.DriverDraft(10, *BASE, at(run.date, 8), at(run.date, 9)),
        )
    assert error.value.code == "not_organizer"
    assert not RunDriver.objects.filter(run=run).exists()
    add_driver(run, world.ben)
    with pytest.raises(ValidationError) as error:
        add_driver(run, world.ben)
    assert error.value.code == "already_driving"
    assert AuditEvent.objects.filter(action="delivery_run.driver_added", actor=world.ben).exists()


def test_only_requests_being_helped_in_the_pod_become_stops(world: World) -> None:
    run = make_run(world)
    open_request = exchange.create_request(
        author=world.rosa,
        draft=exchange.RequestDraft(
            pod=world.maple, scope="pod", category="meals", summary="Soup please"
        ),
    )
    with pytest.raises(ValidationError) as error:
        add_stop(run, world, aid_request=open_request)
    assert error.value.code == "request_not_claimed"
    oak_request = claimed_request(
        world, summary="Oak groceries", requester=world.dev, helper=world.olu, pod=world.oak
    )
    with pytest.raises(ValidationError) as error:
        add_stop(run, world, aid_request=oak_request)
    assert error.value.code == "request_out_of_scope"

    rosas = claimed_request(world)
    Request.objects.filter(pk=rosas.pk).update(area_lat=40.01, area_lng=-75.01)
    rosas.refresh_from_db()
    stop = services.add_stop(run=run, actor=world.olu, draft=services.StopDraft(aid_request=rosas))
    assert stop.label == "Groceries for Rosa"
    assert stop.point == (40.01, -75.01)
    with pytest.raises(ValidationError) as error:
        add_stop(run, world, aid_request=rosas)
    assert error.value.code == "already_on_run"


# --- Privacy ---------------------------------------------------------------------------------


def test_raw_rows_hold_no_address_or_coordinates(world: World) -> None:
    run = make_run(world)
    rosas = claimed_request(world, address="12 Elm Street, Apt 3")
    add_stop(run, world, aid_request=rosas, point=(40.012345, -75.054321))
    add_driver(run, world.ben, start=(40.024680, -75.013579))
    plan(run, world)
    with connection.cursor() as cursor:
        dumped = []
        for table in (
            "deliveries_runstop",
            "deliveries_rundriver",
            "deliveries_plannedvisit",
            "deliveries_deliveryrun",
            "exchange_requestprivate",
        ):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed table names)
            dumped.append(repr(cursor.fetchall()))
    raw = " ".join(dumped)
    for secret in ("Elm Street", "40.012", "75.054", "40.024", "75.013"):
        assert secret not in raw
    # Yet the application reads them back.
    assert RunStop.objects.get(run=run).point == (40.012345, -75.054321)


def test_only_the_driver_of_the_stop_sees_the_address_and_only_on_the_day(world: World) -> None:
    run = make_run(world)
    rosas = claimed_request(world)
    add_stop(run, world, aid_request=rosas, point=near(300, 300))
    ben = add_driver(run, world.ben)
    chloe = add_driver(run, world.chloe, start=near(5000, 5000))
    plan(run, world)
    visits = list(PlannedVisit.objects.filter(run=run).select_related("stop"))
    assert [v.driver_id for v in visits] == [ben.pk]
    stop_id = visits[0].stop_id

    on_the_day = access.sheet_addresses(world.ben, ben, run, visits, run.date)
    assert on_the_day == {stop_id: "12 Elm Street, Apt 3"}
    day_before = run.date - timedelta(days=1)
    assert access.sheet_addresses(world.ben, ben, run, visits, day_before) == {}
    assert access.sheet_addresses(world.ben, ben, run, visits, run.date + timedelta(days=1)) == {}
    # Another driver, a member of the pod, an organizer: never, even holding Ben's route.
    for member in (world.chloe, world.rosa, world.olu, world.dev):
        assert access.sheet_addresses(member, ben, run, visits, run.date) == {}
    assert access.sheet_addresses(world.chloe, chloe, run, visits, run.date) == {}
    # Once the request is no longer being helped, no address either.
    exchange.release_request(aid_request=rosas, actor=world.ben)
    assert access.sheet_addresses(world.ben, ben, run, visits, run.date) == {}


def test_runs_are_not_found_outside_the_pod(world: World) -> None:
    run = make_run(world)
    for member in (world.ben, world.chloe, world.rosa, world.olu):
        assert access.access_run(member, run.pk) == run
    from django.http import Http404

    for member in (world.dev, world.zed):
        with pytest.raises(Http404):
            access.access_run(member, run.pk)
