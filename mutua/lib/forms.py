"""Form fields shared by every app's forms."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

# What a browser's datetime-local input sends and expects back.
DATETIME_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class LocalDateTimeField(forms.DateTimeField):
    """A ``datetime-local`` input, read in the current time zone (Django makes it aware)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_INPUT_FORMAT)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def add_service_error(
    form: forms.Form, error: ValidationError, field_for_code: Mapping[str, str] | None = None
) -> None:
    """Show a service's error next to the field its code is about, or at the top of the form.

    Services raise ``ValidationError(message, code=...)``; each app maps the codes it knows to
    its form fields, and a code with no field (or a field not on this form) goes on top.
    """
    field = (field_for_code or {}).get(getattr(error, "code", None) or "")
    form.add_error(field if field in form.fields else None, error)
