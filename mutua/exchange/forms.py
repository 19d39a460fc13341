"""Parse what members type into the drafts the services take. The rules live in services.py.

Forms only turn text into values (a pod, an aware datetime); anything that is a rule (an empty
summary, a date in the past, a pod one is not in) comes back from the service as a ValidationError
and is attached to the matching field by ``add_service_error``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mutua.exchange.models import Category, Offer, Request, Scope
from mutua.exchange.services import OfferDraft, RequestDraft
from mutua.lib import forms as lib_forms
from mutua.lib.forms import LocalDateTimeField
from mutua.members.access import active_pod_ids
from mutua.members.models import SPOKEN_LANGUAGES, Member, Pod

# Which field a service error belongs to, so the message sits next to the input it is about.
FIELD_FOR_CODE = {
    "empty_summary": "summary",
    "summary_too_long": "summary",
    "bad_category": "category",
    "bad_scope": "scope",
    "bad_urgency": "urgency",
    "not_in_pod": "pod",
    "needed_by_in_past": "needed_by",
    "window_out_of_order": "needed_by",
    "phone_needs_country_code": "contact_phone",
    "phone_invalid": "contact_phone",
    "empty_description": "description",
    "description_too_long": "description",
    "empty_message": "body",
    "message_too_long": "body",
    "bad_skill": "skill_needed",
    "bad_language": "language_wanted",
}
# Offers name their window differently.
OFFER_FIELD_FOR_CODE = {**FIELD_FOR_CODE, "window_out_of_order": "available_until"}


def add_service_error(
    form: forms.Form, error: ValidationError, field_for_code: dict[str, str] = FIELD_FOR_CODE
) -> None:
    lib_forms.add_service_error(form, error, field_for_code)


def member_pods(member: Member) -> QuerySet[Pod]:
    return Pod.objects.filter(pk__in=active_pod_ids(member)).select_related("network")


class _SectionedForm(forms.Form):
    """A form shown in two parts: what neighbours see, and the private box."""

    private_fields: tuple[str, ...] = ()

    def public_part(self) -> list[forms.BoundField]:
        return [field for field in self if field.name not in self.private_fields]

    def private_part(self) -> list[forms.BoundField]:
        return [self[name] for name in self.private_fields]


class PodChoiceField(forms.ModelChoiceField[Pod]):
    def label_from_instance(self, obj: Pod) -> str:
        return f"{obj.name} ({obj.network.name})"


class _PodForm(_SectionedForm):
    """Offers the member's own pods; any pod id still parses so the service can give its reason."""

    pod = PodChoiceField(label=_("Pod"), queryset=Pod.objects.select_related("network"))
    scope = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Scope.choices,
        initial=Scope.POD,
        widget=forms.RadioSelect,
    )
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        pods = list(member_pods(member))
        pod_field = self.fields["pod"]
        assert isinstance(pod_field, PodChoiceField)
        pod_field.widget.choices = [(pod.pk, pod_field.label_from_instance(pod)) for pod in pods]
        if pods and "pod" not in self.initial:
            self.initial["pod"] = pods[0].pk


class RequestForm(_PodForm):
    summary = forms.CharField(
        label=_("Short public summary"),
        # The service says what is wrong with an empty or long summary; the browser helps early.
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 140, "required": True}),
        help_text=_("Everyone who can see the request reads this. Keep it short."),
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"), choices=Request.Urgency.choices, initial="normal"
    )
    needed_from = LocalDateTimeField(label=_("Needed from"))
    needed_by = LocalDateTimeField(label=_("Needed by"))
    area = forms.CharField(
        label=_("Approximate area"),
        required=False,
        max_length=120,
        help_text=_("A street or a landmark nearby — never your exact address."),
    )
    address = forms.CharField(
        label=_("Exact address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    details = forms.CharField(
        label=_("Private details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    access_notes = forms.CharField(
        label=_("Access notes"),
        required=False,
        help_text=_("e.g. ring twice, the side door, the dog is friendly"),
    )
    skill_needed = forms.CharField(
        label=_("Skill or certificate the helper needs (optional)"),
        required=False,
        max_length=80,
        help_text=_("e.g. first aid, food handling, driver's licence"),
    )
    language_wanted = forms.ChoiceField(
        label=_("The helper should speak (optional)"),
        required=False,
        choices=[("", _("Any language")), *SPOKEN_LANGUAGES],
    )
    contact_phone = forms.CharField(
        label=_("Phone for this request"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("International format, e.g. +15551234567. Empty: the phone in your profile."),
    )

    field_order = [
        "pod",
        "scope",
        "category",
        "summary",
        "urgency",
        "needed_from",
        "needed_by",
        "area",
        "skill_needed",
        "language_wanted",
    ]
    private_fields = ("address", "details", "access_notes", "contact_phone")

    def _moment(self, name: str) -> datetime | None:
        """The input has minute precision: a value left as it was keeps its stored seconds."""
        value: datetime | None = self.cleaned_data[name]
        before = self.initial.get(name)
        if isinstance(before, datetime) and value == before.replace(second=0, microsecond=0):
            return before
        return value

    def draft(self) -> RequestDraft:
        data = self.cleaned_data
        return RequestDraft(
            pod=data["pod"],
            scope=data["scope"],
            category=data["category"],
            summary=data["summary"],
            urgency=data["urgency"],
            needed_from=self._moment("needed_from"),
            needed_by=self._moment("needed_by"),
            area=data["area"],
            address=data["address"],
            details=data["details"],
            access_notes=data["access_notes"],
            contact_phone=data["contact_phone"],
            skill_needed=data.get("skill_needed", ""),
            language_wanted=data.get("language_wanted", ""),
        )


class AnswerOfferForm(_SectionedForm):
    """Take up an offer: a few words, when, and what the helper needs to know privately."""

    pod = PodChoiceField(label=_("Your pod"), queryset=Pod.objects.select_related("network"))
    summary = forms.CharField(
        label=_("Short public summary"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 140, "required": True}),
    )
    needed_by = LocalDateTimeField(label=_("Needed by"))
    address = forms.CharField(
        label=_("Exact address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    details = forms.CharField(
        label=_("Private details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    private_fields = ("address", "details")

    def __init__(self, *args: Any, member: Member, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        pods = list(member_pods(member))
        pod_field = self.fields["pod"]
        assert isinstance(pod_field, PodChoiceField)
        pod_field.widget.choices = [(pod.pk, pod_field.label_from_instance(pod)) for pod in pods]
        if pods and "pod" not in self.initial:
            self.initial["pod"] = pods[0].pk
        self.initial.setdefault("summary", offer.description[:140])

    def draft(self) -> RequestDraft:
        data = self.cleaned_data
        return RequestDraft(
            pod=data["pod"],
            # Already matched with the helper, so the pod is the narrowest fitting scope.
            scope=Scope.POD,
            category=self.offer.category,
            summary=data["summary"],
            needed_by=data["needed_by"],
            address=data["address"],
            details=data["details"],
        )


class OfferForm(_PodForm):
    description = forms.CharField(
        label=_("What you offer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 280, "required": True}),
    )
    quantity = forms.CharField(
        label=_("How much or how often"),
        required=False,
        max_length=120,
        help_text=_("e.g. 2 meals a week"),
    )
    available_from = LocalDateTimeField(label=_("Available from"))
    available_until = LocalDateTimeField(label=_("Available until"))
    availability_note = forms.CharField(
        label=_("When you are available"),
        required=False,
        max_length=120,
        help_text=_("e.g. weekday evenings"),
    )

    field_order = [
        "category",
        "description",
        "quantity",
        "available_from",
        "available_until",
        "availability_note",
        "pod",
        "scope",
    ]

    def draft(self) -> OfferDraft:
        data = self.cleaned_data
        return OfferDraft(
            pod=data["pod"],
            scope=data["scope"],
            category=data["category"],
            description=data["description"],
            quantity=data["quantity"],
            available_from=data["available_from"],
            available_until=data["available_until"],
            availability_note=data["availability_note"],
        )


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 1000, "required": True}),
    )


class RequestFilterForm(forms.Form):
    """The list's filters: plain GET parameters, so they work without JavaScript."""

    SHOW_ACTIVE = "active"
    SHOW_OPEN = "open"
    SHOW_ALL = "all"

    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )
    where = forms.ChoiceField(label=_("Where"), required=False)
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (SHOW_ACTIVE, _("Open and being helped")),
            (SHOW_OPEN, _("Open only")),
            (SHOW_ALL, _("All, including closed")),
        ],
    )

    def __init__(self, *args: Any, member: Member, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        where = self.fields["where"]
        assert isinstance(where, forms.ChoiceField)
        where.choices = [
            ("", _("Everywhere I can see")),
            ("network", _("Shared with the whole network")),
            *[(f"pod-{pod.pk}", pod.name) for pod in member_pods(member)],
        ]


class OfferFilterForm(forms.Form):
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Category.choices]
    )


class ProposeForm(forms.Form):
    """Which helper a dispatcher proposes for a request (the service checks the fit)."""

    helper = forms.IntegerField(widget=forms.HiddenInput)
