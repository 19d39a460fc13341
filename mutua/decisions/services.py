"""Proposals, votes, outcomes and meetings. Pages, the JSON API and the worker all call these.

How a proposal is decided (also shown on its page):

* **consent**: adopted unless someone blocks. Objections and stand-asides are recorded and shown,
  but do not stop it.
* **majority**: adopted if there are more "yes" than "no" votes; a tie is not adopted. Abstentions
  count toward the quorum only.
* **score**: each member gives 0–5; adopted if the mean score is 3 or more.

Before any of these, the quorum: with a quorum set, fewer votes than it means "no quorum". With
no quorum set, a proposal nobody voted on is "no quorum" too: silence never adopts anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutua.agreements import services as agreements
from mutua.audit.services import record
from mutua.decisions.models import (
    SYSTEMIC_SLOT_TITLE,
    AgendaItem,
    Attendance,
    Meeting,
    Proposal,
    Vote,
)
from mutua.decisions.owners import Owner
from mutua.members.access import is_pod_member, is_pod_organizer
from mutua.members.models import Member, Pod
from mutua.notifications.tasks import send_email

MAX_TITLE_LENGTH = 140
MAX_AGENDA_ITEM_LENGTH = 200
MIN_MEETING = timedelta(minutes=5)
MAX_MEETING = timedelta(hours=8)


@dataclass(frozen=True)
class ProposalDraft:
    """What a member fills in to propose something. Plain data, so every front door builds one."""

    owner: Owner
    kind: str
    title: str
    process: str
    deadline_at: datetime
    body: str = ""
    quorum: int | None = None
    # Only for kind "agreement_change": the whole proposed text.
    text: agreements.AgreementText | None = None


@dataclass(frozen=True)
class Tally:
    """What the votes add up to, and the outcome the process gives."""

    status: str
    votes: int
    counts: dict[str, int] = field(default_factory=dict)
    mean: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"votes": self.votes, "counts": self.counts, "mean": self.mean}


def _tell_members(proposal: Proposal, template: str, *, exclude: Member | None) -> None:
    """Email everyone who takes part, each in their language, once the change is committed."""
    url = settings.SITE_URL + proposal.get_absolute_url()
    members = proposal.owner.members().select_related("user").order_by("id")
    if exclude is not None:
        members = members.exclude(pk=exclude.pk)
    for member in members:
        with translation.override(member.preferred_language):
            context = {
                "proposal": proposal,
                "recipient": member,
                "owner": proposal.owner.name,
                "status": proposal.get_status_display(),
                "url": url,
            }
            subject = render_to_string(f"decisions/email/{template}_subject.txt", context)
            body = render_to_string(f"decisions/email/{template}_body.txt", context)
        send = partial(send_email.enqueue, to=member.user.email, subject=subject.strip(), body=body)
        transaction.on_commit(send)


def _check_aware_future(moment: datetime, *, code: str, message: str) -> None:
    if timezone.is_naive(moment):
        raise ValidationError(_("Dates need a time zone."), code="naive_datetime")
    if moment <= timezone.now():
        raise ValidationError(message, code=code)


@transaction.atomic
def create_proposal(*, actor: Member, draft: ProposalDraft) -> Proposal:
    """Put something to the pod (or network) to decide by a deadline, with an optional quorum."""
    owner = draft.owner
    if not owner.takes_part(actor):
        raise ValidationError(
            _("Only members of %(owner)s can make proposals there.") % {"owner": owner.name},
            code="not_eligible",
        )
    title = draft.title.strip()
    if not title:
        raise ValidationError(_("Give the proposal a short title."), code="empty_title")
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationError(
            _("Keep the title under %(limit)s characters.") % {"limit": MAX_TITLE_LENGTH},
            code="title_too_long",
        )
    if draft.kind not in Proposal.Kind.values:
        raise ValidationError(_("Unknown kind of proposal."), code="bad_kind")
    if draft.process not in Proposal.Process.values:
        raise ValidationError(_("Unknown way of deciding."), code="bad_process")
    _check_aware_future(
        draft.deadline_at,
        code="deadline_in_past",
        message=_("The deadline has to be in the future."),
    )
    if draft.quorum is not None:
        eligible = owner.members().count()
        if not 1 <= draft.quorum <= eligible:
            raise ValidationError(
                _("The quorum must be between 1 and %(count)s (the number of members).")
                % {"count": eligible},
                code="bad_quorum",
            )
    text = agreements.AgreementText("", "", "", "", "")
    base_version_number = None
    if draft.kind == Proposal.Kind.AGREEMENT_CHANGE:
        if draft.text is None:
            raise ValidationError(
                _("Write the five sections of the agreement."), code="empty_membership"
            )
        agreement = agreements.agreement_of(owner)
        current = agreement.current_version if agreement else None
        proposed = draft.text
        if proposed.escalation_steps is None and current is not None:
            # A change that does not spell out the escalation path keeps the current one.
            proposed = replace(proposed, escalation_steps=current.escalation_steps)
        text = agreements.check_agreement_text(proposed)
        # One change at a time: two adopted side by side would silently undo each other.
        if Proposal.objects.of(owner).open().filter(kind=Proposal.Kind.AGREEMENT_CHANGE).exists():
            raise ValidationError(
                _("Another change to this agreement is still being decided. Wait for it first."),
                code="agreement_change_open",
            )
        base_version_number = current.number if current else 0
    proposal = Proposal.objects.create(
        **owner.lookup(),
        kind=draft.kind,
        title=title,
        body=draft.body.strip(),
        process=draft.process,
        deadline_at=draft.deadline_at,
        quorum=draft.quorum,
        created_by=actor,
        base_version_number=base_version_number,
        **text.sections(),
        review_interval_days=(
            text.review_interval_days if draft.kind == Proposal.Kind.AGREEMENT_CHANGE else None
        ),
        escalation_steps=(
            text.escalation_steps if draft.kind == Proposal.Kind.AGREEMENT_CHANGE else None
        ),
    )
    record(action="proposal.created", target=proposal, actor=actor, kind=proposal.kind)
    _tell_members(proposal, "proposal_opened", exclude=actor)
    return proposal


def parse_answer(proposal: Proposal, answer: str) -> tuple[str, int | None]:
    """(choice, score) for a vote's answer, or ``bad_choice`` if the process does not take it."""
    answer = answer.strip()
    if proposal.process == Proposal.Process.SCORE:
        if answer.isdigit() and 0 <= int(answer) <= Vote.MAX_SCORE:
            return "", int(answer)
    elif answer in dict(proposal.choices()):
        return answer, None
    raise ValidationError(
        _("“%(answer)s” is not an answer this proposal takes. Choose one of: %(choices)s.")
        % {"answer": answer, "choices": ", ".join(value for value, _label in proposal.choices())},
        code="bad_choice",
    )


def _add_vote(
    *,
    proposal: Proposal,
    member: Member,
    answer: str,
    note: str,
    recorded_by: Member | None,
    channel: str,
) -> Vote:
    if not proposal.is_open or proposal.is_past_deadline():
        raise ValidationError(_("Voting on this proposal has closed."), code="voting_closed")
    if not proposal.owner.takes_part(member):
        raise ValidationError(
            _("Only members of %(owner)s can vote on this.") % {"owner": proposal.owner.name},
            code="not_eligible",
        )
    choice, score = parse_answer(proposal, answer)
    already = _("%(name)s already voted on this proposal.") % {"name": member.display_name}
    if Vote.objects.filter(proposal=proposal, member=member).exists():
        raise ValidationError(already, code="already_voted")
    try:
        with transaction.atomic():
            vote = Vote.objects.create(
                proposal=proposal,
                member=member,
                choice=choice,
                score=score,
                note=note.strip()[:1000],
                is_offline=recorded_by is not None,
                offline_channel=channel,
                recorded_by=recorded_by,
            )
    except IntegrityError:  # a second vote arriving at the same moment
        raise ValidationError(already, code="already_voted") from None
    record(
        action="proposal.voted",
        target=proposal,
        actor=recorded_by or member,
        member_id=member.pk,
        is_offline=vote.is_offline,
    )
    return vote


@transaction.atomic
def cast_vote(*, proposal: Proposal, actor: Member, answer: str, note: str = "") -> Vote:
    """Vote once, before the deadline. A vote is final: a changed mind is for the meeting."""
    return _add_vote(
        proposal=proposal, member=actor, answer=answer, note=note, recorded_by=None, channel=""
    )


@transaction.atomic
def record_offline_vote(
    *,
    proposal: Proposal,
    actor: Member,
    member: Member,
    answer: str,
    channel: str,
    note: str = "",
) -> Vote:
    """A facilitator records a vote given by phone or at a meeting, shown as recorded by them."""
    if not proposal.owner.is_facilitator(actor):
        raise ValidationError(
            _("Only a facilitator (an organizer) can record votes for others."),
            code="not_facilitator",
        )
    if channel not in Vote.Channel.values:
        raise ValidationError(_("Say how the vote was given."), code="bad_channel")
    return _add_vote(
        proposal=proposal,
        member=member,
        answer=answer,
        note=note,
        recorded_by=actor,
        channel=channel,
    )


def decide(process: str, answers: Sequence[str | int], quorum: int | None) -> Tally:
    """The outcome of a set of answers under a process. Pure: see the module docstring."""
    votes = len(answers)
    counts = dict(Counter(str(answer) for answer in answers))
    mean = None
    if process == Proposal.Process.SCORE and votes:
        mean = round(sum(int(answer) for answer in answers) / votes, 2)
    if votes == 0 or (quorum is not None and votes < quorum):
        return Tally(Proposal.Status.NO_QUORUM, votes, counts, mean)
    if process == Proposal.Process.CONSENT:
        adopted = counts.get(Vote.Consent.BLOCK, 0) == 0
    elif process == Proposal.Process.MAJORITY:
        adopted = counts.get(Vote.Majority.YES, 0) > counts.get(Vote.Majority.NO, 0)
    else:
        adopted = mean is not None and mean >= 3
    return Tally(
        Proposal.Status.ADOPTED if adopted else Proposal.Status.REJECTED, votes, counts, mean
    )


def current_tally(proposal: Proposal) -> Tally:
    answers = [vote.answer for vote in proposal.votes.all()]
    return decide(proposal.process, answers, proposal.quorum)


@transaction.atomic
def close_proposal(
    *, proposal: Proposal, actor: Member | None, now: datetime | None = None
) -> Proposal:
    """Count the votes once the deadline has passed, record the outcome and act on it.

    An adopted agreement change becomes the agreement's new version in this same transaction.
    """
    now = now or timezone.now()
    if not proposal.is_past_deadline(now):
        raise ValidationError(
            _("Voting is open until the deadline; the proposal closes after it."),
            code="voting_open",
        )
    tally = current_tally(proposal)
    # One conditional UPDATE: the page, the API and the worker may race; exactly one closes it.
    closed = Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.OPEN).update(
        status=tally.status, tally=tally.as_json(), closed_at=now, closed_by=actor
    )
    if not closed:
        raise ValidationError(_("This proposal is already closed."), code="already_closed")
    proposal.refresh_from_db()
    record(action=f"proposal.{proposal.status}", target=proposal, actor=actor, **tally.as_json())
    if proposal.status == Proposal.Status.ADOPTED:
        act_on_adoption(proposal, actor=actor)
    _tell_members(proposal, "proposal_closed", exclude=None)
    return proposal


# Other apps act on adopted proposals of their kind by adding a handler here, e.g. schedules
# for "add_role" and funds for "spend". Until they do, the outcome is recorded and nothing else.
ADOPTION_HANDLERS: dict[str, Callable[[Proposal, Member | None], object]] = {
    Proposal.Kind.AGREEMENT_CHANGE: lambda proposal, actor: agreements.adopt_version(
        proposal=proposal, actor=actor
    ),
}


def act_on_adoption(proposal: Proposal, *, actor: Member | None) -> None:
    """The hook where an adopted proposal takes effect, inside the closing transaction."""
    handler = ADOPTION_HANDLERS.get(proposal.kind)
    if handler is not None:
        handler(proposal, actor)


def close_due_proposals(*, now: datetime | None = None) -> list[Proposal]:
    """Close every open proposal past its deadline (the worker runs this every few minutes)."""
    now = now or timezone.now()
    closed = []
    for proposal in Proposal.objects.due(now).select_related("pod", "network"):
        try:
            closed.append(close_proposal(proposal=proposal, actor=None, now=now))
        except ValidationError as error:
            if error.code != "already_closed":  # someone closed it a moment ago: fine
                raise
    return closed


# --- Meetings ----------------------------------------------------------------------------------


def _check_pod_member(actor: Member, pod: Pod) -> None:
    if not (is_pod_member(actor, pod) or is_pod_organizer(actor, pod)):
        raise ValidationError(
            _("Only members of %(pod)s can do this.") % {"pod": pod.name}, code="not_in_pod"
        )


def _clean_agenda_title(title: str) -> str:
    title = title.strip()
    if not title:
        raise ValidationError(_("Write the agenda item."), code="empty_agenda_item")
    if len(title) > MAX_AGENDA_ITEM_LENGTH:
        raise ValidationError(
            _("Keep each agenda item under %(limit)s characters.")
            % {"limit": MAX_AGENDA_ITEM_LENGTH},
            code="agenda_item_too_long",
        )
    return title


def _systemic_title_in_english() -> str:
    with translation.override("en"):
        return str(SYSTEMIC_SLOT_TITLE)


@transaction.atomic
def schedule_meeting(
    *,
    pod: Pod,
    actor: Member,
    starts_at: datetime,
    duration: timedelta = Meeting.DEFAULT_DURATION,
    title: str = "",
    place: str = "",
    agenda: Iterable[str] = (),
) -> Meeting:
    """Schedule a check-in. Its agenda opens with the systemic-discussion slot, always."""
    _check_pod_member(actor, pod)
    _check_aware_future(
        starts_at, code="meeting_in_past", message=_("Schedule the meeting in the future.")
    )
    if not MIN_MEETING <= duration <= MAX_MEETING:
        raise ValidationError(
            _("A meeting lasts between 5 minutes and 8 hours."), code="bad_duration"
        )
    items = [_clean_agenda_title(item) for item in agenda if item.strip()]
    meeting = Meeting.objects.create(
        pod=pod,
        title=title.strip()[:140] or _("Monthly check-in"),
        starts_at=starts_at,
        duration=duration,
        place=place.strip()[:200],
        created_by=actor,
    )
    # First on purpose: meetings run out of time at the end, and this is the point not to lose.
    AgendaItem.objects.create(
        meeting=meeting, position=1, title=_systemic_title_in_english(), is_systemic=True
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, position=position, title=item)
        for position, item in enumerate(items, start=2)
    )
    record(action="meeting.scheduled", target=meeting, actor=actor)
    return meeting


@transaction.atomic
def add_agenda_item(*, meeting: Meeting, actor: Member, title: str) -> AgendaItem:
    _check_pod_member(actor, meeting.pod)
    last = meeting.agenda.order_by("-position").values_list("position", flat=True).first() or 0
    item = AgendaItem.objects.create(
        meeting=meeting, position=last + 1, title=_clean_agenda_title(title)
    )
    record(action="meeting.agenda_item_added", target=meeting, actor=actor, item_id=item.pk)
    return item


@transaction.atomic
def remove_agenda_item(*, item: AgendaItem, actor: Member) -> None:
    """Take an item off the agenda; the systemic-discussion slot cannot be taken off."""
    _check_pod_member(actor, item.meeting.pod)
    if item.is_systemic:
        raise ValidationError(
            _("The systemic discussion stays on every agenda: it is how policy failures surface."),
            code="systemic_slot_required",
        )
    record(action="meeting.agenda_item_removed", target=item.meeting, actor=actor, title=item.title)
    item.delete()


@transaction.atomic
def record_meeting(
    *, meeting: Meeting, actor: Member, present: Iterable[Member], notes: str
) -> Meeting:
    """Record who came and the notes, once the meeting has started. Recording again corrects."""
    pod = meeting.pod
    _check_pod_member(actor, pod)
    if meeting.starts_at > timezone.now():
        raise ValidationError(
            _("Record attendance once the meeting has started."), code="meeting_not_started"
        )
    present = list({member.pk: member for member in present}.values())
    outsiders = [member for member in present if not is_pod_member(member, pod)]
    if outsiders:
        raise ValidationError(
            ngettext(
                "%(names)s is not in this pod.", "%(names)s are not in this pod.", len(outsiders)
            )
            % {"names": ", ".join(member.display_name for member in outsiders)},
            code="not_in_pod",
        )
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(Attendance(meeting=meeting, member=member) for member in present)
    meeting.notes = notes.strip()
    meeting.recorded_at = timezone.now()
    meeting.recorded_by = actor
    meeting.save(update_fields=["notes", "recorded_at", "recorded_by"])
    record(action="meeting.recorded", target=meeting, actor=actor, present=len(present))
    return meeting
