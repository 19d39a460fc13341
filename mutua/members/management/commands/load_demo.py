"""`manage.py load_demo`: fill a migrated database with the Riverside demo network."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.urls import NoReverseMatch, reverse

from mutua import demo

# Who to sign in as first, and what each one shows.
GUIDE = (
    (
        "amara",
        "network organizer, Maple Street: the suggestions page (helpers matched with reasons, "
        "one invitation out), agreement proposals (Maple Street at version 2: see the diff), "
        "tomorrow's Luna Park delivery run, the working groups",
    ),
    (
        "maria",
        "organizes Luna Park: its roles page flags the phone tree (no deputy) and the food bank "
        "pick-up only Diego knows; she recorded Carmen's vote by text; a review due soon",
    ),
    (
        "marcus",
        "Riverbend Apartments: 9 households, so the pod page suggests splitting; over the hours "
        "he said he can give (workload page); convenes Resource distribution",
    ),
    ("tom", "Maple Street: Fatima asked him to swap a “Bring meals” shift; phone tree deputy"),
    ("linh", "Maple Street: on a break for a few weeks; her shifts went to the rotation"),
    ("yusuf", "newest in Maple Street: his welcome checklist is still open"),
    ("hiroshi", "invited by the dispatcher to drive Walter to dialysis: accept or decline"),
    ("diego", "Luna Park; driving María to the clinic, messages in Spanish; drives tomorrow's run"),
    ("rosa", "writes in Spanish; has an urgent open request"),
    ("grace", "Oak Court, a pod below healthy size; helping Hiroshi, with a message thread"),
    ("nora", "Samuel marked her request done: she can confirm it"),
)


def _path(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except (ImportError, NoReverseMatch):  # pages still being written: the known address
        return fallback


class Command(BaseCommand):
    help = (
        "Load the demo network (Riverside Mutual Aid: four pods, about thirty members writing in "
        "English and Spanish, open and met requests, offers) through the real services. "
        "Does nothing if it is already loaded; --reset deletes it and loads it again."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo network and its members first, then load it again.",
        )
        parser.add_argument(
            "--site-url",
            default=settings.SITE_URL,
            help="Where the server will listen, for the sign-in instructions "
            "(default: MUTUA_SITE_URL, %(default)s).",
        )

    def handle(self, *args: Any, reset: bool, site_url: str, **options: Any) -> None:
        site_url = site_url.rstrip("/")
        if demo.demo_exists():
            if not reset:
                self.stdout.write(
                    "The demo network is already loaded; nothing changed. "
                    "Run `manage.py load_demo --reset` to delete it and load it afresh."
                )
                self._print_sign_in(site_url)
                return
            demo.delete_demo()
            self.stdout.write("Deleted the previous demo network and its members.")
        summary = demo.load_demo()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded “{summary.network.name}”: {summary.pods} pods, "
                f"{summary.households} households, {summary.members} members, "
                f"{summary.requests} requests ({summary.open_requests} open), "
                f"{summary.offers} offers, {summary.agreements} agreements, "
                f"{summary.proposals} proposals ({summary.open_proposals} open), "
                f"{summary.roles} roles ({summary.upcoming_shifts} shifts to come), "
                f"{summary.groups} working groups, and a delivery run for "
                f"{summary.run.date:%Y-%m-%d} ({summary.run.get_status_display().lower()})."
            )
        )
        self._print_sign_in(site_url)

    def _print_sign_in(self, site_url: str) -> None:
        names = dict(demo.demo_members().values_list("user__email", "display_name"))
        lines = ["", "Sign in as a demo member (no password needed):"]
        for key, story in GUIDE:
            email = demo.demo_email(key)
            lines.append(f"  {email:<28} {names.get(email, '')}: {story}")
        lines += [
            f"  Everyone else: <first name>@{demo.DEMO_EMAIL_DOMAIN}, e.g. "
            f"{demo.demo_email('samuel')}, {demo.demo_email('carmen')}.",
            "",
            *self._where_to_look(site_url),
            "With DEBUG on (MUTUA_DEBUG=1, as `make demo` runs), "
            f"{site_url}{_path('members:demo_sign_in', '/demo-sign-in/')} "
            "signs in as any demo member with one click.",
            f"Otherwise, enter the email at {site_url}{_path('members:sign_in', '/sign-in/')}: "
            "the one-time code is printed in the terminal where the server and worker run "
            "(the console email backend).",
        ]
        self.stdout.write("\n".join(lines))

    def _where_to_look(self, site_url: str) -> list[str]:
        """Pages that show the newer features, with the demo's real ids."""
        pages = demo.demo_pages()
        if not pages:
            return []
        width = max(len(label) for label, _path in pages)
        return [
            "Where to look (signed in as Amara):",
            *(f"  {label:<{width}}  {site_url}{path}" for label, path in pages),
            "",
        ]
