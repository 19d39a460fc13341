"""Run Mutua's benchmarks and write bench/results.json.

    python -m bench.run            # everything within ~20 minutes (make bench)
    python -m bench.run --quick    # small sizes, under 2 minutes (make bench-quick, CI smoke test)
    python -m bench.run --routes-all   # all 44 Solomon instances at 30 s (make bench-routes)

The file is a list of rows {"name", "value", "unit", "baseline", "baseline_value", "ratio",
"params"}, baselines measured in the same run; params also name the section, the machine and the
time of measurement. Rows of sections not run this time are kept from the previous file, so
`make bench-routes` adds to what `make bench` wrote.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def _machine() -> dict[str, Any]:
    import os

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes only (CI smoke test)")
    parser.add_argument("--routes-all", action="store_true", help="all 44 Solomon instances")
    parser.add_argument("--only", choices=["matching", "routing", "web"], action="append")
    args = parser.parse_args(argv)

    from bench import matching, routing, web

    sections: dict[str, Callable[[], list[dict[str, Any]]]]
    if args.routes_all:
        sections = {"routing_all": lambda: routing.run(quick=False, all_instances=True)}
    else:
        sections = {
            "matching": lambda: matching.run(quick=args.quick),
            "routing": lambda: routing.run(quick=args.quick),
            "web": lambda: web.run(quick=args.quick),
        }
        if args.only:
            sections = {name: run for name, run in sections.items() if name in args.only}

    previous: list[dict[str, Any]] = []
    if RESULTS.exists():
        try:
            previous = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            previous = []
    machine = _machine()
    rows_out = [row for row in previous if row.get("params", {}).get("section") not in sections]
    failed = False
    for name, run in sections.items():
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            rows = run()
        except Exception as error:  # a broken section must not hide the others' results
            print(f"   {name} failed: {error!r}", file=sys.stderr, flush=True)
            failed = True
            continue
        measured_at = datetime.now(UTC).isoformat(timespec="seconds")
        for row in rows:
            row.setdefault("params", {})
            row["params"].update(
                section=name, quick=args.quick, measured_at=measured_at, machine=machine
            )
            print(
                f"   {row['name']:<48} {row['value']!s:>14} {row['unit']:<8}"
                f" baseline {row.get('baseline')}: {row.get('baseline_value')}"
                f" ratio {row.get('ratio')}",
                flush=True,
            )
        rows_out.extend(rows)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)

    RESULTS.write_text(json.dumps(rows_out, indent=2) + "\n")
    print(f"wrote {RESULTS}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
