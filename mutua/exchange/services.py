"""Every change to requests, offers and their threads. Web, API and SMS all call these.

Rules raise ``ValidationError(message, code=...)``: forms show the message, the API returns it with
its code, tests assert on the code. Each change is one transaction with its audit row; emails go
out after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutua.audit.services import record
from mutua.exchange.models import (
    Category,
    Message,
    Offer,
    Request,
    RequestPrivate,
    Scope,
    StatusChange,
)
from mutua.members.access import is_pod_member
from mutua.members.models import Member, Pod
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


@transaction.atomic
def create_request(*, author: Member, draft: RequestDraft) -> Request:
    """Ask for help. Nobody is screened: any member of the pod may ask, for anything."""
    _check_request_draft(draft, author=author, is_new=True)
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
    )
    _save_private(aid_request, draft)
    _set_status(aid_request, to_status=Request.Status.OPEN, from_status="", actor=author)
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
    for field in ("scope", "category", "urgency", "needed_from", "needed_by"):
        setattr(aid_request, field, getattr(draft, field))
    aid_request.pod = draft.pod
    aid_request.summary = draft.summary.strip()
    aid_request.area = draft.area.strip()
    aid_request.save()
    _save_private(aid_request, draft)
    record(action="request.edited", target=aid_request, actor=actor)
    return aid_request


@transaction.atomic
def claim_request(*, aid_request: Request, actor: Member) -> Request:
    """Give the request to the first member who claims it; every later claim gets a clear error."""
    if aid_request.requester_id == actor.pk:
        raise ValidationError(_("You cannot claim your own request."), code="own_request")
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
    offer.pod = draft.pod
    offer.scope = draft.scope
    offer.category = draft.category
    offer.description = draft.description.strip()
    offer.quantity = draft.quantity.strip()
    offer.available_from = draft.available_from
    offer.available_until = draft.available_until
    offer.availability_note = draft.availability_note.strip()
    offer.save()
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
    _check_request_draft(draft, author=actor, is_new=True)
    now = timezone.now()
    aid_request = Request.objects.create(
        requester=actor,
        network_id=draft.pod.network_id,
        pod=draft.pod,
        scope=draft.scope,
        category=offer.category,
        summary=draft.summary.strip(),
        urgency=draft.urgency,
        needed_from=draft.needed_from,
        needed_by=draft.needed_by,
        area=draft.area.strip(),
        status=Request.Status.CLAIMED,
        claimed_by_id=offer.offerer_id,
        claimed_at=now,
        from_offer=offer,
    )
    _save_private(aid_request, draft)
    _set_status(aid_request, to_status=Request.Status.OPEN, from_status="", actor=actor)
    _set_status(
        aid_request,
        to_status=Request.Status.CLAIMED,
        from_status=Request.Status.OPEN,
        actor=offer.offerer,
    )
    record(action="offer.answered", target=offer, actor=actor, request_id=aid_request.pk)
    notify.request_changed(aid_request, event="offer_answered", actor=actor)
    return aid_request
