"""Template source must never reach members: Django's `{# … #}` comments end at the line's end,
so one that runs over two lines is printed on the page as text."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR) / "mutua"


def test_no_template_comment_runs_over_a_line() -> None:
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.rglob("templates/**/*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if line.count("{#") > line.count("#}")
    ]
    assert broken == [], "use {% comment %} for comments over several lines: " + ", ".join(broken)
