"""Web pages for the welcome checklist, emergency contacts, and leaving or pausing with a handover.

Each view parses, checks access, calls one service, renders. The checklist is in checklist.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutua.members.decorators import member_required
from mutua.members.models import Member, Pod, PodMembership
from mutua.orientation import access, checklist, services
from mutua.orientation.forms import EmergencyContactForm, PauseForm, add_service_error
from mutua.orientation.models import EmergencyContact


@member_required
def welcome(request: HttpRequest, member: Member) -> HttpResponse:
    pods = list(
        Pod.objects.filter(
            memberships__member=member, memberships__status=PodMembership.Status.ACTIVE
        )
        .select_related("network")
        .order_by("name", "id")
    )
    member = Member.objects.select_related("user").get(pk=member.pk)
    lists = [checklist.checklist(member, pod) for pod in pods]
    return render(request, "orientation/welcome.html", {"lists": lists})


@member_required
@require_POST
def not_now(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_own_pod(member, pod_id)
    services.say_not_now(member=member, pod=pod, actor=member)
    messages.success(request, _("Noted: not now. You can take on a role whenever you are ready."))
    return redirect("orientation:welcome")


@member_required
def emergency_contact(request: HttpRequest, member: Member) -> HttpResponse:
    current = EmergencyContact.objects.filter(member=member).first()
    initial: dict[str, Any] = {}
    if current is not None:
        initial = {
            "name": current.name,
            "phone": current.phone,
            "relationship": current.relationship,
        }
    form = EmergencyContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_emergency_contact(member=member, actor=member, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Your emergency contact is saved."))
            return redirect("orientation:welcome")
    return render(
        request,
        "orientation/emergency_contact_form.html",
        {"form": form, "current": current},
        status=400 if form.is_bound else 200,
    )


@member_required
@require_POST
def emergency_contact_remove(request: HttpRequest, member: Member) -> HttpResponse:
    try:
        services.remove_emergency_contact(member=member, actor=member)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your emergency contact is removed."))
    return redirect("orientation:emergency_contact")


@member_required
def member_emergency_contact(request: HttpRequest, member: Member, member_id: int) -> HttpResponse:
    contact = access.access_emergency_contact(member, member_id)
    return render(request, "orientation/emergency_contact.html", {"contact": contact})


@member_required
def pod_welcomes(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_welcome_pod(member, pod_id)
    lists = checklist.pod_checklists(pod)
    return render(
        request,
        "orientation/pod_welcomes.html",
        {
            "pod": pod,
            "welcoming": checklist.being_welcomed(lists),
            "member_count": len(lists),
            "sees_contacts": access.can_see_emergency_contacts_in(member, pod),
        },
    )


def _render_handover(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(request, template, {**context, "errors": errors or []}, status=status)


@member_required
def leave(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    """Step one lists what needs a new holder; step two (with the box ticked) leaves."""
    pod = access.access_own_pod(member, pod_id)
    preview = services.handover_preview(member, pod)
    context = {"pod": pod, "handover": preview}
    if request.method != "POST":
        return _render_handover(request, "orientation/leave.html", context)
    try:
        services.leave_pod(
            member=member,
            pod=pod,
            actor=member,
            confirm_handover=request.POST.get("confirm_handover") == "on",
            seen=request.POST.get("fingerprint", ""),
        )
    except ValidationError as error:
        return _render_handover(
            request, "orientation/leave.html", context, errors=error.messages, status=400
        )
    messages.success(
        request,
        _("You left %(pod)s. What you held is open for others; thank you for all of it.")
        % {"pod": pod.name},
    )
    return redirect("members:my_pods")


@member_required
def pause(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    """Dates first; then what the break opens for others; then, confirmed, the break."""
    pod = access.access_own_pod(member, pod_id)
    form = PauseForm(request.POST or None)
    context: dict[str, Any] = {"pod": pod, "form": form, "handover": None}
    if request.method != "POST":
        return _render_handover(request, "orientation/pause.html", context)
    if not form.is_valid():
        return _render_handover(request, "orientation/pause.html", context, status=400)
    starts_on: date = form.cleaned_data["starts_on"]
    ends_on: date = form.cleaned_data["ends_on"]
    if ends_on >= starts_on:
        context["handover"] = services.handover_preview(member, pod, ends_on, starts_on=starts_on)
    if "fingerprint" not in request.POST:  # step one: show what the break hands on
        return _render_handover(request, "orientation/pause.html", context)
    try:
        services.pause_with_handover(
            member=member,
            pod=pod,
            starts_on=starts_on,
            ends_on=ends_on,
            note=form.cleaned_data["note"],
            actor=member,
            confirm_handover=request.POST.get("confirm_handover") == "on",
            seen=request.POST["fingerprint"],
        )
    except ValidationError as error:
        add_service_error(form, error)
        return _render_handover(
            request, "orientation/pause.html", context, errors=error.messages, status=400
        )
    messages.success(request, _("Enjoy your break. Your shifts on those days are open for others."))
    return redirect(reverse("schedules:my_commitments"))
