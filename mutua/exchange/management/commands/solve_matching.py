"""Solve a matching problem from a JSON file; used by tests and tools, and to check optimality."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mutua.exchange.matching import (
    Edge,
    Helper,
    MatchingInputError,
    MatchingProblem,
    solve,
)

T = TypeVar("T")


class Command(BaseCommand):
    help = (
        "Read {unmatched_cost, requests, helpers, edges} from FILE and print an optimal "
        "matching. Malformed input exits with code 2."
    )
    # Pure computation: no database or URLs, so the project checks add nothing but start-up time.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON problem file")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            problem = parse_problem(Path(options["file"]))
            result = solve(problem)
        except MatchingInputError as error:
            raise CommandError(str(error), returncode=2) from error
        if options["json"]:
            output = {
                "assignments": [
                    {"request": a.request, "helper": a.helper} for a in result.assignments
                ],
                "cost": result.cost,
                "unmatched": result.unmatched,
            }
            self.stdout.write(json.dumps(output))
            return
        for a in result.assignments:
            self.stdout.write(f"{a.request} -> {a.helper} (cost {a.cost})")
        for request in result.unmatched:
            self.stdout.write(f"{request} unmatched")
        self.stdout.write(f"total cost {result.cost}")


def parse_problem(path: Path) -> MatchingProblem:
    """Read and shape-check the file; the solver's own validation checks ids and numbers."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MatchingInputError(f"Cannot read {path}: {error}") from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MatchingInputError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(data, dict):
        raise MatchingInputError("The file must hold a JSON object.")
    requests = _list(data, "requests")
    helpers = _list(data, "helpers")
    edges = _list(data, "edges")
    if "unmatched_cost" not in data:
        raise MatchingInputError("Missing key 'unmatched_cost'.")
    return MatchingProblem(
        requests=[_field(item, "id", str, "requests") for item in requests],
        helpers=[
            Helper(_field(item, "id", str, "helpers"), _field(item, "capacity", int, "helpers"))
            for item in helpers
        ],
        edges=[
            Edge(
                _field(item, "request", str, "edges"),
                _field(item, "helper", str, "edges"),
                _field(item, "cost", int, "edges"),
            )
            for item in edges
        ],
        unmatched_cost=data["unmatched_cost"],
    )


def _list(data: dict[str, Any], key: str) -> list[Any]:
    if key not in data:
        raise MatchingInputError(f"Missing key {key!r}.")
    value = data[key]
    if not isinstance(value, list):
        raise MatchingInputError(f"{key!r} must be a list.")
    return value


def _field(item: Any, key: str, kind: type[T], where: str) -> T:
    if not isinstance(item, dict) or key not in item:
        raise MatchingInputError(f"Every item of {where!r} needs a {key!r}: {item!r}.")
    value = item[key]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise MatchingInputError(
            f"{key!r} in {where!r} must be {'a string' if kind is str else 'an integer'}: {item!r}."
        )
    return value
