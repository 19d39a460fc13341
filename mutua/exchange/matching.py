"""Match open requests to helpers: who fits whom, what it costs, and the optimal batch.

Pure Python and NumPy, no Django: the exchange app turns rows into the plain dataclasses below,
calls these functions, and turns the answer back into suggested matches. Three parts:

1. An exact batch solver. Each request goes to at most one helper, each helper takes at most
   `capacity` requests, and every request left unmatched costs `unmatched_cost`. That is a
   min-cost flow; we hand it to OR-Tools, one independent component of the candidate graph at a
   time, because neighbourhoods far apart do not interact and small flows solve much faster.
2. The fit and cost model: a coarse grid index proposes nearby pairs (never all pairs), the
   rules of issue 6 decide which pairs fit, `Weights` prices them, and each fit carries
   `(code, value)` reasons the web layer translates ("same pod", "1.2 km", "speaks es").
3. `IncrementalMatcher`: keeps the optimal solution when one request arrives, one helper gets
   free, a request is withdrawn or a helper declines, by one shortest augmenting path (or one
   negative cycle) in the residual graph instead of a re-solve.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Costs stay far from int64 overflow inside OR-Tools, which scales costs by the node count.
MAX_ABS_COST = 10**9
# Small components are packed into one OR-Tools call until it holds about this many edges, so
# tiny components do not each pay a solver's setup. Smaller is faster (min-cost flow grows
# faster than linearly): at 100k requests, 2k-edge chunks took 1.1 s, 100k-edge chunks 2.0 s.
CHUNK_EDGES = 2_000


class MatchingInputError(ValueError):
    """The problem is malformed (unknown or duplicate ids, bad numbers); the message says how."""


class MatchingSolverError(RuntimeError):
    """OR-Tools did not report an optimal flow; never expected for a validated problem."""


# --------------------------------------------------------------------------------------------
# 1. Exact batch solver
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Helper:
    id: str
    capacity: int


@dataclass(frozen=True, slots=True)
class Edge:
    """A request the helper could take, and what that pairing costs (lower is better)."""

    request: str
    helper: str
    cost: int


@dataclass(frozen=True, slots=True)
class MatchingProblem:
    requests: Sequence[str]
    helpers: Sequence[Helper]
    edges: Sequence[Edge]
    unmatched_cost: int


@dataclass(frozen=True, slots=True)
class Assignment:
    request: str
    helper: str
    cost: int


@dataclass(frozen=True, slots=True)
class MatchingResult:
    """Assignments in request order; `cost` counts `unmatched_cost` once per unmatched request."""

    assignments: list[Assignment]
    cost: int
    unmatched: list[str]


@dataclass(frozen=True, slots=True)
class IndexedProblem:
    """A validated problem as arrays: requests and helpers are positions, not ids.

    This is what the solvers work on; at 100k requests building two million `Edge` objects
    would cost more than solving, so benchmarks and bulk callers build this directly with
    `IndexedProblem.build`, which validates the arrays the same way `index_problem` validates ids.
    """

    request_ids: Sequence[str]
    helper_ids: Sequence[str]
    capacity: IntArray
    edge_request: IntArray
    edge_helper: IntArray
    edge_cost: IntArray
    unmatched_cost: int

    @property
    def n_requests(self) -> int:
        return len(self.request_ids)

    @property
    def n_helpers(self) -> int:
        return len(self.helper_ids)

    @classmethod
    def build(
        cls,
        *,
        request_ids: Sequence[str],
        helper_ids: Sequence[str],
        capacity: npt.ArrayLike,
        edge_request: npt.ArrayLike,
        edge_helper: npt.ArrayLike,
        edge_cost: npt.ArrayLike,
        unmatched_cost: int,
    ) -> IndexedProblem:
        """Check array shapes, ranges and duplicates; raise `MatchingInputError` on any fault."""
        _check_unmatched_cost(unmatched_cost)
        _check_unique(request_ids, "request")
        _check_unique(helper_ids, "helper")
        cap = _int_array(capacity, "capacity")
        er = _int_array(edge_request, "edge request index")
        eh = _int_array(edge_helper, "edge helper index")
        ec = _int_array(edge_cost, "edge cost")
        if len(cap) != len(helper_ids):
            raise MatchingInputError("There must be one capacity per helper.")
        if not len(er) == len(eh) == len(ec):
            raise MatchingInputError("Edge request, helper and cost arrays differ in length.")
        if len(cap) and cap.min() < 0:
            bad = int(np.flatnonzero(cap < 0)[0])
            raise MatchingInputError(
                f"Helper {helper_ids[bad]!r} has negative capacity {int(cap[bad])}."
            )
        n_r, n_h = len(request_ids), len(helper_ids)
        if len(er) and (er.min() < 0 or er.max() >= n_r):
            raise MatchingInputError("An edge refers to a request index out of range.")
        if len(eh) and (eh.min() < 0 or eh.max() >= n_h):
            raise MatchingInputError("An edge refers to a helper index out of range.")
        if len(ec) and np.abs(ec).max() > MAX_ABS_COST:
            raise MatchingInputError(
                f"Edge costs must lie between -{MAX_ABS_COST} and {MAX_ABS_COST}."
            )
        if len(er) > 1:
            keys = np.sort(er * max(n_h, 1) + eh)
            dup = np.flatnonzero(keys[1:] == keys[:-1])
            if len(dup):
                key = int(keys[dup[0]])
                raise MatchingInputError(
                    f"Duplicate edge between request {request_ids[key // max(n_h, 1)]!r} "
                    f"and helper {helper_ids[key % max(n_h, 1)]!r}."
                )
        return cls(list(request_ids), list(helper_ids), cap, er, eh, ec, unmatched_cost)


@dataclass(frozen=True, slots=True)
class IndexedSolution:
    """`helper_of[r]` is the helper index request `r` goes to, or -1 when it stays unmatched."""

    helper_of: IntArray
    edge_of: IntArray
    cost: int


def solve(problem: MatchingProblem) -> MatchingResult:
    """Return an optimal assignment of requests to helpers, or raise `MatchingInputError`."""
    indexed = index_problem(problem)
    return to_result(indexed, solve_indexed(indexed))


def index_problem(problem: MatchingProblem) -> IndexedProblem:
    """Validate ids and numbers and turn the problem into arrays."""
    _check_unmatched_cost(problem.unmatched_cost)
    for request_id in problem.requests:
        if not isinstance(request_id, str):
            raise MatchingInputError(f"Request id {request_id!r} is not a string.")
    request_index = _check_unique(problem.requests, "request")
    helper_ids: list[str] = []
    capacity: list[int] = []
    for helper in problem.helpers:
        if not isinstance(helper.id, str):
            raise MatchingInputError(f"Helper id {helper.id!r} is not a string.")
        if not _is_int(helper.capacity):
            raise MatchingInputError(f"Helper {helper.id!r} has a non-integer capacity.")
        if helper.capacity < 0:
            raise MatchingInputError(f"Helper {helper.id!r} has negative capacity.")
        helper_ids.append(helper.id)
        capacity.append(helper.capacity)
    helper_index = _check_unique(helper_ids, "helper")
    n_edges = len(problem.edges)
    er = np.empty(n_edges, dtype=np.int64)
    eh = np.empty(n_edges, dtype=np.int64)
    ec = np.empty(n_edges, dtype=np.int64)
    for i, edge in enumerate(problem.edges):
        r = request_index.get(edge.request)
        if r is None:
            raise MatchingInputError(f"Edge refers to unknown request {edge.request!r}.")
        h = helper_index.get(edge.helper)
        if h is None:
            raise MatchingInputError(f"Edge refers to unknown helper {edge.helper!r}.")
        if not _is_int(edge.cost):
            raise MatchingInputError(
                f"Edge {edge.request!r}-{edge.helper!r} has a non-integer cost {edge.cost!r}."
            )
        if abs(edge.cost) > MAX_ABS_COST:
            raise MatchingInputError(
                f"Edge {edge.request!r}-{edge.helper!r} cost is beyond ±{MAX_ABS_COST}."
            )
        er[i], eh[i], ec[i] = r, h, edge.cost
    return IndexedProblem.build(
        request_ids=list(problem.requests),
        helper_ids=helper_ids,
        capacity=np.asarray(capacity, dtype=np.int64),
        edge_request=er,
        edge_helper=eh,
        edge_cost=ec,
        unmatched_cost=problem.unmatched_cost,
    )


def to_result(problem: IndexedProblem, solution: IndexedSolution) -> MatchingResult:
    """Turn positions back into ids."""
    assignments: list[Assignment] = []
    unmatched: list[str] = []
    for r, (h, e) in enumerate(
        zip(solution.helper_of.tolist(), solution.edge_of.tolist(), strict=True)
    ):
        if h < 0:
            unmatched.append(problem.request_ids[r])
        else:
            assignments.append(
                Assignment(problem.request_ids[r], problem.helper_ids[h], int(problem.edge_cost[e]))
            )
    return MatchingResult(assignments, solution.cost, unmatched)


def useful_edges(problem: IndexedProblem) -> IntArray:
    """Indices of edges that can be in an optimal solution worth computing.

    An edge costing `unmatched_cost` or more never beats leaving the request unmatched (ties
    keep the same total), and a helper with no capacity can take nothing.
    """
    keep = (problem.edge_cost < problem.unmatched_cost) & (
        problem.capacity[problem.edge_helper] > 0
    )
    return np.flatnonzero(keep).astype(np.int64)


def solve_indexed(problem: IndexedProblem, *, chunk_edges: int = CHUNK_EDGES) -> IndexedSolution:
    """Solve exactly, one batch of independent components per OR-Tools call.

    The candidate graph of a network is many small clusters (neighbourhoods, towns); min-cost
    flow on each is much cheaper than on the union, and the union's optimum is the sum of the
    clusters' optima because no edge crosses between them.
    """
    n_r, n_h = problem.n_requests, problem.n_helpers
    helper_of = np.full(n_r, -1, dtype=np.int64)
    edge_of = np.full(n_r, -1, dtype=np.int64)
    edges = useful_edges(problem)
    if len(edges):
        er, eh = problem.edge_request[edges], problem.edge_helper[edges]
        graph = coo_matrix(
            (np.ones(len(edges), dtype=np.int8), (er, n_r + eh)), shape=(n_r + n_h, n_r + n_h)
        )
        _, label = connected_components(graph, directed=False)
        edge_label = label[er]
        order = np.argsort(edge_label, kind="stable")
        edges, edge_label = edges[order], edge_label[order]
        # Cut the label-sorted edge list into chunks of whole components.
        starts = np.flatnonzero(np.r_[True, edge_label[1:] != edge_label[:-1]])
        cuts = [0]
        for s in starts.tolist()[1:]:
            if s - cuts[-1] >= chunk_edges:
                cuts.append(s)
        cuts.append(len(edges))
        for a, b in pairwise(cuts):
            chosen = _solve_chunk(problem, edges[a:b])
            helper_of[problem.edge_request[chosen]] = problem.edge_helper[chosen]
            edge_of[problem.edge_request[chosen]] = chosen
    matched = edge_of >= 0
    cost = int(problem.edge_cost[edge_of[matched]].sum()) + problem.unmatched_cost * int(
        n_r - matched.sum()
    )
    return IndexedSolution(helper_of, edge_of, cost)


def _solve_chunk(problem: IndexedProblem, edges: IntArray) -> IntArray:
    """Solve one set of whole components with OR-Tools; return the chosen edge indices.

    Network: every request has supply 1 and either sends it through a helper (arc cost = edge
    cost, helper→sink arc capacity = helper capacity) or straight to the sink at
    `unmatched_cost`, so the flow is always feasible and its cost is the matching's total.
    """
    requests, local_r = np.unique(problem.edge_request[edges], return_inverse=True)
    helpers, local_h = np.unique(problem.edge_helper[edges], return_inverse=True)
    n_r, n_h, n_e = len(requests), len(helpers), len(edges)
    sink = n_r + n_h
    flow = min_cost_flow.SimpleMinCostFlow()
    tails = np.concatenate([local_r, n_r + np.arange(n_h), np.arange(n_r)]).astype(np.int64)
    heads = np.concatenate([n_r + local_h, np.full(n_h + n_r, sink, dtype=np.int64)]).astype(
        np.int64
    )
    capacities = np.concatenate(
        [np.ones(n_e, dtype=np.int64), problem.capacity[helpers], np.ones(n_r, dtype=np.int64)]
    )
    costs = np.concatenate(
        [
            problem.edge_cost[edges],
            np.zeros(n_h, dtype=np.int64),
            np.full(n_r, problem.unmatched_cost, dtype=np.int64),
        ]
    )
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_r] = 1
    supplies[sink] = -n_r
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingSolverError(f"OR-Tools min-cost flow ended with status {status}.")
    used = np.asarray(flow.flows(np.arange(n_e, dtype=np.int64))) > 0
    chosen: IntArray = edges[used]
    return chosen


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _check_unmatched_cost(value: object) -> None:
    if not _is_int(value):
        raise MatchingInputError(f"unmatched_cost must be an integer, not {value!r}.")
    assert isinstance(value, int | np.integer)
    if value < 0:
        raise MatchingInputError("unmatched_cost must not be negative.")
    if value > MAX_ABS_COST:
        raise MatchingInputError(f"unmatched_cost must be at most {MAX_ABS_COST}.")


def _check_unique(ids: Sequence[str], kind: str) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, item in enumerate(ids):
        if item in index:
            raise MatchingInputError(f"Duplicate {kind} id {item!r}.")
        index[item] = i
    return index


def _int_array(values: npt.ArrayLike, what: str) -> IntArray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise MatchingInputError(f"{what} must be a one-dimensional array.")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise MatchingInputError(f"{what} values must be integers.")
    return array.astype(np.int64, copy=False)


# --------------------------------------------------------------------------------------------
# 2. Who fits whom, and at what cost
# --------------------------------------------------------------------------------------------

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Weights:
    """How each part of a pairing's cost is priced; integers, in "cost points".

    Defaults, and why:
    - per_km = 10: distance is the main cost; 1 km = 10 points.
    - per_waiting_hour = 2: every hour a request has waited (times its urgency) makes matching it
      2 points cheaper, for up to `waiting_horizon_hours`. Lowering all of a request's edge
      costs by w is the same as raising its own unmatched penalty by w (each request is either
      matched or pays the penalty), so when helpers are scarce old and urgent requests win.
    - waiting_horizon_hours = 72: after three days (or one day at urgency 3) waiting no longer
      adds priority, so costs stay non-negative and bounded.
    - per_recent_help = 15: each help a helper gave this week adds 15 points, spreading the load
      so the same few people are not always asked.
    - other_pod = 20: a helper from another pod than the requester's costs 20 points more (2 km).
    - unmatched = 1000: leaving a request unmatched costs as much as a 100 km detour, so the
      solver matches every request it sensibly can.
    """

    per_km: int = 10
    per_waiting_hour: int = 2
    waiting_horizon_hours: int = 72
    per_recent_help: int = 15
    other_pod: int = 20
    unmatched: int = 1000


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What matching needs to know about an open request (coarse location only).

    `skills` already folds in certificates: the caller lists a certificate only if it is valid.
    `urgency` multiplies waiting time (1 normal, 2 urgent, 3 emergency).
    """

    id: str
    lat: float
    lng: float
    category: str
    created_at: datetime
    needed_from: datetime
    needed_by: datetime
    skills: frozenset[str] = frozenset()
    language: str | None = None
    urgency: int = 1
    pod: str | None = None


@dataclass(frozen=True, slots=True)
class HelperInfo:
    """What matching needs to know about a member offering help, and how much they can take."""

    id: str
    lat: float
    lng: float
    travel_km: float
    capacity: int
    categories: frozenset[str]
    available: tuple[tuple[datetime, datetime], ...]
    skills: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    recent_helps: int = 0
    pod: str | None = None


class Reason(NamedTuple):
    """One reason a pair fits, e.g. ("distance_km", "1.2"); the web layer words and translates it.

    Codes: same_pod/other_pod (pod id), distance_km, speaks (language code), has_skill (skill),
    available_from (ISO datetime where the helper's free time meets the need), waiting_hours.
    """

    code: str
    value: str


@dataclass(frozen=True, slots=True)
class Fit:
    request: str
    helper: str
    cost: int
    km: float
    reasons: tuple[Reason, ...]


def haversine_km(
    lat1: npt.ArrayLike, lng1: npt.ArrayLike, lat2: npt.ArrayLike, lng2: npt.ArrayLike
) -> FloatArray:
    """Great-circle distance in km, vectorised (coarse locations make this accurate enough)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(np.asarray(lng2, dtype=np.float64) - np.asarray(lng1, dtype=np.float64))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


class GridIndex:
    """Points bucketed in cells about `cell_km` wide, to find neighbours without all pairs.

    Cells are `cell_km` tall and at least `cell_km` wide everywhere in the data (their width in
    degrees is set at the point farthest from the equator); longitudes wrap at ±180°.
    """

    def __init__(self, lat: npt.ArrayLike, lng: npt.ArrayLike, cell_km: float = 1.0) -> None:
        self.lat = np.asarray(lat, dtype=np.float64)
        self.lng = np.asarray(lng, dtype=np.float64)
        if self.lat.shape != self.lng.shape or self.lat.ndim != 1:
            raise ValueError("lat and lng must be one-dimensional arrays of the same length.")
        self.dlat = cell_km / (math.pi * EARTH_RADIUS_KM / 180.0)
        max_lat = float(np.abs(self.lat).max()) if len(self.lat) else 0.0
        self.dlng = min(360.0, self.dlat / max(math.cos(math.radians(min(max_lat, 89.0))), 1e-9))
        self.n_lng_cells = max(1, math.floor(360.0 / self.dlng))
        self.cell_km = cell_km
        ys, xs = self._cells(self.lat, self.lng)
        keys = ys * self.n_lng_cells + xs
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1], True])
        self._cells_to_points: dict[int, IntArray] = {
            int(sorted_keys[a]): order[a:b] for a, b in pairwise(bounds)
        }

    def _cells(self, lat: npt.ArrayLike, lng: npt.ArrayLike) -> tuple[IntArray, IntArray]:
        ys = np.floor((np.asarray(lat) + 90.0) / self.dlat).astype(np.int64)
        xs = np.floor((np.asarray(lng) + 180.0) / self.dlng).astype(np.int64) % self.n_lng_cells
        return ys, xs

    def within(self, lat: float, lng: float, radius_km: float) -> tuple[IntArray, FloatArray]:
        """Indices of the points within `radius_km` of (lat, lng), and their distances."""
        ys, xs = self._cells(np.array([lat]), np.array([lng]))
        y, x = int(ys[0]), int(xs[0])
        reach = math.ceil(radius_km / self.cell_km)
        x_reach = min(reach, self.n_lng_cells // 2)
        found: list[IntArray] = []
        seen_x: set[int] = set()
        for dx in range(-x_reach, x_reach + 1):
            cx = (x + dx) % self.n_lng_cells
            if cx in seen_x:
                continue
            seen_x.add(cx)
            for cy in range(y - reach, y + reach + 1):
                points = self._cells_to_points.get(cy * self.n_lng_cells + cx)
                if points is not None:
                    found.append(points)
        if not found:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
        idx = np.concatenate(found)
        km = haversine_km(lat, lng, self.lat[idx], self.lng[idx])
        near = km <= radius_km
        return idx[near], km[near]


def nearby_pairs(
    request_lat: npt.ArrayLike,
    request_lng: npt.ArrayLike,
    helper_lat: npt.ArrayLike,
    helper_lng: npt.ArrayLike,
    helper_travel_km: npt.ArrayLike,
    cell_km: float = 1.0,
) -> tuple[IntArray, IntArray, FloatArray]:
    """All (request, helper, km) with the request within the helper's own travel radius."""
    if np.asarray(request_lat).size == 0 or np.asarray(helper_lat).size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    grid = GridIndex(request_lat, request_lng, cell_km)
    h_lat = np.asarray(helper_lat, dtype=np.float64).tolist()
    h_lng = np.asarray(helper_lng, dtype=np.float64).tolist()
    travel = np.asarray(helper_travel_km, dtype=np.float64).tolist()
    rs: list[IntArray] = []
    hs: list[IntArray] = []
    kms: list[FloatArray] = []
    for h, (lat, lng, radius) in enumerate(zip(h_lat, h_lng, travel, strict=True)):
        idx, km = grid.within(lat, lng, radius)
        rs.append(idx)
        hs.append(np.full(len(idx), h, dtype=np.int64))
        kms.append(km)
    if not rs:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return np.concatenate(rs), np.concatenate(hs), np.concatenate(kms)


def pair_costs(
    weights: Weights,
    *,
    km: npt.ArrayLike,
    waited_hours: npt.ArrayLike,
    urgency: npt.ArrayLike,
    recent_helps: npt.ArrayLike,
    other_pod: npt.ArrayLike,
) -> IntArray:
    """The cost of each pair, vectorised; see `Weights` for what each term means."""
    credit = np.minimum(
        np.maximum(np.asarray(waited_hours, dtype=np.float64), 0.0) * np.asarray(urgency),
        weights.waiting_horizon_hours,
    )
    cost = (
        weights.per_km * np.asarray(km, dtype=np.float64)
        + weights.per_waiting_hour * (weights.waiting_horizon_hours - credit)
        + weights.per_recent_help * np.asarray(recent_helps, dtype=np.float64)
        + weights.other_pod * np.asarray(other_pod, dtype=np.float64)
    )
    rounded: IntArray = np.rint(cost).astype(np.int64)
    return rounded


def assess(request: RequestInfo, helper: HelperInfo, weights: Weights, now: datetime) -> Fit | None:
    """Return the fit of one pair with its cost and reasons, or None when the helper cannot help."""
    if request.category not in helper.categories:
        return None
    if not request.skills <= helper.skills:
        return None
    if request.language is not None and request.language not in helper.languages:
        return None
    overlap = _first_overlap(helper.available, request.needed_from, request.needed_by)
    if overlap is None:
        return None
    km = float(haversine_km(request.lat, request.lng, helper.lat, helper.lng))
    if km > helper.travel_km:
        return None
    other = request.pod is not None and helper.pod != request.pod
    waited = (now - request.created_at).total_seconds() / 3600.0
    cost = int(
        pair_costs(
            weights,
            km=km,
            waited_hours=waited,
            urgency=request.urgency,
            recent_helps=helper.recent_helps,
            other_pod=other,
        )
    )
    reasons: list[Reason] = []
    if request.pod is not None:
        reasons.append(Reason("other_pod" if other else "same_pod", helper.pod or ""))
    reasons.append(Reason("distance_km", f"{km:.1f}"))
    if request.language is not None:
        reasons.append(Reason("speaks", request.language))
    reasons.extend(Reason("has_skill", skill) for skill in sorted(request.skills))
    reasons.append(Reason("available_from", overlap.isoformat()))
    if waited >= 1:
        reasons.append(Reason("waiting_hours", str(int(waited))))
    return Fit(request.id, helper.id, cost, km, tuple(reasons))


def candidate_fits(
    requests: Sequence[RequestInfo],
    helpers: Sequence[HelperInfo],
    weights: Weights,
    now: datetime,
    cell_km: float = 1.0,
) -> list[Fit]:
    """Every fitting pair, found through the grid index rather than by trying all pairs."""
    if not requests or not helpers:
        return []
    rs, hs, _ = nearby_pairs(
        [r.lat for r in requests],
        [r.lng for r in requests],
        [h.lat for h in helpers],
        [h.lng for h in helpers],
        [h.travel_km for h in helpers],
        cell_km,
    )
    fits = []
    for r, h in zip(rs.tolist(), hs.tolist(), strict=True):
        fit = assess(requests[r], helpers[h], weights, now)
        if fit is not None:
            fits.append(fit)
    return fits


def matching_problem(
    requests: Sequence[RequestInfo],
    helpers: Sequence[HelperInfo],
    fits: Iterable[Fit],
    weights: Weights,
) -> MatchingProblem:
    """The batch problem for these fits, ready for `solve` or `IncrementalMatcher`."""
    return MatchingProblem(
        requests=[r.id for r in requests],
        helpers=[Helper(h.id, h.capacity) for h in helpers],
        edges=[Edge(f.request, f.helper, f.cost) for f in fits],
        unmatched_cost=weights.unmatched,
    )


def _first_overlap(
    windows: Iterable[tuple[datetime, datetime]], start: datetime, end: datetime
) -> datetime | None:
    """Earliest moment a helper's free window meets [start, end), or None."""
    best: datetime | None = None
    for free_from, free_until in windows:
        if free_from < end and free_until > start:
            moment = max(free_from, start)
            if best is None or moment < best:
                best = moment
    return best


def cost_breakdown(
    weights: Weights,
    *,
    km: float,
    waited_hours: float,
    urgency: int,
    recent_helps: int,
    other_pod: bool,
) -> tuple[Reason, ...]:
    """The parts of `pair_costs` for one pair, each rounded, to show a dispatcher why.

    Codes: distance, waiting, fairness, other_pod; values are cost points as strings. Their sum
    can differ from the pair's cost by rounding (the cost rounds the sum, not each part).
    """
    credit = min(max(waited_hours, 0.0) * urgency, weights.waiting_horizon_hours)
    parts = (
        ("distance", weights.per_km * km),
        ("waiting", weights.per_waiting_hour * (weights.waiting_horizon_hours - credit)),
        ("fairness", weights.per_recent_help * recent_helps),
        ("other_pod", weights.other_pod * int(other_pod)),
    )
    return tuple(Reason(code, str(round(points))) for code, points in parts)


def explain_unmatched(request: RequestInfo, helpers: Iterable[HelperInfo]) -> Reason:
    """Why nobody was suggested for a request, from the first fit rule that leaves no helper.

    `helpers` are the members who may see the request. The rules are applied one after the
    other (reach, category, language, skill, availability), so "nobody_speaks" means someone
    within reach does this kind of help but none of them speaks the language. When helpers fit
    and still none was suggested, they are taken by other requests or have no room this week.
    """
    left = [
        h
        for h in helpers
        if float(haversine_km(request.lat, request.lng, h.lat, h.lng)) <= h.travel_km
    ]
    if not left:
        return Reason("nobody_in_reach", "")
    left = [h for h in left if request.category in h.categories]
    if not left:
        return Reason("nobody_offers", request.category)
    if request.language is not None:
        left = [h for h in left if request.language in h.languages]
        if not left:
            return Reason("nobody_speaks", request.language)
    for skill in sorted(request.skills):
        left = [h for h in left if skill in h.skills]
        if not left:
            return Reason("nobody_has_skill", skill)
    left = [
        h
        for h in left
        if _first_overlap(h.available, request.needed_from, request.needed_by) is not None
    ]
    if not left:
        return Reason("nobody_free", "")
    return Reason("helpers_busy", "")


# --------------------------------------------------------------------------------------------
# 3. Incremental updates
# --------------------------------------------------------------------------------------------

_SINK = -1  # node codes: request r -> 2r, helper h -> 2h + 1, the sink -> -1


@dataclass(slots=True)
class _Search:
    dist: dict[int, int] = field(default_factory=dict)
    step: dict[int, int] = field(default_factory=dict)
    reached: bool = False


class IncrementalMatcher:
    """An optimal matching kept up to date one event at a time.

    It holds the min-cost flow of the batch solution with node potentials (a proof of
    optimality: every residual arc has non-negative reduced cost). One new request needs one
    shortest path from it to the sink; one freed helper slot needs the cheapest cycle through its
    new sink arc; both are Dijkstra searches on reduced costs that stop at the sink, so they
    touch only the neighbourhood that can change. Successive-shortest-path theory says the
    result is again optimal, and the tests compare it with a fresh solve.
    """

    def __init__(self, problem: MatchingProblem) -> None:
        indexed = index_problem(problem)
        self._load(indexed, solve_indexed(indexed))

    @classmethod
    def from_indexed(
        cls, problem: IndexedProblem, solution: IndexedSolution | None = None
    ) -> IncrementalMatcher:
        """Start from arrays, and from their batch solution when the caller already has it."""
        matcher = cls.__new__(cls)
        matcher._load(problem, solution if solution is not None else solve_indexed(problem))
        return matcher

    # -- state ------------------------------------------------------------------------------

    def _load(self, problem: IndexedProblem, solution: IndexedSolution) -> None:
        self.unmatched_cost = problem.unmatched_cost
        self.request_ids: list[str] = list(problem.request_ids)
        self.helper_ids: list[str] = list(problem.helper_ids)
        self._request_index = {rid: r for r, rid in enumerate(self.request_ids)}
        self._helper_index = {hid: h for h, hid in enumerate(self.helper_ids)}
        n_r, n_h = problem.n_requests, problem.n_helpers
        keep = np.flatnonzero(problem.edge_cost < problem.unmatched_cost)
        er, eh, ec = problem.edge_request[keep], problem.edge_helper[keep], problem.edge_cost[keep]
        # Edges as CSR by request (out of a request) and by helper (into a helper).
        by_r = np.lexsort((eh, er))
        self._out_ptr = np.searchsorted(er[by_r], np.arange(n_r + 1)).tolist()
        self._out_h, self._out_c = eh[by_r], ec[by_r]
        by_h = np.lexsort((er, eh))
        self._in_ptr = np.searchsorted(eh[by_h], np.arange(n_h + 1)).tolist()
        self._in_r, self._in_c = er[by_h], ec[by_h]
        # Edges added or removed after the batch.
        self._extra_out: dict[int, dict[int, int]] = {}
        self._extra_in: dict[int, dict[int, int]] = {}
        self._removed: set[tuple[int, int]] = set()
        self.capacity: list[int] = problem.capacity.tolist()
        self._alive: list[bool] = [True] * n_r
        self._match: list[int] = solution.helper_of.tolist()
        self._match_cost: list[int] = [0] * n_r
        self._assigned: list[dict[int, int]] = [{} for _ in range(n_h)]
        for r, e in enumerate(solution.edge_of.tolist()):
            if e >= 0:
                h, c = int(problem.edge_helper[e]), int(problem.edge_cost[e])
                self._match_cost[r] = c
                self._assigned[h][r] = c
        self.cost = solution.cost
        self._pi_r, self._pi_h, self._pi_s = _initial_potentials(
            n_r, n_h, er, eh, ec, solution.helper_of, problem.capacity, problem.unmatched_cost
        )

    def _out_edges(self, r: int) -> Iterator[tuple[int, int]]:
        if r < len(self._out_ptr) - 1:
            a, b = self._out_ptr[r], self._out_ptr[r + 1]
            for h, c in zip(self._out_h[a:b].tolist(), self._out_c[a:b].tolist(), strict=True):
                if not self._removed or (r, h) not in self._removed:
                    yield h, c
        extra = self._extra_out.get(r)
        if extra:
            yield from extra.items()

    def _in_edges(self, h: int) -> Iterator[tuple[int, int]]:
        if h < len(self._in_ptr) - 1:
            a, b = self._in_ptr[h], self._in_ptr[h + 1]
            for r, c in zip(self._in_r[a:b].tolist(), self._in_c[a:b].tolist(), strict=True):
                if self._alive[r] and (not self._removed or (r, h) not in self._removed):
                    yield r, c
        extra = self._extra_in.get(h)
        if extra:
            for r, c in extra.items():
                if self._alive[r]:
                    yield r, c

    # -- reading ----------------------------------------------------------------------------

    def helper_for(self, request_id: str) -> str | None:
        """The helper currently suggested for this request, if any."""
        h = self._match[self._request(request_id)]
        return None if h < 0 else self.helper_ids[h]

    def result(self) -> MatchingResult:
        assignments: list[Assignment] = []
        unmatched: list[str] = []
        for r, rid in enumerate(self.request_ids):
            if not self._alive[r]:
                continue
            h = self._match[r]
            if h < 0:
                unmatched.append(rid)
            else:
                assignments.append(Assignment(rid, self.helper_ids[h], self._match_cost[r]))
        return MatchingResult(assignments, self.cost, unmatched)

    # -- events -----------------------------------------------------------------------------

    def add_request(self, request_id: str, edges: Mapping[str, int]) -> str | None:
        """Add a request with its candidate helpers (helper id -> cost); return its helper."""
        if request_id in self._request_index:
            raise MatchingInputError(f"Duplicate request id {request_id!r}.")
        out: dict[int, int] = {}
        for helper_id, cost in edges.items():
            h = self._helper(helper_id)
            if not _is_int(cost) or abs(cost) > MAX_ABS_COST:
                raise MatchingInputError(f"Edge to {helper_id!r} has an invalid cost {cost!r}.")
            if cost < self.unmatched_cost:
                out[h] = int(cost)
        r = len(self.request_ids)
        self.request_ids.append(request_id)
        self._request_index[request_id] = r
        self._alive.append(True)
        self._match.append(-1)
        self._match_cost.append(0)
        # A potential that keeps every new arc's reduced cost non-negative.
        self._pi_r.append(
            max([self._pi_s - self.unmatched_cost] + [self._pi_h[h] - c for h, c in out.items()])
        )
        self._extra_out[r] = out
        for h, c in out.items():
            self._extra_in.setdefault(h, {})[r] = c
        self._route(r)
        return self.helper_for(request_id)

    def add_helper(self, helper_id: str, capacity: int, edges: Mapping[str, int]) -> None:
        """Add a helper with its candidate requests (request id -> cost) and capacity."""
        if helper_id in self._helper_index:
            raise MatchingInputError(f"Duplicate helper id {helper_id!r}.")
        incoming: dict[int, int] = {}
        for request_id, cost in edges.items():
            r = self._request(request_id)
            if not _is_int(cost) or abs(cost) > MAX_ABS_COST:
                raise MatchingInputError(f"Edge from {request_id!r} has an invalid cost {cost!r}.")
            if cost < self.unmatched_cost:
                incoming[r] = int(cost)
        h = len(self.helper_ids)
        self.helper_ids.append(helper_id)
        self._helper_index[helper_id] = h
        self.capacity.append(0)
        self._assigned.append({})
        self._pi_h.append(min([self._pi_s] + [self._pi_r[r] + c for r, c in incoming.items()]))
        self._extra_in[h] = incoming
        for r, c in incoming.items():
            self._extra_out.setdefault(r, {})[h] = c
        self.add_capacity(helper_id, capacity)

    def add_capacity(self, helper_id: str, amount: int = 1) -> None:
        """Give a helper `amount` more slots (they became free) and re-optimise around them."""
        h = self._helper(helper_id)
        if not _is_int(amount) or amount < 0:
            raise MatchingInputError("Capacity can only grow by a non-negative integer.")
        for _ in range(amount):
            was_full = len(self._assigned[h]) >= self.capacity[h]
            self.capacity[h] += 1
            if was_full:
                self._improve_through(h)

    def remove_request(self, request_id: str) -> None:
        """Drop a request (fulfilled elsewhere or withdrawn); its helper's slot is reused."""
        r = self._request(request_id)
        h = self._match[r]
        self._alive[r] = False
        if h < 0:
            self.cost -= self.unmatched_cost
            return
        was_full = len(self._assigned[h]) >= self.capacity[h]
        self._unassign(r)
        if was_full:
            self._improve_through(h)

    def remove_edge(self, request_id: str, helper_id: str) -> str | None:
        """Forget one pairing (the helper declined); return the request's next best helper."""
        r, h = self._request(request_id), self._helper(helper_id)
        if self._extra_out.get(r, {}).pop(h, None) is not None:
            self._extra_in[h].pop(r, None)
        else:
            self._removed.add((r, h))
        if self._match[r] == h:
            was_full = len(self._assigned[h]) >= self.capacity[h]
            self._unassign(r)
            if was_full:
                # r has no flow now; hide it so the cycle search does not treat it as unmatched.
                self._alive[r] = False
                self._improve_through(h)
                self._alive[r] = True
            self._route(r)
        return self.helper_for(request_id)

    # -- internals --------------------------------------------------------------------------

    def _request(self, request_id: str) -> int:
        r = self._request_index.get(request_id)
        if r is None or not self._alive[r]:
            raise MatchingInputError(f"Unknown request {request_id!r}.")
        return r

    def _helper(self, helper_id: str) -> int:
        h = self._helper_index.get(helper_id)
        if h is None:
            raise MatchingInputError(f"Unknown helper {helper_id!r}.")
        return h

    def _unassign(self, r: int) -> None:
        """Take request r's unit of flow out entirely (r then has no flow, not even unmatched)."""
        h = self._match[r]
        del self._assigned[h][r]
        self.cost -= self._match_cost[r]
        self._match[r] = -1
        self._match_cost[r] = 0

    def _route(self, r0: int) -> None:
        """Send request r0's unit along the cheapest residual path to the sink (it has no flow)."""
        pi_r, pi_h, pi_s = self._pi_r, self._pi_h, self._pi_s
        dist: dict[int, int] = {}
        step: dict[int, int] = {}
        best: dict[int, int] = {2 * r0: 0}
        heap = [(0, 2 * r0)]
        unmatched = self.unmatched_cost
        while heap:
            d, v = heapq.heappop(heap)
            if v in dist:
                continue
            dist[v] = d
            if v == _SINK:
                break
            relax: list[tuple[int, int]] = []
            if v % 2 == 0:
                r = v >> 1
                pr = pi_r[r]
                here = self._match[r]
                if here >= 0 or r == r0:
                    relax.append((_SINK, d + unmatched + pr - pi_s))
                for h, c in self._out_edges(r):
                    if h != here:
                        relax.append((2 * h + 1, d + c + pr - pi_h[h]))
            else:
                h = v >> 1
                ph = pi_h[h]
                if len(self._assigned[h]) < self.capacity[h]:
                    relax.append((_SINK, d + ph - pi_s))
                for r, c in self._assigned[h].items():
                    relax.append((2 * r, d - c + ph - pi_r[r]))
            for w, nd in relax:
                if w not in dist and nd < best.get(w, nd + 1):
                    best[w] = nd
                    step[w] = v
                    heapq.heappush(heap, (nd, w))
        total = dist[_SINK]
        self.cost += total - pi_r[r0] + pi_s
        # Walk back from the sink, applying each arc of the path.
        path = [_SINK]
        while path[-1] != 2 * r0:
            path.append(step[path[-1]])
        path.reverse()
        self._apply(path)
        self._shift(dist, total, sign=1)

    def _improve_through(self, h0: int) -> None:
        """Helper h0's sink arc just opened: push one unit round the cheapest cycle if it pays."""
        pi_r, pi_h, pi_s = self._pi_r, self._pi_h, self._pi_s
        dist: dict[int, int] = {}
        step: dict[int, int] = {}
        start = 2 * h0 + 1
        best: dict[int, int] = {start: 0}
        heap = [(0, start)]
        unmatched = self.unmatched_cost
        # Backward Dijkstra: dist[v] is the reduced cost of the cheapest path v -> h0.
        while heap:
            d, v = heapq.heappop(heap)
            if v in dist:
                continue
            dist[v] = d
            if v == _SINK:
                break
            relax: list[tuple[int, int]] = []
            if v % 2 == 1:
                h = v >> 1
                ph = pi_h[h]
                if self._assigned[h]:
                    relax.append((_SINK, d + pi_s - ph))
                for r, c in self._in_edges(h):
                    if self._match[r] != h:
                        relax.append((2 * r, d + c + pi_r[r] - ph))
            else:
                r = v >> 1
                pr = pi_r[r]
                here = self._match[r]
                if here >= 0:
                    relax.append((2 * here + 1, d - self._match_cost[r] + pi_h[here] - pr))
                else:
                    relax.append((_SINK, d - unmatched + pi_s - pr))
            for w, nd in relax:
                if w not in dist and nd < best.get(w, nd + 1):
                    best[w] = nd
                    step[w] = v
                    heapq.heappush(heap, (nd, w))
        if _SINK not in dist:
            # Nothing can reach h0: lift everything that can so the new arc is not negative.
            lift = max(0, pi_s - pi_h[h0])
            for v in dist:
                self._add_potential(v, lift)
            return
        total = dist[_SINK]
        gain = total - pi_s + pi_h[h0]  # real cost of the cycle sink -> ... -> h0 -> sink
        if gain < 0:
            path = [_SINK]
            while path[-1] != start:
                path.append(step[path[-1]])
            self._apply(path)
            self.cost += gain
        self._shift(dist, total, sign=-1)

    def _apply(self, path: list[int]) -> None:
        """Push one unit along consecutive residual arcs of `path` (node codes)."""
        for v, w in pairwise(path):
            if v >= 0 and v % 2 == 0 and w >= 0:  # request -> helper: assign
                r, h = v >> 1, w >> 1
                c = self._edge_cost(r, h)
                self._match[r] = h
                self._match_cost[r] = c
                self._assigned[h][r] = c
            elif v >= 0 and v % 2 == 1 and w >= 0:  # helper -> request: take back
                r = w >> 1
                del self._assigned[v >> 1][r]
                self._match[r] = -1
                self._match_cost[r] = 0
            # Arcs to or from the sink change only counts implied by the assignments.

    def _edge_cost(self, r: int, h: int) -> int:
        for hh, c in self._out_edges(r):
            if hh == h:
                return c
        raise AssertionError("path uses an edge that does not exist")

    def _shift(self, dist: Mapping[int, int], total: int, *, sign: int) -> None:
        """Update potentials after a search so all reduced costs stay non-negative.

        Forward search from a source: pi += min(d, D) - D. Backward search to a target:
        pi -= min(d, D) - D. Unsettled nodes have d >= D, so only settled ones move.
        """
        for v, d in dist.items():
            if d < total:
                self._add_potential(v, sign * (d - total))

    def _add_potential(self, v: int, delta: int) -> None:
        if v == _SINK:
            self._pi_s += delta
        elif v % 2 == 0:
            self._pi_r[v >> 1] += delta
        else:
            self._pi_h[v >> 1] += delta


def _initial_potentials(
    n_r: int,
    n_h: int,
    er: IntArray,
    eh: IntArray,
    ec: IntArray,
    helper_of: IntArray,
    capacity: IntArray,
    unmatched_cost: int,
) -> tuple[list[int], list[int], int]:
    """Node potentials proving the batch flow optimal, by Bellman-Ford on its residual graph.

    From a virtual source joined to every node at cost 0, shortest distances exist (an optimal
    flow leaves no negative cycle) and give every residual arc a non-negative reduced cost.
    Each round is vectorised over all arcs; rounds stop when nothing improves.
    """
    sink = n_r + n_h
    matched = helper_of[er] == eh
    load = np.bincount(helper_of[helper_of >= 0], minlength=n_h)
    is_matched = helper_of >= 0
    req = np.arange(n_r, dtype=np.int64)
    hel = np.arange(n_h, dtype=np.int64)
    tails = np.concatenate(
        [
            er[~matched],
            n_r + eh[matched],
            req[is_matched],
            np.full(int((~is_matched).sum()), sink),
            n_r + hel[load < capacity],
            np.full(int((load > 0).sum()), sink),
        ]
    ).astype(np.int64)
    heads = np.concatenate(
        [
            n_r + eh[~matched],
            er[matched],
            np.full(int(is_matched.sum()), sink),
            req[~is_matched],
            np.full(int((load < capacity).sum()), sink),
            n_r + hel[load > 0],
        ]
    ).astype(np.int64)
    costs = np.concatenate(
        [
            ec[~matched],
            -ec[matched],
            np.full(int(is_matched.sum()), unmatched_cost),
            np.full(int((~is_matched).sum()), -unmatched_cost),
            np.zeros(int((load < capacity).sum())),
            np.zeros(int((load > 0).sum())),
        ]
    ).astype(np.int64)
    order = np.argsort(heads, kind="stable")
    tails, heads, costs = tails[order], heads[order], costs[order]
    pi = np.zeros(sink + 1, dtype=np.int64)
    if len(heads):
        starts = np.flatnonzero(np.r_[True, heads[1:] != heads[:-1]])
        targets = heads[starts]
        for _ in range(sink + 2):
            best = np.minimum.reduceat(pi[tails] + costs, starts)
            better = best < pi[targets]
            if not better.any():
                break
            pi[targets[better]] = best[better]
        else:  # pragma: no cover - would mean the batch flow was not optimal
            raise MatchingSolverError("Residual graph has a negative cycle.")
    values: list[Any] = pi.tolist()
    return values[:n_r], values[n_r:sink], int(values[sink])
