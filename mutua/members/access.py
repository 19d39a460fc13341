"""Who belongs where. Every membership check in Mutua goes through these functions."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from mutua.members.models import Member, NetworkMembership, Pod, PodMembership


def member_for_user(user: Any) -> Member | None:
    """The member behind a signed-in user, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return None
    if not hasattr(user, "_mutua_member"):
        user._mutua_member = Member.objects.filter(user=user).first()
    member: Member | None = user._mutua_member
    return member


def active_pod_ids(member: Member) -> set[int]:
    return set(
        PodMembership.objects.filter(member=member, status=PodMembership.Status.ACTIVE).values_list(
            "pod_id", flat=True
        )
    )


def network_ids(member: Member) -> set[int]:
    return set(NetworkMembership.objects.filter(member=member).values_list("network_id", flat=True))


def is_pod_member(member: Member, pod: Pod) -> bool:
    return PodMembership.objects.filter(
        member=member, pod=pod, status=PodMembership.Status.ACTIVE
    ).exists()


def is_pod_organizer(member: Member, pod: Pod) -> bool:
    return (
        PodMembership.objects.filter(
            member=member,
            pod=pod,
            status=PodMembership.Status.ACTIVE,
            role=PodMembership.Role.ORGANIZER,
        ).exists()
        or NetworkMembership.objects.filter(
            member=member, network_id=pod.network_id, role=NetworkMembership.Role.ORGANIZER
        ).exists()
    )


def access_pod(member: Member, pod_id: int) -> Pod:
    """A pod of one of the member's networks; anything else is 'not found'."""
    try:
        return Pod.objects.select_related("network").get(
            pk=pod_id, network_id__in=network_ids(member)
        )
    except Pod.DoesNotExist:
        raise Http404 from None
