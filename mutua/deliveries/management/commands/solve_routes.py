"""Solve a Solomon-format VRPTW instance: the door tests, tools and `make bench` use.

Prints `{"routes": [[customer numbers], ...], "distance": float}` with `--json`. Output is only
ever a complete plan: when a customer cannot be placed (the instance is infeasible with its
vehicles), the customers and reasons go to stderr and the exit code is 2, like other bad input.
"""

from __future__ import annotations

import json
import os
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from mutua.deliveries.routing import ProblemError, SolomonFormatError, read_solomon, solve


class Command(BaseCommand):
    help = "Plan routes for a Solomon VRPTW instance: fewest vehicles, then least distance."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help="Solomon-format instance (text)")
        parser.add_argument("--seconds", type=float, default=10.0, help="time limit (default 10)")
        parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        parser.add_argument("--json", action="store_true", help="print the plan as JSON")
        parser.add_argument(
            "--workers",
            type=int,
            default=len(os.sched_getaffinity(0)),
            help="parallel searches, the best plan wins (default: this machine's cores)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        seconds: float = options["seconds"]
        if not seconds > 0:
            raise CommandError("--seconds must be positive.", returncode=2)
        if options["workers"] < 1:
            raise CommandError("--workers must be at least 1.", returncode=2)
        try:
            instance = read_solomon(options["file"])
        except OSError as e:
            raise CommandError(f"Cannot read {options['file']}: {e.strerror}", returncode=2) from e
        except (SolomonFormatError, UnicodeDecodeError) as e:
            raise CommandError(f"Not a Solomon instance: {e}", returncode=2) from e
        try:
            plan = solve(
                instance.problem(),
                seconds=seconds,
                seed=options["seed"],
                workers=options["workers"],
            )
        except ProblemError as e:
            raise CommandError(str(e), returncode=2) from e
        if plan.unplaced:
            lines = [f"customer {u.stop_id}: {u.message} ({u.reason})" for u in plan.unplaced]
            raise CommandError(
                f"Could not place {len(plan.unplaced)} customer(s) with {instance.vehicles} "
                "vehicles:\n" + "\n".join(lines),
                returncode=2,
            )
        routes = [[int(stop_id) for stop_id in route.stop_ids] for route in plan.routes]
        if options["json"]:
            self.stdout.write(json.dumps({"routes": routes, "distance": plan.distance}))
            return
        self.stdout.write(f"{instance.name}: {len(routes)} vehicles, distance {plan.distance:.2f}")
        for k, route in enumerate(routes, start=1):
            self.stdout.write(f"  route {k}: " + " ".join(map(str, route)))
