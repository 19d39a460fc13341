"""Members hear about decisions: an email when a proposal opens and when it closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.dateformat import format as date_format
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.decisions import services
from mutua.decisions.tests.helpers import propose
from mutua.members.models import Member
from mutua.test import World

Sent = DjangoCaptureOnCommitCallbacks


def addresses(*members: Member) -> set[str]:
    return {member.user.email for member in members}


def test_pod_members_are_emailed_when_a_proposal_opens_except_its_author(
    world: World, django_capture_on_commit_callbacks: Sent
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        proposal = propose(world.ben, world.maple, kind="free_text", text=None, title="Tool shed")
    # Maple Street: Rosa and Chloe; not Ben (he wrote it), not Dev or Olu (Oak Court).
    assert {m.to[0] for m in mail.outbox} == addresses(world.rosa, world.chloe)
    by_address = {m.to[0]: m for m in mail.outbox}
    chloe = by_address[world.chloe.user.email]
    assert str(chloe.subject) == "Maple Street is deciding: Tool shed"
    assert proposal.get_absolute_url() in str(chloe.body)
    # Rosa reads Mutua in Spanish: the deadline's weekday and month are written in Spanish.
    with translation.override("es"):
        spanish_day = date_format(proposal.deadline_at, "l j F")
    assert spanish_day in str(by_address[world.rosa.user.email].body)
    assert spanish_day not in str(chloe.body)


def test_everyone_hears_the_outcome_when_a_proposal_closes(
    world: World, django_capture_on_commit_callbacks: Sent
) -> None:
    proposal = propose(world.ben, world.maple, kind="free_text", text=None, title="Tool shed")
    services.cast_vote(proposal=proposal, actor=world.rosa, answer="agree")
    mail.outbox.clear()
    with (
        time_machine.travel(proposal.deadline_at + timedelta(minutes=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.close_due_proposals()
    # Closed by the worker: everyone who takes part hears, the author too.
    assert {m.to[0] for m in mail.outbox} == addresses(world.rosa, world.ben, world.chloe)
    ben = next(m for m in mail.outbox if m.to == [world.ben.user.email])
    assert str(ben.subject) == "Decided: Tool shed (Adopted)"
    assert "with 1 votes" in str(ben.body) and proposal.get_absolute_url() in str(ben.body)


def test_a_refused_proposal_emails_nobody(
    world: World, django_capture_on_commit_callbacks: Sent
) -> None:
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError) as caught:
        propose(world.ben, world.maple, kind="free_text", text=None, title="   ")
    assert caught.value.code == "empty_title"
    assert not mail.outbox
