"""The same delivery-run problem solved with OR-Tools routing, as the benchmark's baseline.

Kept so `make bench` measures our PyVRP set-up against the other well-kept library on the same
data, the same integer scaling and the same time limit (guided local search). Deliveries only:
the bench instances (Solomon) have no pick-ups.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from mutua.deliveries.routing import (
    NO_ROOM,
    Plan,
    Problem,
    ProblemError,
    Unplaced,
    plan_from_orders,
    validate,
)


def solve_ortools(problem: Problem, *, seconds: float) -> Plan:
    """Plan with OR-Tools: a large fixed cost per vehicle, then distance, windows as hard."""
    if not seconds > 0:
        raise ProblemError("The time limit must be positive.")
    validate(problem)
    if any(s.kind == "pickup" for s in problem.stops):
        raise ProblemError("The OR-Tools baseline handles deliveries only.")
    started = time.perf_counter()
    dist, dur = problem.travel()
    n_drivers, n_stops = len(problem.drivers), len(problem.stops)
    scale = problem.scale
    horizon = (
        max(
            [t for s in problem.stops for t in (s.ready, s.due) if math.isfinite(t)]
            + [t for d in problem.drivers for t in (d.shift_start, d.shift_end) if math.isfinite(t)]
            + [0.0]
        )
        + float(dur.max(initial=0.0)) * (n_stops + 2)
        + sum(s.service for s in problem.stops)
    )

    def up(t: float) -> int:
        return math.ceil(min(t, horizon) * scale - 1e-9)

    def down(t: float) -> int:
        return math.floor(min(t, horizon) * scale + 1e-9)

    int_dist = np.round(dist * scale).astype(np.int64)
    service = [0] * n_drivers + [up(s.service) for s in problem.stops]
    # Transit from i is the service at i plus the (rounded up) travel, as in the PyVRP model.
    transit = np.ceil(dur * scale - 1e-9).astype(np.int64) + np.array(service)[:, None]
    np.fill_diagonal(transit, 0)
    starts = list(range(n_drivers))
    manager = pywrapcp.RoutingIndexManager(n_drivers + n_stops, n_drivers, starts, starts)
    routing = pywrapcp.RoutingModel(manager)
    dist_list = int_dist.tolist()
    transit_list = transit.tolist()

    def distance_cb(i: int, j: int) -> int:
        return int(dist_list[manager.IndexToNode(i)][manager.IndexToNode(j)])

    def time_cb(i: int, j: int) -> int:
        return int(transit_list[manager.IndexToNode(i)][manager.IndexToNode(j)])

    demands = [0] * n_drivers + [s.load for s in problem.stops]

    def demand_cb(i: int) -> int:
        return int(demands[manager.IndexToNode(i)])

    dist_index = routing.RegisterTransitCallback(distance_cb)
    routing.SetArcCostEvaluatorOfAllVehicles(dist_index)
    fixed_cost = int(int_dist.max(axis=1, initial=0).sum()) * 2 + 1
    routing.SetFixedCostOfAllVehicles(fixed_cost)
    time_index = routing.RegisterTransitCallback(time_cb)
    end = max(down(d.shift_end) for d in problem.drivers) if problem.drivers else 0
    routing.AddDimension(time_index, end, end, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for i, stop in enumerate(problem.stops, start=n_drivers):
        time_dim.CumulVar(manager.NodeToIndex(i)).SetRange(up(stop.ready), down(stop.due))
    for k, driver in enumerate(problem.drivers):
        time_dim.CumulVar(routing.Start(k)).SetRange(up(driver.shift_start), down(driver.shift_end))
        time_dim.CumulVar(routing.End(k)).SetRange(up(driver.shift_start), down(driver.shift_end))
    demand_index = routing.RegisterUnaryTransitCallback(demand_cb)
    routing.AddDimensionWithVehicleCapacity(
        demand_index, 0, [d.capacity for d in problem.drivers], True, "load"
    )
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(
        max(1, int((seconds - (time.perf_counter() - started)) * 1000))
    )
    solution: Any = routing.SolveWithParameters(params)
    if solution is None:
        unplaced = tuple(Unplaced(s.id, NO_ROOM) for s in problem.stops)
        return Plan((), unplaced, 0.0, {"seconds": time.perf_counter() - started})
    orders: list[tuple[str, list[str]]] = []
    for k, driver in enumerate(problem.drivers):
        order: list[str] = []
        index = solution.Value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(index):
            order.append(problem.stops[manager.IndexToNode(index) - n_drivers].id)
            index = solution.Value(routing.NextVar(index))
        if order:
            orders.append((driver.id, order))
    stats = {"seconds": time.perf_counter() - started}
    return plan_from_orders(problem, orders, (), stats, (dist, dur))
