"""Turn what members type into the arguments of the groups services. The rules live there."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.decisions.forms import ProposalForm
from mutua.decisions.models import Proposal
from mutua.groups.models import GroupMembership
from mutua.lib import forms as lib_forms
from mutua.members.models import Member

FIELD_FOR_CODE = {
    "empty_name": "name",
    "name_too_long": "name",
    "name_taken": "name",
    "not_in_group": "member",
    "bad_position": "position",
}


add_service_error = functools.partial(lib_forms.add_service_error, field_for_code=FIELD_FOR_CODE)


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"required": True, "list": "group-suggestions"}),
        help_text=_("The function it takes on, e.g. “Communications” or “Fundraising”."),
    )
    purpose = forms.CharField(label=_("What the group does"), required=False, widget=forms.Textarea)


class AppointForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Who"), queryset=Member.objects.none())
    position = forms.ChoiceField(
        label=_("Position"),
        choices=GroupMembership.Position.choices,
        initial=GroupMembership.Position.DEPUTY,
    )

    def __init__(self, *args: Any, people: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        member = self.fields["member"]
        assert isinstance(member, forms.ModelChoiceField)
        # Any member id parses, so the service can say why someone outside the group can't.
        member.queryset = Member.objects.all()
        member.widget.choices = [(m.pk, m.display_name) for m in people]


class GroupProposalForm(ProposalForm):
    """The decisions form without the agreement sections: a group decides its own questions."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [
            (value, label)
            for value, label in Proposal.Kind.choices
            if value != Proposal.Kind.AGREEMENT_CHANGE
        ]
