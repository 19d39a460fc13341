"""Turn what members type into the values the services take. The rules live in services.py.

The role form offers a friendly schedule builder ("every [2] [weeks] on [Tuesday]") and, for
those who know RFC 5545, a raw RRULE field that wins when filled in. Building the RRULE text is
parsing, not a rule: whether the schedule is usable is the service's call.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutua.lib import forms as lib_forms
from mutua.members.models import Member
from mutua.schedules import recurrence
from mutua.schedules.models import RoleHolder, Shift
from mutua.schedules.services import RoleDraft

FIELD_FOR_CODE = {
    "empty_name": "name",
    "name_too_long": "name",
    "no_schedule": "rrule",
    "bad_rrule": "rrule",
    "rrule_no_dates": "rrule",
    "too_frequent": "rrule",
    "overlapping_occurrences": "duration_minutes",
    "bad_time_zone": "time_zone",
    "bad_duration": "duration_minutes",
    "bad_hours": "hours_per_occurrence",
    "pause_out_of_order": "ends_on",
    "pause_in_past": "ends_on",
    "bad_capacity": "hours_per_week",
    "swap_outside_pod": "to_member",
    "swap_with_self": "to_member",
    "member_paused": "to_member",
    "not_their_shift": "their_shift",
    "not_in_pod": "member",
    "bad_kind": "kind",
}

WEEKDAY_CHOICES = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
UNIT_CHOICES = [("DAILY", _("days")), ("WEEKLY", _("weeks")), ("MONTHLY", _("months"))]
NTH_CHOICES = [
    ("", _("—")),
    ("1", _("first")),
    ("2", _("second")),
    ("3", _("third")),
    ("4", _("fourth")),
    ("-1", _("last")),
]


add_service_error = functools.partial(lib_forms.add_service_error, field_for_code=FIELD_FOR_CODE)


class RoleForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"required": True}),
        help_text=_("A specific task, e.g. “Bring meals” or “Saturday grocery run”."),
    )
    description = forms.CharField(
        label=_("What it involves"), required=False, widget=forms.Textarea
    )
    starts_on = forms.DateField(
        label=_("First day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("Starts at (local time)"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    time_zone = forms.CharField(
        label=_("Time zone"), initial="UTC", help_text=_("e.g. America/New_York, Europe/Madrid")
    )
    duration_minutes = forms.IntegerField(
        label=_("How long each time (minutes)"), initial=60, min_value=0
    )
    hours_per_occurrence = forms.DecimalField(
        label=_("Hours of work each time"),
        required=False,
        max_digits=5,
        decimal_places=2,
        help_text=_("Leave empty to count the whole duration."),
    )
    # The friendly builder: "every [interval] [unit] on [weekdays]".
    interval = forms.IntegerField(label=_("Every"), initial=1, min_value=1, max_value=366)
    unit = forms.ChoiceField(
        label=_("Repeat every… (unit)"), choices=UNIT_CHOICES, initial="WEEKLY"
    )
    weekdays = forms.MultipleChoiceField(
        label=_("On these days"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nth = forms.ChoiceField(
        label=_("Monthly: which one of those days"), choices=NTH_CHOICES, required=False
    )
    month_day = forms.IntegerField(
        label=_("Monthly: on day of the month"), required=False, min_value=-1, max_value=31
    )
    rrule = forms.CharField(
        label=_("Or a recurrence rule (RRULE, advanced)"),
        required=False,
        help_text=_("Overrides the choices above, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
    )
    is_critical = forms.BooleanField(
        label=_("Critical: things go wrong if nobody does it"), required=False
    )
    is_organizer_role = forms.BooleanField(
        label=_("Organizer-level role (facilitator, treasurer, call-tree lead): needs a deputy"),
        required=False,
    )

    def schedule_rule(self) -> str:
        data = self.cleaned_data
        if (data.get("rrule") or "").strip():
            return str(data["rrule"])
        try:
            return recurrence.build_rule(
                recurrence.Builder(
                    frequency=data["unit"],
                    interval=data.get("interval") or 1,
                    weekdays=tuple(data.get("weekdays") or ()),
                    month_day=data.get("month_day"),
                    nth=int(data["nth"]) if data.get("nth") else None,
                )
            )
        except recurrence.RecurrenceError:
            return "invalid"  # the service answers with bad_rrule

    def draft(self) -> RoleDraft:
        data = self.cleaned_data
        hours = data.get("hours_per_occurrence")
        return RoleDraft(
            name=data.get("name") or "",
            description=data.get("description") or "",
            rrule=self.schedule_rule(),
            starts_on=data.get("starts_on"),
            start_time=data.get("start_time"),
            time_zone=(data.get("time_zone") or "").strip(),
            duration=timedelta(minutes=data.get("duration_minutes") or 0),
            hours_per_occurrence=Decimal(hours) if hours is not None else None,
            is_critical=bool(data.get("is_critical")),
            is_organizer_role=bool(data.get("is_organizer_role")),
        )


class TakeOnRoleForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How"), choices=RoleHolder.Kind.choices, initial=RoleHolder.Kind.HOLDER
    )


class MemberChoiceField(forms.ModelChoiceField[Member]):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class TrainedForm(forms.Form):
    member = MemberChoiceField(label=_("Who was trained"), queryset=Member.objects.none())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, MemberChoiceField)
        field.queryset = members


class PauseForm(forms.Form):
    starts_on = forms.DateField(
        label=_("Away from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("Back after (last day away)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class CapacityForm(forms.Form):
    hours_per_week = forms.DecimalField(
        label=_("Hours a week I can give"), max_digits=5, decimal_places=1
    )


class ShiftChoiceField(forms.ModelChoiceField[Shift]):
    def label_from_instance(self, obj: Shift) -> str:
        when = obj.local_start.strftime("%Y-%m-%d %H:%M")
        who = obj.assignee.display_name if obj.assignee else ""
        return f"{obj.role.name} · {when} · {who}"


class SwapForm(forms.Form):
    """Any member id parses, so the service can say why someone outside the pod is refused."""

    to_member = MemberChoiceField(label=_("Swap with"), queryset=Member.objects.all())
    their_shift = ShiftChoiceField(
        label=_("In exchange for their shift (optional)"),
        queryset=Shift.objects.select_related("role", "assignee"),
        required=False,
    )

    def __init__(self, *args: Any, members: Any, their_shifts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        to_member = self.fields["to_member"]
        their_shift = self.fields["their_shift"]
        assert isinstance(to_member, MemberChoiceField)
        assert isinstance(their_shift, ShiftChoiceField)
        to_member.widget.choices = [(m.pk, m.display_name) for m in members]
        their_shift.widget.choices = [("", _("No exchange: just hand it over"))] + [
            (s.pk, their_shift.label_from_instance(s)) for s in their_shifts
        ]
