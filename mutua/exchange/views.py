"""Web pages for requests and offers. Each view parses, checks access, calls one service, renders.

Rules live in services.py and who-sees-what in access.py; nothing here decides either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mutua.exchange import access, services, suggestions
from mutua.exchange.forms import (
    OFFER_FIELD_FOR_CODE,
    AnswerOfferForm,
    MessageForm,
    OfferFilterForm,
    OfferForm,
    ProposeForm,
    RequestFilterForm,
    RequestForm,
    add_service_error,
)
from mutua.exchange.models import Invitation, Offer, Request, RequestQuerySet, Scope
from mutua.lib.pages import page_of
from mutua.members.decorators import member_required
from mutua.members.forms import HELPING_ERROR_FIELDS, HelpingForm, attach_error
from mutua.members.models import Member, MemberSkill

PAGE_SIZE = 25


def _newest_first(queryset: RequestQuerySet, show: str) -> RequestQuerySet:
    """Newest first; when showing open and claimed requests, the open ones (still needing someone)
    come first. "open" sorts after "claimed", so a descending status order does that while the
    database can still walk an index instead of sorting every row."""
    if show == RequestFilterForm.SHOW_ACTIVE:
        return queryset.order_by("-status", "-created_at", "-id")
    return queryset.order_by("-created_at", "-id")


@member_required
def request_list(request: HttpRequest, member: Member) -> HttpResponse:
    filters = RequestFilterForm(request.GET or None, member=member)
    filters.is_valid()  # an unknown choice is dropped; the other filters still apply
    wanted: dict[str, Any] = getattr(filters, "cleaned_data", {})
    requests = Request.objects.visible_to(member).select_related("pod")
    show = wanted.get("show") or RequestFilterForm.SHOW_ACTIVE
    if show == RequestFilterForm.SHOW_ACTIVE:
        requests = requests.active()
    elif show == RequestFilterForm.SHOW_OPEN:
        requests = requests.open()
    if wanted.get("category"):
        requests = requests.filter(category=wanted["category"])
    where = wanted.get("where") or ""
    if where == "network":
        requests = requests.filter(scope=Scope.NETWORK)
    elif where.startswith("pod-"):
        requests = requests.filter(pod_id=int(where.removeprefix("pod-")))
    page = page_of(_newest_first(requests, show), request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exchange/request_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@member_required
def request_create(request: HttpRequest, member: Member) -> HttpResponse:
    form = RequestForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            aid_request = services.create_request(author=member, draft=form.draft())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your request is posted. Your neighbours can see it now."))
            return redirect(aid_request)
    return render(
        request,
        "exchange/request_form.html",
        {"form": form, "aid_request": None},
        status=400 if form.is_bound else 200,
    )


@member_required
def request_edit(request: HttpRequest, member: Member, request_id: int) -> HttpResponse:
    aid_request = access.access_own_request(member, request_id)
    private = access.private_details(member, aid_request)
    initial: dict[str, Any] = {
        field: getattr(aid_request, field) for field in RequestForm.field_order if field != "pod"
    }
    initial["pod"] = aid_request.pod_id
    if private is not None:
        initial.update(
            address=private.address,
            details=private.details,
            access_notes=private.access_notes,
            # ``phone`` falls back to the profile phone; keep the fallback instead of copying it.
            contact_phone="" if private.phone == member.phone else private.phone,
        )
    form = RequestForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_request(aid_request=aid_request, actor=member, draft=form.draft())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your request is updated."))
            return redirect(aid_request)
    return render(
        request,
        "exchange/request_form.html",
        {"form": form, "aid_request": aid_request},
        status=400 if form.is_bound else 200,
    )


def _request_actions(member: Member, aid_request: Request) -> list[tuple[str, str, bool]]:
    """Buttons worth showing (action, label, is_primary); the services still decide."""
    status = aid_request.status
    Status = Request.Status
    is_requester = aid_request.requester_id == member.pk
    is_helper = aid_request.claimed_by_id == member.pk
    actions: list[tuple[str, str, bool]] = []
    if not is_requester and status == Status.OPEN:
        actions.append(("claim", _("I can help with this"), True))
    if is_helper and status == Status.CLAIMED:
        actions.append(("fulfil", _("Mark as done"), True))
        actions.append(("release", _("I can no longer help"), False))
    if is_requester and status in (Status.CLAIMED, Status.FULFILLED):
        actions.append(("confirm", _("Confirm I got the help"), True))
        actions.append(("reopen", _("Reopen for someone else"), False))
    if is_requester and status in (Status.OPEN, Status.CLAIMED, Status.FULFILLED):
        actions.append(("cancel", _("Cancel this request"), False))
    return actions


def _render_detail(
    request: HttpRequest,
    member: Member,
    aid_request: Request,
    message_form: MessageForm | None = None,
    status: int = 200,
) -> HttpResponse:
    can_message = access.can_message(member, aid_request)
    timeline = [
        (change, Request.Status(change.to_status).label)
        for change in aid_request.status_changes.select_related("actor")
    ]
    return render(
        request,
        "exchange/request_detail.html",
        {
            "aid_request": aid_request,
            "private": access.private_details(member, aid_request),
            "is_requester": aid_request.requester_id == member.pk,
            "can_edit": aid_request.requester_id == member.pk
            and aid_request.status in (Request.Status.OPEN, Request.Status.CLAIMED),
            "actions": _request_actions(member, aid_request),
            "can_message": can_message,
            "thread": aid_request.messages.select_related("author") if can_message else [],
            "message_form": message_form or MessageForm(),
            "timeline": timeline,
        },
        status=status,
    )


@member_required
def request_detail(request: HttpRequest, member: Member, request_id: int) -> HttpResponse:
    return _render_detail(request, member, access.access_request(member, request_id))


# One URL per state change; each calls exactly one service.
REQUEST_ACTIONS: dict[str, Callable[..., Request]] = {
    "claim": services.claim_request,
    "release": services.release_request,
    "fulfil": services.fulfil_request,
    "confirm": services.confirm_request,
    "reopen": services.reopen_request,
    "cancel": services.cancel_request,
}


def _action_message(action: str) -> str:
    # Spelled out so the strings are found by makemessages.
    return {
        "claim": _("You are helping with this request. Thank you!"),
        "release": _("You released the request; it is open again."),
        "fulfil": _("Marked as done. The requester will be asked to confirm."),
        "confirm": _("Confirmed. Glad you got the help you needed."),
        "reopen": _("Your request is open again."),
        "cancel": _("Your request is cancelled."),
    }[action]


@require_POST
@member_required
def request_action(
    request: HttpRequest, member: Member, request_id: int, action: str
) -> HttpResponse:
    if action not in REQUEST_ACTIONS:
        raise Http404
    service = REQUEST_ACTIONS[action]
    aid_request = access.access_request(member, request_id)
    try:
        service(aid_request=aid_request, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _action_message(action))
    return redirect(aid_request)


@require_POST
@member_required
def message_post(request: HttpRequest, member: Member, request_id: int) -> HttpResponse:
    aid_request = access.access_request(member, request_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            services.post_message(
                aid_request=aid_request, actor=member, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Message sent."))
            return HttpResponseRedirect(aid_request.get_absolute_url() + "#thread")
    return _render_detail(request, member, aid_request, message_form=form, status=400)


@member_required
def offer_list(request: HttpRequest, member: Member) -> HttpResponse:
    filters = OfferFilterForm(request.GET or None)
    filters.is_valid()  # an unknown choice is dropped; the other filters still apply
    wanted: dict[str, Any] = getattr(filters, "cleaned_data", {})
    offers = Offer.objects.visible_to(member).active().select_related("pod", "offerer")
    if wanted.get("category"):
        offers = offers.filter(category=wanted["category"])
    page = page_of(offers, request.GET.get("page"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "exchange/offer_list.html",
        {"page": page, "filters": filters, "query": query.urlencode()},
    )


@member_required
def offer_create(request: HttpRequest, member: Member) -> HttpResponse:
    form = OfferForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.create_offer(author=member, draft=form.draft())
        except ValidationError as error:
            add_service_error(form, error, OFFER_FIELD_FOR_CODE)
        else:
            messages.success(request, _("Your offer is posted. Thank you!"))
            return redirect(offer)
    return render(
        request,
        "exchange/offer_form.html",
        {"form": form, "offer": None},
        status=400 if form.is_bound else 200,
    )


def _own_offer(member: Member, offer_id: int) -> Offer:
    offer = access.access_offer(member, offer_id)
    if offer.offerer_id != member.pk:
        raise Http404
    return offer


@member_required
def offer_edit(request: HttpRequest, member: Member, offer_id: int) -> HttpResponse:
    offer = _own_offer(member, offer_id)
    initial: dict[str, Any] = {"pod": offer.pod_id}
    initial |= {
        field: getattr(offer, field)
        for field in (
            "scope",
            "category",
            "description",
            "quantity",
            "available_from",
            "available_until",
            "availability_note",
        )
    }
    form = OfferForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_offer(offer=offer, actor=member, draft=form.draft())
        except ValidationError as error:
            add_service_error(form, error, OFFER_FIELD_FOR_CODE)
        else:
            messages.success(request, _("Your offer is updated."))
            return redirect(offer)
    return render(
        request,
        "exchange/offer_form.html",
        {"form": form, "offer": offer},
        status=400 if form.is_bound else 200,
    )


@member_required
def offer_detail(request: HttpRequest, member: Member, offer_id: int) -> HttpResponse:
    offer = access.access_offer(member, offer_id)
    return render(
        request,
        "exchange/offer_detail.html",
        {
            "offer": offer,
            "is_offerer": offer.offerer_id == member.pk,
            "is_active": offer.status == Offer.Status.ACTIVE,
        },
    )


@require_POST
@member_required
def offer_withdraw(request: HttpRequest, member: Member, offer_id: int) -> HttpResponse:
    offer = access.access_offer(member, offer_id)
    try:
        services.withdraw_offer(offer=offer, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Your offer is withdrawn."))
    return redirect(offer)


@member_required
def offer_answer(request: HttpRequest, member: Member, offer_id: int) -> HttpResponse:
    offer = access.access_offer(member, offer_id)
    form = AnswerOfferForm(request.POST or None, member=member, offer=offer)
    if request.method == "POST" and form.is_valid():
        try:
            aid_request = services.answer_offer(offer=offer, actor=member, draft=form.draft())
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s will help you. You can write to each other below.")
                % {"name": offer.offerer.display_name},
            )
            return redirect(aid_request)
    return render(
        request,
        "exchange/offer_answer.html",
        {"form": form, "offer": offer},
        status=400 if form.is_bound else 200,
    )


# Closed items shown on "my activity": everything still going on is listed, the history is not,
# so the page stays the same size however long someone has been a member.
RECENT_CLOSED = 10


def _current_and_recent(queryset: RequestQuerySet) -> list[Request]:
    """Requests still going on (open first), then the most recently closed ones."""
    going_on = (Request.Status.OPEN, Request.Status.CLAIMED, Request.Status.FULFILLED)
    return [
        *queryset.filter(status__in=going_on).order_by("-status", "-created_at", "-id"),
        *queryset.exclude(status__in=going_on).order_by("-created_at", "-id")[:RECENT_CLOSED],
    ]


@member_required
def my_activity(request: HttpRequest, member: Member) -> HttpResponse:
    mine = _current_and_recent(
        Request.objects.filter(requester=member).select_related("pod", "claimed_by")
    )
    helping = _current_and_recent(
        Request.objects.filter(claimed_by=member).select_related("pod", "requester")
    )
    member_offers = Offer.objects.filter(offerer=member).select_related("pod")
    offers = [
        *member_offers.active().order_by("-created_at"),
        *member_offers.exclude(status=Offer.Status.ACTIVE).order_by("-created_at")[:RECENT_CLOSED],
    ]
    return render(
        request,
        "exchange/my_activity.html",
        {
            "my_requests": mine,
            "helping": helping,
            "my_offers": offers,
            "invitation_count": Invitation.objects.live().filter(member=member).count(),
        },
    )


# --- Matching: suggestions for dispatchers, invitations and "you could help with" ----------


@dataclass(frozen=True)
class SuggestionRow:
    """One line of the dispatcher's page, already worded in the reader's language."""

    aid_request: Request
    helper: Member | None
    reasons: str
    cost: int | None
    breakdown: list[tuple[str, str]]
    why_unmatched: str
    invitation: Invitation | None


def _row(suggestion: suggestions.Suggestion) -> SuggestionRow:
    candidate = suggestion.candidate
    return SuggestionRow(
        aid_request=suggestion.aid_request,
        helper=candidate.helper if candidate else None,
        reasons=suggestions.describe_all(candidate.reasons) if candidate else "",
        cost=candidate.cost if candidate else None,
        breakdown=[(suggestions.describe_part(part), part.value) for part in candidate.breakdown]
        if candidate
        else [],
        why_unmatched=suggestions.describe(suggestion.why_unmatched)
        if suggestion.why_unmatched
        else "",
        invitation=suggestion.invitation,
    )


@member_required
def suggestion_list(request: HttpRequest, member: Member, slug: str) -> HttpResponse:
    """The dispatcher's page: who could take each open request, and why."""
    network = access.access_dispatch_network(member, slug)
    rows = [_row(s) for s in suggestions.suggestions_for(member, network)]
    return render(
        request,
        "exchange/suggestions.html",
        {
            "network": network,
            "matched": [r for r in rows if r.helper is not None],
            "invited": [r for r in rows if r.invitation is not None],
            "unmatched": [r for r in rows if r.helper is None and r.invitation is None],
        },
    )


@require_POST
@member_required
def propose(request: HttpRequest, member: Member, request_id: int) -> HttpResponse:
    aid_request = access.access_request(member, request_id)
    form = ProposeForm(request.POST)
    helper = (
        Member.objects.filter(pk=form.cleaned_data["helper"]).first() if form.is_valid() else None
    )
    if helper is None:
        messages.error(request, _("Choose a helper to propose."))
    else:
        try:
            services.propose_match(aid_request=aid_request, helper=helper, actor=member)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            if error.code == "not_dispatcher":
                return redirect(aid_request)  # the suggestions page is not theirs to see
        else:
            messages.success(
                request,
                _("%(name)s is invited. They will answer with one tap.")
                % {"name": helper.display_name},
            )
    return redirect("exchange:suggestions", slug=aid_request.network.slug)


@require_POST
@member_required
def propose_all(request: HttpRequest, member: Member, slug: str) -> HttpResponse:
    network = access.access_dispatch_network(member, slug)
    invitations = services.propose_suggested(network=network, actor=member)
    messages.success(
        request,
        ngettext("%(count)d helper invited.", "%(count)d helpers invited.", len(invitations))
        % {"count": len(invitations)},
    )
    return redirect("exchange:suggestions", slug=network.slug)


@member_required
def invitation_list(request: HttpRequest, member: Member) -> HttpResponse:
    """Invitations to help: accept or decline with one tap. No private details before a yes."""
    invitations = list(
        Invitation.objects.filter(member=member).select_related(
            "request__requester", "request__pod"
        )[:50]
    )
    rows = [(i, suggestions.describe_all(i.reasons)) for i in invitations]
    return render(
        request,
        "exchange/invitations.html",
        {
            "live": [(i, why) for i, why in rows if i.status == Invitation.Status.INVITED],
            "answered": [(i, why) for i, why in rows if i.status != Invitation.Status.INVITED],
        },
    )


@require_POST
@member_required
def invitation_answer(
    request: HttpRequest, member: Member, invitation_id: int, answer: str
) -> HttpResponse:
    invitation = access.access_invitation(member, invitation_id)
    try:
        if answer == "accept":
            aid_request = services.accept_invitation(invitation=invitation, actor=member)
            messages.success(request, _("You are helping with this request. Thank you!"))
            return redirect(aid_request)
        if answer == "decline":
            services.decline_invitation(invitation=invitation, actor=member)
            messages.success(request, _("No problem. We will ask someone else."))
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("exchange:invitations")


@member_required
def could_help(request: HttpRequest, member: Member) -> HttpResponse:
    """Requests this member fits, best first, by the same cost the dispatchers' page uses."""
    ranked = suggestions.could_help_with(member)
    return render(
        request,
        "exchange/could_help.html",
        {
            "rows": [(r, suggestions.describe_all(c.reasons)) for r, c in ranked],
            "has_help_area": member.has_help_area,
        },
    )


@member_required
def helping_profile(request: HttpRequest, member: Member) -> HttpResponse:
    """How the member can help: area, reach, languages, skills, requests a week."""
    if request.method == "POST":
        form = HelpingForm.from_post(request.POST)
        if form.is_valid():
            try:
                services.update_helping_profile(member=member, helping=form.helping())
            except ValidationError as error:
                attach_error(form, error, HELPING_ERROR_FIELDS)
            else:
                messages.success(request, _("Saved. We will suggest you for requests that fit."))
                return redirect("exchange:helping_profile")
        return render(request, "exchange/helping_profile.html", {"form": form}, status=400)
    skills = list(MemberSkill.objects.filter(member=member).values_list("name", "valid_until"))
    return render(
        request, "exchange/helping_profile.html", {"form": HelpingForm.for_member(member, skills)}
    )
