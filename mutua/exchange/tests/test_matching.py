"""The matching solver is optimal, its incremental updates stay optimal, and bad input is refused.

Optimality is checked against brute force on small instances and against SciPy's MILP (an
independent exact solver) on larger ones; every answer is also re-checked by `check_result`.
"""

from __future__ import annotations

import itertools
import json
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from mutua.exchange.matching import (
    Edge,
    GridIndex,
    Helper,
    HelperInfo,
    IncrementalMatcher,
    IndexedProblem,
    MatchingInputError,
    MatchingProblem,
    MatchingResult,
    Reason,
    RequestInfo,
    Weights,
    assess,
    candidate_fits,
    haversine_km,
    matching_problem,
    nearby_pairs,
    solve,
)

ROOT = Path(__file__).resolve().parents[3]
FAST = settings(max_examples=100, deadline=None)


# -- independent checkers ---------------------------------------------------------------------


def check_result(problem: MatchingProblem, result: MatchingResult) -> None:
    """The result is feasible and its reported cost is what its assignments really cost."""
    cost = {(e.request, e.helper): e.cost for e in problem.edges}
    capacity = {h.id: h.capacity for h in problem.helpers}
    assigned = [a.request for a in result.assignments]
    assert sorted(assigned + result.unmatched) == sorted(problem.requests)
    load: dict[str, int] = {}
    for a in result.assignments:
        assert (a.request, a.helper) in cost
        assert a.cost == cost[(a.request, a.helper)]
        load[a.helper] = load.get(a.helper, 0) + 1
    assert all(load[h] <= capacity[h] for h in load)
    total = sum(a.cost for a in result.assignments)
    assert result.cost == total + problem.unmatched_cost * len(result.unmatched)


def brute_force_cost(problem: MatchingProblem) -> int:
    """Try every way to give each request one of its helpers or nothing."""
    capacity = {h.id: h.capacity for h in problem.helpers}
    options: list[list[Edge | None]] = [
        [None, *(e for e in problem.edges if e.request == r)] for r in problem.requests
    ]
    best = None
    for choice in itertools.product(*options):
        load: dict[str, int] = {}
        total = 0
        for edge in choice:
            if edge is None:
                total += problem.unmatched_cost
            else:
                load[edge.helper] = load.get(edge.helper, 0) + 1
                total += edge.cost
        if all(load[h] <= capacity[h] for h in load) and (best is None or total < best):
            best = total
    assert best is not None
    return best


def milp_cost(problem: MatchingProblem) -> int:
    """Exact optimum from SciPy's HiGHS MILP: x_e for edges, y_r for "request r unmatched"."""
    requests = {r: i for i, r in enumerate(problem.requests)}
    helpers = {h.id: j for j, h in enumerate(problem.helpers)}
    n_e, n_r, n_h = len(problem.edges), len(requests), len(helpers)
    costs = np.array([e.cost for e in problem.edges] + [problem.unmatched_cost] * n_r, dtype=float)
    e_idx = np.arange(n_e)
    er = np.array([requests[e.request] for e in problem.edges], dtype=int)
    eh = np.array([helpers[e.helper] for e in problem.edges], dtype=int)
    each_request = coo_matrix(
        (np.ones(n_e + n_r), (np.r_[er, np.arange(n_r)], np.r_[e_idx, n_e + np.arange(n_r)])),
        shape=(n_r, n_e + n_r),
    )
    each_helper = coo_matrix((np.ones(n_e), (eh, e_idx)), shape=(n_h, n_e + n_r))
    capacity = np.array([h.capacity for h in problem.helpers], dtype=float)
    result = milp(
        costs,
        constraints=[
            LinearConstraint(each_request, 1, 1),
            LinearConstraint(each_helper, 0, capacity),
        ],
        integrality=np.ones(n_e + n_r),
        bounds=Bounds(0, 1),
    )
    assert result.success
    return round(float(result.fun))


# -- instance generators ----------------------------------------------------------------------


@st.composite
def small_problems(draw: st.DrawFn) -> MatchingProblem:
    n_r = draw(st.integers(0, 6))
    n_h = draw(st.integers(0, 4))
    requests = [f"r{i}" for i in range(n_r)]
    helpers = [Helper(f"h{j}", draw(st.integers(0, 3))) for j in range(n_h)]
    pairs = [(r, h.id) for r in requests for h in helpers]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    unmatched = draw(st.integers(0, 100))
    # Costs next to the penalty are the edge cases of dropping useless edges.
    cost = st.integers(-20, 120) | st.sampled_from([unmatched - 1, unmatched, unmatched + 1])
    edges = [Edge(r, h, draw(cost)) for r, h in chosen]
    return MatchingProblem(requests, helpers, edges, unmatched)


def random_problem(rng: random.Random, n_r: int, n_h: int, density: float) -> MatchingProblem:
    helpers = [Helper(f"h{j}", rng.randint(0, 3)) for j in range(n_h)]
    edges = [
        Edge(f"r{i}", h.id, rng.randint(0, 150))
        for i in range(n_r)
        for h in helpers
        if rng.random() < density
    ]
    return MatchingProblem([f"r{i}" for i in range(n_r)], helpers, edges, 100)


# -- the batch solver -------------------------------------------------------------------------


@FAST
@given(small_problems())
def test_solver_matches_brute_force_on_small_instances(problem: MatchingProblem) -> None:
    result = solve(problem)
    check_result(problem, result)
    assert result.cost == brute_force_cost(problem)


@pytest.mark.parametrize("seed", range(6))
def test_solver_matches_milp_on_larger_instances(seed: int) -> None:
    rng = random.Random(seed)
    problem = random_problem(rng, n_r=rng.randint(80, 200), n_h=rng.randint(40, 150), density=0.05)
    result = solve(problem)
    check_result(problem, result)
    assert result.cost == milp_cost(problem)


def test_solver_splits_components_without_losing_optimality() -> None:
    # Many separate neighbourhoods: exercises the packing of components into solver calls.
    rng = random.Random(7)
    requests: list[str] = []
    helpers: list[Helper] = []
    edges: list[Edge] = []
    for town in range(60):
        rs = [f"t{town}r{i}" for i in range(rng.randint(1, 12))]
        hs = [Helper(f"t{town}h{j}", rng.randint(0, 2)) for j in range(rng.randint(1, 8))]
        requests += rs
        helpers += hs
        edges += [Edge(r, h.id, rng.randint(0, 90)) for r in rs for h in hs if rng.random() < 0.5]
    problem = MatchingProblem(requests, helpers, edges, 80)
    result = solve(problem)
    check_result(problem, result)
    assert result.cost == milp_cost(problem)


def test_request_without_candidates_is_unmatched_and_pays_the_penalty() -> None:
    problem = MatchingProblem(
        ["alone", "fed"], [Helper("ana", 1)], [Edge("fed", "ana", 3)], unmatched_cost=50
    )
    result = solve(problem)
    assert result.unmatched == ["alone"]
    assert result.cost == 53


def test_helper_with_zero_capacity_takes_nothing() -> None:
    problem = MatchingProblem(["r"], [Helper("busy", 0)], [Edge("r", "busy", 1)], 10)
    assert solve(problem).unmatched == ["r"]


def test_edge_dearer_than_leaving_unmatched_is_not_used() -> None:
    problem = MatchingProblem(["r"], [Helper("far", 1)], [Edge("r", "far", 11)], 10)
    result = solve(problem)
    assert result.assignments == []
    assert result.cost == 10


BAD_PROBLEMS = [
    (MatchingProblem(["a", "a"], [], [], 1), "Duplicate request id 'a'"),
    (MatchingProblem(["a"], [Helper("x", 1), Helper("x", 2)], [], 1), "Duplicate helper id 'x'"),
    (MatchingProblem(["a"], [Helper("x", -1)], [], 1), "negative capacity"),
    (MatchingProblem(["a"], [Helper("x", 1)], [Edge("b", "x", 1)], 1), "unknown request 'b'"),
    (MatchingProblem(["a"], [Helper("x", 1)], [Edge("a", "y", 1)], 1), "unknown helper 'y'"),
    (
        MatchingProblem(["a"], [Helper("x", 1)], [Edge("a", "x", 1), Edge("a", "x", 2)], 1),
        "Duplicate edge",
    ),
    (MatchingProblem(["a"], [Helper("x", 1)], [Edge("a", "x", 1.5)], 1), "non-integer cost"),  # type: ignore[arg-type]
    (MatchingProblem(["a"], [Helper("x", True)], [], 1), "non-integer capacity"),
    (MatchingProblem(["a"], [], [], -1), "must not be negative"),
    (MatchingProblem(["a"], [], [], 2.0), "must be an integer"),  # type: ignore[arg-type]
    (MatchingProblem(["a"], [Helper("x", 1)], [Edge("a", "x", 10**12)], 1), "cost is beyond"),
]


@pytest.mark.parametrize(("problem", "message"), BAD_PROBLEMS)
def test_malformed_problem_is_refused_with_a_clear_message(
    problem: MatchingProblem, message: str
) -> None:
    with pytest.raises(MatchingInputError, match=message):
        solve(problem)


def test_indexed_problem_refuses_out_of_range_and_float_arrays() -> None:
    base = {
        "request_ids": ["a"],
        "helper_ids": ["x"],
        "capacity": [1],
        "edge_request": [0],
        "edge_helper": [0],
        "edge_cost": [1],
        "unmatched_cost": 5,
    }
    IndexedProblem.build(**base)  # type: ignore[arg-type]
    for key, value, message in [
        ("edge_helper", [3], "helper index out of range"),
        ("edge_request", [-1], "request index out of range"),
        ("edge_cost", [1.5], "must be integers"),
        ("capacity", [1, 2], "one capacity per helper"),
    ]:
        with pytest.raises(MatchingInputError, match=message):
            IndexedProblem.build(**{**base, key: value})  # type: ignore[arg-type]


# -- incremental updates ----------------------------------------------------------------------


@FAST
@given(st.data())
def test_incremental_updates_equal_a_fresh_solve(data: st.DataObject) -> None:
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    problem = random_problem(rng, rng.randint(0, 10), rng.randint(1, 6), density=0.4)
    matcher = IncrementalMatcher(problem)
    requests, helpers, edges = list(problem.requests), list(problem.helpers), list(problem.edges)
    for step in range(data.draw(st.integers(1, 8))):
        event = data.draw(st.sampled_from(["request", "capacity", "helper", "withdraw", "decline"]))
        if event == "request":
            new = {h.id: rng.randint(0, 150) for h in helpers if rng.random() < 0.5}
            matcher.add_request(f"new{step}", new)
            requests.append(f"new{step}")
            edges += [Edge(f"new{step}", h, c) for h, c in new.items()]
        elif event == "capacity":
            j = rng.randrange(len(helpers))
            matcher.add_capacity(helpers[j].id)
            helpers[j] = Helper(helpers[j].id, helpers[j].capacity + 1)
        elif event == "helper":
            new = {r: rng.randint(0, 150) for r in requests if rng.random() < 0.4}
            capacity = rng.randint(0, 2)
            matcher.add_helper(f"nh{step}", capacity, new)
            helpers.append(Helper(f"nh{step}", capacity))
            edges += [Edge(r, f"nh{step}", c) for r, c in new.items()]
        elif event == "withdraw" and requests:
            gone = rng.choice(requests)
            matcher.remove_request(gone)
            requests.remove(gone)
            edges = [e for e in edges if e.request != gone]
        elif event == "decline" and edges:
            declined = rng.choice(edges)
            matcher.remove_edge(declined.request, declined.helper)
            edges.remove(declined)
        current = MatchingProblem(requests, helpers, edges, problem.unmatched_cost)
        result = matcher.result()
        check_result(current, result)
        assert result.cost == solve(current).cost


def test_incremental_requests_on_a_larger_instance_stay_optimal() -> None:
    rng = random.Random(11)
    problem = random_problem(rng, 400, 250, density=0.02)
    matcher = IncrementalMatcher(problem)
    edges = list(problem.edges)
    requests = list(problem.requests)
    for i in range(60):
        new = {h.id: rng.randint(0, 150) for h in problem.helpers if rng.random() < 0.02}
        matcher.add_request(f"new{i}", new)
        requests.append(f"new{i}")
        edges += [Edge(f"new{i}", h, c) for h, c in new.items()]
    current = MatchingProblem(requests, problem.helpers, edges, problem.unmatched_cost)
    check_result(current, matcher.result())
    assert matcher.result().cost == milp_cost(current)


def test_declined_helper_gives_way_to_the_next_best() -> None:
    problem = MatchingProblem(
        ["r"],
        [Helper("near", 1), Helper("far", 1)],
        [Edge("r", "near", 1), Edge("r", "far", 9)],
        50,
    )
    matcher = IncrementalMatcher(problem)
    assert matcher.helper_for("r") == "near"
    assert matcher.remove_edge("r", "near") == "far"
    assert matcher.remove_edge("r", "far") is None
    assert matcher.result().cost == 50


def test_freed_helper_takes_the_request_that_needed_them() -> None:
    problem = MatchingProblem(
        ["old", "new"],
        [Helper("ana", 1)],
        [Edge("old", "ana", 5), Edge("new", "ana", 6)],
        unmatched_cost=100,
    )
    matcher = IncrementalMatcher(problem)
    assert matcher.result().unmatched == ["new"]
    matcher.add_capacity("ana")
    assert matcher.result().unmatched == []
    assert matcher.result().cost == 11


def test_incremental_matcher_refuses_unknown_and_duplicate_ids() -> None:
    matcher = IncrementalMatcher(MatchingProblem(["r"], [Helper("h", 1)], [], 10))
    with pytest.raises(MatchingInputError, match="Duplicate request id"):
        matcher.add_request("r", {})
    with pytest.raises(MatchingInputError, match="Unknown helper"):
        matcher.add_request("s", {"nobody": 1})
    with pytest.raises(MatchingInputError, match="Unknown request"):
        matcher.remove_request("ghost")
    with pytest.raises(MatchingInputError, match="non-negative"):
        matcher.add_capacity("h", -1)


# -- fit and cost model -----------------------------------------------------------------------

NOW = datetime(2025, 3, 4, 12, 0, tzinfo=UTC)  # a Tuesday


def a_request(**changes: object) -> RequestInfo:
    fields: dict[str, object] = {
        "id": "groceries",
        "lat": 40.4168,
        "lng": -3.7038,
        "category": "shopping",
        "created_at": NOW - timedelta(hours=10),
        "needed_from": NOW + timedelta(hours=2),
        "needed_by": NOW + timedelta(hours=30),
        "skills": frozenset(),
        "language": None,
        "urgency": 1,
        "pod": "centro",
    }
    fields.update(changes)
    return RequestInfo(**fields)  # type: ignore[arg-type]


def a_helper(**changes: object) -> HelperInfo:
    fields: dict[str, object] = {
        "id": "lucia",
        "lat": 40.4168 + 0.01,  # about 1.1 km north
        "lng": -3.7038,
        "travel_km": 3.0,
        "capacity": 1,
        "categories": frozenset({"shopping", "meals"}),
        "available": ((NOW + timedelta(hours=4), NOW + timedelta(hours=8)),),
        "skills": frozenset({"driving"}),
        "languages": frozenset({"es", "en"}),
        "recent_helps": 0,
        "pod": "centro",
    }
    fields.update(changes)
    return HelperInfo(**fields)  # type: ignore[arg-type]


def test_fitting_pair_has_cost_and_reasons_the_dispatcher_can_read() -> None:
    fit = assess(
        a_request(language="es", skills=frozenset({"driving"})), a_helper(), Weights(), NOW
    )
    assert fit is not None
    assert Reason("same_pod", "centro") in fit.reasons
    assert Reason("distance_km", "1.1") in fit.reasons
    assert Reason("speaks", "es") in fit.reasons
    assert Reason("has_skill", "driving") in fit.reasons
    assert Reason("available_from", (NOW + timedelta(hours=4)).isoformat()) in fit.reasons
    # 1.1 km * 10 + (72 - 10 h) * 2 waiting + no recent helps + same pod
    assert fit.cost == round(10 * fit.km + 2 * (72 - 10))


@pytest.mark.parametrize(
    ("request_changes", "helper_changes"),
    [
        ({"category": "childcare"}, {}),
        ({"skills": frozenset({"first_aid"})}, {}),
        ({"language": "ar"}, {}),
        ({}, {"available": ((NOW + timedelta(days=3), NOW + timedelta(days=4)),)}),
        ({}, {"travel_km": 0.5}),
    ],
    ids=["category", "skill", "language", "availability", "distance"],
)
def test_helper_who_cannot_help_does_not_fit(
    request_changes: dict[str, object], helper_changes: dict[str, object]
) -> None:
    assert assess(a_request(), a_helper(), Weights(), NOW) is not None
    assert assess(a_request(**request_changes), a_helper(**helper_changes), Weights(), NOW) is None


def test_older_and_urgent_requests_are_cheaper_to_match() -> None:
    def cost(**changes: object) -> int:
        fit = assess(a_request(**changes), a_helper(), Weights(), NOW)
        assert fit is not None
        return fit.cost

    fresh = cost(created_at=NOW)
    old = cost(created_at=NOW - timedelta(hours=40))
    urgent = cost(created_at=NOW - timedelta(hours=20), urgency=2)
    assert old < fresh
    assert urgent == old
    assert cost(created_at=NOW - timedelta(days=30)) >= 0


def test_busy_helper_and_other_pod_cost_more() -> None:
    base = assess(a_request(), a_helper(), Weights(), NOW)
    busy = assess(a_request(), a_helper(recent_helps=2), Weights(), NOW)
    other = assess(a_request(), a_helper(pod="norte"), Weights(), NOW)
    assert base and busy and other
    assert busy.cost == base.cost + 30
    assert other.cost == base.cost + 20
    assert Reason("other_pod", "norte") in other.reasons


@FAST
@given(
    st.lists(st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05)), min_size=1, max_size=30),
    st.lists(
        st.tuples(st.floats(-0.05, 0.05), st.floats(-0.05, 0.05), st.floats(0.1, 4.0)),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([(40.0, -3.7), (-33.9, 151.2), (0.0, 179.99), (64.1, -21.9)]),
    st.sampled_from([0.5, 1.0, 2.0]),
)
def test_grid_finds_exactly_the_pairs_all_pairs_would(
    request_offsets: list[tuple[float, float]],
    helper_offsets: list[tuple[float, float, float]],
    centre: tuple[float, float],
    cell_km: float,
) -> None:
    lat0, lng0 = centre
    r_lat = np.array([lat0 + a for a, _ in request_offsets])
    r_lng = np.array([(lng0 + b + 180) % 360 - 180 for _, b in request_offsets])
    h_lat = np.array([lat0 + a for a, _, _ in helper_offsets])
    h_lng = np.array([(lng0 + b + 180) % 360 - 180 for _, b, _ in helper_offsets])
    travel = np.array([t for _, _, t in helper_offsets])
    rs, hs, _ = nearby_pairs(r_lat, r_lng, h_lat, h_lng, travel, cell_km)
    found = set(zip(rs.tolist(), hs.tolist(), strict=True))
    expected = {
        (i, j)
        for i in range(len(r_lat))
        for j in range(len(h_lat))
        if haversine_km(r_lat[i], r_lng[i], h_lat[j], h_lng[j]) <= travel[j]
    }
    assert found == expected


def test_grid_wraps_around_the_antimeridian() -> None:
    grid = GridIndex([-16.5, -16.5], [179.995, 10.0])  # Fiji, and somewhere far away
    found, km = grid.within(-16.5, -179.995, 2.0)
    assert found.tolist() == [0]
    assert km[0] < 1.2


def test_candidate_fits_feed_the_solver() -> None:
    requests = [
        a_request(id="groceries"),
        a_request(id="soup", category="meals", lng=-3.70, created_at=NOW - timedelta(hours=50)),
    ]
    helpers = [a_helper(id="lucia"), a_helper(id="omar", lat=40.6, travel_km=1.0)]
    fits = candidate_fits(requests, helpers, Weights(), NOW)
    assert {(f.request, f.helper) for f in fits} == {("groceries", "lucia"), ("soup", "lucia")}
    result = solve(matching_problem(requests, helpers, fits, Weights()))
    # Lucia has one slot: the request that has waited longer gets her.
    assert [(a.request, a.helper) for a in result.assignments] == [("soup", "lucia")]


# -- the command ------------------------------------------------------------------------------

EXAMPLE = {
    "unmatched_cost": 100,
    "requests": [{"id": "a"}, {"id": "b"}, {"id": "c"}],
    "helpers": [{"id": "x", "capacity": 1}, {"id": "y", "capacity": 2}],
    "edges": [
        {"request": "a", "helper": "x", "cost": 5},
        {"request": "b", "helper": "x", "cost": 1},
        {"request": "b", "helper": "y", "cost": 50},
        {"request": "c", "helper": "y", "cost": 30},
    ],
}


def test_command_prints_the_optimal_matching_as_json(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(EXAMPLE))
    out = StringIO()
    call_command("solve_matching", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "assignments": [
            {"request": "a", "helper": "x"},
            {"request": "b", "helper": "y"},
            {"request": "c", "helper": "y"},
        ],
        "cost": 85,
        "unmatched": [],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({**EXAMPLE, "helpers": [{"id": "x", "capacity": -2}]}), "negative capacity"),
        (json.dumps({**EXAMPLE, "requests": [{"id": "a"}, {"id": "a"}]}), "Duplicate request"),
        (json.dumps({k: v for k, v in EXAMPLE.items() if k != "edges"}), "Missing key 'edges'"),
        (json.dumps({**EXAMPLE, "requests": [{"id": "a"}]}), "unknown request 'b'"),
        (json.dumps({**EXAMPLE, "helpers": [{"id": "x", "capacity": "1"}]}), "must be an integer"),
    ],
)
def test_command_refuses_malformed_files(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "problem.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message) as error:
        call_command("solve_matching", str(path), "--json")
    assert error.value.returncode == 2


def test_command_exits_with_code_2_on_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps({**EXAMPLE, "helpers": [{"id": "x", "capacity": 1}]}))
    completed = subprocess.run(
        [sys.executable, "manage.py", "solve_matching", str(path), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 2
    assert "unknown helper 'y'" in completed.stderr
    assert completed.stdout == ""


def test_nearby_pairs_with_no_requests_or_no_helpers_is_empty() -> None:
    from mutua.exchange.matching import nearby_pairs

    for requests, helpers in (([], [1.0]), ([1.0], [])):
        rs, hs, km = nearby_pairs(requests, requests, helpers, helpers, [3.0] * len(helpers))
        assert len(rs) == len(hs) == len(km) == 0
