"""The agreement box on the pod page: who signed, whether a review is due, where to decide."""

from __future__ import annotations

from typing import Any

from django import template

from mutua.agreements.services import agreement_of
from mutua.agreements.views import signing_status
from mutua.decisions.owners import Owner
from mutua.members.models import Member, Pod

register = template.Library()


@register.inclusion_tag("agreements/_pod_box.html")
def pod_agreement(pod: Pod, member: Member | None) -> dict[str, Any]:
    owner = Owner(pod=pod)
    agreement = agreement_of(owner)
    version = agreement.current_version if agreement else None
    signed, unsigned = signing_status(owner, version)
    return {
        "owner": owner,
        "agreement": agreement,
        "version": version,
        "signed": signed,
        "unsigned": unsigned,
        "review_state": agreement.review_state() if agreement else None,
        "can_take_part": member is not None
        and (owner.takes_part(member) or owner.is_facilitator(member)),
    }
