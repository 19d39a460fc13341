"""The vote rules and the outcome of each process, at the service level against the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from mutua.agreements.models import Agreement, AgreementVersion
from mutua.audit.models import AuditEvent
from mutua.decisions import services
from mutua.decisions.models import Proposal, Vote
from mutua.decisions.services import decide
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.test import World


def codes(error: pytest.ExceptionInfo[ValidationError]) -> str | None:
    return error.value.code


def close_after_deadline(proposal: Proposal) -> Proposal:
    with time_machine.travel(proposal.deadline_at + timedelta(seconds=1)):
        return services.close_proposal(proposal=proposal, actor=None)


class TestMakingProposals:
    def test_deadline_in_the_past_is_refused(self, world: World) -> None:
        with pytest.raises(ValidationError) as error:
            propose(world.rosa, world.maple, deadline_at=timezone.now() - timedelta(minutes=1))
        assert codes(error) == "deadline_in_past"
        assert not Proposal.objects.exists()

    def test_quorum_must_be_between_one_and_the_number_of_members(self, world: World) -> None:
        for quorum in (0, 4):  # Maple Street has three members
            with pytest.raises(ValidationError) as error:
                propose(world.rosa, world.maple, quorum=quorum)
            assert codes(error) == "bad_quorum"
        assert propose(world.rosa, world.maple, quorum=3).quorum == 3

    def test_member_of_another_pod_cannot_propose(self, world: World) -> None:
        with pytest.raises(ValidationError) as error:
            propose(world.dev, world.maple)
        assert codes(error) == "not_eligible"

    def test_agreement_change_needs_all_five_sections(self, world: World) -> None:
        for field in ("membership", "commitments", "communication", "boundaries", "review_cycle"):
            text = replace(TEXT, **{field: "  "})  # type: ignore[arg-type]
            with pytest.raises(ValidationError) as error:
                propose(world.rosa, world.maple, text=text)
            assert codes(error) == f"empty_{field}"
        assert not Proposal.objects.exists()

    def test_only_one_agreement_change_at_a_time(self, world: World) -> None:
        propose(world.rosa, world.maple)
        with pytest.raises(ValidationError) as error:
            propose(world.ben, world.maple)
        assert codes(error) == "agreement_change_open"
        # Other kinds are not held up.
        propose(world.ben, world.maple, kind="free_text", title="Picnic in June")

    def test_creating_is_audited(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        event = AuditEvent.objects.get(action="proposal.created")
        assert event.object_id == str(proposal.pk)
        assert event.actor == world.rosa
        assert proposal.base_version_number == 0


class TestVoting:
    def test_a_second_vote_by_the_same_member_is_refused(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        services.cast_vote(proposal=proposal, actor=world.ben, answer="agree")
        with pytest.raises(ValidationError) as error:
            services.cast_vote(proposal=proposal, actor=world.ben, answer="block")
        assert codes(error) == "already_voted"
        assert proposal.votes.get().choice == "agree"

    def test_a_vote_after_the_deadline_is_refused(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        with (
            time_machine.travel(proposal.deadline_at + timedelta(seconds=1)),
            pytest.raises(ValidationError) as error,
        ):
            services.cast_vote(proposal=proposal, actor=world.ben, answer="agree")
        assert codes(error) == "voting_closed"
        assert not proposal.votes.exists()

    def test_member_of_another_pod_cannot_vote(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        with pytest.raises(ValidationError) as error:
            services.cast_vote(proposal=proposal, actor=world.dev, answer="agree")
        assert codes(error) == "not_eligible"

    @pytest.mark.parametrize(
        ("process", "wrong", "right"),
        [("consent", "yes", "stand_aside"), ("majority", "block", "abstain"), ("score", "6", "0")],
    )
    def test_an_answer_the_process_does_not_take_is_refused(
        self, world: World, process: str, wrong: str, right: str
    ) -> None:
        proposal = propose(world.rosa, world.maple, process=process)
        with pytest.raises(ValidationError) as error:
            services.cast_vote(proposal=proposal, actor=world.ben, answer=wrong)
        assert codes(error) == "bad_choice"
        vote = services.cast_vote(proposal=proposal, actor=world.ben, answer=right)
        assert vote.answer == right

    def test_facilitator_records_a_vote_given_by_phone(self, world: World) -> None:
        # Olu organizes the network, so he can facilitate Maple Street's decisions.
        proposal = propose(world.rosa, world.maple)
        vote = services.record_offline_vote(
            proposal=proposal, actor=world.olu, member=world.chloe, answer="agree", channel="phone"
        )
        assert (vote.member, vote.recorded_by, vote.is_offline) == (world.chloe, world.olu, True)
        assert vote.offline_channel == Vote.Channel.PHONE
        event = AuditEvent.objects.get(action="proposal.voted")
        assert event.actor == world.olu
        assert event.data == {"member_id": world.chloe.pk, "is_offline": True}

    def test_a_plain_member_cannot_record_votes_for_others(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        with pytest.raises(ValidationError) as error:
            services.record_offline_vote(
                proposal=proposal, actor=world.ben, member=world.chloe, answer="agree",
                channel="phone",
            )  # fmt: skip
        assert codes(error) == "not_facilitator"
        assert not proposal.votes.exists()

    def test_an_offline_vote_still_counts_once(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        services.cast_vote(proposal=proposal, actor=world.chloe, answer="agree")
        with pytest.raises(ValidationError) as error:
            services.record_offline_vote(
                proposal=proposal, actor=world.olu, member=world.chloe, answer="block",
                channel="meeting",
            )  # fmt: skip
        assert codes(error) == "already_voted"


class TestOutcomes:
    def test_consent_is_adopted_with_objections_and_stand_asides(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple, kind="free_text")
        services.cast_vote(proposal=proposal, actor=world.rosa, answer="agree")
        services.cast_vote(proposal=proposal, actor=world.ben, answer="object")
        services.cast_vote(proposal=proposal, actor=world.chloe, answer="stand_aside")
        closed = close_after_deadline(proposal)
        assert closed.status == Proposal.Status.ADOPTED
        assert closed.tally["counts"] == {"agree": 1, "object": 1, "stand_aside": 1}
        assert closed.closed_at is not None

    def test_one_block_stops_a_consent_proposal(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        services.cast_vote(proposal=proposal, actor=world.rosa, answer="agree")
        services.cast_vote(proposal=proposal, actor=world.ben, answer="agree")
        services.cast_vote(proposal=proposal, actor=world.chloe, answer="block")
        assert close_after_deadline(proposal).status == Proposal.Status.REJECTED
        # A rejected agreement change creates no version.
        assert not AgreementVersion.objects.exists()

    def test_majority_needs_more_yes_than_no_and_a_tie_is_not_adopted(self, world: World) -> None:
        assert decide("majority", ["yes", "no", "abstain"], None).status == "rejected"
        assert decide("majority", ["yes", "yes", "no"], None).status == "adopted"
        assert decide("majority", ["abstain", "abstain"], None).status == "rejected"
        proposal = propose(world.rosa, world.maple, process="majority", kind="spend")
        services.cast_vote(proposal=proposal, actor=world.rosa, answer="yes")
        services.cast_vote(proposal=proposal, actor=world.ben, answer="no")
        assert close_after_deadline(proposal).status == Proposal.Status.REJECTED

    def test_score_is_adopted_from_a_mean_of_three(self, world: World) -> None:
        assert decide("score", [3, 3, 3], None).status == "adopted"
        assert decide("score", [5, 0, 3], None).mean == pytest.approx(2.67)
        assert decide("score", [5, 0, 3], None).status == "rejected"
        proposal = propose(world.rosa, world.maple, process="score", kind="add_role")
        services.cast_vote(proposal=proposal, actor=world.rosa, answer="4")
        services.cast_vote(proposal=proposal, actor=world.ben, answer="2")
        closed = close_after_deadline(proposal)
        assert (closed.status, closed.tally["mean"]) == (Proposal.Status.ADOPTED, 3.0)

    def test_too_few_votes_is_no_quorum(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple, quorum=2)
        services.cast_vote(proposal=proposal, actor=world.rosa, answer="agree")
        assert close_after_deadline(proposal).status == Proposal.Status.NO_QUORUM
        assert not Agreement.objects.exists()

    def test_silence_never_adopts_anything(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple, kind="free_text")
        assert close_after_deadline(proposal).status == Proposal.Status.NO_QUORUM

    def test_a_proposal_cannot_close_before_its_deadline_nor_twice(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple, kind="free_text")
        with pytest.raises(ValidationError) as error:
            services.close_proposal(proposal=proposal, actor=world.rosa)
        assert codes(error) == "voting_open"
        close_after_deadline(proposal)
        with pytest.raises(ValidationError) as error:
            close_after_deadline(proposal)
        assert codes(error) == "already_closed"
        assert AuditEvent.objects.filter(action="proposal.no_quorum").count() == 1

    def test_adopted_agreement_change_creates_the_next_version(self, world: World) -> None:
        first = adopt(propose(world.rosa, world.maple), [world.rosa, world.ben])
        assert first.number == 1
        text = replace(TEXT, boundaries="We don't lend cars.")
        proposal = propose(world.ben, world.maple, text=text)
        assert proposal.base_version_number == 1
        second = adopt(proposal, [world.chloe])
        agreement = Agreement.objects.get(pod=world.maple)
        assert (second.number, second.adopted_via, second.created_by) == (2, proposal, world.ben)
        assert agreement.current_version == second
        assert second.boundaries == "We don't lend cars."
        assert agreement.versions.count() == 2

    def test_close_due_proposals_closes_only_those_past_their_deadline(self, world: World) -> None:
        soon = propose(world.rosa, world.maple, kind="free_text", days=1)
        later = propose(world.rosa, world.maple, kind="free_text", days=10)
        services.cast_vote(proposal=soon, actor=world.ben, answer="agree")
        with time_machine.travel(timezone.now() + timedelta(days=2)):
            call_command("close_due_proposals")
        soon.refresh_from_db()
        later.refresh_from_db()
        assert (soon.status, later.status) == (Proposal.Status.ADOPTED, Proposal.Status.OPEN)
        assert soon.closed_by is None
