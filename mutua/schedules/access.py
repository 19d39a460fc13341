"""Who may see which roles, shifts, swaps and pod reports. Not allowed looks like not found."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.http import Http404

from mutua.members.access import is_pod_member, is_pod_organizer, network_ids
from mutua.members.models import Member, Network, Pod
from mutua.schedules.models import CalendarFeed, Role, Shift, SwapRequest


def access_role(member: Member, role_id: int) -> Role:
    """A role of the member's pods or networks."""
    try:
        return (
            Role.objects.visible_to(member)
            .select_related("pod", "pod__network", "network")
            .get(pk=role_id)
        )
    except Role.DoesNotExist:
        raise Http404 from None


def access_shift(member: Member, shift_id: int) -> Shift:
    try:
        return (
            Shift.objects.visible_to(member)
            .select_related("role", "role__pod", "role__network", "assignee")
            .get(pk=shift_id)
        )
    except Shift.DoesNotExist:
        raise Http404 from None


def access_swap(member: Member, swap_id: int) -> SwapRequest:
    """A swap the member asked for or was asked about."""
    try:
        swap = SwapRequest.objects.select_related(
            "shift__role", "their_shift__role", "from_member__user", "to_member__user"
        ).get(pk=swap_id)
    except SwapRequest.DoesNotExist:
        raise Http404 from None
    if member.pk not in (swap.from_member_id, swap.to_member_id):
        raise Http404
    return swap


def access_schedule_pod(member: Member, pod_id: int) -> Pod:
    """A pod whose roles and workload the member may see: its members and its organizers."""
    try:
        pod = Pod.objects.select_related("network").get(pk=pod_id)
    except Pod.DoesNotExist:
        raise Http404 from None
    if not is_pod_member(member, pod) and not is_pod_organizer(member, pod):
        raise Http404
    return pod


def access_schedule_network(member: Member, network_id: int) -> Network:
    """A network whose roles the member may see: one they belong to."""
    network = Network.objects.filter(pk=network_id, pk__in=network_ids(member)).first()
    if network is None:
        raise Http404
    return network


def feed_member(secret: str) -> Member | None:
    """The member behind a live calendar token; revoked and unknown tokens are nobody."""
    feed = (
        CalendarFeed.objects.filter(token_hash=CalendarFeed.hash(secret), revoked_at=None)
        .select_related("member")
        .first()
    )
    return feed.member if feed else None


def feed_shifts(member: Member, now: datetime) -> list[Shift]:
    """What a member's calendar shows: their shifts from a month ago on."""
    return list(
        Shift.objects.filter(assignee=member, starts_at__gte=now - timedelta(days=30))
        .select_related("role", "role__pod", "role__network")
        .order_by("starts_at", "id")
    )
