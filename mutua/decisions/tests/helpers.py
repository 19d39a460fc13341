"""Shared by the agreements and decisions tests: an agreement text, proposals, and adopting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.utils import timezone

from mutua.agreements.models import AgreementVersion
from mutua.agreements.services import AgreementText
from mutua.decisions import services
from mutua.decisions.models import Proposal
from mutua.decisions.owners import Owner
from mutua.members.models import Member, Pod

TEXT = AgreementText(
    membership="Households on Maple Street.\nNew members join when two members vouch.",
    commitments="Each household cooks once a month.\nWe check on each other on Sundays.",
    communication="Group chat first.\nIf you can't keep a commitment, call the organizer.",
    boundaries="We don't lend money.\nWe don't give medical advice.",
    review_cycle="We read this together every year at the check-in.",
    review_interval_days=365,
)


def propose(
    actor: Member,
    pod: Pod,
    *,
    kind: str = "agreement_change",
    process: str = "consent",
    text: AgreementText | None = TEXT,
    days: int = 7,
    **changes: Any,
) -> Proposal:
    """A proposal made through the service, with a deadline ``days`` from now."""
    draft = services.ProposalDraft(
        owner=Owner(pod=pod),
        kind=kind,
        title=changes.pop("title", "Our agreement"),
        process=process,
        deadline_at=changes.pop("deadline_at", timezone.now() + timedelta(days=days)),
        body=changes.pop("body", "Let's write down how we work."),
        quorum=changes.pop("quorum", None),
        text=text if kind == "agreement_change" else None,
    )
    assert not changes, changes
    return services.create_proposal(actor=actor, draft=draft)


def adopt(proposal: Proposal, voters: list[Member], answer: str = "agree") -> AgreementVersion:
    """Everyone votes ``answer``; after the deadline the proposal closes and is adopted."""
    for voter in voters:
        services.cast_vote(proposal=proposal, actor=voter, answer=answer)
    with time_machine.travel(proposal.deadline_at + timedelta(minutes=1)):
        closed = services.close_proposal(proposal=proposal, actor=None)
    assert closed.status == Proposal.Status.ADOPTED, closed.tally
    return closed.adopted_version
