"""Every change to requests, offers and their threads. Web, API and SMS all call these.

Rules raise ``ValidationError(message, code=...)``: forms show the message, the API returns it with
its code, tests assert on the code. Each change is one transaction with its audit row; emails go
out after commit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.exchange import suggestions
from mutua.exchange.models import (
    Category,
    Invitation,
    Message,
    Offer,
    Request,
    RequestPrivate,
    Scope,
    StatusChange,
)
from mutua.members.access import is_pod_member
from mutua.members.models import (
    COARSE_DECIMALS,
    SPOKEN_LANGUAGES,
    Member,
    MemberSkill,
    Network,
    Pod,
)
from mutua.notifications import services as notify

MAX_MESSAGE_LENGTH = 1000


@dataclass(frozen=True)
class RequestDraft:
    """What a member fills in to ask for help. Plain data, so every front door can build one."""

    pod: Pod
    scope: str
    category: str
    summary: str
    urgency: str = Request.Urgency.NORMAL
    needed_from: datetime | None = None
    needed_by: datetime | None = None
    area: str = ""
    address: str = ""
    details: str = ""
    access_notes: str = ""
    contact_phone: str = ""
    # For matching: a skill or certificate the helper must hold, a language they must speak.
    skill_needed: str = ""
    language_wanted: str = ""


@dataclass(frozen=True)
class OfferDraft:
    pod: Pod
    scope: str
    category: str
    description: str
    quantity: str = ""
    available_from: datetime | None = None
    available_until: datetime | None = None
    availability_note: str = ""


def _check_choice(value: str, choices: type[Category] | type[Scope], code: str, label: str) -> None:
    if value not in choices.values:
        raise ValidationError(
            _("%(label)s must be one of: %(choices)s.")
            % {"label": label, "choices": ", ".join(choices.values)},
            code=code,
        )


def _check_window(start: datetime | None, end: datetime | None, *, is_new: bool) -> None:
    for value in (start, end):
        if value is not None and timezone.is_naive(value):
            raise ValidationError(_("Dates need a time zone."), code="naive_datetime")
    if start and end and start > end:
        raise ValidationError(
            _("The start of the window is after its end."), code="window_out_of_order"
        )
    if is_new and end is not None and end < timezone.now():
        raise ValidationError(_("The needed-by date is in the past."), code="needed_by_in_past")


def _check_request_draft(draft: RequestDraft, *, author: Member, is_new: bool) -> None:
    if not draft.summary.strip():
        raise ValidationError(_("Please write a short summary."), code="empty_summary")
    if len(draft.summary) > 140:
        raise ValidationError(
            _("Keep the summary under 140 characters; put the rest in the details."),
            code="summary_too_long",
        )
    _check_choice(draft.category, Category, "bad_category", _("Category"))
    _check_choice(draft.scope, Scope, "bad_scope", _("Scope"))
    if draft.urgency not in Request.Urgency.values:
        raise ValidationError(_("Unknown urgency."), code="bad_urgency")
    if not is_pod_member(author, draft.pod):
        raise ValidationError(
            _("You can only ask for help in a pod you belong to."), code="not_in_pod"
        )
    _check_window(draft.needed_from, draft.needed_by, is_new=is_new)
    _check_skill_name(draft.skill_needed, code="bad_skill")
    if draft.language_wanted and draft.language_wanted not in dict(SPOKEN_LANGUAGES):
        raise ValidationError(_("Unknown language."), code="bad_language")
    if draft.contact_phone:
        from mutua.members.services import normalize_phone

        normalize_phone(draft.contact_phone)


def _set_status(
    aid_request: Request, *, to_status: str, from_status: str, actor: Member | None
) -> None:
    StatusChange.objects.create(
        request=aid_request, from_status=from_status, to_status=to_status, actor=actor
    )
    record(
        action=f"request.{to_status}",
        target=aid_request,
        actor=actor,
        from_status=from_status,
    )


def _transition(
    aid_request: Request, *, allowed_from: tuple[str, ...], to_status: str, **changes: object
) -> bool:
    """One conditional UPDATE: succeeds only if the row is still in an allowed status."""
    updated = Request.objects.filter(pk=aid_request.pk, status__in=allowed_from).update(
        status=to_status, updated_at=timezone.now(), **changes
    )
    if updated:
        aid_request.refresh_from_db()
    return bool(updated)


def _new_request(*, author: Member, draft: RequestDraft, **matched: Any) -> Request:
    """The request row, its private details and its first status change, from a checked draft.
    ``matched`` holds the claim fields when the request starts out matched (an answered offer)."""
    aid_request = Request.objects.create(
        requester=author,
        network_id=draft.pod.network_id,
        pod=draft.pod,
        scope=draft.scope,
        category=draft.category,
        summary=draft.summary.strip(),
        urgency=draft.urgency,
        needed_from=draft.needed_from,
        needed_by=draft.needed_by,
        area=draft.area.strip(),
        skill_needed=skill_name(draft.skill_needed),
        language_wanted=draft.language_wanted,
        **matched,
    )
    _save_private(aid_request, draft)
    _set_status(aid_request, to_status=Request.Status.OPEN, from_status="", actor=author)
    return aid_request


@transaction.atomic
def create_request(*, author: Member, draft: RequestDraft) -> Request:
    """Ask for help. Nobody is screened: any member of the pod may ask, for anything."""
    _check_request_draft(draft, author=author, is_new=True)
    aid_request = _new_request(author=author, draft=draft)
    notify.new_request(aid_request)
    return aid_request


def _save_private(aid_request: Request, draft: RequestDraft) -> None:
    RequestPrivate.objects.update_or_create(
        request=aid_request,
        defaults={
            "address": draft.address.strip(),
            "details": draft.details.strip(),
            "access_notes": draft.access_notes.strip(),
            "contact_phone": draft.contact_phone.strip(),
        },
    )


@transaction.atomic
def update_request(*, aid_request: Request, actor: Member, draft: RequestDraft) -> Request:
    """Edit one's own request while it is still open or being helped with."""
    if aid_request.requester_id != actor.pk:
        raise ValidationError(_("Only the person who asked can edit this."), code="not_requester")
    if aid_request.status not in (Request.Status.OPEN, Request.Status.CLAIMED):
        raise ValidationError(
            _("This request is closed and can no longer be edited."), code="not_editable"
        )
    _check_request_draft(draft, author=actor, is_new=draft.needed_by != aid_request.needed_by)
    # One conditional UPDATE of the edited fields only: saving the whole row from a page loaded
    # before someone claimed (or the requester closed) it would silently undo that change.
    if not Request.objects.filter(
        pk=aid_request.pk, status__in=(Request.Status.OPEN, Request.Status.CLAIMED)
    ).update(
        pod=draft.pod,
        network_id=draft.pod.network_id,
        scope=draft.scope,
        category=draft.category,
        urgency=draft.urgency,
        needed_from=draft.needed_from,
        needed_by=draft.needed_by,
        summary=draft.summary.strip(),
        area=draft.area.strip(),
        skill_needed=skill_name(draft.skill_needed),
        language_wanted=draft.language_wanted,
        updated_at=timezone.now(),
    ):
        raise ValidationError(
            _("This request is closed and can no longer be edited."), code="not_editable"
        )
    aid_request.refresh_from_db()
    _save_private(aid_request, draft)
    record(action="request.edited", target=aid_request, actor=actor)
    return aid_request


@transaction.atomic
def claim_request(*, aid_request: Request, actor: Member) -> Request:
    """Give the request to the first member who claims it; every later claim gets a clear error."""
    if aid_request.requester_id == actor.pk:
        raise ValidationError(_("You cannot claim your own request."), code="own_request")
    # Every front door checks access first; this keeps a new one (SMS, a script) from skipping it.
    if not Request.objects.visible_to(actor).filter(pk=aid_request.pk).exists():
        raise ValidationError(
            _("This request is not shared with your pod or network."), code="not_visible"
        )
    now = timezone.now()
    won = _transition(
        aid_request,
        allowed_from=(Request.Status.OPEN,),
        to_status=Request.Status.CLAIMED,
        claimed_by=actor,
        claimed_at=now,
    )
    if not won:
        raise ValidationError(
            _("Someone else has already taken this request, or it is no longer open."),
            code="already_claimed",
        )
    _set_status(
        aid_request, to_status=Request.Status.CLAIMED, from_status=Request.Status.OPEN, actor=actor
    )
    _expire_invitations(aid_request, keep=actor)
    notify.request_changed(aid_request, event="claimed", actor=actor)
    return aid_request


@transaction.atomic
def release_request(*, aid_request: Request, actor: Member) -> Request:
    """Hand a request back: it reopens, the requester is told, the helper loses the details."""
    released = Request.objects.filter(
        pk=aid_request.pk, status=Request.Status.CLAIMED, claimed_by=actor
    ).update(
        status=Request.Status.OPEN, claimed_by=None, claimed_at=None, updated_at=timezone.now()
    )
    if not released:
        raise ValidationError(
            _("You can only release a request you are helping with."), code="not_claimer"
        )
    aid_request.refresh_from_db()
    _set_status(
        aid_request, to_status=Request.Status.OPEN, from_status=Request.Status.CLAIMED, actor=actor
    )
    record(action="request.released", target=aid_request, actor=actor)
    notify.request_changed(aid_request, event="released", actor=actor)
    return aid_request


@transaction.atomic
def fulfil_request(*, aid_request: Request, actor: Member) -> Request:
    """The helper says it is done; the requester then confirms (or reopens)."""
    done = Request.objects.filter(
        pk=aid_request.pk, status=Request.Status.CLAIMED, claimed_by=actor
    ).update(
        status=Request.Status.FULFILLED, fulfilled_at=timezone.now(), updated_at=timezone.now()
    )
    if not done:
        raise ValidationError(
            _("Only the member helping with this request can mark it done."), code="not_claimer"
        )
    aid_request.refresh_from_db()
    _set_status(
        aid_request,
        to_status=Request.Status.FULFILLED,
        from_status=Request.Status.CLAIMED,
        actor=actor,
    )
    notify.request_changed(aid_request, event="fulfilled", actor=actor)
    return aid_request


def _require_requester(aid_request: Request, actor: Member) -> None:
    if aid_request.requester_id != actor.pk:
        raise ValidationError(_("Only the person who asked can do this."), code="not_requester")


@transaction.atomic
def confirm_request(*, aid_request: Request, actor: Member) -> Request:
    """The requester confirms the help arrived: the request is closed as met."""
    _require_requester(aid_request, actor)
    if not _transition(
        aid_request,
        allowed_from=(Request.Status.FULFILLED, Request.Status.CLAIMED),
        to_status=Request.Status.CONFIRMED,
        confirmed_at=timezone.now(),
    ):
        raise ValidationError(
            _("Only a request someone is helping with can be confirmed."), code="not_confirmable"
        )
    previous = aid_request.status_changes.last()
    _set_status(
        aid_request,
        to_status=Request.Status.CONFIRMED,
        from_status=previous.to_status if previous else "",
        actor=actor,
    )
    notify.request_changed(aid_request, event="confirmed", actor=actor)
    return aid_request


@transaction.atomic
def reopen_request(*, aid_request: Request, actor: Member) -> Request:
    """The requester says it is not done after all, or wants another helper: open it again."""
    _require_requester(aid_request, actor)
    before = aid_request.status
    helper = aid_request.claimed_by
    if not _transition(
        aid_request,
        allowed_from=(Request.Status.CLAIMED, Request.Status.FULFILLED),
        to_status=Request.Status.OPEN,
        claimed_by=None,
        claimed_at=None,
        fulfilled_at=None,
    ):
        raise ValidationError(
            _("Only a request someone took can be reopened."), code="not_reopenable"
        )
    _set_status(aid_request, to_status=Request.Status.OPEN, from_status=before, actor=actor)
    if helper is not None:
        notify.request_changed(aid_request, event="reopened", actor=actor, helper=helper)
    return aid_request


@transaction.atomic
def cancel_request(*, aid_request: Request, actor: Member) -> Request:
    """Withdraw a request that is no longer needed. Its history stays for the records."""
    _require_requester(aid_request, actor)
    before = aid_request.status
    helper = aid_request.claimed_by
    if not _transition(
        aid_request,
        allowed_from=(Request.Status.OPEN, Request.Status.CLAIMED, Request.Status.FULFILLED),
        to_status=Request.Status.CANCELLED,
        cancelled_at=timezone.now(),
    ):
        raise ValidationError(_("This request is already closed."), code="not_cancellable")
    _set_status(aid_request, to_status=Request.Status.CANCELLED, from_status=before, actor=actor)
    _expire_invitations(aid_request, keep=None)
    if helper is not None:
        notify.request_changed(aid_request, event="cancelled", actor=actor, helper=helper)
    return aid_request


@transaction.atomic
def post_message(*, aid_request: Request, actor: Member, body: str) -> Message:
    """A note in the request's thread, between the requester and the helper only."""
    from mutua.exchange.access import can_message

    if not can_message(actor, aid_request):
        raise ValidationError(
            _("Only the requester and the member helping can write here."), code="not_in_thread"
        )
    body = body.strip()
    if not body:
        raise ValidationError(_("The message is empty."), code="empty_message")
    if len(body) > MAX_MESSAGE_LENGTH:
        raise ValidationError(
            _("Keep messages under %(limit)d characters.") % {"limit": MAX_MESSAGE_LENGTH},
            code="message_too_long",
        )
    message = Message.objects.create(request=aid_request, author=actor, body=body)
    record(action="request.message", target=aid_request, actor=actor)
    notify.new_message(message)
    return message


def _check_offer_draft(draft: OfferDraft, *, author: Member) -> None:
    if not draft.description.strip():
        raise ValidationError(_("Please describe what you offer."), code="empty_description")
    if len(draft.description) > 280:
        raise ValidationError(
            _("Keep the description under 280 characters."), code="description_too_long"
        )
    _check_choice(draft.category, Category, "bad_category", _("Category"))
    _check_choice(draft.scope, Scope, "bad_scope", _("Scope"))
    if not is_pod_member(author, draft.pod):
        raise ValidationError(_("You can only offer in a pod you belong to."), code="not_in_pod")
    _check_window(draft.available_from, draft.available_until, is_new=False)


@transaction.atomic
def create_offer(*, author: Member, draft: OfferDraft) -> Offer:
    _check_offer_draft(draft, author=author)
    offer = Offer.objects.create(
        offerer=author,
        network_id=draft.pod.network_id,
        pod=draft.pod,
        scope=draft.scope,
        category=draft.category,
        description=draft.description.strip(),
        quantity=draft.quantity.strip(),
        available_from=draft.available_from,
        available_until=draft.available_until,
        availability_note=draft.availability_note.strip(),
    )
    record(action="offer.created", target=offer, actor=author)
    return offer


@transaction.atomic
def update_offer(*, offer: Offer, actor: Member, draft: OfferDraft) -> Offer:
    if offer.offerer_id != actor.pk:
        raise ValidationError(_("Only the person who offered can edit this."), code="not_offerer")
    if offer.status != Offer.Status.ACTIVE:
        raise ValidationError(_("This offer was withdrawn."), code="offer_withdrawn")
    _check_offer_draft(draft, author=actor)
    # One conditional UPDATE: a page loaded before the withdrawal cannot bring the offer back.
    if not Offer.objects.filter(pk=offer.pk, status=Offer.Status.ACTIVE).update(
        pod=draft.pod,
        network_id=draft.pod.network_id,
        scope=draft.scope,
        category=draft.category,
        description=draft.description.strip(),
        quantity=draft.quantity.strip(),
        available_from=draft.available_from,
        available_until=draft.available_until,
        availability_note=draft.availability_note.strip(),
        updated_at=timezone.now(),
    ):
        raise ValidationError(_("This offer was withdrawn."), code="offer_withdrawn")
    offer.refresh_from_db()
    record(action="offer.edited", target=offer, actor=actor)
    return offer


@transaction.atomic
def withdraw_offer(*, offer: Offer, actor: Member) -> Offer:
    if offer.offerer_id != actor.pk:
        raise ValidationError(_("Only the person who offered can withdraw it."), code="not_offerer")
    if not Offer.objects.filter(pk=offer.pk, status=Offer.Status.ACTIVE).update(
        status=Offer.Status.WITHDRAWN, withdrawn_at=timezone.now(), updated_at=timezone.now()
    ):
        raise ValidationError(_("This offer was already withdrawn."), code="offer_withdrawn")
    offer.refresh_from_db()
    record(action="offer.withdrawn", target=offer, actor=actor)
    return offer


@transaction.atomic
def answer_offer(*, offer: Offer, actor: Member, draft: RequestDraft) -> Request:
    """Take up an offer: one step creates a request already matched with the person offering."""
    if offer.status != Offer.Status.ACTIVE:
        raise ValidationError(_("This offer is no longer available."), code="offer_withdrawn")
    if offer.offerer_id == actor.pk:
        raise ValidationError(_("You cannot answer your own offer."), code="own_offer")
    if not Offer.objects.visible_to(actor).filter(pk=offer.pk).exists():
        raise ValidationError(
            _("This offer is not shared with your pod or network."), code="not_visible"
        )
    _check_request_draft(draft, author=actor, is_new=True)
    aid_request = _new_request(
        author=actor,
        draft=dataclasses.replace(draft, category=offer.category),
        status=Request.Status.CLAIMED,
        claimed_by_id=offer.offerer_id,
        claimed_at=timezone.now(),
        from_offer=offer,
    )
    _set_status(
        aid_request,
        to_status=Request.Status.CLAIMED,
        from_status=Request.Status.OPEN,
        actor=offer.offerer,
    )
    record(action="offer.answered", target=offer, actor=actor, request_id=aid_request.pk)
    notify.request_changed(aid_request, event="offer_answered", actor=actor)
    return aid_request


# --- Matching: how members can help, and invitations --------------------------------------

MAX_SKILL_LENGTH = 80
MAX_TRAVEL_KM = 100
MAX_WEEKLY_CAPACITY = 50


def skill_name(name: str) -> str:
    """Skills compare lower-case and trimmed: "First aid " on a request finds "first aid"."""
    return " ".join(name.split()).lower()


def _check_skill_name(name: str, *, code: str) -> None:
    if len(skill_name(name)) > MAX_SKILL_LENGTH:
        raise ValidationError(
            _("Keep a skill under %(limit)d characters.") % {"limit": MAX_SKILL_LENGTH}, code=code
        )


@dataclass(frozen=True)
class SkillDraft:
    name: str
    valid_until: date | None = None


@dataclass(frozen=True)
class HelpingProfile:
    """Where, in which languages, with which skills and how often a member can help."""

    help_area: str = ""
    help_lat: float | None = None
    help_lng: float | None = None
    travel_km: int = 3
    languages: tuple[str, ...] = ()
    weekly_capacity: int = 2
    skills: tuple[SkillDraft, ...] = ()


def _checked_helping(helping: HelpingProfile) -> HelpingProfile:
    lat, lng = helping.help_lat, helping.help_lng
    if (lat is None) != (lng is None):
        raise ValidationError(
            _("Give both latitude and longitude, or neither."), code="coordinates_incomplete"
        )
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise ValidationError(_("These coordinates are not on Earth."), code="bad_coordinates")
        # Rounded before it is stored: about 1 km, so no one can find a door from it.
        lat, lng = round(lat, COARSE_DECIMALS), round(lng, COARSE_DECIMALS)
    if not 0 <= helping.travel_km <= MAX_TRAVEL_KM:
        raise ValidationError(
            _("Travel distance must be between 0 and %(max)d km.") % {"max": MAX_TRAVEL_KM},
            code="bad_travel_km",
        )
    if not 0 <= helping.weekly_capacity <= MAX_WEEKLY_CAPACITY:
        raise ValidationError(
            _("Requests a week must be between 0 and %(max)d.") % {"max": MAX_WEEKLY_CAPACITY},
            code="bad_capacity",
        )
    known = dict(SPOKEN_LANGUAGES)
    for code in helping.languages:
        if code not in known:
            raise ValidationError(_("Unknown language."), code="bad_language")
    skills: dict[str, SkillDraft] = {}
    for skill in helping.skills:
        _check_skill_name(skill.name, code="bad_skill")
        name = skill_name(skill.name)
        if name:
            skills[name] = SkillDraft(name, skill.valid_until)
    return HelpingProfile(
        help_area=helping.help_area.strip()[:120],
        help_lat=lat,
        help_lng=lng,
        travel_km=helping.travel_km,
        languages=tuple(dict.fromkeys(helping.languages)),
        weekly_capacity=helping.weekly_capacity,
        skills=tuple(skills.values()),
    )


@transaction.atomic
def update_helping_profile(*, member: Member, helping: HelpingProfile) -> Member:
    """Say where, in which languages, with which skills and how often one can help."""
    helping = _checked_helping(helping)
    member.help_area = helping.help_area
    member.help_lat = helping.help_lat
    member.help_lng = helping.help_lng
    member.travel_km = helping.travel_km
    member.languages = list(helping.languages)
    member.weekly_capacity = helping.weekly_capacity
    member.save(
        update_fields=[
            "help_area",
            "help_lat",
            "help_lng",
            "travel_km",
            "languages",
            "weekly_capacity",
        ]
    )
    names = [skill.name for skill in helping.skills]
    MemberSkill.objects.filter(member=member).exclude(name__in=names).delete()
    for skill in helping.skills:
        MemberSkill.objects.update_or_create(
            member=member, name=skill.name, defaults={"valid_until": skill.valid_until}
        )
    record(
        action="member.helping_updated",
        target=member,
        actor=member,
        skills=names,
        languages=list(helping.languages),
    )
    return member


def _expire_invitations(aid_request: Request, *, keep: Member | None) -> None:
    """The request is taken or withdrawn: nobody else's invitation to it stands any more."""
    stale = Invitation.objects.live().filter(request=aid_request)
    if keep is not None:
        stale = stale.exclude(member=keep)
    for invitation in stale:
        _expire(invitation)


def _expire(invitation: Invitation) -> None:
    if Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.INVITED).update(
        status=Invitation.Status.EXPIRED, responded_at=timezone.now()
    ):
        invitation.refresh_from_db()
        record(action="invitation.expired", target=invitation, actor=None)


def _invite(
    *,
    aid_request: Request,
    candidate: suggestions.Candidate,
    invited_by: Member | None,
    actor: Member | None,
    after: Invitation | None = None,
) -> Invitation:
    """Ask one helper; the partial unique constraint keeps it the only live invitation."""
    if Invitation.objects.live().filter(request=aid_request).exists():
        raise ValidationError(
            _("Someone is already invited to this request; wait for their answer."),
            code="already_invited",
        )
    rank = Invitation.objects.filter(request=aid_request).count() + 1
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                request=aid_request,
                member=candidate.helper,
                invited_by=invited_by,
                rank=rank,
                reasons=[list(reason) for reason in candidate.reasons],
            )
    except IntegrityError:  # a second dispatcher proposed at the same moment
        raise ValidationError(
            _("Someone is already invited to this request; wait for their answer."),
            code="already_invited",
        ) from None
    record(
        action="invitation.created",
        target=invitation,
        actor=actor,
        request_id=aid_request.pk,
        member_id=candidate.helper.pk,
        rank=rank,
        cost=candidate.cost,
        after_invitation_id=after.pk if after else None,
    )
    notify.invited_to_help(invitation)
    return invitation


@transaction.atomic
def propose_match(*, aid_request: Request, helper: Member, actor: Member) -> Invitation:
    """A dispatcher asks one helper to take a request; the helper decides (consent)."""
    from mutua.exchange.access import can_dispatch

    if not can_dispatch(actor, aid_request):
        raise ValidationError(
            _("Only an organizer of this network or of the request's pod can propose helpers."),
            code="not_dispatcher",
        )
    if aid_request.status != Request.Status.OPEN:
        raise ValidationError(_("This request is no longer open."), code="not_open")
    if Invitation.objects.filter(
        request=aid_request, member=helper, status__in=suggestions.ANSWERED
    ).exists():
        raise ValidationError(
            _("%(name)s has already answered for this request.") % {"name": helper.display_name},
            code="already_answered",
        )
    candidate = suggestions.pair_candidate(aid_request, helper)
    if candidate is None:
        raise ValidationError(
            _("%(name)s cannot see this request or does not fit it.")
            % {"name": helper.display_name},
            code="helper_does_not_fit",
        )
    return _invite(aid_request=aid_request, candidate=candidate, invited_by=actor, actor=actor)


def propose_suggested(*, network: Network, actor: Member) -> list[Invitation]:
    """Propose every current suggestion the dispatcher may act on; each one on its own."""
    invitations: list[Invitation] = []
    for suggestion in suggestions.suggestions_for(actor, network):
        if suggestion.candidate is None:
            continue
        try:
            invitations.append(
                propose_match(
                    aid_request=suggestion.aid_request,
                    helper=suggestion.candidate.helper,
                    actor=actor,
                )
            )
        except ValidationError:
            continue  # taken or invited meanwhile: the page shows its new state
    return invitations


def _require_invitee(invitation: Invitation, actor: Member) -> None:
    if invitation.member_id != actor.pk:
        raise ValidationError(_("This invitation is for someone else."), code="not_invitee")


def accept_invitation(*, invitation: Invitation, actor: Member) -> Request:
    """Say yes: this claims the request, by the same one-winner rule as any claim.

    If someone claimed it in the meantime the answer is ``already_claimed`` and the invitation
    expires (recorded outside the failed claim's transaction, so it stays expired).
    """
    _require_invitee(invitation, actor)
    try:
        return _accept(invitation, actor)
    except ValidationError as error:
        if error.code == "already_claimed":
            with transaction.atomic():
                _expire(invitation)
        raise


@transaction.atomic
def _accept(invitation: Invitation, actor: Member) -> Request:
    if not Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.INVITED).update(
        status=Invitation.Status.ACCEPTED, responded_at=timezone.now()
    ):
        invitation.refresh_from_db()
        answered = invitation.status != Invitation.Status.EXPIRED
        if not answered and invitation.request.status != Request.Status.OPEN:
            raise ValidationError(
                _("Someone else has already taken this request. Thank you all the same!"),
                code="already_claimed",
            )
        raise ValidationError(_("You already answered this invitation."), code="not_live")
    aid_request = claim_request(aid_request=invitation.request, actor=actor)
    invitation.refresh_from_db()
    record(action="invitation.accepted", target=invitation, actor=actor, request_id=aid_request.pk)
    return aid_request


@transaction.atomic
def decline_invitation(*, invitation: Invitation, actor: Member) -> Invitation | None:
    """Say no, no reason asked. The next best helper (decliners left out) is asked at once."""
    _require_invitee(invitation, actor)
    if not Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.INVITED).update(
        status=Invitation.Status.DECLINED, responded_at=timezone.now()
    ):
        raise ValidationError(_("You already answered this invitation."), code="not_live")
    invitation.refresh_from_db()
    record(action="invitation.declined", target=invitation, actor=actor)
    aid_request = Request.objects.select_related("network", "pod").get(pk=invitation.request_id)
    if aid_request.status != Request.Status.OPEN:
        return None
    candidate = suggestions.next_candidate(aid_request)
    if candidate is None:
        record(action="invitation.no_next_helper", target=aid_request, actor=None)
        return None
    return _invite(
        aid_request=aid_request,
        candidate=candidate,
        invited_by=invitation.invited_by,
        actor=None,
        after=invitation,
    )
