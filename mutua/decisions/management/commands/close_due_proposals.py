"""Close proposals whose deadline has passed. Run it every few minutes (cron or the worker)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mutua.decisions.services import close_due_proposals


class Command(BaseCommand):
    help = "Close every open proposal past its deadline, record its outcome and act on it."

    def handle(self, *args: Any, **options: Any) -> None:
        closed = close_due_proposals()
        for proposal in closed:
            self.stdout.write(f"proposal {proposal.pk}: {proposal.status}")
        self.stdout.write(f"{len(closed)} closed")
