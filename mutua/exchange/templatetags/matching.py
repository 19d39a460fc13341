"""Template filters for matching pages: only access questions, answered by suggestions.py."""

from __future__ import annotations

from django import template

from mutua.exchange.suggestions import dispatchable
from mutua.members.models import Member, Network

register = template.Library()


@register.filter
def dispatches_in(member: Member | None, network: Network) -> bool:
    """Whether the member may see the network's suggested helpers (an organizer there)."""
    return member is not None and dispatchable(member, network).is_dispatcher
