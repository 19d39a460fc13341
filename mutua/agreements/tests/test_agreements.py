"""Versions, diffs, signatures, the review cycle and reminders, at the service level."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.agreements import services
from mutua.agreements.diff import ADDED, REMOVED, SAME, Line, diff_text
from mutua.agreements.models import (
    Agreement,
    AgreementReview,
    AgreementVersion,
    ReviewReminder,
    ReviewState,
    Signature,
)
from mutua.audit.models import AuditEvent
from mutua.decisions import services as decisions
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.members.models import PodMembership
from mutua.test import World, client_for


def adopted_agreement(world: World) -> Agreement:
    adopt(propose(world.rosa, world.maple), [world.rosa, world.ben])
    return Agreement.objects.select_related("current_version").get(pod=world.maple)


class TestVersions:
    def test_the_database_refuses_a_version_with_an_empty_section(self, world: World) -> None:
        agreement = adopted_agreement(world)
        version = agreement.current_version
        assert version is not None
        with pytest.raises(IntegrityError), transaction.atomic():
            AgreementVersion.objects.create(
                agreement=agreement,
                number=2,
                adopted_at=timezone.now(),
                adopted_via=propose(world.ben, world.maple, kind="free_text"),
                **{**TEXT.sections(), "boundaries": ""},
            )

    def test_old_versions_stay_readable_after_a_change(self, world: World) -> None:
        agreement = adopted_agreement(world)
        text = replace(TEXT, commitments="Each household cooks weekly.")
        adopt(propose(world.ben, world.maple, text=text), [world.chloe])
        first, second = agreement.versions.order_by("number")
        assert first.commitments == TEXT.commitments
        assert second.commitments == "Each household cooks weekly."

    def test_the_diff_marks_added_and_removed_lines(self) -> None:
        old = "Group chat first.\nCall the organizer."
        new = "Group chat first.\nCall the facilitator.\nThen the phone tree."
        assert diff_text(old, new) == [
            Line(SAME, "Group chat first."),
            Line(REMOVED, "Call the organizer."),
            Line(ADDED, "Call the facilitator."),
            Line(ADDED, "Then the phone tree."),
        ]
        assert diff_text(old, old) == [Line(SAME, "Group chat first."), Line(SAME, old[18:])]

    def test_the_review_interval_appears_in_the_diff(self) -> None:
        longer = replace(TEXT, review_interval_days=180)
        lines = diff_text(
            services.comparable_text(TEXT)["review_cycle"],
            services.comparable_text(longer)["review_cycle"],
        )
        assert Line(REMOVED, "Reviewed every 365 days.") in lines
        assert Line(ADDED, "Reviewed every 180 days.") in lines


class TestSigning:
    def test_a_pod_member_signs_the_current_version_once(self, world: World) -> None:
        agreement = adopted_agreement(world)
        signature = services.sign_agreement(agreement=agreement, version_number=1, actor=world.ben)
        assert signature.version == agreement.current_version
        with pytest.raises(ValidationError) as error:
            services.sign_agreement(agreement=agreement, version_number=1, actor=world.ben)
        assert error.value.code == "already_signed"
        assert AuditEvent.objects.filter(action="agreement.signed").count() == 1

    def test_someone_outside_the_pod_cannot_sign(self, world: World) -> None:
        agreement = adopted_agreement(world)
        for outsider in (world.dev, world.olu):  # another pod; the network's organizer
            with pytest.raises(ValidationError) as error:
                services.sign_agreement(agreement=agreement, version_number=1, actor=outsider)
            assert error.value.code == "not_eligible"
        assert not Signature.objects.exists()

    def test_a_member_who_left_cannot_sign(self, world: World) -> None:
        agreement = adopted_agreement(world)
        PodMembership.objects.filter(member=world.chloe).update(status="left")
        with pytest.raises(ValidationError) as error:
            services.sign_agreement(agreement=agreement, version_number=1, actor=world.chloe)
        assert error.value.code == "not_eligible"

    def test_signing_a_version_that_is_no_longer_current_is_refused(self, world: World) -> None:
        agreement = adopted_agreement(world)
        text = replace(TEXT, boundaries="We don't lend cars.")
        adopt(propose(world.ben, world.maple, text=text), [world.chloe])
        agreement.refresh_from_db()
        with pytest.raises(ValidationError) as error:
            services.sign_agreement(agreement=agreement, version_number=1, actor=world.rosa)
        assert error.value.code == "not_current_version"
        services.sign_agreement(agreement=agreement, version_number=2, actor=world.rosa)


class TestReviewCycle:
    def test_first_review_is_due_exactly_90_days_after_adoption_then_each_interval(
        self, world: World
    ) -> None:
        proposal = propose(world.rosa, world.maple)
        decisions.cast_vote(proposal=proposal, actor=world.rosa, answer="agree")
        adopted_at = proposal.deadline_at + timedelta(minutes=1)
        with time_machine.travel(adopted_at, tick=False):
            decisions.close_proposal(proposal=proposal, actor=None)
        agreement = Agreement.objects.select_related("current_version").get(pod=world.maple)
        assert agreement.review_due_at == adopted_at + timedelta(days=90)
        with time_machine.travel(adopted_at + timedelta(days=75, seconds=-1), tick=False):
            assert agreement.review_state() == ReviewState.OK
        with time_machine.travel(adopted_at + timedelta(days=76), tick=False):
            assert agreement.review_state() == ReviewState.DUE
        reviewed_at = adopted_at + timedelta(days=91)
        with time_machine.travel(reviewed_at, tick=False):
            assert agreement.review_state() == ReviewState.OVERDUE
            review = services.record_review(agreement=agreement, actor=world.chloe, note="Fine")
        assert review.outcome == AgreementReview.Outcome.NO_CHANGES
        agreement.refresh_from_db()
        assert agreement.review_due_at == reviewed_at + timedelta(days=365)

    def test_adopting_a_new_version_counts_as_a_review(self, world: World) -> None:
        agreement = adopted_agreement(world)
        text = replace(TEXT, review_interval_days=180)
        second = adopt(propose(world.ben, world.maple, text=text), [world.chloe])
        agreement.refresh_from_db()
        assert agreement.review_due_at == second.adopted_at + timedelta(days=180)
        assert agreement.reviews.get().outcome == AgreementReview.Outcome.NEW_VERSION

    def test_an_outsider_cannot_record_a_review(self, world: World) -> None:
        agreement = adopted_agreement(world)
        with pytest.raises(ValidationError) as error:
            services.record_review(agreement=agreement, actor=world.dev)
        assert error.value.code == "not_eligible"
        assert not agreement.reviews.exists()


class TestReminders:
    def test_reminders_go_to_all_members_when_the_pod_has_no_organizer_and_once_a_week(
        self, world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
    ) -> None:
        agreement = adopted_agreement(world)
        assert agreement.review_due_at is not None
        mail.outbox.clear()
        with (
            time_machine.travel(agreement.review_due_at - timedelta(days=20)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_review_reminders")
        assert mail.outbox == []  # not due yet
        with (
            time_machine.travel(agreement.review_due_at - timedelta(days=3)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_review_reminders")
        assert sorted(message.to[0] for message in mail.outbox) == [
            "ben@example.org",
            "chloe@example.org",
            "rosa@example.org",
        ]
        assert all("Maple Street" in message.subject for message in mail.outbox)
        assert "is due for review" in mail.outbox[0].subject
        mail.outbox.clear()
        with (
            time_machine.travel(agreement.review_due_at + timedelta(days=3)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_review_reminders")
        assert mail.outbox == []  # six days after the last one
        with (
            time_machine.travel(agreement.review_due_at + timedelta(days=4, minutes=1)),
            django_capture_on_commit_callbacks(execute=True),
        ):
            call_command("send_review_reminders")
        assert len(mail.outbox) == 3
        assert "overdue" in mail.outbox[0].subject
        assert ReviewReminder.objects.filter(agreement=agreement).count() == 2

    def test_reminders_go_to_organizers_only_when_there_are_some(
        self, world: World, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
    ) -> None:
        agreement = adopted_agreement(world)
        PodMembership.objects.filter(member=world.ben).update(role="organizer")
        mail.outbox.clear()
        assert agreement.review_due_at is not None
        with (
            time_machine.travel(agreement.review_due_at),
            django_capture_on_commit_callbacks(execute=True),
        ):
            sent = services.send_review_reminders()
        assert [reminder.recipient_count for reminder in sent] == [1]
        assert [message.to for message in mail.outbox] == [["ben@example.org"]]

    def test_a_recorded_review_stops_the_reminders(self, world: World) -> None:
        agreement = adopted_agreement(world)
        assert agreement.review_due_at is not None
        with time_machine.travel(agreement.review_due_at):
            services.record_review(agreement=agreement, actor=world.rosa)
            mail.outbox.clear()
            assert services.send_review_reminders() == []
        assert mail.outbox == []


def test_pod_page_says_when_the_review_is_due_soon_and_when_it_is_overdue(world: World) -> None:
    version = adopt(propose(world.rosa, world.maple), [world.rosa, world.ben, world.chloe])
    due = version.adopted_at + timedelta(days=90)
    page = world.maple.get_absolute_url()
    with time_machine.travel(due - timedelta(days=30)):
        html = client_for(world.ben).get(page).content.decode()
        assert "Read the agreement (version 1)" in html
        assert "Review due soon" not in html and "Review overdue" not in html
    with time_machine.travel(due - timedelta(days=5)):
        html = client_for(world.ben).get(page).content.decode()
        assert "Review due soon" in html and "Review overdue" not in html
    with time_machine.travel(due + timedelta(days=1)):
        html = client_for(world.ben).get(page).content.decode()
        assert "Review overdue" in html


def test_a_network_with_an_adopted_agreement_can_be_deleted_whole(world: World) -> None:
    version = adopt(propose(world.rosa, world.maple), [world.rosa, world.ben, world.chloe])
    # History alone cannot be removed from under a pod...
    with pytest.raises(IntegrityError), transaction.atomic():
        version.adopted_via.delete()
    world.network.delete()  # ...but the network goes with everything it holds
    assert not AgreementVersion.objects.exists()
