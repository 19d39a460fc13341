"""Who may see which request and offer, and who may read private details.

Every view, API handler and (later) SMS reply reaches requests through these functions. A request
a member may not see is reported as not found, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from mutua.exchange.models import Invitation, Offer, Request, RequestPrivate
from mutua.members.models import Member, Network, NetworkMembership

# While a helper holds the request they need the address; once it is confirmed or released they
# do not, so they lose access again.
HELPER_SEES_PRIVATE = (Request.Status.CLAIMED, Request.Status.FULFILLED)


def access_request(member: Member, request_id: int) -> Request:
    """The request if this member may see it; otherwise Http404, as if it did not exist."""
    try:
        return (
            Request.objects.visible_to(member)
            .select_related("requester", "claimed_by", "pod", "network")
            .get(pk=request_id)
        )
    except Request.DoesNotExist:
        raise Http404 from None


def access_own_request(member: Member, request_id: int) -> Request:
    """A request this member made (for editing, confirming, cancelling)."""
    aid_request = access_request(member, request_id)
    if aid_request.requester_id != member.pk:
        raise Http404
    return aid_request


def access_offer(member: Member, offer_id: int) -> Offer:
    try:
        return Offer.objects.visible_to(member).select_related("offerer", "pod").get(pk=offer_id)
    except Offer.DoesNotExist:
        raise Http404 from None


def can_see_private(member: Member | None, aid_request: Request) -> bool:
    """Only the requester and the member whose claim won (while they hold it)."""
    if member is None:
        return False
    if aid_request.requester_id == member.pk:
        return True
    return aid_request.claimed_by_id == member.pk and aid_request.status in HELPER_SEES_PRIVATE


@dataclass(frozen=True)
class PrivateView:
    """What the requester shared privately, plus how to reach them."""

    address: str
    details: str
    access_notes: str
    phone: str
    email: str


def private_details(member: Member | None, aid_request: Request) -> PrivateView | None:
    """The private details, or None for anyone who may not read them."""
    if member is None or not can_see_private(member, aid_request):
        return None
    private = RequestPrivate.objects.filter(request=aid_request).first()
    requester = aid_request.requester
    return PrivateView(
        address=private.address if private else "",
        details=private.details if private else "",
        access_notes=private.access_notes if private else "",
        phone=(private.contact_phone if private and private.contact_phone else requester.phone),
        email=requester.user.email,
    )


def can_message(member: Member, aid_request: Request) -> bool:
    """The thread belongs to the requester and the helper who holds the request."""
    return aid_request.claimed_by_id is not None and member.pk in (
        aid_request.requester_id,
        aid_request.claimed_by_id,
    )


def can_dispatch(member: Member, aid_request: Request) -> bool:
    """Network organizers and organizers of the request's pod, for requests they can see."""
    from mutua.exchange.suggestions import dispatchable

    return dispatchable(member, aid_request.network).covers(aid_request)


def access_dispatch_network(member: Member, slug: str) -> Network:
    """A network in which this member organizes (the network or one of its pods)."""
    from mutua.exchange.suggestions import dispatchable

    network = Network.objects.filter(
        slug=slug, pk__in=NetworkMembership.objects.filter(member=member).values("network_id")
    ).first()
    if network is None or not dispatchable(member, network).is_dispatcher:
        raise Http404
    return network


def access_invitation(member: Member, invitation_id: int) -> Invitation:
    """An invitation sent to this member; anyone else's is "not found"."""
    try:
        return Invitation.objects.select_related(
            "member", "request__requester", "request__claimed_by", "request__pod"
        ).get(pk=invitation_id, member=member)
    except Invitation.DoesNotExist:
        raise Http404 from None
