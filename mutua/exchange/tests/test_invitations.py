"""Consent, not dispatch: propose, invite, accept or decline, and the next helper asked."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from pytest_django import DjangoCaptureOnCommitCallbacks

from mutua.audit.models import AuditEvent
from mutua.exchange import services
from mutua.exchange.access import private_details
from mutua.exchange.models import Invitation, Request
from mutua.exchange.tests.test_suggestions import ADDRESS, helping, need
from mutua.members.models import PodMembership
from mutua.test import World


def audit(action: str, target: Model) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_id=str(target.pk)))


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(ValidationError) as caught:
        call()
    return str(caught.value.code)


@pytest.fixture
def street(world: World) -> Request:
    """Rosa's network-wide request at her home; Ben lives there, Chloe a kilometre north."""
    helping(world.rosa, 0, categories=())
    helping(world.ben, 0)
    helping(world.chloe, 1)
    return need(world.rosa, world.maple)


class TestAccept:
    def test_propose_invite_accept_claims_the_request(
        self,
        world: World,
        street: Request,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            invitation = services.propose_match(
                aid_request=street, helper=world.chloe, actor=world.olu
            )
        assert (invitation.status, invitation.rank, invitation.invited_by) == (
            "invited",
            1,
            world.olu,
        )
        assert ["distance_km", "1.1"] in invitation.reasons
        [created] = audit("invitation.created", invitation)
        assert created.actor == world.olu and created.data["member_id"] == world.chloe.pk
        [email] = [m for m in mail.outbox if m.to == [world.chloe.email]]
        assert email.subject == "Rosa's request could use you: accept with one tap"
        assert ADDRESS not in email.body
        assert private_details(world.chloe, street) is None

        aid_request = services.accept_invitation(invitation=invitation, actor=world.chloe)

        invitation.refresh_from_db()
        assert invitation.status == "accepted" and invitation.responded_at is not None
        assert (aid_request.status, aid_request.claimed_by) == ("claimed", world.chloe)
        assert audit("invitation.accepted", invitation)[0].actor == world.chloe
        assert audit("request.claimed", aid_request)[0].actor == world.chloe
        view = private_details(world.chloe, aid_request)
        assert view is not None and view.address == ADDRESS

    def test_accept_after_someone_else_claimed_expires_the_invitation(
        self, world: World, street: Request
    ) -> None:
        invitation = services.propose_match(aid_request=street, helper=world.chloe, actor=world.olu)
        services.claim_request(aid_request=street, actor=world.ben)
        invitation.refresh_from_db()
        assert invitation.status == "expired"  # the claim retired it at once
        assert code_of(
            lambda: services.accept_invitation(invitation=invitation, actor=world.chloe)
        ) == ("already_claimed")
        street.refresh_from_db()
        assert street.claimed_by == world.ben

    def test_losing_the_race_inside_accept_still_expires_the_invitation(
        self, world: World, street: Request
    ) -> None:
        invitation = services.propose_match(aid_request=street, helper=world.chloe, actor=world.olu)
        # Ben's claim commits between Chloe loading the page and tapping "yes" (no service ran
        # on this row, so nothing expired the invitation yet).
        Request.objects.filter(pk=street.pk).update(status="claimed", claimed_by=world.ben)
        assert code_of(
            lambda: services.accept_invitation(invitation=invitation, actor=world.chloe)
        ) == ("already_claimed")
        invitation.refresh_from_db()
        assert invitation.status == "expired"
        assert audit("invitation.expired", invitation)
        assert Request.objects.get(pk=street.pk).claimed_by == world.ben

    def test_only_the_invited_member_can_answer(self, world: World, street: Request) -> None:
        invitation = services.propose_match(aid_request=street, helper=world.chloe, actor=world.olu)
        assert (
            code_of(lambda: services.accept_invitation(invitation=invitation, actor=world.ben))
            == "not_invitee"
        )
        assert (
            code_of(lambda: services.decline_invitation(invitation=invitation, actor=world.ben))
            == "not_invitee"
        )
        services.decline_invitation(invitation=invitation, actor=world.chloe)
        assert (
            code_of(lambda: services.decline_invitation(invitation=invitation, actor=world.chloe))
            == "not_live"
        )
        assert (
            code_of(lambda: services.accept_invitation(invitation=invitation, actor=world.chloe))
            == "not_live"
        )

    def test_cancelled_request_expires_its_invitation(self, world: World, street: Request) -> None:
        invitation = services.propose_match(aid_request=street, helper=world.ben, actor=world.olu)
        services.cancel_request(aid_request=street, actor=world.rosa)
        invitation.refresh_from_db()
        assert invitation.status == "expired"


class TestDecline:
    def test_decline_invites_the_next_best_helper(
        self,
        world: World,
        street: Request,
        django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    ) -> None:
        first = services.propose_match(aid_request=street, helper=world.ben, actor=world.olu)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            following = services.decline_invitation(invitation=first, actor=world.ben)

        first.refresh_from_db()
        assert first.status == "declined" and first.responded_at is not None
        assert following is not None
        assert (following.member, following.rank, following.invited_by) == (
            world.chloe,
            2,
            world.olu,
        )
        assert audit("invitation.declined", first)[0].actor == world.ben
        [created] = audit("invitation.created", following)
        assert created.actor is None and created.data["after_invitation_id"] == first.pk
        assert [m.to for m in mail.outbox] == [[world.chloe.email]]

        # Chloe says no too: nobody else fits, and Ben is not asked again.
        assert services.decline_invitation(invitation=following, actor=world.chloe) is None
        assert audit("invitation.no_next_helper", street)
        assert not Invitation.objects.live().exists()
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=street, helper=world.ben, actor=world.olu
                )
            )
            == "already_answered"
        )


class TestOneLiveInvitation:
    def test_a_second_proposal_waits_for_the_first_answer(
        self, world: World, street: Request
    ) -> None:
        services.propose_match(aid_request=street, helper=world.ben, actor=world.olu)
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=street, helper=world.chloe, actor=world.olu
                )
            )
            == "already_invited"
        )

    def test_the_database_refuses_two_live_invitations(self, world: World, street: Request) -> None:
        Invitation.objects.create(request=street, member=world.ben)
        with pytest.raises(IntegrityError), transaction.atomic():
            Invitation.objects.create(request=street, member=world.chloe)
        Invitation.objects.create(request=street, member=world.chloe, status="declined")


class TestWhoMayPropose:
    def test_a_member_who_organizes_nothing_is_refused(self, world: World, street: Request) -> None:
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=street, helper=world.chloe, actor=world.ben
                )
            )
            == "not_dispatcher"
        )
        assert not Invitation.objects.exists()

    def test_pod_organizer_dispatches_their_pods_private_request(self, world: World) -> None:
        helping(world.rosa, 0, categories=())
        helping(world.ben, 0)
        private = need(world.rosa, world.maple, scope="pod")
        # Olu organizes the network but lives in Oak Court: he cannot see a Maple-only request.
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=private, helper=world.ben, actor=world.olu
                )
            )
            == "not_dispatcher"
        )
        PodMembership.objects.filter(member=world.chloe, pod=world.maple).update(role="organizer")
        invitation = services.propose_match(
            aid_request=private, helper=world.ben, actor=world.chloe
        )
        assert invitation.member == world.ben

    def test_closed_request_and_unfit_helpers_are_refused(
        self, world: World, street: Request
    ) -> None:
        for helper in (world.zed, world.dev):  # another network; no home area given
            assert (
                code_of(
                    functools.partial(
                        services.propose_match, aid_request=street, helper=helper, actor=world.olu
                    )
                )
                == "helper_does_not_fit"
            )
        spanish = need(world.rosa, world.maple, language="es", summary="En español")
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=spanish, helper=world.ben, actor=world.olu
                )
            )
            == "helper_does_not_fit"
        )
        services.cancel_request(aid_request=street, actor=world.rosa)
        assert (
            code_of(
                lambda: services.propose_match(
                    aid_request=street, helper=world.ben, actor=world.olu
                )
            )
            == "not_open"
        )

    def test_propose_all_invites_each_suggestion_once(self, world: World, street: Request) -> None:
        helping(world.ben, 0, capacity=1)  # room for one: the second goes to Chloe
        need(world.rosa, world.maple, summary="Second")
        invitations = services.propose_suggested(network=world.network, actor=world.olu)
        assert {i.member for i in invitations} == {world.ben, world.chloe}
        assert services.propose_suggested(network=world.network, actor=world.olu) == []
        assert services.propose_suggested(network=world.network, actor=world.ben) == []
