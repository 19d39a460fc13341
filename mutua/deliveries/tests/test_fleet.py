"""Route minimisation (guided ejection search): the segment algebra it stands on, and plans
that lose a route only when every stop still fits, checked independently."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutua.deliveries import fleet
from mutua.deliveries.ejection import join
from mutua.deliveries.routing import (
    Driver,
    Problem,
    ProblemError,
    Stop,
    _build_model,
    check_plan,
    plan_from_orders,
    read_solomon,
    solve,
)

SOLOMON = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "vrptw" / "solomon"

Segment = tuple[int, int, int, int, int, int, int]


@pytest.fixture(autouse=True, scope="module")
def compiled() -> None:
    """Compile before any clock starts (a no-op when `make install` has filled the cache)."""
    fleet.compile_ahead()


@st.composite
def stops(draw: st.DrawFn) -> Segment:
    early = draw(st.integers(0, 100))
    late = early + draw(st.integers(0, 60))
    delivery, pickup = draw(st.integers(0, 9)), draw(st.integers(0, 9))
    return (draw(st.integers(0, 10)), 0, early, late, delivery, pickup, max(delivery, pickup))


def schedule(route: list[Segment], travel: list[int]) -> tuple[bool, int]:
    """Feasibility and peak load the plain way: leave as early as possible, wait when early."""
    time_now = route[0][2]
    feasible = True
    load = sum(s[4] for s in route)
    peak = load
    for k, s in enumerate(route):
        if k:
            time_now = max(time_now + route[k - 1][0] + travel[k - 1], s[2])
        feasible &= time_now <= s[3]
        load += s[5] - s[4]
        peak = max(peak, load)
    return feasible, peak


@settings(max_examples=300, deadline=None)
@given(st.lists(stops(), min_size=2, max_size=8), st.data())
def test_joined_segments_agree_with_a_step_by_step_schedule(
    route: list[Segment], data: st.DataObject
) -> None:
    travel = data.draw(st.lists(st.integers(0, 30), min_size=len(route) - 1, max_size=len(route)))
    joined = route[0]
    for k in range(1, len(route)):
        joined = join(joined, route[k], travel[k - 1])
    feasible, peak = schedule(route, travel)
    assert (joined[1] == 0) == feasible
    assert joined[6] == peak


@settings(max_examples=300, deadline=None)
@given(stops(), stops(), stops(), st.integers(0, 30), st.integers(0, 30))
def test_joining_is_associative(a: Segment, b: Segment, c: Segment, ab: int, bc: int) -> None:
    """Prefix and suffix segments are joined in any grouping: they must all agree."""
    assert join(join(a, b, ab), c, bc) == join(a, join(b, c, bc), ab)


def model(problem: Problem) -> Any:
    dist, dur = problem.travel()
    return _build_model(problem, dist, dur, set()).data


def merge(
    places: tuple[Stop, ...], drivers: int = 4, capacity: int = 10
) -> tuple[fleet.Routes, list[Any]]:
    """Start from one route per stop and remove as many as fit."""
    team = tuple(Driver(f"d{k}", capacity, 0, 0, 0, 1000) for k in range(drivers))
    data = model(Problem(places, team))
    one_each = [(0, [c]) for c in range(len(places))]
    log: list[Any] = []
    found = fleet.remove_routes(data, one_each, 1, time.perf_counter() + 5, 5, 0, log)
    return found, log


def test_stops_that_fit_one_driver_end_on_one_route() -> None:
    four = tuple(Stop(f"s{i}", i, 1, load=2, due=500, service=1) for i in range(4))
    found, log = merge(four)
    assert len(found) == 1
    assert sorted(found[0][1]) == [0, 1, 2, 3]
    assert all(success for _, _, success, _ in log)


def test_a_route_stays_when_the_windows_forbid_merging() -> None:
    """Both stops are due 10 after opening and 40 apart: no driver can do both."""
    apart = (
        Stop("west", -20, 0, load=1, ready=30, due=40),
        Stop("east", 20, 0, load=1, ready=30, due=40),
    )
    found, log = merge(apart, drivers=2)
    assert sorted(found) == [(0, [0]), (0, [1])]
    assert log[-1][2] is False


def test_a_route_stays_when_the_loads_forbid_merging() -> None:
    full = (Stop("a", 1, 0, load=10, due=500), Stop("b", 2, 0, load=10, due=500))
    found, _ = merge(full, drivers=2, capacity=10)
    assert len(found) == 2


def test_the_compiled_search_is_ready_after_install() -> None:
    fleet.compile_ahead()  # raises when the search does not merge two routes that fit one


@pytest.mark.parametrize("name", ["RC101", "R104"])
def test_fewer_routes_from_one_stop_each_stay_feasible(name: str) -> None:
    """From the worst start, one route per customer, every plan it returns is feasible."""
    problem = read_solomon(str(SOLOMON / f"{name}.txt")).problem()
    data = model(problem)
    one_each = [(0, [c]) for c in range(data.num_clients)]
    log: list[Any] = []
    found = fleet.remove_routes(data, one_each, 1, time.perf_counter() + 1.0, math.inf, 3, log)
    assert len(found) < len(one_each)
    orders = [[problem.stops[c].id for c in visits] for _, visits in found]
    assert sorted(s for order in orders for s in order) == sorted(s.id for s in problem.stops)
    plan = plan_from_orders(problem, [(str(k + 1), order) for k, order in enumerate(orders)])
    assert check_plan(problem, plan) == []


def test_parallel_workers_return_the_best_feasible_plan() -> None:
    problem = read_solomon(str(SOLOMON / "RC201.txt")).problem()
    plan = solve(problem, seconds=5.0, seed=2, workers=2)
    assert check_plan(problem, plan) == []
    assert plan.unplaced == ()
    workers = plan.stats["workers"]
    assert len(workers) == 2
    assert (plan.vehicles, round(plan.distance, 4)) == min(workers)


def test_workers_must_be_at_least_one() -> None:
    problem = read_solomon(str(SOLOMON / "C101.txt")).problem()
    with pytest.raises(ProblemError, match="At least one worker"):
        solve(problem, seconds=1, workers=0)


def test_near_lists_hold_the_closest_other_stops() -> None:
    line = tuple(Stop(f"s{i}", 10 * i, 0, load=1, due=1000) for i in range(5))
    problem = Problem(line, (Driver("d", 10, 0, 0, 0, 1000),))
    arrays = fleet._data(model(problem))
    near = arrays[5]
    depots = arrays[6]
    assert sorted(near[depots + 2, :2].tolist()) == [depots + 1, depots + 3]
    assert depots + 2 not in near[depots + 2].tolist()
    assert np.all(near[:depots] == -1)
