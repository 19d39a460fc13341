"""Pages for proposals, votes and meetings. Each view parses, checks access, calls one service.

How a proposal is decided is written in services.py and shown on the proposal page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutua.agreements.diff import diff_sections
from mutua.agreements.models import SECTIONS
from mutua.agreements.services import AgreementText, agreement_of, comparable_text
from mutua.decisions import access, services
from mutua.decisions.forms import (
    AgendaItemForm,
    MeetingForm,
    OfflineVoteForm,
    ProposalForm,
    RecordMeetingForm,
    VoteForm,
    add_service_error,
    escalation_initial,
)
from mutua.decisions.models import Meeting, Proposal
from mutua.decisions.owners import Owner
from mutua.members.decorators import member_required
from mutua.members.models import Member

# --- Proposals -------------------------------------------------------------------------------


@member_required
def proposal_list(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    owner = access.access_decisions_of(member, kind, owner_id)
    proposals = (
        Proposal.objects.of(owner).with_vote_count().select_related("created_by", "pod", "network")
    )
    return render(
        request,
        "decisions/proposal_list.html",
        {
            "owner": owner,
            "open": [p for p in proposals if p.is_open],
            "closed": [p for p in proposals if not p.is_open],
            "now": timezone.now(),
        },
    )


def _initial_from_agreement(owner: Owner) -> dict[str, Any]:
    """Start an agreement change from the current text, so members edit rather than retype."""
    agreement = agreement_of(owner)
    initial: dict[str, Any] = {"kind": Proposal.Kind.AGREEMENT_CHANGE, "process": "consent"}
    if agreement is not None and agreement.current_version is not None:
        text = AgreementText.of(agreement.current_version)
        initial |= text.__dict__ | escalation_initial(text.escalation_steps)
        initial["title"] = _("Change to the agreement")
    else:
        initial |= escalation_initial(None)  # the default path, to edit
        initial["title"] = _("Our agreement")
    return initial


@member_required
def proposal_create(request: HttpRequest, member: Member, kind: str, owner_id: int) -> HttpResponse:
    owner = access.access_decisions_of(member, kind, owner_id)
    initial: dict[str, Any] = {"process": Proposal.Process.CONSENT, "kind": "free_text"}
    if request.GET.get("kind") == Proposal.Kind.AGREEMENT_CHANGE:
        initial = _initial_from_agreement(owner)
    form = ProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.create_proposal(actor=member, draft=form.draft(owner))
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your proposal is open for votes."))
            return redirect(proposal)
    return render(
        request,
        "decisions/proposal_form.html",
        {"form": form, "owner": owner},
        status=400 if form.is_bound else 200,
    )


def _render_proposal(
    request: HttpRequest,
    member: Member,
    proposal: Proposal,
    *,
    vote_form: VoteForm | None = None,
    offline_form: OfflineVoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    owner = proposal.owner
    votes = list(proposal.votes.select_related("member", "recorded_by"))
    mine = next((vote for vote in votes if vote.member_id == member.pk), None)
    diff = None
    if proposal.kind == Proposal.Kind.AGREEMENT_CHANGE:
        agreement = agreement_of(owner)
        base = agreement.current_version if agreement else None
        if agreement is not None and not proposal.is_open and proposal.base_version_number:
            # Closed: compare with the version it was written against, not today's.
            base = agreement.versions.filter(number=proposal.base_version_number).first()
        old = comparable_text(AgreementText.of(base)) if base else {}
        diff = diff_sections(
            old,
            comparable_text(AgreementText.of(proposal)),
            [(field, str(heading)) for field, heading in SECTIONS],
        )
    is_open = proposal.is_open and not proposal.is_past_deadline()
    return render(
        request,
        "decisions/proposal_detail.html",
        {
            "proposal": proposal,
            "owner": owner,
            "votes": votes,
            "mine": mine,
            "tally": services.current_tally(proposal) if proposal.is_open else None,
            "can_vote": is_open and mine is None and owner.takes_part(member),
            "is_facilitator": is_open and owner.is_facilitator(member),
            "can_close": proposal.is_open and proposal.is_past_deadline(),
            "vote_form": vote_form or VoteForm(proposal=proposal),
            "offline_form": offline_form or OfflineVoteForm(proposal=proposal),
            "diff": diff,
            "adopted_version": getattr(proposal, "adopted_version", None),
        },
        status=status,
    )


@member_required
def proposal_detail(request: HttpRequest, member: Member, proposal_id: int) -> HttpResponse:
    return _render_proposal(request, member, access.access_proposal(member, proposal_id))


@require_POST
@member_required
def proposal_vote(request: HttpRequest, member: Member, proposal_id: int) -> HttpResponse:
    proposal = access.access_proposal(member, proposal_id)
    form = VoteForm(request.POST, proposal=proposal)
    if form.is_valid():
        try:
            services.cast_vote(
                proposal=proposal,
                actor=member,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your vote is recorded. Thank you."))
            return redirect(proposal)
    return _render_proposal(request, member, proposal, vote_form=form, status=400)


@require_POST
@member_required
def proposal_offline_vote(request: HttpRequest, member: Member, proposal_id: int) -> HttpResponse:
    proposal = access.access_proposal(member, proposal_id)
    form = OfflineVoteForm(request.POST, proposal=proposal)
    if form.is_valid():
        voter = form.cleaned_data["member"]
        try:
            services.record_offline_vote(
                proposal=proposal,
                actor=member,
                member=voter,
                answer=form.cleaned_data["answer"],
                channel=form.cleaned_data["channel"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("%(name)s's vote is recorded.") % {"name": voter.display_name}
            )
            return redirect(proposal)
    return _render_proposal(request, member, proposal, offline_form=form, status=400)


@require_POST
@member_required
def proposal_close(request: HttpRequest, member: Member, proposal_id: int) -> HttpResponse:
    proposal = access.access_proposal(member, proposal_id)
    try:
        proposal = services.close_proposal(proposal=proposal, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_proposal(request, member, proposal, status=400)
    messages.success(
        request, _("Voting closed: %(outcome)s.") % {"outcome": proposal.get_status_display()}
    )
    return redirect(proposal)


# --- Meetings --------------------------------------------------------------------------------


@member_required
def meeting_list(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    owner = access.access_decisions_of(member, "pod", pod_id)
    meetings = Meeting.objects.filter(pod=owner.pod).annotate(present=Count("attendance"))
    now = timezone.now()
    return render(
        request,
        "decisions/meeting_list.html",
        {
            "owner": owner,
            "upcoming": sorted(
                (m for m in meetings if m.starts_at >= now), key=lambda m: m.starts_at
            ),
            "past": [m for m in meetings if m.starts_at < now],
        },
    )


@member_required
def meeting_create(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    owner = access.access_decisions_of(member, "pod", pod_id)
    assert owner.pod is not None
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(
                pod=owner.pod,
                actor=member,
                starts_at=form.cleaned_data["starts_at"],
                duration=form.duration,
                title=form.cleaned_data["title"],
                place=form.cleaned_data["place"],
                agenda=form.agenda_items(),
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The meeting is scheduled."))
            return redirect(meeting)
    return render(
        request,
        "decisions/meeting_form.html",
        {"form": form, "owner": owner},
        status=400 if form.is_bound else 200,
    )


def _render_meeting(
    request: HttpRequest,
    member: Member,
    meeting: Meeting,
    *,
    agenda_form: AgendaItemForm | None = None,
    record_form: RecordMeetingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    meeting = (
        Meeting.objects.filter(pk=meeting.pk)
        .select_related("pod__network", "recorded_by")
        .prefetch_related("agenda", "attendance__member")
        .get()
    )
    initial = {"present": [a.member_id for a in meeting.attendance.all()], "notes": meeting.notes}
    return render(
        request,
        "decisions/meeting_detail.html",
        {
            "meeting": meeting,
            "owner": Owner(pod=meeting.pod),
            "has_started": meeting.starts_at <= timezone.now(),
            "agenda_form": agenda_form or AgendaItemForm(),
            "record_form": record_form or RecordMeetingForm(meeting=meeting, initial=initial),
        },
        status=status,
    )


@member_required
def meeting_detail(request: HttpRequest, member: Member, meeting_id: int) -> HttpResponse:
    return _render_meeting(request, member, access.access_meeting(member, meeting_id))


@require_POST
@member_required
def meeting_agenda_add(request: HttpRequest, member: Member, meeting_id: int) -> HttpResponse:
    meeting = access.access_meeting(member, meeting_id)
    form = AgendaItemForm(request.POST)
    if form.is_valid():
        try:
            services.add_agenda_item(
                meeting=meeting, actor=member, title=form.cleaned_data["title"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Added to the agenda."))
            return redirect(meeting)
    return _render_meeting(request, member, meeting, agenda_form=form, status=400)


@require_POST
@member_required
def meeting_agenda_remove(
    request: HttpRequest, member: Member, meeting_id: int, item_id: int
) -> HttpResponse:
    item = access.access_agenda_item(member, meeting_id, item_id)
    try:
        services.remove_agenda_item(item=item, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_meeting(request, member, item.meeting, status=400)
    messages.success(request, _("Taken off the agenda."))
    return redirect(item.meeting)


@require_POST
@member_required
def meeting_record(request: HttpRequest, member: Member, meeting_id: int) -> HttpResponse:
    meeting = access.access_meeting(member, meeting_id)
    form = RecordMeetingForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.record_meeting(
                meeting=meeting,
                actor=member,
                present=form.cleaned_data["present"],
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Attendance and notes are recorded."))
            return redirect(meeting)
    return _render_meeting(request, member, meeting, record_form=form, status=400)
