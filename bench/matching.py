"""Matching benchmark: our component-wise exact solver against exact references and greedy.

Instances are geographic and reproducible (fixed seeds): requests and helpers live in towns of
about 400 people each (Gaussian around a centre, 2.5 km spread), helpers travel 0.5 to 1.6 km
and take 0 to 2 requests, which gives about 20 candidate helpers per request. Candidate pairs come
from `mutua.exchange.matching.nearby_pairs` (the same grid index the app uses) and costs from
`pair_costs` with the default `Weights`, so the bench exercises the real cost model.

Seconds and peak memory of each solver are measured in a fresh subprocess on the same saved
instance; the monolithic baseline is OR-Tools' min-cost flow on the whole graph at once.
"""

from __future__ import annotations

import math
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import min_weight_full_bipartite_matching

from bench.common import row, run_isolated
from mutua.exchange.matching import (
    IncrementalMatcher,
    IndexedProblem,
    Weights,
    haversine_km,
    nearby_pairs,
    pair_costs,
    solve_indexed,
    useful_edges,
)

KM_PER_DEGREE = math.pi * 6371.0088 / 180.0
PEOPLE_PER_TOWN = 400


class Instance:
    """A generated instance: the indexed problem plus the geography greedy and updates need."""

    def __init__(self, n: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.rng = rng
        towns = max(1, n // PEOPLE_PER_TOWN)
        side_km = math.sqrt(towns) * 25.0
        self.centres = rng.uniform(0.0, side_km, size=(towns, 2))
        self.weights = Weights()
        r_lat, r_lng = self.points(n)
        h_lat, h_lng = self.points(n)
        self.h_lat, self.h_lng = h_lat, h_lng
        self.travel = rng.uniform(0.5, 1.6, n)
        capacity = rng.integers(0, 3, n)
        self.recent = rng.integers(0, 4, n)
        self.h_pod = rng.integers(0, 3 * towns, n)
        er, eh, km = nearby_pairs(r_lat, r_lng, h_lat, h_lng, self.travel)
        self.r_pod = rng.integers(0, 3 * towns, n)
        self.waited = rng.uniform(0.0, 96.0, n)
        self.urgency = rng.integers(1, 4, n)
        cost = self.costs(er, eh, km, self.waited[er], self.urgency[er], self.r_pod[er])
        self.km = km
        self.problem = IndexedProblem.build(
            request_ids=[f"r{i}" for i in range(n)],
            helper_ids=[f"h{j}" for j in range(n)],
            capacity=capacity,
            edge_request=er,
            edge_helper=eh,
            edge_cost=cost,
            unmatched_cost=self.weights.unmatched,
        )

    def points(self, m: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        town = self.rng.integers(0, len(self.centres), m)
        xy = self.centres[town] + self.rng.normal(0.0, 2.5, size=(m, 2))
        lat = 40.0 + xy[:, 1] / KM_PER_DEGREE
        lng = -3.0 + xy[:, 0] / (KM_PER_DEGREE * math.cos(math.radians(40.0)))
        return lat, lng

    def costs(
        self,
        er: np.ndarray[Any, Any],
        eh: np.ndarray[Any, Any],
        km: np.ndarray[Any, Any],
        waited: np.ndarray[Any, Any],
        urgency: np.ndarray[Any, Any],
        r_pod: np.ndarray[Any, Any],
    ) -> np.ndarray[Any, Any]:
        return pair_costs(
            self.weights,
            km=km,
            waited_hours=waited,
            urgency=urgency,
            recent_helps=self.recent[eh],
            other_pod=r_pod != self.h_pod[eh],
        )

    def new_request_edges(self) -> dict[str, int]:
        """Candidate helpers of one more request drawn like the others (helper id -> cost)."""
        lat, lng = self.points(1)
        near = np.flatnonzero(
            (np.abs(self.h_lat - lat[0]) * KM_PER_DEGREE < 2.0)
            & (np.abs(self.h_lng - lng[0]) * KM_PER_DEGREE < 3.0)
        )
        km = haversine_km(lat[0], lng[0], self.h_lat[near], self.h_lng[near])
        ok = km <= self.travel[near]
        eh, km = near[ok], km[ok]
        cost = self.costs(
            np.zeros(len(eh), dtype=np.int64),
            eh,
            km,
            np.full(len(eh), self.rng.uniform(0.0, 96.0)),
            np.full(len(eh), self.rng.integers(1, 4)),
            np.full(len(eh), self.rng.integers(0, 3 * len(self.centres))),
        )
        return {f"h{h}": int(c) for h, c in zip(eh.tolist(), cost.tolist(), strict=True)}

    def save(self, path: Path) -> None:
        p = self.problem
        np.savez(
            path,
            capacity=p.capacity,
            edge_request=p.edge_request,
            edge_helper=p.edge_helper,
            edge_cost=p.edge_cost,
            unmatched_cost=np.int64(p.unmatched_cost),
            n_requests=np.int64(p.n_requests),
        )


def load(path: str) -> IndexedProblem:
    """Read an instance written by `Instance.save` (in the measuring subprocess)."""
    data = np.load(path)
    n_r = int(data["n_requests"])
    return IndexedProblem.build(
        request_ids=[f"r{i}" for i in range(n_r)],
        helper_ids=[f"h{j}" for j in range(len(data["capacity"]))],
        capacity=data["capacity"],
        edge_request=data["edge_request"],
        edge_helper=data["edge_helper"],
        edge_cost=data["edge_cost"],
        unmatched_cost=int(data["unmatched_cost"]),
    )


# -- solvers measured in a fresh process --------------------------------------------------------


def solve_ours(path: str) -> dict[str, Any]:
    problem = load(path)
    started = time.perf_counter()
    solution = solve_indexed(problem)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cost": solution.cost}


def solve_monolithic(path: str) -> dict[str, Any]:
    problem = load(path)
    started = time.perf_counter()
    cost = monolithic_cost(problem)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "cost": cost}


def monolithic_cost(problem: IndexedProblem) -> int:
    """The same min-cost flow on the whole graph in one OR-Tools call, no splitting."""
    n_r, n_h = problem.n_requests, problem.n_helpers
    sink = n_r + n_h
    er, eh, ec = problem.edge_request, problem.edge_helper, problem.edge_cost
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate([er, n_r + np.arange(n_h), np.arange(n_r)]).astype(np.int64),
        np.concatenate([n_r + eh, np.full(n_h + n_r, sink)]).astype(np.int64),
        np.concatenate([np.ones(len(er)), problem.capacity, np.ones(n_r)]).astype(np.int64),
        np.concatenate([ec, np.zeros(n_h), np.full(n_r, problem.unmatched_cost)]).astype(np.int64),
    )
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:n_r] = 1
    supplies[sink] = -n_r
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    if flow.solve() != flow.OPTIMAL:
        raise RuntimeError("monolithic min-cost flow not optimal")
    return int(flow.optimal_cost())


def scipy_cost(problem: IndexedProblem) -> int:
    """Independent exact reference: LAPJVsp on helpers expanded into capacity slots.

    Columns are one per helper slot plus one "stay unmatched" column per request; every weight
    is shifted by +1 because the routine treats explicit zeros as missing edges.
    """
    n_r = problem.n_requests
    edges = useful_edges(problem)
    er, eh, ec = problem.edge_request[edges], problem.edge_helper[edges], problem.edge_cost[edges]
    slot_start = np.concatenate([[0], np.cumsum(problem.capacity)])
    reps = problem.capacity[eh]
    rows = np.repeat(er, reps)
    cols = np.repeat(slot_start[eh], reps) + (
        np.arange(int(reps.sum())) - np.repeat(np.cumsum(reps) - reps, reps)
    )
    n_slots = int(slot_start[-1])
    weights = np.concatenate([np.repeat(ec, reps), np.full(n_r, problem.unmatched_cost)])
    rows = np.concatenate([rows, np.arange(n_r)])
    cols = np.concatenate([cols, n_slots + np.arange(n_r)])
    shift = 1 - min(0, int(weights.min()) if len(weights) else 0)
    matrix = csr_matrix(
        ((weights + shift).astype(np.float64), (rows, cols)), shape=(n_r, n_slots + n_r)
    )
    r_ind, c_ind = min_weight_full_bipartite_matching(matrix)
    return round(float(matrix[r_ind, c_ind].sum())) - shift * n_r


def greedy(instance: Instance) -> tuple[int, int]:
    """Baseline: requests in order each take their nearest helper with room; (cost, unmatched)."""
    p = instance.problem
    order = np.lexsort((instance.km, p.edge_request))
    er, eh, ec = p.edge_request[order], p.edge_helper[order], p.edge_cost[order]
    ptr = np.searchsorted(er, np.arange(p.n_requests + 1)).tolist()
    room = p.capacity.tolist()
    helpers, costs = eh.tolist(), ec.tolist()
    total, unmatched = 0, 0
    for r in range(p.n_requests):
        for i in range(ptr[r], ptr[r + 1]):
            if room[helpers[i]] > 0 and costs[i] < p.unmatched_cost:
                room[helpers[i]] -= 1
                total += costs[i]
                break
        else:
            unmatched += 1
            total += p.unmatched_cost
    return total, unmatched


def incremental_latency(instance: Instance, updates: int) -> dict[str, Any]:
    """Add `updates` new requests one at a time; time each, then check against a re-solve."""
    started = time.perf_counter()
    matcher = IncrementalMatcher.from_indexed(instance.problem)
    setup = time.perf_counter() - started
    latencies: list[float] = []
    added: list[dict[str, int]] = []
    for i in range(updates):
        edges = instance.new_request_edges()
        added.append(edges)
        t0 = time.perf_counter()
        matcher.add_request(f"new{i}", edges)
        latencies.append(time.perf_counter() - t0)
    # Independent check: re-solve the grown problem from scratch.
    p = instance.problem
    helper_index = {f"h{j}": j for j in range(p.n_helpers)}
    new_r = [p.n_requests + i for i, e in enumerate(added) for _ in e]
    new_h = [helper_index[h] for e in added for h in e]
    new_c = [c for e in added for c in e.values()]
    grown = IndexedProblem.build(
        request_ids=list(p.request_ids) + [f"new{i}" for i in range(updates)],
        helper_ids=p.helper_ids,
        capacity=p.capacity,
        edge_request=np.concatenate([p.edge_request, np.asarray(new_r, dtype=np.int64)]),
        edge_helper=np.concatenate([p.edge_helper, np.asarray(new_h, dtype=np.int64)]),
        edge_cost=np.concatenate([p.edge_cost, np.asarray(new_c, dtype=np.int64)]),
        unmatched_cost=p.unmatched_cost,
    )
    started = time.perf_counter()
    fresh = solve_indexed(grown)
    resolve = time.perf_counter() - started
    ms = np.asarray(latencies) * 1000
    return {
        "setup_s": setup,
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "max_ms": float(ms.max()),
        "cost": matcher.cost,
        "fresh_cost": fresh.cost,
        "resolve_s": resolve,
    }


def run(quick: bool) -> list[dict[str, Any]]:
    """All matching rows; quick keeps to 1k and 10k (well under a minute)."""
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            instance = Instance(n, seed=n)
            p = instance.problem
            params: dict[str, Any] = {
                "requests": n,
                "helpers": n,
                "edges": len(p.edge_cost),
                "candidates_per_request": round(len(p.edge_cost) / n, 1),
                "seed": n,
            }
            path = Path(tmp) / f"matching-{n}.npz"
            instance.save(path)
            ours = run_isolated("bench.matching.solve_ours", str(path))
            mono = run_isolated("bench.matching.solve_monolithic", str(path))
            rows.append(
                row(
                    f"matching.cost.n{n}",
                    ours["cost"],
                    "cost",
                    "ortools_monolithic_mcf",
                    mono["cost"],
                    params,
                )
            )
            if n <= 10_000:
                reference = scipy_cost(p)
                rows.append(
                    row(
                        f"matching.cost_vs_scipy.n{n}",
                        ours["cost"],
                        "cost",
                        "scipy_lapjvsp_expanded",
                        reference,
                        params,
                    )
                )
            rows.append(
                row(
                    f"matching.seconds.n{n}",
                    round(ours["seconds"], 3),
                    "s",
                    "ortools_monolithic_mcf",
                    round(mono["seconds"], 3),
                    params,
                )
            )
            rows.append(
                row(
                    f"matching.peak_memory.n{n}",
                    round(ours["peak_mb"], 1),
                    "MB",
                    "ortools_monolithic_mcf",
                    round(mono["peak_mb"], 1),
                    params,
                )
            )
            greedy_cost, greedy_unmatched = greedy(instance)
            optimal_unmatched = int((solve_indexed(p).helper_of < 0).sum())
            rows.append(
                row(
                    f"matching.greedy_cost.n{n}",
                    greedy_cost,
                    "cost",
                    "ours_optimal",
                    ours["cost"],
                    params,
                )
            )
            rows.append(
                row(
                    f"matching.greedy_unmatched.n{n}",
                    greedy_unmatched,
                    "requests",
                    "ours_optimal",
                    optimal_unmatched,
                    params,
                )
            )
        n = 10_000 if quick else 100_000
        instance = Instance(n, seed=n)
        updates = 50 if quick else 200
        inc = incremental_latency(instance, updates)
        params = {
            "open_requests": n,
            "helpers": n,
            "updates": updates,
            "seed": n,
            "setup_s": round(inc["setup_s"], 2),
            "max_ms": round(inc["max_ms"], 2),
        }
        rows.append(
            row(
                f"matching.incremental_p50.n{n}",
                round(inc["p50_ms"], 3),
                "ms",
                "full_resolve",
                round(inc["resolve_s"] * 1000, 1),
                params,
            )
        )
        rows.append(
            row(
                f"matching.incremental_p95.n{n}",
                round(inc["p95_ms"], 3),
                "ms",
                "full_resolve",
                round(inc["resolve_s"] * 1000, 1),
                params,
            )
        )
        rows.append(
            row(
                f"matching.incremental_cost.n{n}",
                inc["cost"],
                "cost",
                "full_resolve",
                inc["fresh_cost"],
                params,
            )
        )
    return rows
