"""Parse what members type into the shapes the services take. No rules here: services decide.

Fields the services check (name, phone, channel) are not required at the form level, so the
member sees the service's own message, the same one the API and SMS give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mutua.exchange.models import Category
from mutua.members.models import Household, Member
from mutua.members.services import Profile

# Which field a service error belongs to, by its code; anything else is shown above the form.
PROFILE_ERROR_FIELDS: Mapping[str, str] = {
    "email_invalid": "email",
    "email_taken": "email",
    "empty_name": "display_name",
    "bad_language": "preferred_language",
    "bad_channel": "preferred_channel",
    "phone_needs_country_code": "phone",
    "phone_invalid": "phone",
    "channel_needs_phone": "phone",
    "bad_category": "notify_categories",
}


def attach_error(
    form: forms.Form, error: ValidationError, fields: Mapping[str, str] | None = None
) -> None:
    """Show a service's error next to the field it is about (or above the form)."""
    field = (fields or {}).get(error.code or "")
    form.add_error(field if field in form.fields else None, error)


class SignInForm(forms.Form):
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        error_messages={"required": _("Please enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("The 6 digits from the email we sent you."),
        error_messages={"required": _("Enter the 6-digit code from the email.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "size": 8}
        ),
    )


class _ProfileFields(forms.Form):
    display_name = forms.CharField(
        label=_("What should people call you?"),
        max_length=80,
        required=False,  # the service explains an empty name
        widget=forms.TextInput(attrs={"autocomplete": "nickname", "required": True}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=30,
        required=False,
        help_text=_("International format with country code, e.g. +15551234567."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    preferred_channel = forms.ChoiceField(
        label=_("How should we reach you?"), choices=Member.Channel.choices
    )

    def profile(self) -> Profile:
        data = self.cleaned_data
        return Profile(
            display_name=data.get("display_name", ""),
            preferred_language=data["preferred_language"],
            phone=data.get("phone", ""),
            preferred_channel=data["preferred_channel"],
            notify_categories=tuple(data.get("notify_categories", ())),
        )


class SignUpForm(_ProfileFields):
    email = forms.CharField(
        label=_("Email"),
        max_length=254,
        help_text=_("We email you a code to sign in: no password to remember."),
        error_messages={"required": _("Please enter your email address.")},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = ["email", "display_name", "preferred_language", "phone", "preferred_channel"]


class ProfileForm(_ProfileFields):
    notify_categories = forms.MultipleChoiceField(
        label=_("Tell me about new requests for"),
        choices=Category.choices,
        required=False,
        help_text=_("Leave all unchecked to hear about every kind of request."),
        widget=forms.CheckboxSelectMultiple,
    )

    @classmethod
    def for_member(cls, member: Member) -> ProfileForm:
        return cls(
            initial={
                "display_name": member.display_name,
                "preferred_language": member.preferred_language,
                "phone": member.phone,
                "preferred_channel": member.preferred_channel,
                "notify_categories": list(member.notify_categories),
            }
        )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=80,
        required=False,  # the service explains an empty name
        help_text=_("What the token is for, e.g. “pantry spreadsheet”."),
        widget=forms.TextInput(attrs={"required": True}),
    )


class AskToJoinPodForm(forms.Form):
    message = forms.CharField(
        label=_("A few words to the pod (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AcceptNewcomerForm(forms.Form):
    """Where the newcomer will live in the pod: an existing household or a new one."""

    household = forms.TypedChoiceField(
        label=_("Household"), required=False, coerce=int, empty_value=None
    )
    new_household_name = forms.CharField(
        label=_("Name of the new household (optional)"), max_length=120, required=False
    )

    def __init__(self, *args: Any, households: Sequence[Household], **kwargs: Any) -> None:
        """``households``: the pod's, read once for every newcomer's form on the page."""
        super().__init__(*args, **kwargs)
        self.households = {household.pk: household for household in households}
        field = self.fields["household"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("A new household of their own"))] + [
            (household.pk, household.name) for household in households
        ]

    def chosen_household(self) -> Household | None:
        pk = self.cleaned_data.get("household")
        return None if pk is None else self.households[pk]
