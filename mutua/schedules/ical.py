"""A member's shifts as an iCalendar (RFC 5545) feed that common calendar apps subscribe to."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from mutua.schedules.models import Shift

PRODID = "-//Mutua//Roles and shifts//EN"


def uid(shift: Shift) -> str:
    """Stable across refreshes, so calendar apps update an event instead of duplicating it."""
    host = settings.SITE_URL.split("://", 1)[-1].split("/", 1)[0] or "mutua"
    return f"shift-{shift.pk}@{host}"


def shifts_calendar(shifts: Iterable[Shift], *, name: str, now: datetime) -> bytes:
    """VCALENDAR with one VEVENT per shift; times in UTC, which every client understands."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(UTC)
    for shift in shifts:
        owner = shift.role.pod or shift.role.network
        event = Event()
        event.add("uid", uid(shift))
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at.astimezone(UTC))
        event.add("dtend", shift.ends_at.astimezone(UTC))
        event.add("summary", shift.role.name)
        if owner is not None:
            event.add("location", str(owner))
        if shift.status == Shift.Status.COVER_REQUESTED:
            event.add("description", _("You asked for cover for this shift."))
        elif shift.role.description:
            event.add("description", shift.role.description)
        event.add("url", settings.SITE_URL + shift.get_absolute_url())
        calendar.add_component(event)
    result: bytes = calendar.to_ical()
    return result
