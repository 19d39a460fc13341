"""Agreements, proposals and meetings through the pages members use, success and failure."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from mutua.agreements.models import Agreement, Signature
from mutua.audit.models import AuditEvent
from mutua.decisions import services
from mutua.decisions.models import AgendaItem, Attendance, Meeting, Proposal, Vote
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.test import World, client_for


def local_input(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def proposal_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": "agreement_change",
        "title": "Our agreement",
        "body": "",
        "process": "consent",
        "deadline_at": local_input(timezone.now() + timedelta(days=3)),
        "quorum": "",
        **TEXT.sections(),
        "review_interval_days": 365,
    }
    data.update(changes)
    return data


class TestAgreementPages:
    def test_pod_page_shows_who_signed_and_who_has_not(self, world: World) -> None:
        adopt(propose(world.rosa, world.maple), [world.rosa])
        agreement = Agreement.objects.get(pod=world.maple)
        assert agreement.current_version is not None
        Signature.objects.create(version=agreement.current_version, member=world.ben)
        page = client_for(world.chloe).get(world.maple.get_absolute_url()).content.decode()
        assert "Signed: Ben" in page
        assert "Not signed yet: Chloe, Rosa" in page

    def test_member_signs_from_the_agreement_page_and_outsider_cannot(self, world: World) -> None:
        adopt(propose(world.rosa, world.maple), [world.rosa])
        url = reverse("agreements:sign", args=["pod", world.maple.pk])
        response = client_for(world.ben).post(url, {"version": 1})
        assert response.status_code == 302
        assert Signature.objects.filter(member=world.ben).exists()
        refused = client_for(world.dev).post(url, {"version": 1})
        assert refused.status_code == 400
        assert "Only members of Maple Street can sign" in refused.content.decode()
        assert not Signature.objects.filter(member=world.dev).exists()
        # Someone from another network does not even see it.
        assert client_for(world.zed).post(url, {"version": 1}).status_code == 404

    def test_versions_diff_and_print_view(self, world: World) -> None:
        adopt(propose(world.rosa, world.maple), [world.rosa])
        changed = replace(TEXT, boundaries="We don't lend cars.")
        adopt(propose(world.ben, world.maple, text=changed), [world.ben])
        client = client_for(world.chloe)
        versions = client.get(reverse("agreements:versions", args=["pod", world.maple.pk]))
        assert "Version 1" in versions.content.decode()
        diff = client.get(
            reverse("agreements:diff", args=["pod", world.maple.pk]), {"old": 1, "new": 2}
        ).content.decode()
        assert (
            '<del><span class="diff-marker">Removed:</span> We don&#x27;t lend money.</del>' in diff
        )
        assert '<ins><span class="diff-marker">Added:</span> We don&#x27;t lend cars.</ins>' in diff
        bad = client.get(reverse("agreements:diff", args=["pod", world.maple.pk]), {"old": "x"})
        assert bad.status_code == 400
        old = client.get(reverse("agreements:version", args=["pod", world.maple.pk, 1]))
        assert "We don&#x27;t lend money." in old.content.decode()
        printed = client.get(reverse("agreements:print", args=["pod", world.maple.pk]))
        assert "@media print" not in printed.content.decode()  # in its stylesheet
        assert 'href="/static/agreements/print.css"' in printed.content.decode()
        assert "<nav" not in printed.content.decode()

    def test_propose_a_change_is_prefilled_with_the_current_text(self, world: World) -> None:
        adopt(propose(world.rosa, world.maple), [world.rosa])
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        page = client_for(world.ben).get(url, {"kind": "agreement_change"}).content.decode()
        assert "We check on each other on Sundays." in page


class TestProposalPages:
    def test_a_deadline_in_the_past_is_shown_next_to_the_field(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        past = local_input(timezone.now() - timedelta(days=1))
        response = client_for(world.rosa).post(url, proposal_form(deadline_at=past))
        assert response.status_code == 400
        assert response.context["form"].errors["deadline_at"] == [
            "The deadline has to be in the future."
        ]
        assert not Proposal.objects.exists()

    def test_a_missing_section_is_shown_next_to_it(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        response = client_for(world.rosa).post(url, proposal_form(boundaries=""))
        assert response.status_code == 400
        assert "boundaries" in response.context["form"].errors

    def test_proposal_from_the_form_then_votes_offline_and_adoption(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        response = client_for(world.rosa).post(url, proposal_form())
        proposal = Proposal.objects.get()
        assert response["Location"] == proposal.get_absolute_url()

        ben = client_for(world.ben)
        vote_url = reverse("decisions:proposal_vote", args=[proposal.pk])
        assert ben.post(vote_url, {"answer": "agree"}).status_code == 302
        again = ben.post(vote_url, {"answer": "block"})
        assert again.status_code == 400
        assert again.context["vote_form"].errors["answer"] == [
            "Ben already voted on this proposal."
        ]

        offline_url = reverse("decisions:proposal_offline_vote", args=[proposal.pk])
        olu = client_for(world.olu)
        response = olu.post(
            offline_url,
            {"offline-member": world.chloe.pk, "offline-answer": "stand_aside",
             "offline-channel": "phone"},
        )  # fmt: skip
        assert response.status_code == 302
        page = ben.get(proposal.get_absolute_url()).content.decode()
        assert "Chloe: Stand aside" in page
        assert "(recorded by Olu, by phone)" in page
        # Ben is no facilitator: his attempt is refused with the reason.
        refused = ben.post(
            offline_url,
            {"offline-member": world.rosa.pk, "offline-answer": "agree",
             "offline-channel": "meeting"},
        )  # fmt: skip
        assert refused.status_code == 400
        assert Vote.objects.count() == 2

        close_url = reverse("decisions:proposal_close", args=[proposal.pk])
        assert ben.post(close_url).status_code == 400  # before the deadline
        with time_machine.travel(proposal.deadline_at + timedelta(minutes=1)):
            assert ben.post(close_url).status_code == 302
        proposal.refresh_from_db()
        assert proposal.status == Proposal.Status.ADOPTED
        agreement = Agreement.objects.get(pod=world.maple)
        assert agreement.current_version is not None
        assert agreement.current_version.adopted_via == proposal
        page = ben.get(proposal.get_absolute_url()).content.decode()
        assert "Adopted as version 1 of the agreement." in page

    def test_proposals_are_hidden_from_other_pods(self, world: World) -> None:
        proposal = propose(world.rosa, world.maple)
        assert client_for(world.dev).get(proposal.get_absolute_url()).status_code == 404
        url = reverse("decisions:proposal_list", args=["pod", world.maple.pk])
        assert client_for(world.dev).get(url).status_code == 404
        assert client_for(world.olu).get(url).status_code == 200  # the network's organizer

    def test_proposal_list_takes_the_same_queries_for_many_proposals(
        self, world: World, django_assert_max_num_queries: DjangoAssertNumQueries
    ) -> None:
        client = client_for(world.rosa)
        url = reverse("decisions:proposal_list", args=["pod", world.maple.pk])
        propose(world.rosa, world.maple, kind="free_text", title="One")
        client.get(url)
        for number in range(5):
            proposal = propose(world.rosa, world.maple, kind="free_text", title=f"P{number}")
            services.cast_vote(proposal=proposal, actor=world.ben, answer="agree")
        with django_assert_max_num_queries(12):
            response = client.get(url)
        assert response.content.decode().count('<li class="card">') == 6


class TestMeetingPages:
    def test_schedule_add_remove_and_the_systemic_slot_stays(self, world: World) -> None:
        client = client_for(world.ben)
        url = reverse("decisions:meeting_create", args=[world.maple.pk])
        starts = timezone.now() + timedelta(days=5)
        bad = client.post(url, {"starts_at": local_input(timezone.now() - timedelta(days=1)),
                                "duration_minutes": 45})  # fmt: skip
        assert bad.status_code == 400
        assert "starts_at" in bad.context["form"].errors
        response = client.post(
            url,
            {"starts_at": local_input(starts), "duration_minutes": 45, "title": "",
             "agenda": "Rota for July\nThe heat wave"},
        )  # fmt: skip
        meeting = Meeting.objects.get()
        assert response["Location"] == meeting.get_absolute_url()
        assert meeting.duration == timedelta(minutes=45)
        titles = [item.display_title for item in meeting.agenda.all()]
        assert titles[0].startswith("Systemic discussion")
        assert titles[1:] == ["Rota for July", "The heat wave"]

        systemic = meeting.agenda.get(is_systemic=True)
        remove = reverse("decisions:meeting_agenda_remove", args=[meeting.pk, systemic.pk])
        refused = client.post(remove)
        assert refused.status_code == 400
        assert "The systemic discussion stays on every agenda" in refused.content.decode()
        other = meeting.agenda.get(title="The heat wave")
        ok = client.post(reverse("decisions:meeting_agenda_remove", args=[meeting.pk, other.pk]))
        assert ok.status_code == 302
        assert AgendaItem.objects.filter(meeting=meeting).count() == 2

    def test_record_attendance_and_notes_after_the_meeting(self, world: World) -> None:
        meeting = services.schedule_meeting(
            pod=world.maple, actor=world.rosa, starts_at=timezone.now() + timedelta(days=1)
        )
        client = client_for(world.rosa)
        url = reverse("decisions:meeting_record", args=[meeting.pk])
        early = client.post(url, {"present": [world.rosa.pk], "notes": "x"})
        assert early.status_code == 400
        with time_machine.travel(meeting.starts_at + timedelta(hours=1)):
            outsider = client.post(url, {"present": [world.dev.pk], "notes": "x"})
            assert outsider.status_code == 400
            assert "Dev is not in this pod." in outsider.content.decode()
            done = client.post(
                url, {"present": [world.rosa.pk, world.ben.pk], "notes": "Rent strike talk"}
            )
        assert done.status_code == 302
        assert set(Attendance.objects.values_list("member_id", flat=True)) == {
            world.rosa.pk,
            world.ben.pk,
        }
        meeting.refresh_from_db()
        assert meeting.notes == "Rent strike talk"
        assert AuditEvent.objects.filter(action="meeting.recorded").count() == 1
        page = client.get(meeting.get_absolute_url()).content.decode()
        assert "Rent strike talk" in page
