"""Keep shifts scheduled ahead and ask for help with unfilled ones. Run from cron or the worker.

Safe to run as often as you like: materializing is idempotent and each escalation step happens
once per shift.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from mutua.schedules import services


class Command(BaseCommand):
    help = "Create the shifts of every role for the next WEEKS weeks, then escalate unfilled ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", type=int, default=8, help="how far ahead (default 8)")
        parser.add_argument(
            "--no-escalate", action="store_true", help="only create shifts, ask nobody"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        created = services.materialize_all_shifts(
            until=now + timedelta(weeks=options["weeks"]), now=now
        )
        self.stdout.write(f"{created} shifts created")
        if not options["no_escalate"]:
            steps = services.escalate_unfilled_shifts(now=now)
            self.stdout.write(f"{len(steps)} escalation steps")
