"""Who may see a member's emergency contact, and who sees a pod's welcomes. Not allowed is 404.

An emergency contact is for the member and for the organizers *of a pod the member is in*
(pod-level organizers, chosen by that pod). A network organizer from another pod does not see it.
"""

from __future__ import annotations

from django.http import Http404

from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, Pod, PodMembership
from mutua.orientation.models import EmergencyContact


def organizes_pod_of(viewer: Member, member_id: int) -> bool:
    """The viewer is an active organizer of a pod where the member is active."""
    their_pods = PodMembership.objects.filter(
        member_id=member_id, status=PodMembership.Status.ACTIVE
    ).values("pod_id")
    return PodMembership.objects.filter(
        member=viewer,
        status=PodMembership.Status.ACTIVE,
        role=PodMembership.Role.ORGANIZER,
        pod_id__in=their_pods,
    ).exists()


def can_see_emergency_contact(viewer: Member, member_id: int) -> bool:
    return viewer.pk == member_id or organizes_pod_of(viewer, member_id)


def access_emergency_contact(viewer: Member, member_id: int) -> EmergencyContact:
    """The member's emergency contact, for the member and their pod's organizers only."""
    if not can_see_emergency_contact(viewer, member_id):
        raise Http404
    contact = EmergencyContact.objects.filter(member_id=member_id).select_related("member").first()
    if contact is None:
        raise Http404
    return contact


def can_see_emergency_contacts_in(viewer: Member, pod: Pod) -> bool:
    """For links on the pod's welcome page: an active organizer of this very pod."""
    return PodMembership.objects.filter(
        member=viewer,
        pod=pod,
        status=PodMembership.Status.ACTIVE,
        role=PodMembership.Role.ORGANIZER,
    ).exists()


def access_welcome_pod(member: Member, pod_id: int) -> Pod:
    """A pod whose welcomes the member may see: its members and its organizers."""
    pod = Pod.objects.select_related("network").filter(pk=pod_id).first()
    if pod is None or not (is_pod_member(member, pod) or is_pod_organizer(member, pod)):
        raise Http404
    return pod


def access_own_pod(member: Member, pod_id: int) -> Pod:
    """A pod the member is an active member of (to leave it or pause in it)."""
    pod = Pod.objects.select_related("network").filter(pk=pod_id).first()
    if pod is None or not is_pod_member(member, pod):
        raise Http404
    return pod
