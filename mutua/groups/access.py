"""Who may see which working groups: everyone in the group's network. Others get "not found"."""

from __future__ import annotations

from django.http import Http404

from mutua.groups.models import WorkingGroup
from mutua.members.access import network_ids
from mutua.members.models import Member, Network


def access_network(member: Member, network_id: int) -> Network:
    """A network the member belongs to (its groups are listed to its members)."""
    network = Network.objects.filter(pk=network_id, pk__in=network_ids(member)).first()
    if network is None:
        raise Http404
    return network


def access_group(member: Member, group_id: int) -> WorkingGroup:
    try:
        return WorkingGroup.objects.visible_to(member).select_related("network").get(pk=group_id)
    except WorkingGroup.DoesNotExist:
        raise Http404 from None
