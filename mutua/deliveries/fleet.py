"""Serve every stop with one driver fewer: route minimisation by guided ejection search.

Why a phase of its own: PyVRP's search trades distance against adaptive penalties, and that
trade makes it weak at giving up the last vehicle or two on tight time windows. Guided ejection
search (Nagata and Bräysy, "A powerful route minimization heuristic for the vehicle routing
problem with time windows", Operations Research Letters 37, 2009) works the other way round: it
deletes a route, keeps the rest of the plan feasible at every step, and puts the deleted stops
back one at a time. A stop that fits nowhere is squeezed in (inserted where it breaks the least,
then repaired by moves that reduce the breach) or forced in by taking out the stops that block
it, preferring stops that have rarely been hard to place (each stop's counter grows every time
it fails); random feasible moves between routes keep the search from circling.

The loops run compiled (`ejection.py`, Numba) on the same integer data PyVRP gets, and a plan
returned from here has been checked by PyVRP itself as complete and feasible.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pyvrp

from mutua.deliveries import ejection

Routes = list[tuple[int, list[int]]]  # (vehicle type, client indices in visit order)

MAX_EJECTED = 5  # stops one forced insertion may take out, as in the paper
PERTURB_MOVES = 200  # random moves tried after each forced insertion
NEAR = 15  # a stop's moves go towards one of this many nearest stops
SQUEEZE_STEPS = 50  # repair moves one squeeze may make
SEARCH_LIMIT = 20_000  # nodes one route's ejection search may visit, to bound its time
CHUNK = 50  # most steps between looks at the clock


def _data(data: Any) -> tuple[Any, ...]:
    """The instance as arrays: travel times, stop and depot segments, capacities, neighbours."""
    travel = np.ascontiguousarray(data.duration_matrix(0), dtype=np.int64)
    n = travel.shape[0]
    segments = np.zeros((n, 7), dtype=np.int64)
    for d, depot in enumerate(data.depots()):
        segments[d] = (0, 0, depot.tw_early, depot.tw_late, 0, 0, 0)
    for c, client in enumerate(data.clients(), start=data.num_depots):
        delivery, pickup = int(client.delivery[0]), int(client.pickup[0])
        segments[c] = (
            client.service_duration,
            0,
            client.tw_early,
            client.tw_late,
            delivery,
            pickup,
            max(delivery, pickup),
        )
    types = data.vehicle_types()
    starts = np.zeros((len(types), 7), dtype=np.int64)
    ends = np.zeros((len(types), 7), dtype=np.int64)
    capacity = np.zeros(len(types), dtype=np.int64)
    for t, vt in enumerate(types):
        start, end = segments[vt.start_depot], segments[vt.end_depot]
        starts[t] = (0, 0, max(start[2], vt.tw_early), min(start[3], vt.tw_late), 0, 0, 0)
        ends[t] = (0, 0, max(end[2], vt.tw_early), min(end[3], vt.tw_late), 0, 0, 0)
        capacity[t] = int(vt.capacity[0]) if vt.capacity else 0
    depots = data.num_depots
    near = np.full((n, NEAR), -1, dtype=np.int64)
    if n > depots + 1:
        both_ways = travel[depots:, depots:] + travel[depots:, depots:].T
        np.fill_diagonal(both_ways, np.iinfo(np.int64).max)
        k = min(NEAR, n - depots - 1)
        closest = np.argsort(both_ways, axis=1, kind="stable")[:, :k]
        near[depots:, :k] = closest + depots
    return (travel, segments, starts, ends, capacity, near, depots)


def remove_routes(
    data: Any,
    routes: Routes,
    lower: int,
    deadline: float,
    patience: float,
    seed: int,
    log: list[Any],
) -> Routes:
    """Return a feasible plan with as few routes as found before `deadline` (at least `lower`).

    Trying for one route fewer stops after `patience` seconds without success. (Measured and
    not kept: starting afresh every few seconds from the last good plan.)

    `routes` must be a complete, feasible plan; it is returned unchanged when no route can go.
    """
    arrays = _data(data)
    travel, segments, depots = arrays[0], arrays[1], arrays[6]
    positive = travel[travel > 0]
    demand = segments[depots:, 6]
    demand = demand[demand > 0]
    # A unit of excess load weighs like the typical travel time between two stops.
    load_weight = (
        float(np.median(positive)) / float(np.median(demand))
        if len(demand) and len(positive)
        else 1.0
    )
    settings = np.array([MAX_EJECTED, PERTURB_MOVES, SQUEEZE_STEPS, SEARCH_LIMIT], np.int64)
    ejection.seed(seed % 2**31)
    best = routes
    while len(best) > max(lower, 1) and time.perf_counter() < deadline:
        state, work = _state(data, arrays, best)
        ejection.drop_route(arrays, state)
        steps, chunk = 0, CHUNK
        give_up = min(deadline, time.perf_counter() + patience)
        while state[9][1] > 0 and (now := time.perf_counter()) < give_up:
            steps += ejection.search(arrays, state, settings, chunk, load_weight, work)
            # Big plans make each step slower: keep looking at the clock about every 20 ms.
            took = time.perf_counter() - now
            chunk = max(1, min(CHUNK, int(chunk * 0.02 / took))) if took > 0.02 else CHUNK
        nodes, size, kind = state[0], state[1], state[2]
        found = [
            (int(kind[r]), [int(c) - depots for c in nodes[r, 1 : size[r] - 1]])
            for r in range(int(state[9][0]))
        ]
        success = bool(state[9][1] == 0) and _feasible(data, found)
        log.append(("ejection", len(found), success, steps))
        if not success:
            break
        best = found
    return best


def _state(data: Any, arrays: tuple[Any, ...], routes: Routes) -> tuple[Any, Any]:
    """The arrays `ejection` works on for this plan, and its scratch space."""
    travel, depots = arrays[0], arrays[6]
    n = travel.shape[0]
    width = n - depots + 2
    count = len(routes)
    nodes = np.zeros((count, width), dtype=np.int64)
    size = np.zeros(count, dtype=np.int64)
    kind = np.zeros(count, dtype=np.int64)
    types = data.vehicle_types()
    for r, (t, visits) in enumerate(routes):
        row = [types[t].start_depot, *(depots + c for c in visits), types[t].end_depot]
        nodes[r, : len(row)] = row
        size[r], kind[r] = len(row), t
    state = (
        nodes,
        size,
        kind,
        np.zeros((count, width, 7), dtype=np.int64),
        np.zeros((count, width, 7), dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.full(n, -1, dtype=np.int64),
        np.ones(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        np.array([count, 0], dtype=np.int64),
    )
    for r in range(count):
        ejection.refresh(arrays, state, r)
    work = (
        tuple(a.copy() for a in state[:7]),
        np.zeros(width, dtype=np.int64),
        np.zeros((width + 3, 7), dtype=np.int64),
        np.zeros((width + 3, 7), dtype=np.int64),
        np.zeros(width + 2, dtype=np.int64),
        np.zeros(width + 2, dtype=np.int64),
    )
    return state, work


def compile_ahead() -> None:
    """Compile the search once (Numba caches it on disk), so no plan waits for the compiler.

    `make install` calls this; a run that finds no cache compiles first, which takes seconds.
    """
    locations = [pyvrp.Location(x=0, y=0), pyvrp.Location(x=1, y=0), pyvrp.Location(x=0, y=1)]
    clients = [pyvrp.Client(location=i, delivery=[1]) for i in (1, 2)]
    vehicles = [pyvrp.VehicleType(num_available=2, capacity=[2])]
    # PyVRP's stub says ndarray[int], which numpy's int64 arrays do not match.
    matrix: Any = np.array([[0, 1, 1], [1, 0, 2], [1, 2, 0]], dtype=np.int64)
    data = pyvrp.ProblemData(
        locations, clients, [pyvrp.Depot(location=0)], vehicles, [matrix], [matrix]
    )
    found = remove_routes(data, [(0, [0]), (0, [1])], 1, math.inf, math.inf, 0, [])
    if len(found) != 1:
        raise RuntimeError(f"The compiled search did not merge two routes: {found}")


def _feasible(data: Any, routes: Routes) -> bool:
    """PyVRP's own check, so a plan from here is valid for every later phase."""
    index: dict[int, int] = {}
    types: list[int] = []
    used: list[int] = []
    for t, _ in routes:
        if t not in index:
            index[t] = len(types)
            types.append(t)
            used.append(0)
        used[index[t]] += 1
    vehicle_types = [
        data.vehicle_type(t).replace(num_available=n) for t, n in zip(types, used, strict=True)
    ]
    fleet = data.replace(vehicle_types=vehicle_types)
    solution = pyvrp.Solution(fleet, [pyvrp.Route(fleet, v, index[t]) for t, v in routes])
    return bool(solution.is_feasible() and solution.is_complete())
