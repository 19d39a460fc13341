"""Email pods (and networks) whose agreement review is due or overdue. Run it daily."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from mutua.agreements.services import send_review_reminders


class Command(BaseCommand):
    help = (
        "Remind organizers (or all members, if there are none) that their agreement's review is "
        "due within 14 days or overdue. At most one reminder a week per agreement."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_review_reminders()
        self.stdout.write(f"{len(sent)} reminders sent")
