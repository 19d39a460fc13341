"""Who may read an agreement: anyone in the pod's network (like the pod page), or the network's.

Signing and reviewing have their own rules in services.py; reading is open to the network so
neighbouring pods can learn from each other's agreements.
"""

from __future__ import annotations

from mutua.agreements.models import Agreement
from mutua.agreements.services import agreement_of
from mutua.decisions.access import access_owner
from mutua.decisions.owners import Owner
from mutua.members.models import Member


def access_agreement(member: Member, kind: str, owner_id: int) -> tuple[Owner, Agreement | None]:
    """The pod or network (Http404 if the member can't see it) and its agreement, if any."""
    owner = access_owner(member, kind, owner_id)
    return owner, agreement_of(owner)
