"""Print bench/results.json as the Markdown table the README shows.

python -m bench.table
"""

from __future__ import annotations

import json
from typing import Any

from bench.run import RESULTS


def _number(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.6f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


def main() -> None:
    rows: list[dict[str, Any]] = json.loads(RESULTS.read_text())
    machine = rows[0]["params"]["machine"] if rows else {}
    print(
        f"Measured on {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, "
        f"Python {machine.get('python', '?')}, commit {machine.get('git', '?')}.\n"
    )
    print("| benchmark | value | unit | baseline | baseline value | ratio |")
    print("|---|---:|---|---|---:|---:|")
    for row in rows:
        print(
            f"| {row['name']} | {_number(row['value'])} | {row['unit']} | {row['baseline']} "
            f"| {_number(row['baseline_value'])} | {_number(row['ratio'])} |"
        )


if __name__ == "__main__":
    main()
