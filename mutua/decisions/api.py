"""Proposals, votes and meetings over JSON. Adapters only: schema in, access, one service, out.

The vote rules (``already_voted``, ``voting_closed``, ``not_eligible``, ``bad_choice``...) come
back from the services as 400s with their code, exactly as on the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from mutua.agreements.models import EscalationWho
from mutua.agreements.services import AgreementText
from mutua.decisions import access, services
from mutua.decisions.models import Meeting, Proposal, Vote
from mutua.lib.api import ERRORS, WRITE_ERRORS, current_member
from mutua.members.models import Member

router = Router()


class EscalationStepIn(Schema):
    model_config = ConfigDict(extra="forbid")

    who: str = Field(json_schema_extra={"enum": [*EscalationWho.values]})
    hours_before: int


class AgreementTextIn(Schema):
    model_config = ConfigDict(extra="forbid")

    membership: str
    commitments: str
    communication: str
    boundaries: str
    review_cycle: str
    review_interval_days: int = 365
    escalation_steps: list[EscalationStepIn] | None = Field(
        None, description="Who is asked for an unfilled shift, in order; omitted: unchanged."
    )


class ProposalIn(Schema):
    """``deadline_at`` is ISO 8601 with a UTC offset and must be in the future."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(json_schema_extra={"enum": [*Proposal.Kind.values]})
    title: str
    body: str = ""
    process: str = Field(json_schema_extra={"enum": [*Proposal.Process.values]})
    deadline_at: datetime
    quorum: int | None = None
    text: AgreementTextIn | None = Field(None, description="Required for agreement_change.")


class VoteIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answer: str = Field(description="consent: agree, stand_aside, object, block; majority: "
                        "yes, no, abstain; score: 0 to 5.")  # fmt: skip
    note: str = ""


class OfflineVoteIn(VoteIn):
    member_id: int
    channel: str = Field(json_schema_extra={"enum": [*Vote.Channel.values]})


class VoteOut(Schema):
    member_id: int
    member: str
    answer: str
    note: str
    is_offline: bool
    offline_channel: str
    recorded_by_id: int | None
    description: str = Field(description="E.g. “Chloe: Agree (recorded by Olu, by phone)”.")


class ProposalOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    process: str
    status: str
    deadline_at: datetime
    quorum: int | None
    pod_id: int | None
    network_id: int | None
    tally: dict[str, Any]
    closed_at: datetime | None
    adopted_version: int | None
    votes: list[VoteOut]


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    starts_at: datetime
    duration_minutes: int = 45
    title: str = ""
    place: str = ""
    agenda: list[str] = []


class AgendaItemOut(Schema):
    id: int
    title: str
    is_systemic: bool


class MeetingOut(Schema):
    id: int
    pod_id: int
    title: str
    starts_at: datetime
    duration_minutes: int
    place: str
    agenda: list[AgendaItemOut]
    present: list[int]
    notes: str
    recorded_at: datetime | None


class AttendanceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    present: list[int]
    notes: str = ""


def _vote_out(vote: Vote) -> VoteOut:
    return VoteOut(
        member_id=vote.member_id,
        member=vote.member.display_name,
        answer=vote.answer,
        note=vote.note,
        is_offline=vote.is_offline,
        offline_channel=vote.offline_channel,
        recorded_by_id=vote.recorded_by_id,
        description=vote.description(),
    )


def _proposal_out(proposal: Proposal) -> ProposalOut:
    version = getattr(proposal, "adopted_version", None)
    votes = proposal.votes.select_related("member", "recorded_by")
    return ProposalOut(
        id=proposal.pk,
        kind=proposal.kind,
        title=proposal.title,
        body=proposal.body,
        process=proposal.process,
        status=proposal.status,
        deadline_at=proposal.deadline_at,
        quorum=proposal.quorum,
        pod_id=proposal.pod_id,
        network_id=proposal.network_id,
        tally=proposal.tally,
        closed_at=proposal.closed_at,
        adopted_version=version.number if version else None,
        votes=[_vote_out(vote) for vote in votes],
    )


def _meeting_out(meeting: Meeting) -> MeetingOut:
    return MeetingOut(
        id=meeting.pk,
        pod_id=meeting.pod_id,
        title=meeting.title,
        starts_at=meeting.starts_at,
        duration_minutes=meeting.duration_minutes,
        place=meeting.place,
        agenda=[
            AgendaItemOut(id=item.pk, title=item.display_title, is_systemic=item.is_systemic)
            for item in meeting.agenda.all()
        ],
        present=[attendance.member_id for attendance in meeting.attendance.all()],
        notes=meeting.notes,
        recorded_at=meeting.recorded_at,
    )


# --- Proposals -------------------------------------------------------------------------------


@router.get("/decisions/{kind}/{owner_id}/proposals", response={200: list[ProposalOut], **ERRORS})
def list_proposals(request: HttpRequest, kind: str, owner_id: int) -> list[ProposalOut]:
    """Proposals of a pod or network (``kind``: pod or network), newest first."""
    owner = access.access_decisions_of(current_member(request), kind, owner_id)
    proposals = Proposal.objects.of(owner).select_related("adopted_version")
    proposals = proposals.prefetch_related("votes__member", "votes__recorded_by")
    return [_proposal_out(proposal) for proposal in proposals]


@router.post("/decisions/{kind}/{owner_id}/proposals", response={201: ProposalOut, **WRITE_ERRORS})
def create_proposal(
    request: HttpRequest, kind: str, owner_id: int, payload: ProposalIn
) -> Status[ProposalOut]:
    member = current_member(request)
    owner = access.access_decisions_of(member, kind, owner_id)
    text = AgreementText(**payload.text.model_dump()) if payload.text else None
    proposal = services.create_proposal(
        actor=member,
        draft=services.ProposalDraft(
            owner=owner,
            kind=payload.kind,
            title=payload.title,
            body=payload.body,
            process=payload.process,
            deadline_at=payload.deadline_at,
            quorum=payload.quorum,
            text=text,
        ),
    )
    return Status(201, _proposal_out(proposal))


@router.get("/proposals/{proposal_id}", response={200: ProposalOut, **ERRORS})
def get_proposal(request: HttpRequest, proposal_id: int) -> ProposalOut:
    return _proposal_out(access.access_proposal(current_member(request), proposal_id))


@router.post("/proposals/{proposal_id}/votes", response={201: VoteOut, **WRITE_ERRORS})
def vote(request: HttpRequest, proposal_id: int, payload: VoteIn) -> Status[VoteOut]:
    """Vote once, before the deadline."""
    member = current_member(request)
    proposal = access.access_proposal(member, proposal_id)
    cast = services.cast_vote(
        proposal=proposal, actor=member, answer=payload.answer, note=payload.note
    )
    return Status(201, _vote_out(cast))


@router.post("/proposals/{proposal_id}/offline-votes", response={201: VoteOut, **WRITE_ERRORS})
def record_offline_vote(
    request: HttpRequest, proposal_id: int, payload: OfflineVoteIn
) -> Status[VoteOut]:
    """A facilitator records a vote given by phone or at a meeting."""
    member = current_member(request)
    proposal = access.access_proposal(member, proposal_id)
    recorded = services.record_offline_vote(
        proposal=proposal,
        actor=member,
        member=get_object_or_404(Member, pk=payload.member_id),
        answer=payload.answer,
        channel=payload.channel,
        note=payload.note,
    )
    return Status(201, _vote_out(recorded))


@router.post("/proposals/{proposal_id}/close", response={200: ProposalOut, **WRITE_ERRORS})
def close_proposal(request: HttpRequest, proposal_id: int) -> ProposalOut:
    """Count the votes after the deadline; an adopted agreement change becomes a new version."""
    member = current_member(request)
    proposal = access.access_proposal(member, proposal_id)
    return _proposal_out(services.close_proposal(proposal=proposal, actor=member))


# --- Meetings --------------------------------------------------------------------------------


@router.get("/pods/{pod_id}/meetings", response={200: list[MeetingOut], **ERRORS})
def list_meetings(request: HttpRequest, pod_id: int) -> list[MeetingOut]:
    owner = access.access_decisions_of(current_member(request), "pod", pod_id)
    meetings = Meeting.objects.filter(pod=owner.pod).prefetch_related("agenda", "attendance")
    return [_meeting_out(meeting) for meeting in meetings]


@router.post("/pods/{pod_id}/meetings", response={201: MeetingOut, **WRITE_ERRORS})
def schedule_meeting(request: HttpRequest, pod_id: int, payload: MeetingIn) -> Status[MeetingOut]:
    """Schedule a check-in; the systemic-discussion slot is added to the agenda, first."""
    member = current_member(request)
    owner = access.access_decisions_of(member, "pod", pod_id)
    assert owner.pod is not None
    meeting = services.schedule_meeting(
        pod=owner.pod,
        actor=member,
        starts_at=payload.starts_at,
        duration=timedelta(minutes=payload.duration_minutes),
        title=payload.title,
        place=payload.place,
        agenda=payload.agenda,
    )
    return Status(201, _meeting_out(meeting))


@router.delete("/meetings/{meeting_id}/agenda/{item_id}", response={204: None, **WRITE_ERRORS})
def remove_agenda_item(request: HttpRequest, meeting_id: int, item_id: int) -> Status[None]:
    """Take an item off; the systemic slot answers ``systemic_slot_required``."""
    member = current_member(request)
    services.remove_agenda_item(
        item=access.access_agenda_item(member, meeting_id, item_id), actor=member
    )
    return Status(204, None)


@router.post("/meetings/{meeting_id}/attendance", response={200: MeetingOut, **WRITE_ERRORS})
def record_attendance(request: HttpRequest, meeting_id: int, payload: AttendanceIn) -> MeetingOut:
    """Record who came (member ids) and the notes, once the meeting has started."""
    member = current_member(request)
    meeting = access.access_meeting(member, meeting_id)
    present = list(Member.objects.filter(pk__in=payload.present))
    if len(present) != len(set(payload.present)):
        raise ValidationError(_("Some of these members are not in this pod."), code="not_in_pod")
    meeting = services.record_meeting(
        meeting=meeting, actor=member, present=present, notes=payload.notes
    )
    return _meeting_out(meeting)
