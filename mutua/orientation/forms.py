"""Turn what members type into the arguments of the orientation services. The rules live there."""

from __future__ import annotations

import functools

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.lib import forms as lib_forms

FIELD_FOR_CODE = {
    "empty_name": "name",
    "name_too_long": "name",
    "empty_phone": "phone",
    "phone_needs_country_code": "phone",
    "phone_invalid": "phone",
    "pause_out_of_order": "ends_on",
    "pause_in_past": "ends_on",
}


add_service_error = functools.partial(lib_forms.add_service_error, field_for_code=FIELD_FOR_CODE)


class EmergencyContactForm(forms.Form):
    name = forms.CharField(label=_("Their name"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Their phone"),
        max_length=40,
        required=False,
        help_text=_("International format, e.g. +15551234567"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    relationship = forms.CharField(
        label=_("Who they are to you (optional)"),
        max_length=60,
        required=False,
        help_text=_("e.g. sister, neighbour"),
    )


class PauseForm(forms.Form):
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Until (inclusive)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)
