"""Delivery runs: the Solomon parser, the independent feasibility checker, the solver and the
`solve_routes` command, including every kind of bad input."""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from mutua.deliveries.routing import (
    NO_DRIVERS,
    NO_ROOM,
    TOO_HEAVY,
    UNREACHABLE,
    WINDOW_CLOSED,
    Driver,
    Plan,
    Problem,
    ProblemError,
    Route,
    SolomonFormatError,
    Stop,
    Unplaced,
    Visit,
    check_plan,
    haversine,
    parse_solomon,
    plan_from_orders,
    read_solomon,
    solve,
)
from mutua.deliveries.routing_ortools import solve_ortools

# The benchmark instances live in the shared folder beside the repository (../shared).
SOLOMON = Path(__file__).resolve().parents[3].parent / "shared" / "bench" / "vrptw" / "solomon"
TINY = (
    "TINY\r\n\r\nVEHICLE\r\nNUMBER     CAPACITY\r\n  2         10\r\n\r\nCUSTOMER\r\n"
    "CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\r\n \r\n"
    "    0      0          0          0          0        100          0\r\n"
    "    1      3          4          5          0         50          1\r\n"
    "    2      6          8          5         10         60          1\r\n"
    "    3     -3         -4          4          0         50          1\r\n"
)


def tiny(rows: str = "", vehicles: int = 2, capacity: int = 10) -> str:
    text = TINY.replace("  2         10", f"  {vehicles}         {capacity}")
    return text + rows


def two_drivers_problem() -> Problem:
    """Two stops that fit one driver (4 + 4 <= 10); a second driver is free."""
    stops = (
        Stop("a", 3, 4, load=4, ready=0, due=10, service=1),
        Stop("b", 6, 8, load=4, ready=0, due=30, service=1),
    )
    drivers = (Driver("ana", 10, 0, 0, 0, 100), Driver("bo", 10, 0, 0, 0, 100))
    return Problem(stops, drivers)


# --- Solomon parser --------------------------------------------------------------------------


def test_parser_reads_real_instance_with_crlf_line_endings() -> None:
    assert b"\r\n" in (SOLOMON / "C101.txt").read_bytes()
    instance = read_solomon(str(SOLOMON / "C101.txt"))
    assert (instance.name, instance.vehicles, instance.capacity) == ("C101", 25, 200)
    assert len(instance.customers) == 100
    assert (instance.depot.x, instance.depot.y, instance.depot.due) == (40, 50, 1236)
    first = instance.customers[0]
    assert (first.number, first.x, first.y, first.demand) == (1, 45, 68, 10)
    assert (first.ready, first.due, first.service) == (912, 967, 90)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("X\nVEHICLE\nNUMBER CAPACITY\n2 10\n", "CUSTOMER"),
        (tiny("    4      1 1 1 0\n"), "7 numbers"),
        (tiny("    4      1 1 one 0 10 0\n"), "not numeric"),
        (tiny("    9      1 1 1 0 10 0\n"), "run 0, 1, 2"),
        (tiny("    4      1 1 1 50 10 0\n"), "closes (10) before it opens (50)"),
        (tiny("    4      1 1 -1 0 10 0\n"), "negative"),
        (tiny(vehicles=0), "vehicles must be positive"),
    ],
)
def test_parser_rejects_malformed_instances_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(SolomonFormatError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_solomon(text)


# --- Independent checker ---------------------------------------------------------------------


def test_checker_accepts_a_feasible_plan_and_computes_the_same_distance() -> None:
    problem = two_drivers_problem()
    plan = plan_from_orders(problem, [("ana", ["a", "b"])])
    assert check_plan(problem, plan) == []
    assert plan.distance == pytest.approx(20.0)
    assert [v.start for v in plan.routes[0].visits] == [5.0, 11.0]


def test_checker_catches_each_kind_of_violation() -> None:
    problem = two_drivers_problem()
    good = plan_from_orders(problem, [("ana", ["a", "b"])])

    late = plan_from_orders(problem, [("ana", ["b", "a"])])  # a is reached at 10 + 1 + 10 > 10
    assert any("after due" in e for e in check_plan(problem, late))

    heavy = Problem(
        (Stop("a", 3, 4, load=6, due=10), Stop("b", 6, 8, load=6, due=30)), problem.drivers
    )
    assert any(
        "capacity" in e for e in check_plan(heavy, plan_from_orders(heavy, [("ana", ["a", "b"])]))
    )

    picky = Problem(
        (Stop("a", 3, 4, load=4, due=100), Stop("b", 6, 8, load=8, due=30, kind="pickup")),
        problem.drivers,
    )
    # Picking up 8 before delivering 4 overloads the van; the other order does not.
    assert check_plan(picky, plan_from_orders(picky, [("ana", ["a", "b"])])) == []
    errors = check_plan(picky, plan_from_orders(picky, [("ana", ["b", "a"])]))
    assert any("carries 12 after stop 'b'" in e for e in errors)

    twice = plan_from_orders(problem, [("ana", ["a", "b"]), ("bo", ["a"])])
    assert any("'a' appears 2 times" in e for e in check_plan(problem, twice))

    missing = plan_from_orders(problem, [("ana", ["a"])])
    assert any("'b' appears 0 times" in e for e in check_plan(problem, missing))

    short_shift = Problem(problem.stops, (Driver("ana", 10, 0, 0, 0, 20),))  # back at 22
    assert any("is back at" in e for e in check_plan(short_shift, good))

    wrong_distance = Plan(good.routes, (), good.distance - 1)
    assert any("plan distance" in e for e in check_plan(problem, wrong_distance))

    fake_times = Plan((Route("ana", (Visit("a", 1, 1), Visit("b", 2, 2)), 20.0, 3),), (), 20.0)
    assert any("reported arrival" in e for e in check_plan(problem, fake_times))

    same_driver = Plan((good.routes[0], Route("ana", (), 0.0, 0.0)), (), good.distance)
    assert any("two routes" in e for e in check_plan(problem, same_driver))

    listed_and_placed = Plan(good.routes, (Unplaced("a", NO_ROOM),), good.distance)
    assert any("'a' appears 2 times" in e for e in check_plan(problem, listed_and_placed))


# --- Solver ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "vehicles"), [("C101", 10), ("RC201", 4)])
def test_solver_plans_feasible_routes_on_solomon_instances(name: str, vehicles: int) -> None:
    problem = read_solomon(str(SOLOMON / f"{name}.txt")).problem()
    plan = solve(problem, seconds=1.5, seed=1)
    assert check_plan(problem, plan) == []
    assert plan.unplaced == ()
    assert plan.vehicles <= vehicles + 1
    ortools = solve_ortools(problem, seconds=1.0)
    assert check_plan(problem, ortools) == []


def random_problem(seed: int) -> Problem:
    """Deliveries and pick-ups, two kinds of drivers at two start places, tight-ish windows."""
    rng = random.Random(seed)
    stops = []
    for i in range(25):
        ready = rng.uniform(0, 150)
        stops.append(
            Stop(
                f"s{i}",
                rng.uniform(0, 50),
                rng.uniform(0, 50),
                load=rng.randint(1, 8),
                ready=ready,
                due=ready + rng.uniform(20, 80),
                service=rng.uniform(0, 5),
                kind=rng.choice(["delivery", "pickup"]),
            )
        )
    drivers = tuple(
        Driver(f"d{k}", 15 if k % 2 else 30, 10 + 30 * (k % 2), 25, 0, 300) for k in range(8)
    )
    return Problem(tuple(stops), drivers)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_solver_plans_are_feasible_on_random_instances(seed: int) -> None:
    problem = random_problem(seed)
    plan = solve(problem, seconds=0.6, seed=seed)
    assert check_plan(problem, plan) == []
    assert {u.reason for u in plan.unplaced} <= {UNREACHABLE, NO_ROOM}


def test_solver_prefers_one_driver_over_a_shorter_total_with_two() -> None:
    """Two stops on opposite sides: one driver covers both, though two would drive less."""
    stops = (Stop("east", 10, 0, load=1, due=100), Stop("west", -10, 0, load=1, due=100))
    drivers = (Driver("ana", 5, 0, 0, 0, 100), Driver("bo", 5, 0, 0, 0, 100))
    problem = Problem(stops, drivers)
    plan = solve(problem, seconds=0.3)
    assert check_plan(problem, plan) == []
    assert plan.vehicles == 1
    assert plan.distance == pytest.approx(40.0)


def test_stops_that_cannot_be_served_are_listed_with_their_reason() -> None:
    stops = (
        Stop("ok", 1, 0, load=4, due=100),
        Stop("closed", 1, 1, load=1, ready=50, due=40),
        Stop("heavy", 2, 0, load=11, due=100),
        Stop("far", 500, 0, load=1, due=100),
        Stop("no_room", 0, 2, load=7, due=100),
    )
    problem = Problem(stops, (Driver("ana", 10, 0, 0, 0, 200),))
    plan = solve(problem, seconds=0.3)
    assert check_plan(problem, plan) == []
    reasons = {u.stop_id: u.reason for u in plan.unplaced}
    assert reasons.pop("closed") == WINDOW_CLOSED
    assert reasons.pop("heavy") == TOO_HEAVY
    assert reasons.pop("far") == UNREACHABLE
    # "ok" and "no_room" do not fit together (4 + 7 > 10): exactly one of them is left out.
    assert list(reasons.values()) == [NO_ROOM]
    assert plan.vehicles == 1
    assert "capacity" in Unplaced("heavy", TOO_HEAVY).message


def test_a_run_without_drivers_lists_every_stop() -> None:
    problem = Problem((Stop("a", 0, 1, load=1),), ())
    plan = solve(problem, seconds=0.1)
    assert plan.routes == ()
    assert plan.unplaced == (Unplaced("a", NO_DRIVERS),)


def test_real_stops_use_haversine_kilometres() -> None:
    # Two points in Montevideo, about 3.9 km apart (x = longitude, y = latitude).
    centro, pocitos = (-56.1913, -34.9058), (-56.1496, -34.9120)
    assert haversine(centro, pocitos) == pytest.approx(3.86, abs=0.05)
    stops = (Stop("pocitos", *pocitos, load=1, ready=600, due=660, service=5),)
    drivers = (Driver("ana", 4, *centro, shift_start=540, shift_end=720),)
    problem = Problem(stops, drivers, metric="haversine", speed=0.5)  # 30 km/h
    plan = solve(problem, seconds=0.2)
    assert check_plan(problem, plan) == []
    assert plan.distance == pytest.approx(2 * haversine(centro, pocitos))


def test_a_configured_matrix_replaces_the_metric() -> None:
    def detour(points: object) -> tuple[list[list[float]], list[list[float]]]:
        return [[0, 7], [7, 0]], [[0, 9], [9, 0]]

    problem = Problem((Stop("a", 1, 0, due=100),), (Driver("ana", 1, 0, 0),), matrix=detour)
    plan = solve(problem, seconds=0.2)
    assert plan.distance == 14
    assert plan.routes[0].visits[0].arrival == 9


@pytest.mark.parametrize(
    "problem",
    [
        Problem((Stop("a", 0, 0), Stop("a", 1, 1)), (Driver("ana", 1, 0, 0),)),
        Problem((Stop("a", 0, 0, load=-1),), (Driver("ana", 1, 0, 0),)),
        Problem((Stop("a", 0, 0),), (Driver("ana", 1, 0, 0, shift_start=10, shift_end=5),)),
        Problem((Stop("a", 0, math.nan),), (Driver("ana", 1, 0, 0),)),
    ],
)
def test_malformed_problems_are_refused(problem: Problem) -> None:
    with pytest.raises(ProblemError):
        solve(problem, seconds=0.1)


def test_time_limit_must_be_positive() -> None:
    with pytest.raises(ProblemError):
        solve(two_drivers_problem(), seconds=0)


# --- The solve_routes command ----------------------------------------------------------------


def test_command_prints_a_feasible_json_plan() -> None:
    out = StringIO()
    call_command("solve_routes", str(SOLOMON / "R201.txt"), "--seconds", "1", "--json", stdout=out)
    result = json.loads(out.getvalue())
    instance = read_solomon(str(SOLOMON / "R201.txt"))
    problem = instance.problem()
    assert len(result["routes"]) <= instance.vehicles
    orders = [(str(k + 1), [str(c) for c in route]) for k, route in enumerate(result["routes"])]
    plan = plan_from_orders(problem, orders)
    assert check_plan(problem, plan) == []
    assert result["distance"] == pytest.approx(plan.distance, rel=1e-12)


def test_command_refuses_an_instance_its_vehicles_cannot_serve(tmp_path: Path) -> None:
    # The three customers load 14 and the only vehicle carries 10: one must be left out.
    path = tmp_path / "one_vehicle.txt"
    path.write_text(tiny(vehicles=1, capacity=10))
    with pytest.raises(CommandError, match="Could not place 1 customer") as error:
        call_command("solve_routes", str(path), "--seconds", "0.3", "--json")
    assert error.value.returncode == 2


@pytest.mark.parametrize(
    ("content", "extra", "message"),
    [
        (None, [], "Cannot read"),
        ("not an instance\n", [], "Not a Solomon instance"),
        (tiny("    4      1 1 1 50 10 0\n"), [], "closes (10) before it opens (50)"),
        (tiny(), ["--seconds", "0"], "--seconds must be positive"),
    ],
)
def test_command_exits_with_code_2_on_bad_input(
    tmp_path: Path, content: str | None, extra: list[str], message: str
) -> None:
    path = tmp_path / "instance.txt"
    if content is not None:
        path.write_text(content)
    result = subprocess.run(
        [sys.executable, "manage.py", "solve_routes", str(path), "--json", *extra],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == ""
