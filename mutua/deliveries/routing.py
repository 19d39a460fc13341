"""Plan delivery and pick-up runs: who drives where, in what order, arriving when.

Pure Python with plain data in and out (no Django), so the route sheet pages, the JSON API and
the `solve_routes` command all call the same `solve()`.

The objective is hierarchical, because volunteers' hours are the scarcest thing: first the fewest
drivers, then the least total distance. Time windows and capacities are never broken. A stop that
cannot be served is listed in `Plan.unplaced` with a reason, never silently dropped.

The engine is PyVRP (iterated local search with adaptive penalties, the successor of its hybrid
genetic search). PyVRP works on integers, so distances and times are scaled by `Problem.scale`:
travel times are rounded *up*, ready times up and due times down, which makes every plan that is
feasible in integers also feasible in exact arithmetic. Reported distances and arrival times are
recomputed from the unscaled data in double precision.

Units: for planar (Solomon-style) data, time and distance share a unit and `speed` is 1. For
real stops use `metric="haversine"`, `x` = longitude and `y` = latitude in degrees, distances in
km, times in minutes since midnight of the run's day and `speed` in km per minute.
"""

from __future__ import annotations

import dataclasses
import json
import math
import multiprocessing
import time
import urllib.parse
import urllib.request
import warnings
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pyvrp
from numpy.typing import NDArray
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxRuntime

from mutua.deliveries import fleet

Metric = Literal["euclidean", "haversine"]
StopKind = Literal["delivery", "pickup"]
Point = tuple[float, float]
FloatMatrix = NDArray[np.float64]
# Given the points (x, y) in order, return (distances, durations) between every pair.
Routes = list[tuple[int, list[int]]]  # (vehicle type, PyVRP client indices in visit order)
MatrixSource = Callable[
    [Sequence[Point]], tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]]
]

EARTH_RADIUS_KM = 6371.0088
EPSILON = 1e-6  # slack for comparing floats recomputed from the same data

# Why a stop could not be placed. Codes are stable (API, tests); messages are for people.
WINDOW_CLOSED = "window_closed"
TOO_HEAVY = "too_heavy"
UNREACHABLE = "unreachable"
NO_DRIVERS = "no_drivers"
NO_ROOM = "no_room"
REASONS = {
    WINDOW_CLOSED: "its time window closes before it opens",
    TOO_HEAVY: "its load is above every driver's vehicle capacity",
    UNREACHABLE: "no driver can reach it within its time window and get back before the shift ends",
    NO_DRIVERS: "there are no drivers for this run",
    NO_ROOM: "the drivers available have no room or time left for it",
}


@dataclass(frozen=True)
class Stop:
    """A place to deliver to or pick up from, open between `ready` and `due`."""

    id: str
    x: float
    y: float
    load: int = 0
    ready: float = 0.0
    due: float = math.inf
    service: float = 0.0
    kind: StopKind = "delivery"


@dataclass(frozen=True)
class Driver:
    """A volunteer with a vehicle, starting and ending the run at (x, y) within the shift."""

    id: str
    capacity: int
    x: float
    y: float
    shift_start: float = 0.0
    shift_end: float = math.inf


@dataclass(frozen=True)
class Problem:
    """One run to plan. `matrix` replaces the metric when a routing engine is configured."""

    stops: tuple[Stop, ...]
    drivers: tuple[Driver, ...]
    metric: Metric = "euclidean"
    speed: float = 1.0
    matrix: MatrixSource | None = None
    scale: int = 1000

    def points(self) -> list[Point]:
        """Drivers' starts first, then stops: the row order of `travel()`."""
        return [(d.x, d.y) for d in self.drivers] + [(s.x, s.y) for s in self.stops]

    def travel(self) -> tuple[FloatMatrix, FloatMatrix]:
        """Return (distance, duration) matrices over `points()`."""
        points = self.points()
        if self.matrix is not None:
            distances, durations = self.matrix(points)
            return np.asarray(distances, dtype=np.float64), np.asarray(durations, dtype=np.float64)
        dist = distance_matrix(points, self.metric)
        return dist, dist / self.speed


@dataclass(frozen=True)
class Visit:
    """A stop on a route; `start` is when service begins (after waiting, if early)."""

    stop_id: str
    arrival: float
    start: float


@dataclass(frozen=True)
class Route:
    driver_id: str
    visits: tuple[Visit, ...]
    distance: float
    end: float  # back at the driver's start

    @property
    def stop_ids(self) -> list[str]:
        return [v.stop_id for v in self.visits]


@dataclass(frozen=True)
class Unplaced:
    stop_id: str
    reason: str

    @property
    def message(self) -> str:
        return REASONS[self.reason]


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unplaced: tuple[Unplaced, ...] = ()
    distance: float = 0.0
    stats: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def vehicles(self) -> int:
        return len(self.routes)


def euclidean(a: Point, b: Point) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])


def haversine(a: Point, b: Point) -> float:
    """Great-circle km between (lng, lat) points."""
    lng1, lat1, lng2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def distance_matrix(points: Sequence[Point], metric: Metric) -> FloatMatrix:
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if metric == "euclidean":
        diff = xy[:, None, :] - xy[None, :, :]
        return np.asarray(np.sqrt((diff**2).sum(axis=-1)), dtype=np.float64)
    lng, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
    h = (
        np.sin((lat[None, :] - lat[:, None]) / 2) ** 2
        + np.cos(lat[:, None])
        * np.cos(lat[None, :])
        * np.sin((lng[None, :] - lng[:, None]) / 2) ** 2
    )
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h))), np.float64)


def osrm_matrix(url: str, timeout: float = 30.0) -> MatrixSource:
    """Return a matrix source that asks an OSRM server (e.g. http://osrm:5000) for road travel.

    Only called when a network configures a routing engine URL; OSRM answers metres and seconds,
    converted here to km and minutes to match the haversine units.
    """

    def fetch(points: Sequence[Point]) -> tuple[list[list[float]], list[list[float]]]:
        coords = ";".join(f"{x:.6f},{y:.6f}" for x, y in points)
        query = urllib.parse.urlencode({"annotations": "distance,duration"})
        request_url = f"{url.rstrip('/')}/table/v1/driving/{coords}?{query}"
        if not request_url.startswith(("http://", "https://")):
            raise ValueError("The routing engine URL must start with http:// or https://.")
        with urllib.request.urlopen(request_url, timeout=timeout) as response:  # noqa: S310
            body = json.load(response)
        if body.get("code") != "Ok":
            raise ValueError(f"The routing engine answered {body.get('code')!r}.")
        distances = [[float(v) / 1000 for v in row] for row in body["distances"]]
        durations = [[float(v) / 60 for v in row] for row in body["durations"]]
        return distances, durations

    return fetch


# ---------------------------------------------------------------------------------------------
# Checking a plan (independent of the solver: only the problem's data and plain arithmetic)


def check_plan(problem: Problem, plan: Plan) -> list[str]:
    """Return every rule the plan breaks (empty when feasible).

    Checks capacity at every point of each route (deliveries loaded at the start, pick-ups added
    as they happen), time windows with waiting allowed, the return before the shift ends, each
    stop placed exactly once or listed as unplaced, each driver used at most once, and the
    reported distances.
    """
    errors: list[str] = []
    dist, dur = problem.travel()
    n_drivers = len(problem.drivers)
    driver_index = {d.id: i for i, d in enumerate(problem.drivers)}
    stop_index = {s.id: n_drivers + i for i, s in enumerate(problem.stops)}
    seen: dict[str, int] = {}
    used_drivers: set[str] = set()
    total = 0.0
    for route in plan.routes:
        if route.driver_id not in driver_index:
            errors.append(f"route of unknown driver {route.driver_id!r}")
            continue
        if route.driver_id in used_drivers:
            errors.append(f"driver {route.driver_id!r} has two routes")
        used_drivers.add(route.driver_id)
        driver = problem.drivers[driver_index[route.driver_id]]
        if not route.visits:
            errors.append(f"driver {driver.id!r} has an empty route")
        here = driver_index[driver.id]
        clock = driver.shift_start
        length = 0.0
        load = sum(
            problem.stops[stop_index[v.stop_id] - n_drivers].load
            for v in route.visits
            if v.stop_id in stop_index
            and problem.stops[stop_index[v.stop_id] - n_drivers].kind == "delivery"
        )
        if load > driver.capacity:
            errors.append(f"driver {driver.id!r} leaves with {load} > capacity {driver.capacity}")
        for visit in route.visits:
            if visit.stop_id not in stop_index:
                errors.append(f"unknown stop {visit.stop_id!r}")
                continue
            seen[visit.stop_id] = seen.get(visit.stop_id, 0) + 1
            there = stop_index[visit.stop_id]
            stop = problem.stops[there - n_drivers]
            length += float(dist[here, there])
            arrival = clock + float(dur[here, there])
            start = max(arrival, stop.ready)
            if start > stop.due + EPSILON:
                errors.append(f"stop {stop.id!r} reached at {start:.4f} after due {stop.due}")
            if abs(visit.arrival - arrival) > 1e-4 or abs(visit.start - start) > 1e-4:
                errors.append(f"stop {stop.id!r} reported arrival does not match its route")
            load += stop.load if stop.kind == "pickup" else -stop.load
            if load > driver.capacity:
                errors.append(f"driver {driver.id!r} carries {load} after stop {stop.id!r}")
            clock = start + stop.service
            here = there
        home = driver_index[driver.id]
        length += float(dist[here, home])
        clock += float(dur[here, home])
        if clock > driver.shift_end + EPSILON:
            errors.append(f"driver {driver.id!r} is back at {clock:.4f} after {driver.shift_end}")
        if abs(route.distance - length) > 1e-6 * max(1.0, length):
            errors.append(f"driver {driver.id!r} route distance {route.distance} != {length}")
        total += length
    for unplaced in plan.unplaced:
        seen[unplaced.stop_id] = seen.get(unplaced.stop_id, 0) + 1
    for stop in problem.stops:
        count = seen.get(stop.id, 0)
        if count != 1:
            errors.append(f"stop {stop.id!r} appears {count} times")
    if abs(plan.distance - total) > 1e-6 * max(1.0, total):
        errors.append(f"plan distance {plan.distance} != {total}")
    return errors


# ---------------------------------------------------------------------------------------------
# Solving


class ProblemError(ValueError):
    """The problem itself is malformed (not merely hard): duplicate ids, negative loads..."""


def validate(problem: Problem) -> None:
    ids = [s.id for s in problem.stops]
    if len(set(ids)) != len(ids):
        raise ProblemError("Stop ids must be unique.")
    driver_ids = [d.id for d in problem.drivers]
    if len(set(driver_ids)) != len(driver_ids):
        raise ProblemError("Driver ids must be unique.")
    if not problem.speed > 0 or problem.scale < 1:
        raise ProblemError("Speed and scale must be positive.")
    for stop in problem.stops:
        values = (stop.x, stop.y, stop.ready, stop.service)
        if stop.load < 0 or stop.service < 0 or not all(map(math.isfinite, values)):
            raise ProblemError(f"Stop {stop.id!r} has a negative or non-finite value.")
        if stop.kind not in ("delivery", "pickup"):
            raise ProblemError(f"Stop {stop.id!r} has unknown kind {stop.kind!r}.")
    for driver in problem.drivers:
        if driver.capacity < 0 or not all(map(math.isfinite, (driver.x, driver.y))):
            raise ProblemError(f"Driver {driver.id!r} has a negative or non-finite value.")
        if not math.isfinite(driver.shift_start) or driver.shift_end < driver.shift_start:
            raise ProblemError(f"Driver {driver.id!r} has no hours (shift ends before it starts).")


def _unplaceable(problem: Problem, dur: FloatMatrix) -> dict[str, str]:
    """Find stops no plan could serve, with the first reason that applies."""
    reasons: dict[str, str] = {}
    n = len(problem.drivers)
    max_capacity = max((d.capacity for d in problem.drivers), default=0)
    for i, stop in enumerate(problem.stops, start=n):
        if stop.due < stop.ready:
            reasons[stop.id] = WINDOW_CLOSED
        elif not problem.drivers:
            reasons[stop.id] = NO_DRIVERS
        elif stop.load > max_capacity:
            reasons[stop.id] = TOO_HEAVY
        elif not any(
            d.capacity >= stop.load
            and max(d.shift_start + dur[k, i], stop.ready) <= stop.due
            and max(d.shift_start + dur[k, i], stop.ready) + stop.service + dur[i, k] <= d.shift_end
            for k, d in enumerate(problem.drivers)
        ):
            reasons[stop.id] = UNREACHABLE
    return reasons


@dataclass
class _Model:
    """The PyVRP view of a problem: integer data plus the maps back to ids."""

    data: Any
    stop_of_client: list[int]  # PyVRP client index -> index in problem.stops
    drivers_of_type: list[list[int]]  # vehicle type -> indices in problem.drivers
    fixed_cost: int
    prize: int


def _build_model(problem: Problem, dist: FloatMatrix, dur: FloatMatrix, skip: set[str]) -> _Model:
    """Translate to PyVRP: one depot per distinct start, one vehicle type per kind of driver."""
    n = len(problem.drivers)
    finite = [t for s in problem.stops for t in (s.ready, s.due) if math.isfinite(t)] + [
        t for d in problem.drivers for t in (d.shift_start, d.shift_end) if math.isfinite(t)
    ]
    horizon = (
        max(finite, default=0.0)
        + sum(s.service for s in problem.stops)
        + float(dur.max(initial=0.0)) * (len(problem.stops) + 2)
    )
    scale = float(problem.scale)
    while scale > 1 and horizon * scale > 2**40:  # keep PyVRP's int64 sums far from overflow
        scale /= 10

    def up(t: float) -> int:
        return math.ceil(min(t, horizon) * scale - 1e-9)

    def down(t: float) -> int:
        return math.floor(min(t, horizon) * scale + 1e-9)

    depot_of_start: dict[tuple[float, float], int] = {}
    depot_location: list[int] = []
    for k, d in enumerate(problem.drivers):
        if (d.x, d.y) not in depot_of_start:
            depot_of_start[(d.x, d.y)] = len(depot_location)
            depot_location.append(k)
    kept = [i for i, s in enumerate(problem.stops) if s.id not in skip]
    # PyVRP locations: depots first, then clients.
    rows = depot_location + [n + i for i in kept]
    sub_dist = dist[np.ix_(rows, rows)]
    sub_dur = dur[np.ix_(rows, rows)]
    int_dist = np.round(sub_dist * scale).astype(np.int64)
    int_dur = np.ceil(sub_dur * scale - 1e-9).astype(np.int64)
    np.fill_diagonal(int_dist, 0)
    np.fill_diagonal(int_dur, 0)

    n_vehicles = max(1, n)
    # A vehicle costs more than any total distance could, so fewer vehicles always wins.
    fixed_cost = (
        int(int_dist.max(axis=1, initial=0).sum()) * 2
        + n_vehicles * int(int_dist.max(initial=0))
        + 1
    )
    # Serving a stop is worth more than saving a vehicle.
    prize = 3 * fixed_cost

    points = problem.points()
    locations = [pyvrp.Location(x=float(points[r][0]), y=float(points[r][1])) for r in rows]
    depots = [pyvrp.Depot(location=j) for j in range(len(depot_location))]
    clients = []
    for j, i in enumerate(kept, start=len(depot_location)):
        s = problem.stops[i]
        amount = [s.load]
        clients.append(
            pyvrp.Client(
                location=j,
                delivery=amount if s.kind == "delivery" else [0],
                pickup=amount if s.kind == "pickup" else [0],
                service_duration=up(s.service),
                tw_early=up(s.ready),
                tw_late=down(s.due),
            )
        )
    groups: dict[tuple[int, int, int, int], list[int]] = {}
    for k, d in enumerate(problem.drivers):
        key = (depot_of_start[(d.x, d.y)], d.capacity, up(d.shift_start), down(d.shift_end))
        groups.setdefault(key, []).append(k)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=[capacity],
            start_depot=depot,
            end_depot=depot,
            fixed_cost=fixed_cost,
            tw_early=early,
            tw_late=late,
        )
        for (depot, capacity, early, late), members in groups.items()
    ]
    # PyVRP's stub says ndarray[int], which numpy's int64 arrays do not match.
    matrices: tuple[list[Any], list[Any]] = ([int_dist], [int_dur])
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, *matrices)
    return _Model(data, kept, list(groups.values()), fixed_cost, prize)


@dataclass
class _Fleet:
    """The problem restricted to some vehicles; PyVRP refuses types with none available."""

    data: Any
    types: list[int]  # index here -> vehicle type of the full problem

    def routes(self, solution: Any) -> Routes:
        return [
            (self.types[int(r.vehicle_type())], [int(a.idx) for a in r.schedule() if a.is_client()])
            for r in solution.routes()
        ]

    def solution(self, routes: Routes) -> Any:
        index = {t: i for i, t in enumerate(self.types)}
        return pyvrp.Solution(
            self.data, [pyvrp.Route(self.data, visits, index[t]) for t, visits in routes]
        )


def _fleet(data: Any, available: list[int] | None = None) -> _Fleet:
    types, kept = [], []
    for t, vt in enumerate(data.vehicle_types()):
        count = vt.num_available if available is None else available[t]
        if count > 0:
            types.append(vt.replace(num_available=count))
            kept.append(t)
    return _Fleet(data.replace(vehicle_types=types), kept)


def _used(data: Any, routes: Routes) -> list[int]:
    available = [0] * data.num_vehicle_types
    for t, _ in routes:
        available[t] += 1
    return available


def _fleet_lower_bound(data: Any) -> int:
    """A valid lower bound on vehicles: capacity packing, and stops that exclude each other.

    Two stops conflict when no vehicle can serve both in either order (time windows) or their
    loads together exceed every capacity; a clique of pairwise conflicts needs one vehicle each.
    """
    clients = data.clients()
    if not clients:
        return 0
    capacities = sorted(
        (vt.capacity[0] for vt in data.vehicle_types() for _ in range(vt.num_available)),
        reverse=True,
    )
    bound = 0
    for demand in (sum(c.delivery[0] for c in clients), sum(c.pickup[0] for c in clients)):
        carried, used = 0, 0
        while carried < demand and used < len(capacities):
            carried += capacities[used]
            used += 1
        bound = max(bound, used)
    dur = data.duration_matrix(0)
    depots = data.num_depots
    early = np.array([c.tw_early for c in clients], dtype=np.int64)
    late = np.array([c.tw_late for c in clients], dtype=np.int64)
    service = np.array([c.service_duration for c in clients], dtype=np.int64)
    load = np.array([max(c.delivery[0], c.pickup[0]) for c in clients], dtype=np.int64)
    from_depot = np.min(
        [dur[vt.start_depot, depots:] + vt.tw_early for vt in data.vehicle_types()], axis=0
    )
    start = np.maximum(early, from_depot)
    travel = dur[depots:, depots:]
    # i then j is possible when j can still be started by its due time after serving i.
    forward = (
        np.maximum(start[:, None] + service[:, None] + travel, early[None, :]) <= late[None, :]
    )
    conflict = ~(forward | forward.T) | (load[:, None] + load[None, :] > capacities[0])
    np.fill_diagonal(conflict, False)
    order = np.argsort(-conflict.sum(axis=1), kind="stable")
    clique: list[int] = []
    for i in order:
        if all(conflict[i, j] for j in clique):
            clique.append(int(i))
    return max(bound, len(clique))


# How `solve()` shares its time (fractions of the whole limit). Measured on the 44 Solomon
# instances at 30 s; see bench/routing.py.
FIRST_SHARE = 0.10  # first plan, each vehicle costing more than any distance
DISTANCE_SHARE = 0.25  # always left for distance once the fleet is settled
WORKER_MARGIN = 0.3  # seconds a parallel worker keeps to send its plan back
# Starting a worker process takes about a second; below this limit one search runs instead.
PARALLEL_FROM = 5.0
PATIENCE = 0.3  # the longest one attempt at a smaller fleet may take, in workers after the first


def _run(data: Any, stop: Any, seed: int, initial: Any = None) -> Any:
    """One run of PyVRP's iterated local search; returns its best solution."""
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound; an infeasible result is handled by
        # the caller (fewer-vehicle attempts fail, or stops are listed as unplaced).
        warnings.simplefilter("ignore", PenaltyBoundWarning)
        return _search(data, stop, seed, initial)


def _search(data: Any, stop: Any, seed: int, initial: Any) -> Any:
    return pyvrp.solve(
        data,
        stop=stop,
        seed=seed % 2**31,
        collect_stats=False,
        display=False,
        initial_solution=initial,
    ).best


def solve(problem: Problem, *, seconds: float, seed: int = 0, workers: int = 1) -> Plan:
    """Plan routes with the fewest drivers, then the least total distance, within `seconds`.

    Three phases share the time: a first solve where each vehicle carries a fixed cost larger
    than any distance; then route minimisation by guided ejection search (`fleet.py`), which
    deletes one route at a time and puts its stops back into the others; then distance
    minimisation with the smallest fleet found, which always keeps a share of the time.

    With `workers` > 1, that many searches run in parallel processes (seeds `seed`, `seed + 1`,
    ...) and the best plan wins: fewest unplaced stops, then drivers, then distance. They are
    not all alike: the first keeps trying for a smaller fleet until the distance share, the
    others give up an attempt after `PATIENCE` of the time and spend the rest on distance,
    which wins when the smaller fleet was never within reach. Worth it on a machine with spare
    cores; a web request should keep the default. Limits under `PARALLEL_FROM` seconds run
    one search, since starting the workers would eat most of the time.
    """
    if not seconds > 0:
        raise ProblemError("The time limit must be positive.")
    if workers < 1:
        raise ProblemError("At least one worker is needed.")
    validate(problem)
    if workers > 1 and seconds >= PARALLEL_FROM:
        return _solve_in_parallel(problem, seconds, seed, workers)
    return _solve(problem, seconds, seed, patience=1.0)


def _solve(problem: Problem, seconds: float, seed: int, patience: float) -> Plan:
    started = time.perf_counter()
    deadline = started + seconds
    dist, dur = problem.travel()
    reasons = _unplaceable(problem, dur)
    stats: dict[str, Any] = {"phases": []}
    if not problem.drivers or len(reasons) == len(problem.stops):
        unplaced = [Unplaced(s.id, reasons[s.id]) for s in problem.stops]
        return plan_from_orders(problem, [], unplaced, stats, (dist, dur))
    model = _build_model(problem, dist, dur, set(reasons))
    data = model.data
    routes: Routes = []
    if data.num_clients:
        routes = _optimise(model, deadline, seed, patience, stats)
        served = {c for _, visits in routes for c in visits}
        for c in range(data.num_clients):
            if c not in served:
                reasons[problem.stops[model.stop_of_client[c]].id] = NO_ROOM
    stats["seconds"] = time.perf_counter() - started
    return _plan(problem, model, routes, reasons, dist, dur, stats)


@dataclass(frozen=True)
class _KnownTravel:
    """Travel matrices computed once (a routing engine is asked once) and sent to workers."""

    distances: FloatMatrix
    durations: FloatMatrix

    def __call__(
        self, points: Sequence[Point]
    ) -> tuple[Sequence[Sequence[float]], Sequence[Sequence[float]]]:
        return self.distances.tolist(), self.durations.tolist()


def _solve_in_parallel(problem: Problem, seconds: float, seed: int, workers: int) -> Plan:
    # time.monotonic is one clock for every process here, so workers share the deadline.
    deadline = time.monotonic() + seconds
    known = dataclasses.replace(problem, matrix=_KnownTravel(*problem.travel()))
    context = multiprocessing.get_context("spawn")  # no forked copies of native solver state
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_solve_by, known, deadline, seed + k, 1.0 if k == 0 else PATIENCE)
            for k in range(workers)
        ]
        plans = [f.result() for f in futures]
    best = min(plans, key=lambda p: (len(p.unplaced), p.vehicles, p.distance))
    stats = dict(best.stats)
    stats["workers"] = [(p.vehicles, round(p.distance, 4)) for p in plans]
    stats["seconds"] = seconds - (deadline - time.monotonic())
    return dataclasses.replace(best, stats=stats)


def _solve_by(problem: Problem, deadline: float, seed: int, patience: float) -> Plan:
    """One worker of `_solve_in_parallel`: the time left after starting, less time to report."""
    left = deadline - time.monotonic() - WORKER_MARGIN
    return _solve(problem, max(left, 0.05), seed, patience)


def _optimise(
    model: _Model, deadline: float, seed: int, patience: float, stats: dict[str, Any]
) -> Routes:
    data = model.data
    total = deadline - time.perf_counter()
    phases: list[Any] = stats["phases"]

    def left() -> float:
        return deadline - time.perf_counter()

    first = _run(data, MaxRuntime(FIRST_SHARE * total), seed)
    phases.append(("fixed_cost", first.num_routes(), bool(first.is_feasible())))
    if not first.is_feasible():
        return _serve_most(model, left(), seed + 1, phases)
    best = _fleet(data).routes(first)

    lower = _fleet_lower_bound(data)
    stats["lower_bound"] = lower
    until = deadline - DISTANCE_SHARE * total
    best = fleet.remove_routes(data, best, lower, until, patience * total, seed, phases)

    final = _fleet(data, _used(data, best))
    found = _run(final.data, MaxRuntime(max(0.0, left())), seed + 100, final.solution(best))
    phases.append(("distance", found.num_routes(), bool(found.is_feasible())))
    if found.is_feasible() and found.is_complete() and found.num_routes() <= len(best):
        return final.routes(found)
    return best


def _optional(client: Any, prize: int) -> Any:
    return pyvrp.Client(
        location=client.location,
        delivery=client.delivery,
        pickup=client.pickup,
        service_duration=client.service_duration,
        tw_early=client.tw_early,
        tw_late=client.tw_late,
        prize=prize,
        required=False,
    )


def _serve_most(model: _Model, seconds: float, seed: int, phases: list[Any]) -> Routes:
    """When not every stop fits, serve as many as possible: each stop becomes optional with a
    prize worth more than a vehicle, so only stops that truly do not fit are left out."""
    data = model.data
    clients = [_optional(c, model.prize) for c in data.clients()]
    optional = data.replace(clients=clients)
    found = _run(optional, MaxRuntime(max(seconds, 0.05)), seed)
    phases.append(("serve_most", found.num_routes(), bool(found.is_feasible())))
    if found.is_feasible():
        return _fleet(optional).routes(found)
    return []


def _plan(
    problem: Problem,
    model: _Model,
    routes: Routes,
    reasons: dict[str, str],
    dist: FloatMatrix,
    dur: FloatMatrix,
    stats: dict[str, Any],
) -> Plan:
    """Give each route a driver of its vehicle type, in the order the drivers were listed."""
    free = [list(members) for members in model.drivers_of_type]
    orders = [
        (
            problem.drivers[free[vehicle_type].pop(0)].id,
            [problem.stops[model.stop_of_client[c]].id for c in clients],
        )
        for vehicle_type, clients in routes
        if clients
    ]
    unplaced = [Unplaced(s.id, reasons[s.id]) for s in problem.stops if s.id in reasons]
    return plan_from_orders(problem, orders, unplaced, stats, (dist, dur))


def plan_from_orders(
    problem: Problem,
    orders: Sequence[tuple[str, Sequence[str]]],
    unplaced: Sequence[Unplaced] = (),
    stats: dict[str, Any] | None = None,
    travel: tuple[FloatMatrix, FloatMatrix] | None = None,
) -> Plan:
    """Build a plan from (driver id, stop ids in visit order), with times and distances
    recomputed in double precision; each driver leaves at the start of the shift and waits
    at a stop that is not open yet."""
    dist, dur = travel if travel is not None else problem.travel()
    n = len(problem.drivers)
    driver_index = {d.id: k for k, d in enumerate(problem.drivers)}
    stop_index = {s.id: n + i for i, s in enumerate(problem.stops)}
    routes: list[Route] = []
    for driver_id, stop_ids in orders:
        k = driver_index[driver_id]
        here, clock, length = k, problem.drivers[k].shift_start, 0.0
        visits: list[Visit] = []
        for stop_id in stop_ids:
            there = stop_index[stop_id]
            stop = problem.stops[there - n]
            length += float(dist[here, there])
            arrival = clock + float(dur[here, there])
            start = max(arrival, stop.ready)
            visits.append(Visit(stop.id, arrival, start))
            clock = start + stop.service
            here = there
        length += float(dist[here, k])
        routes.append(Route(driver_id, tuple(visits), length, clock + float(dur[here, k])))
    total = math.fsum(r.distance for r in routes)
    return Plan(tuple(routes), tuple(unplaced), total, stats if stats is not None else {})


# ---------------------------------------------------------------------------------------------
# Solomon instances


class SolomonFormatError(ValueError):
    """The file is not a Solomon VRPTW instance we can read."""


@dataclass(frozen=True)
class Customer:
    number: int
    x: float
    y: float
    demand: int
    ready: float
    due: float
    service: float


@dataclass(frozen=True)
class SolomonInstance:
    """Customer 0 is the depot; its window is the vehicles' working day."""

    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    def problem(self, scale: int = 1000) -> Problem:
        """The same instance as a `Problem`: stop ids are the customer numbers."""
        stops = tuple(
            Stop(str(c.number), c.x, c.y, c.demand, c.ready, c.due, c.service)
            for c in self.customers
        )
        drivers = tuple(
            Driver(
                str(k + 1),
                self.capacity,
                self.depot.x,
                self.depot.y,
                self.depot.ready,
                self.depot.due,
            )
            for k in range(self.vehicles)
        )
        return Problem(stops, drivers, "euclidean", 1.0, None, scale)


def parse_solomon(text: str) -> SolomonInstance:
    """Read Solomon's text format (any line endings): name, VEHICLE block, CUSTOMER table."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise SolomonFormatError("The file is empty.")
    upper = [line.upper() for line in lines]
    try:
        vehicle_at = upper.index("VEHICLE")
        customer_at = upper.index("CUSTOMER")
    except ValueError:
        raise SolomonFormatError("Missing the VEHICLE or CUSTOMER section.") from None
    if customer_at < vehicle_at + 3:
        raise SolomonFormatError("The VEHICLE section needs a header and NUMBER CAPACITY.")
    try:
        vehicles, capacity = (int(v) for v in lines[vehicle_at + 2].split())
    except ValueError:
        raise SolomonFormatError("VEHICLE must give two integers: NUMBER CAPACITY.") from None
    if vehicles < 1 or capacity < 0:
        raise SolomonFormatError("The number of vehicles must be positive, capacity not negative.")
    customers: list[Customer] = []
    for line_no, line in enumerate(lines[customer_at + 2 :], start=1):
        fields = line.split()
        if len(fields) != 7:
            raise SolomonFormatError(f"Customer row {line_no} needs 7 numbers: {line!r}")
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise SolomonFormatError(f"Customer row {line_no} is not numeric: {line!r}") from None
        if not all(map(math.isfinite, values)):
            raise SolomonFormatError(f"Customer row {line_no} has a non-finite number.")
        number, x, y, demand, ready, due, service = values
        if number != len(customers) or demand != int(demand):
            raise SolomonFormatError(
                f"Customer row {line_no}: numbers must run 0, 1, 2... and demands be integers."
            )
        if demand < 0 or service < 0:
            raise SolomonFormatError(f"Customer {int(number)} has a negative demand or service.")
        if due < ready:
            raise SolomonFormatError(
                f"Customer {int(number)}: time window closes ({due:g}) before it opens ({ready:g})."
            )
        customers.append(Customer(int(number), x, y, int(demand), ready, due, service))
    if len(customers) < 2:
        raise SolomonFormatError("The instance needs a depot (customer 0) and customers.")
    return SolomonInstance(lines[0], vehicles, capacity, customers[0], tuple(customers[1:]))


def read_solomon(path: str) -> SolomonInstance:
    with open(path, encoding="utf-8") as handle:
        return parse_solomon(handle.read())
