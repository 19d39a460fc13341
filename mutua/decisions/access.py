"""Who may see proposals and meetings. A pod's are for its members and its network's organizers.

Anything a member may not see is "not found", exactly like something that does not exist.
"""

from __future__ import annotations

from django.http import Http404

from mutua.decisions.models import AgendaItem, Meeting, Proposal
from mutua.decisions.owners import NETWORK, POD, Owner
from mutua.members.access import access_pod, network_ids
from mutua.members.models import Member, Network


def access_owner(member: Member, kind: str, owner_id: int) -> Owner:
    """A pod or network the member can see (its network is theirs)."""
    if kind == POD:
        return Owner(pod=access_pod(member, owner_id))
    if kind == NETWORK:
        network = Network.objects.filter(pk=owner_id, pk__in=network_ids(member)).first()
        if network is not None:
            return Owner(network=network)
    raise Http404


def access_decisions_of(member: Member, kind: str, owner_id: int) -> Owner:
    """A pod or network whose proposals and meetings the member may see and take part in."""
    owner = access_owner(member, kind, owner_id)
    if not (owner.takes_part(member) or owner.is_facilitator(member)):
        raise Http404
    return owner


def access_proposal(member: Member, proposal_id: int) -> Proposal:
    try:
        return (
            Proposal.objects.visible_to(member)
            .select_related("pod__network", "network", "created_by")
            .get(pk=proposal_id)
        )
    except Proposal.DoesNotExist:
        raise Http404 from None


def access_meeting(member: Member, meeting_id: int) -> Meeting:
    try:
        return (
            Meeting.objects.visible_to(member)
            .select_related("pod__network", "recorded_by")
            .get(pk=meeting_id)
        )
    except Meeting.DoesNotExist:
        raise Http404 from None


def access_agenda_item(member: Member, meeting_id: int, item_id: int) -> AgendaItem:
    meeting = access_meeting(member, meeting_id)
    item = meeting.agenda.filter(pk=item_id).first()
    if item is None:
        raise Http404
    item.meeting = meeting
    return item
