"""Routing benchmark: our PyVRP set-up against OR-Tools routing on Solomon VRPTW instances.

Both solvers get the same instance, integer scaling and time limit, and each plan is verified by
the independent checker before it counts. Quality follows the objective `bks.csv` records:
vehicles over the best-known total first, then the distance gap on the instances where the
solver used no more vehicles than the best-known solution.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
import statistics
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

# The instances live in the shared folder beside the repository (../shared).
SOLOMON = Path(__file__).resolve().parents[1].parent / "shared" / "bench" / "vrptw" / "solomon"
# Two per class: the first instance and the one with the widest windows (fewest vehicles).
DEFAULT = ["C101", "C104", "C201", "C204", "R101", "R104", "R201", "R204"]
DEFAULT += ["RC101", "RC105", "RC201", "RC204"]
QUICK = ["C101", "R201"]
OURS, BASELINE = "pyvrp", "ortools"
WORKERS = 2  # this machine's cores


def _row(
    name: str, value: float | None, unit: str, baseline_value: float | None, params: dict[str, Any]
) -> dict[str, Any]:
    """One result row; `ratio` is None when either side is missing or the baseline is zero."""
    ratio = None
    if value is not None and baseline_value:
        ratio = round(value / baseline_value, 6)
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": "OR-Tools routing (guided local search), same time limit, one core",
        "baseline_value": baseline_value,
        "ratio": ratio,
        "params": params,
    }


def bks() -> dict[str, tuple[int, float]]:
    with open(SOLOMON / "bks.csv", encoding="utf-8") as handle:
        return {
            r["instance"]: (int(r["vehicles"]), float(r["distance"]))
            for r in csv.DictReader(handle)
        }


def solve_one(solver: str, name: str, seconds: float) -> dict[str, Any]:
    """Solve one instance and verify the plan independently.

    Ours runs `WORKERS` searches in parallel processes (one per core); OR-Tools routing has no
    parallel search, so it runs in a worker process of its own, two instances at a time.
    """
    from mutua.deliveries.routing import check_plan, read_solomon, solve
    from mutua.deliveries.routing_ortools import solve_ortools

    warnings.simplefilter("ignore")
    problem = read_solomon(str(SOLOMON / f"{name}.txt")).problem()
    if solver == OURS:
        plan = solve(problem, seconds=seconds, seed=0, workers=WORKERS)
    else:
        plan = solve_ortools(problem, seconds=seconds)
    errors = check_plan(problem, plan)
    feasible = not errors and not plan.unplaced
    return {
        "solver": solver,
        "instance": name,
        "vehicles": plan.vehicles,
        "distance": plan.distance,
        "feasible": feasible,
        "seconds": plan.stats.get("seconds"),
    }


def _summary(results: list[dict[str, Any]], best: dict[str, tuple[int, float]]) -> dict[str, Any]:
    over, infeasible = 0, 0
    gaps: list[float] = []
    for r in results:
        bks_vehicles, bks_distance = best[r["instance"]]
        if not r["feasible"]:
            infeasible += 1
            continue
        over += r["vehicles"] - bks_vehicles
        if r["vehicles"] <= bks_vehicles:
            gaps.append(100 * (r["distance"] / bks_distance - 1))
    return {
        "vehicles_over_bks": over,
        "mean_gap_pct": round(statistics.fmean(gaps), 4) if gaps else None,
        "worst_gap_pct": round(max(gaps), 4) if gaps else None,
        "gap_instances": len(gaps),
        "infeasible": infeasible,
    }


def run(quick: bool, all_instances: bool = False) -> list[dict[str, Any]]:
    """Solve each instance with both solvers; each has both cores while it runs."""
    best = bks()
    if all_instances:
        names, seconds, prefix = sorted(best), 30.0, "routing.all"
    elif quick:
        names, seconds, prefix = QUICK, 2.0, "routing"
    else:
        names, seconds, prefix = DEFAULT, 10.0, "routing"
    load_before = os.getloadavg()[0]
    ours = [solve_one(OURS, name, seconds) for name in names]
    context = multiprocessing.get_context("spawn")  # fresh solvers, no forked native state
    with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
        futures = [pool.submit(solve_one, BASELINE, name, seconds) for name in names]
        theirs = [f.result() for f in futures]
    mine, base = _summary(ours, best), _summary(theirs, best)
    params: dict[str, Any] = {
        "instances": names,
        "seconds_per_instance": seconds,
        "bks_vehicles": sum(best[n][0] for n in names),
        "ours": OURS,
        "workers": WORKERS,
        "gap_instances": mine["gap_instances"],
        "baseline_gap_instances": base["gap_instances"],
        # Time limits are wall-clock: other work on the machine makes both solvers worse.
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    rows = [
        _row(
            f"{prefix}.vehicles_over_bks",
            mine["vehicles_over_bks"],
            "vehicles",
            base["vehicles_over_bks"],
            params,
        ),
        _row(f"{prefix}.mean_gap_pct", mine["mean_gap_pct"], "%", base["mean_gap_pct"], params),
        _row(f"{prefix}.worst_gap_pct", mine["worst_gap_pct"], "%", base["worst_gap_pct"], params),
        _row(f"{prefix}.infeasible_plans", mine["infeasible"], "plans", base["infeasible"], params),
    ]
    for r, b in zip(ours, theirs, strict=True):
        bks_vehicles, bks_distance = best[r["instance"]]
        rows.append(
            _row(
                f"{prefix}.{r['instance']}.distance",
                round(r["distance"], 4),
                "distance",
                round(b["distance"], 4),
                {
                    "seconds": seconds,
                    "vehicles": r["vehicles"],
                    "baseline_vehicles": b["vehicles"],
                    "bks_vehicles": bks_vehicles,
                    "bks_distance": bks_distance,
                    "feasible": r["feasible"],
                    "baseline_feasible": b["feasible"],
                },
            )
        )
    return rows


if __name__ == "__main__":
    import json
    import sys

    for result_row in run(quick="--quick" in sys.argv, all_instances="--all" in sys.argv):
        print(json.dumps(result_row))
