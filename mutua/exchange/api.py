"""Requests, offers and claims over JSON. Adapters only: schema in, access, one service, schema out.

Every rule (an empty summary, a pod one is not in, a claim that lost the race) lives in
``services.py`` and comes back as a ``ValidationError`` that ``mutua/api.py`` turns into a 400 with
its code. Private details leave only through ``access.private_details``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, JsonValue, WithJsonSchema

from mutua.exchange import services, suggestions
from mutua.exchange.access import (
    access_dispatch_network,
    access_invitation,
    access_offer,
    access_own_request,
    access_request,
    can_message,
    private_details,
)
from mutua.exchange.models import Category, Invitation, Message, Offer, Request, Scope
from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.access import access_pod
from mutua.members.models import Member, Pod

router = Router()

# Which input field a service's error code is about, so a script can point at it. Codes shared by
# several fields (a time window out of order, a naive datetime) name no field.
FIELD_FOR_CODE = {
    "unknown_pod": "pod_id",
    "not_in_pod": "pod_id",
    "bad_scope": "scope",
    "bad_category": "category",
    "bad_urgency": "urgency",
    "empty_summary": "summary",
    "summary_too_long": "summary",
    "needed_by_in_past": "needed_by",
    "phone_needs_country_code": "contact_phone",
    "phone_invalid": "contact_phone",
    "empty_description": "description",
    "description_too_long": "description",
    "empty_message": "body",
    "message_too_long": "body",
    "bad_skill": "skill_needed",
    "bad_language": "language_wanted",
    "helper_does_not_fit": "helper_id",
}


def _one_of(values: list[str], default: Any = ...) -> Any:
    # Documented as an enum, but checked by the service, so a wrong value gets the service's
    # specific code (bad_category...) like in the web form, rather than a generic schema error.
    choices: list[JsonValue] = [*values]
    return Field(default, json_schema_extra={"enum": choices})


# --- Shapes -------------------------------------------------------------------------------

# Requests and offers both have a ``Status`` enum; inline them so the document names neither.
RequestStatus = Annotated[
    Request.Status, WithJsonSchema({"type": "string", "enum": [*Request.Status.values]})
]
OfferStatus = Annotated[
    Offer.Status, WithJsonSchema({"type": "string", "enum": [*Offer.Status.values]})
]


class PodRef(Schema):
    id: int
    name: str


class MemberRef(Schema):
    id: int
    display_name: str


class RequestOut(Schema):
    """What anyone who can see a request sees. Never the address: that is in ``private``."""

    id: int
    status: RequestStatus
    summary: str
    category: Category
    scope: Scope
    urgency: Request.Urgency
    area: str = Field(description="A coarse area, never the exact address.")
    pod: PodRef
    network_id: int
    requester: MemberRef
    claimed_by: MemberRef | None
    from_offer_id: int | None
    skill_needed: str = Field(description="A skill or valid certificate the helper needs.")
    language_wanted: str = Field(description="A language the helper should speak (code).")
    needed_from: datetime | None
    needed_by: datetime | None
    created_at: datetime
    claimed_at: datetime | None
    fulfilled_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None


class PrivateOut(Schema):
    address: str
    details: str
    access_notes: str
    phone: str
    email: str


class RequestDetailOut(RequestOut):
    private: PrivateOut | None = Field(
        description=(
            "The exact address and how to reach the requester: only for the requester and the "
            "member helping (while they hold the request); null for everyone else."
        )
    )


class RequestPage(Schema):
    count: int
    items: list[RequestOut]


class RequestFilters(Schema):
    status: RequestStatus | None = None
    category: Category | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class RequestIn(Schema):
    """A request for help. ``needed_from``/``needed_by`` are ISO 8601 with a UTC offset."""

    model_config = ConfigDict(extra="forbid")

    pod_id: int
    scope: str = _one_of(Scope.values, Scope.POD)
    category: str = _one_of(Category.values)
    summary: str = Field(description="Short and public: no address, no names of others.")
    urgency: str = _one_of(Request.Urgency.values, Request.Urgency.NORMAL)
    needed_from: datetime | None = None
    needed_by: datetime | None = None
    area: str = Field("", description="A coarse area, e.g. “Maple St, near the library”.")
    address: str = Field("", description="Private: only the member who helps will see it.")
    details: str = Field("", description="Private.")
    access_notes: str = Field("", description="Private, e.g. “ring twice, side door”.")
    contact_phone: str = Field("", description="Private, E.164 (+15551234567).")
    skill_needed: str = Field("", description="e.g. “first aid”; empty: no skill needed.")
    language_wanted: str = Field("", description="Language code, e.g. “es”; empty: any.")


class RequestPatch(Schema):
    """Any subset of ``RequestIn``; what is left out keeps its current value."""

    model_config = ConfigDict(extra="forbid")

    pod_id: int = 0
    scope: str = _one_of(Scope.values, "")
    category: str = _one_of(Category.values, "")
    summary: str = ""
    urgency: str = _one_of(Request.Urgency.values, "")
    needed_from: datetime | None = None
    needed_by: datetime | None = None
    area: str = ""
    address: str = ""
    details: str = ""
    access_notes: str = ""
    contact_phone: str = ""
    skill_needed: str = ""
    language_wanted: str = ""


class AnswerIn(Schema):
    """Taking up an offer: a request in the offer's category, already matched with its offerer."""

    model_config = ConfigDict(extra="forbid")

    pod_id: int
    scope: str = _one_of(Scope.values, Scope.POD)
    summary: str
    urgency: str = _one_of(Request.Urgency.values, Request.Urgency.NORMAL)
    needed_from: datetime | None = None
    needed_by: datetime | None = None
    area: str = ""
    address: str = ""
    details: str = ""
    access_notes: str = ""
    contact_phone: str = ""


class MessageIn(Schema):
    model_config = ConfigDict(extra="forbid")

    body: str


class MessageOut(Schema):
    id: int
    author: MemberRef
    body: str
    created_at: datetime


class OfferOut(Schema):
    id: int
    status: OfferStatus
    category: Category
    scope: Scope
    description: str
    quantity: str
    available_from: datetime | None
    available_until: datetime | None
    availability_note: str
    pod: PodRef
    network_id: int
    offerer: MemberRef
    created_at: datetime
    withdrawn_at: datetime | None


class OfferPage(Schema):
    count: int
    items: list[OfferOut]


class OfferFilters(Schema):
    status: OfferStatus | None = None
    category: Category | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class OfferIn(Schema):
    model_config = ConfigDict(extra="forbid")

    pod_id: int
    scope: str = _one_of(Scope.values, Scope.POD)
    category: str = _one_of(Category.values)
    description: str
    quantity: str = Field("", description="How much or how often, e.g. “2 meals a week”.")
    available_from: datetime | None = None
    available_until: datetime | None = None
    availability_note: str = Field("", description="e.g. “weekday evenings”.")


class OfferPatch(Schema):
    """Any subset of ``OfferIn``; what is left out keeps its current value."""

    model_config = ConfigDict(extra="forbid")

    pod_id: int = 0
    scope: str = _one_of(Scope.values, "")
    category: str = _one_of(Category.values, "")
    description: str = ""
    quantity: str = ""
    available_from: datetime | None = None
    available_until: datetime | None = None
    availability_note: str = ""


class ActivityOut(Schema):
    my_requests: list[RequestOut]
    helping_with: list[RequestOut]
    my_offers: list[OfferOut]


# --- Adapting schemas to drafts and rows --------------------------------------------------


def _pod(member: Member, pod_id: int) -> Pod:
    """A pod of the member's networks; any other id is unknown (the service checks membership)."""
    try:
        return access_pod(member, pod_id)
    except Http404:
        raise ValidationError(_("There is no pod with this id."), code="unknown_pod") from None


def _request_draft(member: Member, data: RequestIn) -> services.RequestDraft:
    return services.RequestDraft(
        pod=_pod(member, data.pod_id),
        scope=data.scope,
        category=data.category,
        summary=data.summary,
        urgency=data.urgency,
        needed_from=data.needed_from,
        needed_by=data.needed_by,
        area=data.area,
        address=data.address,
        details=data.details,
        access_notes=data.access_notes,
        contact_phone=data.contact_phone,
        skill_needed=data.skill_needed,
        language_wanted=data.language_wanted,
    )


def _offer_draft(member: Member, data: OfferIn) -> services.OfferDraft:
    return services.OfferDraft(
        pod=_pod(member, data.pod_id),
        scope=data.scope,
        category=data.category,
        description=data.description,
        quantity=data.quantity,
        available_from=data.available_from,
        available_until=data.available_until,
        availability_note=data.availability_note,
    )


def _detail(member: Member, aid_request: Request) -> RequestDetailOut:
    # The public part is read from the row; ``private`` only ever from the access function (the
    # row's own ``private`` relation holds the raw details and must not be serialised).
    public = RequestOut.model_validate(aid_request).model_dump()
    view = private_details(member, aid_request)
    return RequestDetailOut(**public, private=PrivateOut(**asdict(view)) if view else None)


# --- Requests -----------------------------------------------------------------------------


@router.get("/requests", response={200: RequestPage, **ERRORS})
def list_requests(request: HttpRequest, filters: Query[RequestFilters]) -> RequestPage:
    """Requests I can see: in my pods (pod scope), my networks (network scope), mine, or held."""
    member = current_member(request)
    rows = Request.objects.visible_to(member).select_related("requester", "claimed_by", "pod")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    page = rows[filters.offset : filters.offset + filters.limit]
    return RequestPage(count=rows.count(), items=[RequestOut.model_validate(row) for row in page])


@router.post("/requests", response={201: RequestDetailOut, **WRITE_ERRORS})
def create_request(request: HttpRequest, payload: RequestIn) -> Status[RequestDetailOut]:
    """Ask for help in one of my pods."""
    member = current_member(request)
    aid_request = services.create_request(author=member, draft=_request_draft(member, payload))
    return Status(201, _detail(member, aid_request))


@router.get("/requests/{request_id}", response={200: RequestDetailOut, **ERRORS})
def get_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    member = current_member(request)
    return _detail(member, access_request(member, request_id))


@router.put("/requests/{request_id}", response={200: RequestDetailOut, **WRITE_ERRORS})
def replace_request(request: HttpRequest, request_id: int, payload: RequestIn) -> RequestDetailOut:
    """Edit my own request, giving every field."""
    member = current_member(request)
    aid_request = access_own_request(member, request_id)
    aid_request = services.update_request(
        aid_request=aid_request, actor=member, draft=_request_draft(member, payload)
    )
    return _detail(member, aid_request)


@router.patch("/requests/{request_id}", response={200: RequestDetailOut, **WRITE_ERRORS})
def edit_request(request: HttpRequest, request_id: int, payload: RequestPatch) -> RequestDetailOut:
    """Edit my own request, giving only the fields that change."""
    member = current_member(request)
    aid_request = access_own_request(member, request_id)
    private = private_details(member, aid_request)  # the requester's own: never None here
    current = RequestIn(
        pod_id=aid_request.pod_id,
        scope=aid_request.scope,
        category=aid_request.category,
        summary=aid_request.summary,
        urgency=aid_request.urgency,
        needed_from=aid_request.needed_from,
        needed_by=aid_request.needed_by,
        area=aid_request.area,
        address=private.address if private else "",
        details=private.details if private else "",
        access_notes=private.access_notes if private else "",
        # ``phone`` falls back to the profile phone; keep the fallback instead of copying it.
        contact_phone=private.phone if private and private.phone != member.phone else "",
        skill_needed=aid_request.skill_needed,
        language_wanted=aid_request.language_wanted,
    )
    merged = current.model_copy(update=payload.model_dump(exclude_unset=True))
    aid_request = services.update_request(
        aid_request=aid_request, actor=member, draft=_request_draft(member, merged)
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/claim", response={200: RequestDetailOut, **WRITE_ERRORS})
def claim_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Take an open request. Exactly one claim wins; later ones get ``already_claimed``."""
    member = current_member(request)
    aid_request = services.claim_request(
        aid_request=access_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/release", response={200: RequestDetailOut, **WRITE_ERRORS})
def release_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Hand back a request I took: it reopens and I no longer see its private details."""
    member = current_member(request)
    aid_request = services.release_request(
        aid_request=access_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/fulfil", response={200: RequestDetailOut, **WRITE_ERRORS})
def fulfil_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Mark a request I took as done; the requester then confirms or reopens it."""
    member = current_member(request)
    aid_request = services.fulfil_request(
        aid_request=access_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/confirm", response={200: RequestDetailOut, **WRITE_ERRORS})
def confirm_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Confirm the help arrived (my own request)."""
    member = current_member(request)
    aid_request = services.confirm_request(
        aid_request=access_own_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/reopen", response={200: RequestDetailOut, **WRITE_ERRORS})
def reopen_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Open my request again, for another helper (my own request)."""
    member = current_member(request)
    aid_request = services.reopen_request(
        aid_request=access_own_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


@router.post("/requests/{request_id}/cancel", response={200: RequestDetailOut, **WRITE_ERRORS})
def cancel_request(request: HttpRequest, request_id: int) -> RequestDetailOut:
    """Withdraw my request; it is no longer needed."""
    member = current_member(request)
    aid_request = services.cancel_request(
        aid_request=access_own_request(member, request_id), actor=member
    )
    return _detail(member, aid_request)


def _thread(member: Member, request_id: int) -> Request:
    """A request whose thread the member is part of; anyone else gets 404, not a hint."""
    aid_request = access_request(member, request_id)
    if not can_message(member, aid_request):
        raise Http404
    return aid_request


@router.get("/requests/{request_id}/messages", response={200: list[MessageOut], **ERRORS})
def list_messages(request: HttpRequest, request_id: int) -> list[MessageOut]:
    """The thread between the requester and the member helping."""
    aid_request = _thread(current_member(request), request_id)
    messages = Message.objects.filter(request=aid_request).select_related("author")
    return [MessageOut.model_validate(message) for message in messages]


@router.post("/requests/{request_id}/messages", response={201: MessageOut, **WRITE_ERRORS})
def post_message(request: HttpRequest, request_id: int, payload: MessageIn) -> Status[MessageOut]:
    member = current_member(request)
    message = services.post_message(
        aid_request=_thread(member, request_id), actor=member, body=payload.body
    )
    return Status(201, MessageOut.model_validate(message))


# --- Offers -------------------------------------------------------------------------------


@router.get("/offers", response={200: OfferPage, **ERRORS})
def list_offers(request: HttpRequest, filters: Query[OfferFilters]) -> OfferPage:
    """Offers I can see: in my pods (pod scope), my networks (network scope), or mine."""
    member = current_member(request)
    rows = Offer.objects.visible_to(member).select_related("offerer", "pod")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    page = rows[filters.offset : filters.offset + filters.limit]
    return OfferPage(count=rows.count(), items=[OfferOut.model_validate(row) for row in page])


@router.post("/offers", response={201: OfferOut, **WRITE_ERRORS})
def create_offer(request: HttpRequest, payload: OfferIn) -> Status[OfferOut]:
    member = current_member(request)
    offer = services.create_offer(author=member, draft=_offer_draft(member, payload))
    return Status(201, OfferOut.model_validate(offer))


@router.get("/offers/{offer_id}", response={200: OfferOut, **ERRORS})
def get_offer(request: HttpRequest, offer_id: int) -> OfferOut:
    return OfferOut.model_validate(access_offer(current_member(request), offer_id))


@router.patch("/offers/{offer_id}", response={200: OfferOut, **WRITE_ERRORS})
def edit_offer(request: HttpRequest, offer_id: int, payload: OfferPatch) -> OfferOut:
    """Edit my offer, giving only the fields that change."""
    member = current_member(request)
    offer = access_offer(member, offer_id)
    current = OfferIn(
        pod_id=offer.pod_id,
        scope=offer.scope,
        category=offer.category,
        description=offer.description,
        quantity=offer.quantity,
        available_from=offer.available_from,
        available_until=offer.available_until,
        availability_note=offer.availability_note,
    )
    merged = current.model_copy(update=payload.model_dump(exclude_unset=True))
    offer = services.update_offer(offer=offer, actor=member, draft=_offer_draft(member, merged))
    return OfferOut.model_validate(offer)


@router.post("/offers/{offer_id}/withdraw", response={200: OfferOut, **WRITE_ERRORS})
def withdraw_offer(request: HttpRequest, offer_id: int) -> OfferOut:
    member = current_member(request)
    offer = services.withdraw_offer(offer=access_offer(member, offer_id), actor=member)
    return OfferOut.model_validate(offer)


@router.post("/offers/{offer_id}/answer", response={201: RequestDetailOut, **WRITE_ERRORS})
def answer_offer(
    request: HttpRequest, offer_id: int, payload: AnswerIn
) -> Status[RequestDetailOut]:
    """Take up an offer: creates my request, already claimed by the member who offered."""
    member = current_member(request)
    offer = access_offer(member, offer_id)
    draft = services.RequestDraft(
        pod=_pod(member, payload.pod_id),
        scope=payload.scope,
        category=offer.category,
        summary=payload.summary,
        urgency=payload.urgency,
        needed_from=payload.needed_from,
        needed_by=payload.needed_by,
        area=payload.area,
        address=payload.address,
        details=payload.details,
        access_notes=payload.access_notes,
        contact_phone=payload.contact_phone,
    )
    aid_request = services.answer_offer(offer=offer, actor=member, draft=draft)
    return Status(201, _detail(member, aid_request))


# --- My activity --------------------------------------------------------------------------


@router.get("/me/activity", response={200: ActivityOut, **ERRORS})
def my_activity(request: HttpRequest) -> ActivityOut:
    """What I asked for, what I am helping with, and what I offer."""
    member = current_member(request)
    requests = Request.objects.select_related("requester", "claimed_by", "pod")
    return ActivityOut(
        my_requests=[RequestOut.model_validate(r) for r in requests.filter(requester=member)],
        helping_with=[RequestOut.model_validate(r) for r in requests.filter(claimed_by=member)],
        my_offers=[
            OfferOut.model_validate(o)
            for o in Offer.objects.filter(offerer=member).select_related("offerer", "pod")
        ],
    )


# --- Matching: suggestions, invitations, "you could help with" ----------------------------


class ReasonOut(Schema):
    """A reason as a stable code and value, and in words for people (the caller's language)."""

    code: str
    value: str
    text: str


def _reasons(reasons: Any) -> list[ReasonOut]:
    return [
        ReasonOut(code=code, value=value, text=suggestions.describe((code, value)))
        for code, value in reasons
    ]


class SuggestionOut(Schema):
    request: RequestOut
    helper: MemberRef | None = Field(description="The suggested helper; null when none fits.")
    cost: int | None
    km: float | None
    reasons: list[ReasonOut]
    cost_parts: list[ReasonOut] = Field(description="What the cost is made of, in points.")
    invitation_id: int | None = Field(description="A live invitation already waits on it.")
    invited: MemberRef | None
    why_unmatched: ReasonOut | None


class ProposeIn(Schema):
    model_config = ConfigDict(extra="forbid")

    helper_id: int


class InvitationOut(Schema):
    """An invitation to help. The request's private details are never here: accept first."""

    id: int
    request: RequestOut
    member: MemberRef
    rank: int
    status: Invitation.Status
    reasons: list[ReasonOut]
    created_at: datetime
    responded_at: datetime | None


class DeclineOut(Schema):
    declined: InvitationOut
    next_invited: bool = Field(description="Whether another helper was invited in your place.")


class CouldHelpOut(Schema):
    request: RequestOut
    cost: int
    km: float
    reasons: list[ReasonOut]


def _invitation(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        request=RequestOut.model_validate(invitation.request),
        member=MemberRef.model_validate(invitation.member),
        rank=invitation.rank,
        status=Invitation.Status(invitation.status),
        reasons=_reasons(invitation.reasons),
        created_at=invitation.created_at,
        responded_at=invitation.responded_at,
    )


def _suggestion(suggestion: suggestions.Suggestion) -> SuggestionOut:
    candidate = suggestion.candidate
    invitation = suggestion.invitation
    why = suggestion.why_unmatched
    return SuggestionOut(
        request=RequestOut.model_validate(suggestion.aid_request),
        helper=MemberRef.model_validate(candidate.helper) if candidate else None,
        cost=candidate.cost if candidate else None,
        km=round(candidate.km, 1) if candidate else None,
        reasons=_reasons(candidate.reasons) if candidate else [],
        cost_parts=[
            ReasonOut(code=part.code, value=part.value, text=suggestions.describe_part(part))
            for part in candidate.breakdown
        ]
        if candidate
        else [],
        invitation_id=invitation.pk if invitation else None,
        invited=MemberRef.model_validate(invitation.member) if invitation else None,
        why_unmatched=ReasonOut(code=why.code, value=why.value, text=suggestions.describe(why))
        if why
        else None,
    )


@router.get("/networks/{slug}/suggestions", response={200: list[SuggestionOut], **ERRORS})
def network_suggestions(request: HttpRequest, slug: str) -> list[SuggestionOut]:
    """For organizers: each open request I may dispatch, with its best helper and why."""
    member = current_member(request)
    network = access_dispatch_network(member, slug)
    return [_suggestion(s) for s in suggestions.suggestions_for(member, network)]


@router.post(
    "/networks/{slug}/suggestions/propose-all", response={200: list[InvitationOut], **WRITE_ERRORS}
)
def propose_all(request: HttpRequest, slug: str) -> list[InvitationOut]:
    """Invite every suggested helper at once (each still decides)."""
    member = current_member(request)
    network = access_dispatch_network(member, slug)
    return [_invitation(i) for i in services.propose_suggested(network=network, actor=member)]


@router.post("/requests/{request_id}/propose", response={201: InvitationOut, **WRITE_ERRORS})
def propose(request: HttpRequest, request_id: int, payload: ProposeIn) -> Status[InvitationOut]:
    """Invite one helper to a request (organizers only: ``not_dispatcher`` otherwise)."""
    member = current_member(request)
    aid_request = access_request(member, request_id)
    helper = Member.objects.filter(pk=payload.helper_id).first()
    if helper is None:
        raise ValidationError(_("There is no member with this id."), code="helper_does_not_fit")
    invitation = services.propose_match(aid_request=aid_request, helper=helper, actor=member)
    return Status(201, _invitation(invitation))


@router.get("/me/invitations", response={200: list[InvitationOut], **ERRORS})
def my_invitations(request: HttpRequest) -> list[InvitationOut]:
    """Invitations to help sent to me, newest first."""
    member = current_member(request)
    rows = Invitation.objects.filter(member=member).select_related(
        "member", "request__requester", "request__claimed_by", "request__pod"
    )[:200]
    return [_invitation(i) for i in rows]


@router.post(
    "/invitations/{invitation_id}/accept", response={200: RequestDetailOut, **WRITE_ERRORS}
)
def accept_invitation(request: HttpRequest, invitation_id: int) -> RequestDetailOut:
    """Say yes: the request is mine (``already_claimed`` if someone was quicker)."""
    member = current_member(request)
    invitation = access_invitation(member, invitation_id)
    aid_request = services.accept_invitation(invitation=invitation, actor=member)
    return _detail(member, access_request(member, aid_request.pk))


@router.post("/invitations/{invitation_id}/decline", response={200: DeclineOut, **WRITE_ERRORS})
def decline_invitation(request: HttpRequest, invitation_id: int) -> DeclineOut:
    """Say no, no reason asked; the next best helper is invited."""
    member = current_member(request)
    invitation = access_invitation(member, invitation_id)
    following = services.decline_invitation(invitation=invitation, actor=member)
    invitation = access_invitation(member, invitation_id)
    return DeclineOut(declined=_invitation(invitation), next_invited=following is not None)


@router.get("/me/could-help", response={200: list[CouldHelpOut], **ERRORS})
def could_help(request: HttpRequest) -> list[CouldHelpOut]:
    """Open requests I fit, best first, by the same cost the organizers' suggestions use."""
    member = current_member(request)
    return [
        CouldHelpOut(
            request=RequestOut.model_validate(r),
            cost=c.cost,
            km=round(c.km, 1),
            reasons=_reasons(c.reasons),
        )
        for r, c in suggestions.could_help_with(member)
    ]
