"""Agreement pages: the current text, its versions and diffs, signing, reviewing, printing.

A change is never made here: "propose a change" opens the proposal form with the current text.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutua.agreements import services
from mutua.agreements.access import access_agreement
from mutua.agreements.diff import diff_sections
from mutua.agreements.forms import DiffForm, ReviewForm, SignForm
from mutua.agreements.models import (
    FIRST_REVIEW_AFTER,
    REVIEW_DUE_WINDOW,
    SECTIONS,
    Agreement,
    AgreementVersion,
)
from mutua.decisions.owners import Owner
from mutua.members.decorators import member_required
from mutua.members.models import Member


def signing_status(owner: Owner, version: AgreementVersion | None) -> tuple[list[str], list[str]]:
    """(names who signed the version, names who have not yet), both sorted. Two queries."""
    if version is None:
        return [], []
    signed_ids = set(version.signatures.values_list("member_id", flat=True))
    members = owner.members().order_by("display_name").only("pk", "display_name")
    signed = [m.display_name for m in members if m.pk in signed_ids]
    unsigned = [m.display_name for m in members if m.pk not in signed_ids]
    return signed, unsigned


def _version(agreement: Agreement | None, number: int) -> AgreementVersion:
    version = agreement.versions.filter(number=number).first() if agreement else None
    if version is None:
        raise Http404
    return version


def _render_agreement(
    request: HttpRequest,
    member: Member,
    owner: Owner,
    agreement: Agreement | None,
    *,
    review_form: ReviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    version = agreement.current_version if agreement else None
    signed, unsigned = signing_status(owner, version)
    has_signed = version is not None and version.signatures.filter(member=member).exists()
    takes_part = owner.takes_part(member)
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "owner": owner,
            "agreement": agreement,
            "version": version,
            "signed": signed,
            "unsigned": unsigned,
            "can_sign": version is not None and takes_part and not has_signed,
            "has_signed": has_signed,
            "can_take_part": takes_part or owner.is_facilitator(member),
            "review_state": agreement.review_state() if agreement else None,
            "sign_form": SignForm(initial={"version": version.number if version else None}),
            "review_form": review_form or ReviewForm(),
            "first_review_days": FIRST_REVIEW_AFTER.days,
            "due_window_days": REVIEW_DUE_WINDOW.days,
        },
        status=status,
    )


@member_required
def agreement_detail(
    request: HttpRequest, member: Member, kind: str, owner_id: int
) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    return _render_agreement(request, member, owner, agreement)


@require_POST
@member_required
def agreement_sign(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    form = SignForm(request.POST)
    if agreement is None or not form.is_valid():
        messages.error(request, _("There is no agreement to sign yet."))
        return _render_agreement(request, member, owner, agreement, status=400)
    try:
        services.sign_agreement(
            agreement=agreement, version_number=form.cleaned_data["version"], actor=member
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_agreement(request, member, owner, agreement, status=400)
    messages.success(request, _("You signed the agreement. Welcome aboard."))
    return redirect(agreement)


@require_POST
@member_required
def agreement_review(
    request: HttpRequest, member: Member, kind: str, owner_id: int
) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    form = ReviewForm(request.POST)
    if agreement is not None and form.is_valid():
        try:
            services.record_review(
                agreement=agreement, actor=member, note=form.cleaned_data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The review is recorded; the agreement stays as it is."))
            return redirect(agreement)
    elif agreement is None:
        form.add_error(None, _("There is no agreement to review yet."))
    return _render_agreement(request, member, owner, agreement, review_form=form, status=400)


@member_required
def version_list(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    versions = (
        agreement.versions.select_related("adopted_via", "created_by").order_by("-number")
        if agreement
        else AgreementVersion.objects.none()
    )
    latest = versions[0].number if versions else None
    return render(
        request,
        "agreements/version_list.html",
        {
            "owner": owner,
            "agreement": agreement,
            "versions": versions,
            "diff_form": DiffForm(initial={"old": max((latest or 1) - 1, 1), "new": latest}),
        },
    )


@member_required
def version_detail(
    request: HttpRequest, member: Member, kind: str, owner_id: int, number: int
) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    version = _version(agreement, number)
    return render(
        request,
        "agreements/version_detail.html",
        {"owner": owner, "agreement": agreement, "version": version},
    )


@member_required
def version_diff(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    owner, agreement = access_agreement(member, kind, owner_id)
    form = DiffForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "agreements/diff.html",
            {"owner": owner, "agreement": agreement, "form": form, "diff": None},
            status=400,
        )
    old = _version(agreement, form.cleaned_data["old"])
    new = _version(agreement, form.cleaned_data["new"])
    diff = diff_sections(
        services.comparable_text(services.AgreementText.of(old)),
        services.comparable_text(services.AgreementText.of(new)),
        [(field, str(heading)) for field, heading in SECTIONS],
    )
    return render(
        request,
        "agreements/diff.html",
        {
            "owner": owner,
            "agreement": agreement,
            "form": form,
            "old": old,
            "new": new,
            "diff": diff,
        },
    )


@member_required
def agreement_print(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    """One page for the fridge door: the text, the signatures, the next review. No navigation."""
    owner, agreement = access_agreement(member, kind, owner_id)
    version = agreement.current_version if agreement else None
    if version is None:
        raise Http404
    signed, _unsigned = signing_status(owner, version)
    return render(
        request,
        "agreements/print.html",
        {
            "owner": owner,
            "agreement": agreement,
            "version": version,
            "signed": signed,
            "printed_at": timezone.now(),
        },
    )
