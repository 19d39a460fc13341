"""Helpers shared by the benchmark sections: the result row, and measuring a run in isolation."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

# Runs in a fresh interpreter: imports the target, calls it, adds the process's peak RSS.
_CHILD = """
import importlib, json, resource, sys
module, name = sys.argv[1].rsplit(".", 1)
result = getattr(importlib.import_module(module), name)(*json.loads(sys.argv[2]))
result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(result))
"""


def row(
    name: str,
    value: float,
    unit: str,
    baseline: str,
    baseline_value: float,
    params: dict[str, Any],
) -> dict[str, Any]:
    """One result row; `ratio` is value / baseline_value (None when the baseline is zero)."""
    ratio = None if baseline_value == 0 else round(value / baseline_value, 6)
    return {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_value": baseline_value,
        "ratio": ratio,
        "params": params,
    }


def run_isolated(target: str, *args: Any, timeout: float = 900) -> dict[str, Any]:
    """Call `package.module.function(*args)` in a fresh Python and return its dict plus peak_mb.

    A fresh process per solver makes peak memory honest: it counts C++ allocations (OR-Tools)
    that tracemalloc cannot see, and one solver's garbage cannot inflate the other's figure.
    `peak_mb` is the whole process (interpreter, NumPy, the loaded instance and the solver).
    """
    completed = subprocess.run(
        [sys.executable, "-c", _CHILD, target, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{target} failed:\n{completed.stderr}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result
