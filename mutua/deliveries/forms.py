"""Parse what organizers and drivers type into the drafts the services take. Rules live in
services.py; their errors come back and are attached to the field they are about."""

from __future__ import annotations

import functools
from datetime import date, datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mutua.deliveries.models import DeliveryRun, RunStop
from mutua.deliveries.services import DriverDraft, StopDraft
from mutua.exchange.models import Request
from mutua.lib import forms as lib_forms

FIELD_FOR_CODE = {
    "empty_name": "name",
    "name_too_long": "name",
    "date_in_past": "date",
    "request_out_of_scope": "aid_request",
    "request_not_claimed": "aid_request",
    "already_on_run": "aid_request",
    "bad_kind": "kind",
    "empty_label": "label",
    "label_too_long": "label",
    "no_location": "lat",
    "bad_location": "lat",
    "window_out_of_order": "window_end",
    "bad_load": "load",
    "bad_service_minutes": "service_minutes",
    "what_to_bring_too_long": "what_to_bring",
    "driver_no_hours": "available_until",
    "driver_not_on_day": "available_from",
    "bad_capacity": "capacity",
}


add_service_error = functools.partial(lib_forms.add_service_error, field_for_code=FIELD_FOR_CODE)


def on_day(day: date, value: time | None) -> datetime | None:
    """A time of day on the run's day, in the site's time zone."""
    if value is None:
        return None
    return timezone.make_aware(datetime.combine(day, value), timezone.get_default_timezone())


class TimeInput(forms.TimeInput):
    input_type = "time"


class RunForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120, help_text=_("e.g. Saturday groceries"))
    date = forms.DateField(label=_("Day of the run"), widget=forms.DateInput({"type": "date"}))


class StopForm(forms.Form):
    aid_request = forms.ModelChoiceField(
        label=_("Request"),
        queryset=Request.objects.none(),
        required=False,
        help_text=_("A request someone is helping with. Leave empty for another stop."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=RunStop.Kind.choices)
    label = forms.CharField(
        label=_("Label everyone sees"),
        max_length=140,
        required=False,
        help_text=_("e.g. Groceries for Rosa. Never an address. Defaults to the request."),
    )
    lat = forms.FloatField(
        label=_("Latitude for planning"),
        required=False,
        help_text=_("Kept encrypted, never shown. Defaults to the request's approximate area."),
    )
    lng = forms.FloatField(label=_("Longitude for planning"), required=False)
    window_start = forms.TimeField(
        label=_("Someone is there from"), required=False, widget=TimeInput()
    )
    window_end = forms.TimeField(
        label=_("Someone is there until"), required=False, widget=TimeInput()
    )
    service_minutes = forms.IntegerField(label=_("Minutes at the stop"), initial=5)
    load = forms.IntegerField(
        label=_("Load"), initial=1, help_text=_("Boxes or bags, in the same unit as capacity.")
    )
    what_to_bring = forms.CharField(label=_("What to bring"), max_length=280, required=False)

    def __init__(self, *args: Any, requests: QuerySet[Request], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["aid_request"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = requests

    def draft(self, run: DeliveryRun) -> StopDraft:
        data = self.cleaned_data
        return StopDraft(
            label=data["label"],
            kind=data["kind"],
            aid_request=data["aid_request"],
            lat=data["lat"],
            lng=data["lng"],
            window_start=on_day(run.date, data["window_start"]),
            window_end=on_day(run.date, data["window_end"]),
            service_minutes=data["service_minutes"],
            load=data["load"],
            what_to_bring=data["what_to_bring"],
        )


class DriverForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Vehicle capacity"), initial=10, help_text=_("How many boxes or bags fit.")
    )
    start_lat = forms.FloatField(
        label=_("Latitude you start from"),
        help_text=_("Usually home. Kept encrypted; only you see your route's start."),
    )
    start_lng = forms.FloatField(label=_("Longitude you start from"))
    available_from = forms.TimeField(label=_("Free from"), widget=TimeInput())
    available_until = forms.TimeField(label=_("Free until"), widget=TimeInput())

    def draft(self, run: DeliveryRun) -> DriverDraft:
        data = self.cleaned_data
        start = on_day(run.date, data["available_from"])
        until = on_day(run.date, data["available_until"])
        assert start is not None and until is not None
        return DriverDraft(
            capacity=data["capacity"],
            start_lat=data["start_lat"],
            start_lng=data["start_lng"],
            available_from=start,
            available_until=until,
        )
