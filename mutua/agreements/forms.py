"""Forms for signing and reviewing an agreement; changing one goes through a proposal."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class SignForm(forms.Form):
    # The version the member read: signing fails if the agreement changed meanwhile.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=_("What did you talk about? (optional)"), required=False, widget=forms.Textarea
    )


class DiffForm(forms.Form):
    old = forms.IntegerField(label=_("Compare version"), min_value=1)
    new = forms.IntegerField(label=_("with version"), min_value=1)
