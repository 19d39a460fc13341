"""Parse what members type into the shapes the services take. No rules here: services decide.

Fields the services check (name, phone, channel) are not required at the form level, so the
member sees the service's own message, the same one the API and SMS give.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mutua.exchange.models import Category
from mutua.lib.forms import add_service_error
from mutua.members.models import SPOKEN_LANGUAGES, Household, Member
from mutua.members.services import Profile

if TYPE_CHECKING:
    from mutua.exchange.services import HelpingProfile

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
# The same for the "How you can help" form.
HELPING_ERROR_FIELDS: Mapping[str, str] = {
    "coordinates_incomplete": "help_lng",
    "bad_coordinates": "help_lat",
    "bad_travel_km": "travel_km",
    "bad_capacity": "weekly_capacity",
    "bad_language": "languages",
    "bad_skill": "skill_0",
}


def attach_error(
    form: forms.Form, error: ValidationError, fields: Mapping[str, str] | None = None
) -> None:
    add_service_error(form, error, fields)


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


class HelpingForm(forms.Form):
    """Where, in which languages, with which skills and how often a member can help.

    Skills come as a few rows of (name, valid until); empty rows are ignored. Matching uses
    these to suggest the member for requests (mutua/exchange/suggestions.py).
    """

    help_area = forms.CharField(
        label=_("Area you help around"),
        max_length=120,
        required=False,
        help_text=_("A neighbourhood or a landmark, never your address."),
    )
    help_lat = forms.FloatField(
        label=_("Rough latitude (optional)"),
        required=False,
        help_text=_("e.g. 40.71. We keep only two decimals: about a kilometre."),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    help_lng = forms.FloatField(
        label=_("Rough longitude (optional)"),
        required=False,
        help_text=_("e.g. -74.01"),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    travel_km = forms.IntegerField(
        label=_("How far can you go (km)?"), min_value=0, max_value=100, initial=3
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=SPOKEN_LANGUAGES,
        required=False,
        help_text=_("None selected: just your preferred language."),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    weekly_capacity = forms.IntegerField(
        label=_("How many requests can you take on a week?"), min_value=0, max_value=50, initial=2
    )

    def __init__(self, *args: Any, skill_rows: int = 3, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.skill_rows = skill_rows
        for i in range(skill_rows):
            self.fields[f"skill_{i}"] = forms.CharField(
                label=_("Skill or certificate %(number)d") % {"number": i + 1},
                max_length=80,
                required=False,
                help_text=_("e.g. first aid, food handling, driver's licence") if i == 0 else "",
            )
            self.fields[f"skill_{i}_until"] = forms.DateField(
                label=_("Valid until (optional)"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )

    @classmethod
    def for_member(cls, member: Member, skills: Sequence[tuple[str, object]]) -> HelpingForm:
        """The form filled with the member's settings; ``skills`` as (name, valid_until)."""
        initial: dict[str, object] = {
            "help_area": member.help_area,
            "help_lat": member.help_lat,
            "help_lng": member.help_lng,
            "travel_km": member.travel_km,
            "languages": list(member.languages),
            "weekly_capacity": member.weekly_capacity,
        }
        for i, (name, valid_until) in enumerate(skills):
            initial[f"skill_{i}"] = name
            initial[f"skill_{i}_until"] = valid_until
        return cls(initial=initial, skill_rows=len(skills) + 2)

    def skill_pairs(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"skill_{i}"], self[f"skill_{i}_until"]) for i in range(self.skill_rows)]

    def main_fields(self) -> list[forms.BoundField]:
        return [field for field in self if not field.name.startswith("skill_")]

    @classmethod
    def from_post(cls, data: Mapping[str, Any]) -> HelpingForm:
        rows = sum(1 for key in data if key.startswith("skill_") and not key.endswith("_until"))
        return cls(data, skill_rows=max(rows, 1))

    def helping(self) -> HelpingProfile:
        from mutua.exchange.services import HelpingProfile, SkillDraft

        data = self.cleaned_data
        return HelpingProfile(
            help_area=data.get("help_area", ""),
            help_lat=data.get("help_lat"),
            help_lng=data.get("help_lng"),
            travel_km=data["travel_km"],
            languages=tuple(data.get("languages", ())),
            weekly_capacity=data["weekly_capacity"],
            skills=tuple(
                SkillDraft(data[f"skill_{i}"], data.get(f"skill_{i}_until"))
                for i in range(self.skill_rows)
                if data.get(f"skill_{i}", "").strip()
            ),
        )
