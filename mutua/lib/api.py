"""What every JSON API router shares: the error shape and the calling member.

Kept apart from ``mutua/api.py`` (which mounts the routers) so a router can import it without an
import cycle.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema

from mutua.members.models import Member


class Error(Schema):
    """Every error the API returns. ``code`` is stable for scripts; ``message`` is for people."""

    code: str
    message: str
    fields: dict[str, str] | None = None


# The errors any endpoint may answer with; each endpoint adds its success response.
ERRORS: dict[int, type[Error]] = {400: Error, 401: Error, 404: Error}
# Unsafe methods may also fail the CSRF check when called from a signed-in browser.
WRITE_ERRORS: dict[int, type[Error]] = {**ERRORS, 403: Error}


def current_member(request: HttpRequest) -> Member:
    """The member the API's auth resolved; every endpoint requires one."""
    member = getattr(request, "auth", None)
    assert isinstance(member, Member), "endpoint reached without authentication"
    return member
