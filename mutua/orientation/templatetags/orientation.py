"""The welcome box on the pod page: who is still taking their first steps, and the way out."""

from __future__ import annotations

from typing import Any

from django import template

from mutua.members.models import Pod, PodMembership
from mutua.orientation import checklist

register = template.Library()


@register.inclusion_tag("orientation/_pod_box.html")
def pod_welcome(pod: Pod, mine: PodMembership | None) -> dict[str, Any]:
    """Shown to the pod's active members only (``mine`` is the viewer's membership, which the
    pod page already loaded); organizers from elsewhere use the pod's welcomes page."""
    if mine is None or mine.status != PodMembership.Status.ACTIVE or mine.pod_id != pod.pk:
        return {"hidden": True}
    return {
        "pod": pod,
        "welcoming": checklist.being_welcomed(checklist.pod_checklists(pod)),
        "is_member": True,
    }
