"""Turn what members type into the arguments of the decisions services. The rules live there."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.agreements.models import (
    DEFAULT_REVIEW_INTERVAL_DAYS,
    SECTION_HINTS,
    SECTIONS,
    EscalationWho,
    default_escalation_steps,
)
from mutua.agreements.services import AgreementText
from mutua.decisions.models import Meeting, Proposal, Vote
from mutua.decisions.owners import Owner
from mutua.decisions.services import ProposalDraft
from mutua.lib import forms as lib_forms
from mutua.lib.forms import LocalDateTimeField
from mutua.members.models import Member

# Which field a service error belongs to, so the message sits next to the input it is about.
FIELD_FOR_CODE = {
    "empty_title": "title",
    "title_too_long": "title",
    "bad_kind": "kind",
    "bad_process": "process",
    "deadline_in_past": "deadline_at",
    "naive_datetime": "deadline_at",
    "bad_quorum": "quorum",
    "bad_review_interval": "review_interval_days",
    "bad_choice": "answer",
    "already_voted": "answer",
    "voting_closed": "answer",
    "not_eligible": "member",
    "bad_channel": "channel",
    "meeting_in_past": "starts_at",
    "bad_duration": "duration_minutes",
    "empty_agenda_item": "title",
    "agenda_item_too_long": "title",
    "not_in_pod": "present",
    **{f"empty_{field}": field for field, _heading in SECTIONS},
    **{f"long_{field}": field for field, _heading in SECTIONS},
}


# Rows offered for the escalation path: one per group that can be asked, so a row is never short.
ESCALATION_ROWS = len(EscalationWho.choices)


def escalation_initial(steps: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Form initial data for an escalation path: ``escalation_who_1``, ``escalation_hours_1``..."""
    initial: dict[str, Any] = {}
    for number, step in enumerate(steps or default_escalation_steps(), start=1):
        initial[f"escalation_who_{number}"] = step["who"]
        initial[f"escalation_hours_{number}"] = step["hours_before"]
    return initial


add_service_error = functools.partial(lib_forms.add_service_error, field_for_code=FIELD_FOR_CODE)


class ProposalForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What is it about?"), choices=Proposal.Kind.choices, widget=forms.RadioSelect
    )
    title = forms.CharField(
        label=_("Title"), max_length=200, widget=forms.TextInput(attrs={"required": True})
    )
    body = forms.CharField(label=_("What and why"), required=False, widget=forms.Textarea)
    process = forms.ChoiceField(
        label=_("How we decide"), choices=Proposal.Process.choices, widget=forms.RadioSelect
    )
    deadline_at = LocalDateTimeField(label=_("Voting closes at"), required=True)
    quorum = forms.IntegerField(
        label=_("Quorum (optional)"),
        required=False,
        help_text=_("How many votes are needed for the decision to count."),
    )
    membership = forms.CharField(required=False, widget=forms.Textarea)
    commitments = forms.CharField(required=False, widget=forms.Textarea)
    communication = forms.CharField(required=False, widget=forms.Textarea)
    boundaries = forms.CharField(required=False, widget=forms.Textarea)
    review_cycle = forms.CharField(required=False, widget=forms.Textarea)
    review_interval_days = forms.IntegerField(
        label=_("Days between reviews"), required=False, initial=DEFAULT_REVIEW_INTERVAL_DAYS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field, heading in SECTIONS:
            self.fields[field].label = heading
            self.fields[field].help_text = SECTION_HINTS[field]
        # The escalation path, one row per step: who is asked, and how many hours before.
        for number in range(1, ESCALATION_ROWS + 1):
            self.fields[f"escalation_who_{number}"] = forms.ChoiceField(
                label=_("Step %(number)s: ask") % {"number": number},
                choices=[("", "—"), *EscalationWho.choices],
                required=False,
            )
            self.fields[f"escalation_hours_{number}"] = forms.IntegerField(
                label=_("hours before the shift"), required=False
            )

    def section_fields(self) -> list[forms.BoundField]:
        return [self[field] for field, _heading in SECTIONS] + [self["review_interval_days"]]

    def escalation_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"escalation_who_{number}"], self[f"escalation_hours_{number}"])
            for number in range(1, ESCALATION_ROWS + 1)
        ]

    def escalation_steps(self) -> list[dict[str, Any]] | None:
        """The filled rows in order; None when the form did not carry the path at all (the
        proposal then keeps the current path)."""
        if not any(key.startswith("escalation_") for key in self.data):
            return None
        steps = []
        for number in range(1, ESCALATION_ROWS + 1):
            who = self.cleaned_data.get(f"escalation_who_{number}") or ""
            hours = self.cleaned_data.get(f"escalation_hours_{number}")
            if who or hours is not None:
                steps.append({"who": who, "hours_before": hours})
        return steps

    def main_fields(self) -> list[forms.BoundField]:
        names = ("kind", "title", "body", "process", "deadline_at", "quorum")
        return [self[name] for name in names]

    def draft(self, owner: Owner) -> ProposalDraft:
        data = self.cleaned_data
        text = None
        if data["kind"] == Proposal.Kind.AGREEMENT_CHANGE:
            text = AgreementText(
                **{field: data[field] for field, _heading in SECTIONS},
                review_interval_days=data["review_interval_days"] or DEFAULT_REVIEW_INTERVAL_DAYS,
                escalation_steps=self.escalation_steps(),
            )
        return ProposalDraft(
            owner=owner,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            process=data["process"],
            deadline_at=data["deadline_at"],
            quorum=data["quorum"],
            text=text,
        )


class VoteForm(forms.Form):
    answer = forms.ChoiceField(label=_("Your answer"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("A note for the others (optional)"), required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        answer.choices = proposal.choices()


class OfflineVoteForm(VoteForm):
    member = forms.ModelChoiceField(label=_("Whose vote"), queryset=Member.objects.none())
    channel = forms.ChoiceField(
        label=_("How they gave it"), choices=Vote.Channel.choices, initial=Vote.Channel.PHONE
    )
    field_order = ["member", "answer", "channel", "note"]

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "offline")
        super().__init__(*args, proposal=proposal, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ModelChoiceField)
        # Any member id parses, so the service can say why someone outside cannot vote.
        member.queryset = Member.objects.all()
        member.widget.choices = [
            (m.pk, m.display_name) for m in proposal.owner.members().order_by("display_name")
        ]
        self.fields["answer"].label = _("Their answer")
        self.fields["note"].label = _("Note (optional)")


class MeetingForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), required=False, max_length=140, initial=_("Monthly check-in")
    )
    starts_at = LocalDateTimeField(label=_("Starts at"), required=True)
    duration_minutes = forms.IntegerField(
        label=_("Length in minutes"),
        initial=int(Meeting.DEFAULT_DURATION.total_seconds() // 60),
        min_value=1,
    )
    place = forms.CharField(label=_("Where"), required=False, max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        widget=forms.Textarea,
        help_text=_(
            "One item per line. A slot for systemic discussion (what policy failures members "
            "are facing) is always added first."
        ),
    )

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.cleaned_data["duration_minutes"])

    def agenda_items(self) -> list[str]:
        return [line for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("New agenda item"), max_length=300)


class RecordMeetingForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("Who was there"),
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = self.fields["present"]
        assert isinstance(present, forms.ModelMultipleChoiceField)
        present.queryset = Member.objects.all()
        present.widget.choices = [
            (m.pk, m.display_name)
            for m in Owner(pod=meeting.pod).members().order_by("display_name")
        ]
