"""The escalation path in the communication protocols: checked, proposed, adopted, diffed, shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from mutua.agreements.models import Agreement, AgreementVersion, default_escalation_steps
from mutua.decisions.models import Proposal
from mutua.decisions.tests.helpers import TEXT, adopt, propose
from mutua.decisions.tests.test_api import api_client
from mutua.decisions.tests.test_pages import proposal_form
from mutua.test import World, client_for

CUSTOM = [
    {"who": "role_holders", "hours_before": 72},
    {"who": "network_organizers", "hours_before": 6},
]


def current(world: World) -> AgreementVersion:
    version = Agreement.objects.get(pod=world.maple).current_version
    assert version is not None
    return version


def test_an_agreement_without_a_path_keeps_the_default_ladder(world: World) -> None:
    adopt(propose(world.rosa, world.maple), [world.rosa])
    assert current(world).escalation_steps == [
        {"who": "standby", "hours_before": 48},
        {"who": "organizers", "hours_before": 24},
        {"who": "pod", "hours_before": 12},
    ]


def test_adoption_through_a_proposal_carries_the_path(world: World) -> None:
    adopt(propose(world.rosa, world.maple), [world.rosa])
    proposal = propose(world.ben, world.maple, text=replace(TEXT, escalation_steps=CUSTOM))
    assert proposal.escalation_steps == CUSTOM
    adopt(proposal, [world.ben])
    assert current(world).number == 2
    assert current(world).escalation_steps == CUSTOM
    # A later change that does not spell out the path keeps it.
    changed = replace(TEXT, boundaries="We don't lend cars.")
    adopt(propose(world.chloe, world.maple, text=changed), [world.chloe])
    assert current(world).escalation_steps == CUSTOM


@pytest.mark.parametrize(
    ("steps", "code"),
    [
        ([], "empty_escalation"),
        ([{"who": "the mayor", "hours_before": 24}], "bad_escalation_step"),
        ([{"hours_before": 24}], "bad_escalation_step"),
        (
            [{"who": "standby", "hours_before": 48}, {"who": "standby", "hours_before": 24}],
            "bad_escalation_step",
        ),
        (
            [{"who": "standby", "hours_before": 24}, {"who": "pod", "hours_before": 24}],
            "bad_escalation_order",
        ),
        (
            [{"who": "standby", "hours_before": 12}, {"who": "pod", "hours_before": 24}],
            "bad_escalation_order",
        ),
        ([{"who": "pod", "hours_before": 0}], "bad_escalation_order"),
        ([{"who": "pod", "hours_before": -3}], "bad_escalation_order"),
        ([{"who": "pod", "hours_before": "soon"}], "bad_escalation_order"),
        ([{"who": "pod", "hours_before": 24 * 30}], "bad_escalation_order"),
    ],
)
def test_a_bad_path_is_refused_with_its_code_and_nothing_is_saved(
    world: World, steps: list[dict[str, Any]], code: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=steps))
    assert refused.value.code == code
    assert not Proposal.objects.exists()


def test_the_diff_shows_a_changed_step(world: World) -> None:
    adopt(propose(world.rosa, world.maple), [world.rosa])
    steps = default_escalation_steps()
    steps[1] = {"who": "network_organizers", "hours_before": 24}
    adopt(propose(world.ben, world.maple, text=replace(TEXT, escalation_steps=steps)), [world.ben])
    client = client_for(world.chloe)
    diff = client.get(
        reverse("agreements:diff", args=["pod", world.maple.pk]), {"old": 1, "new": 2}
    ).content.decode()
    assert (
        '<del><span class="diff-marker">Removed:</span> '
        "24 hours before the shift, ask the organizers.</del>" in diff
    )
    assert (
        '<ins><span class="diff-marker">Added:</span> '
        "24 hours before the shift, ask the network&#x27;s organizers.</ins>" in diff
    )
    api = api_client(world.chloe).get(
        f"/api/agreements/pod/{world.maple.pk}/diff", {"old": 1, "new": 2}
    )
    communication = next(s for s in api.json() if s["section"] == "communication")
    assert communication["changed"] is True


def test_agreement_page_print_view_and_api_show_the_steps(world: World) -> None:
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    client = client_for(world.chloe)
    for name in ("detail", "print"):
        page = client.get(reverse(f"agreements:{name}", args=["pod", world.maple.pk]))
        text = page.content.decode()
        assert "<li>72 hours before the shift, ask everyone who holds the role.</li>" in text
        assert "<li>6 hours before the shift, ask the network&#x27;s organizers.</li>" in text
    api = api_client(world.chloe).get(f"/api/agreements/pod/{world.maple.pk}").json()
    assert api["current"]["escalation_steps"] == CUSTOM


def test_the_steps_read_in_spanish(world: World) -> None:
    adopt(
        propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)), [world.ben]
    )
    client = client_for(world.chloe)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get(reverse("agreements:detail", args=["pod", world.maple.pk])).content.decode()
    assert "72 hours" not in page
    assert "72 horas antes del turno, pregunta a todas las personas que tienen el rol." in page


class TestProposalForm:
    def test_the_form_is_prefilled_with_the_current_path(self, world: World) -> None:
        adopt(
            propose(world.rosa, world.maple, text=replace(TEXT, escalation_steps=CUSTOM)),
            [world.rosa],
        )
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        form = client_for(world.ben).get(url, {"kind": "agreement_change"}).context["form"]
        assert form.initial["escalation_who_1"] == "role_holders"
        assert form.initial["escalation_hours_2"] == 6

    def test_the_path_is_proposed_from_the_form_in_row_order(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        data = proposal_form(
            escalation_who_1="role_holders",
            escalation_hours_1="72",
            escalation_who_2="",
            escalation_hours_2="",
            escalation_who_3="network_organizers",
            escalation_hours_3="6",
        )
        assert client_for(world.rosa).post(url, data).status_code == 302
        assert Proposal.objects.get().escalation_steps == CUSTOM

    def test_a_bad_order_is_shown_and_nothing_is_saved(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        data = proposal_form(
            escalation_who_1="standby",
            escalation_hours_1="12",
            escalation_who_2="pod",
            escalation_hours_2="24",
        )
        response = client_for(world.rosa).post(url, data)
        assert response.status_code == 400
        assert "comes closer to the shift" in response.content.decode()
        assert not Proposal.objects.exists()

    def test_emptying_every_row_is_refused(self, world: World) -> None:
        url = reverse("decisions:proposal_create", args=["pod", world.maple.pk])
        data = proposal_form(escalation_who_1="", escalation_hours_1="")
        response = client_for(world.rosa).post(url, data)
        assert response.status_code == 400
        assert not Proposal.objects.exists()


def test_the_api_accepts_and_refuses_paths(world: World) -> None:
    client = api_client(world.rosa)
    url = f"/api/decisions/pod/{world.maple.pk}/proposals"
    payload: dict[str, Any] = {
        "kind": "agreement_change",
        "title": "Our agreement",
        "process": "consent",
        "deadline_at": "2099-01-01T00:00:00+00:00",
        "text": {**TEXT.sections(), "escalation_steps": [{"who": "nobody", "hours_before": 5}]},
    }
    refused = client.post(url, payload, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "bad_escalation_step"
    assert not Proposal.objects.exists()
    payload["text"]["escalation_steps"] = CUSTOM
    assert client.post(url, payload, content_type="application/json").status_code == 201
    assert Proposal.objects.get().escalation_steps == CUSTOM
