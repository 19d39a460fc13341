from __future__ import annotations

from django.http import HttpRequest

from mutua.members.access import member_for_user


def current_member(request: HttpRequest) -> dict[str, object]:
    """Make the signed-in member (or None) available to every template as ``member``."""
    user = getattr(request, "user", None)
    return {"member": member_for_user(user) if user is not None else None}
