"""Web pages for roles and shifts. Each view parses, checks access, calls one service, renders.

Rules live in services.py, who-sees-what in access.py, and the signals in reports.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_stubs_ext import StrPromise

from mutua.agreements.services import agreement_of
from mutua.decisions.owners import Owner
from mutua.members.access import active_pod_ids
from mutua.members.decorators import member_required
from mutua.members.models import Member, NetworkMembership, PodMembership
from mutua.schedules import access, ical, reports, services
from mutua.schedules.forms import (
    CapacityForm,
    PauseForm,
    RoleForm,
    SwapForm,
    TakeOnRoleForm,
    TrainedForm,
    add_service_error,
)
from mutua.schedules.models import (
    CalendarFeed,
    MemberCapacity,
    MemberPause,
    Role,
    RoleHolder,
    Shift,
    SwapRequest,
)

UPCOMING = timedelta(weeks=8)


def _pod_members(pod_id: int) -> Any:
    return Member.objects.filter(
        pod_memberships__pod_id=pod_id, pod_memberships__status=PodMembership.Status.ACTIVE
    ).order_by("display_name", "id")


def _owner_members(role: Role) -> Any:
    if role.pod_id is not None:
        return _pod_members(role.pod_id)
    return Member.objects.filter(Q(network_memberships__network_id=role.network_id)).order_by(
        "display_name", "id"
    )


# --- Roles --------------------------------------------------------------------------------


@member_required
def role_list(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_schedule_pod(member, pod_id)
    roles = reports.roles_with_people(pod)
    return render(
        request,
        "schedules/role_list.html",
        {"pod": pod, "roles": roles, "flags": reports.role_flags(roles)},
    )


@member_required
def network_role_list(request: HttpRequest, member: Member, network_id: int) -> HttpResponse:
    """The network's own roles (working groups' roles among them), for everyone in it."""
    network = access.access_schedule_network(member, network_id)
    roles = reports.network_roles_with_people(network)
    return render(
        request,
        "schedules/network_role_list.html",
        {
            "network": network,
            "roles": roles,
            "flags": reports.role_flags(roles),
            "organizes": NetworkMembership.objects.filter(
                member=member, network=network, role=NetworkMembership.Role.ORGANIZER
            ).exists(),
        },
    )


@member_required
def network_role_create(request: HttpRequest, member: Member, network_id: int) -> HttpResponse:
    network = access.access_schedule_network(member, network_id)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.create_role(owner=network, draft=form.draft(), actor=member)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The role is set up and its shifts are scheduled."))
            return redirect(role)
    return render(
        request,
        "schedules/role_form.html",
        {
            "owner_name": network.name,
            "back_url": reverse("schedules:network_role_list", args=[network.pk]),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


@member_required
def role_create(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_schedule_pod(member, pod_id)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.create_role(owner=pod, draft=form.draft(), actor=member)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("The role is set up and its shifts are scheduled."))
            return redirect(role)
    return render(
        request,
        "schedules/role_form.html",
        {
            "owner_name": pod.name,
            "back_url": reverse("schedules:role_list", args=[pod.pk]),
            "form": form,
        },
        status=400 if form.is_bound else 200,
    )


def _render_role(
    request: HttpRequest,
    member: Member,
    role: Role,
    take_form: TakeOnRoleForm | None = None,
    trained_form: TrainedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    role = (
        Role.objects.filter(pk=role.pk)
        .select_related("pod", "network")
        .prefetch_related(
            Prefetch("holders", queryset=RoleHolder.objects.select_related("member")),
            "competences__member",
        )
        .get()
    )
    now = timezone.now()
    shifts = role.shifts.filter(ends_at__gt=now, starts_at__lt=now + UPCOMING).select_related(
        "assignee", "role"
    )
    holders = list(role.holders.all())
    return render(
        request,
        "schedules/role_detail.html",
        {
            "role": role,
            "shifts": shifts,
            "holders": holders,
            "competent": reports.competent_members(role),
            "flags": reports.role_flags([role]),
            "is_holder": any(h.member_id == member.pk for h in holders),
            "take_form": take_form or TakeOnRoleForm(),
            "trained_form": trained_form or TrainedForm(members=_owner_members(role)),
        },
        status=status,
    )


@member_required
def role_detail(request: HttpRequest, member: Member, role_id: int) -> HttpResponse:
    return _render_role(request, member, access.access_role(member, role_id))


@require_POST
@member_required
def role_take_on(request: HttpRequest, member: Member, role_id: int) -> HttpResponse:
    role = access.access_role(member, role_id)
    form = TakeOnRoleForm(request.POST)
    if form.is_valid():
        try:
            services.take_on_role(
                role=role, member=member, kind=form.cleaned_data["kind"], actor=member
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("You took on this role. Thank you."))
            return redirect(role)
    return _render_role(request, member, role, take_form=form, status=400)


@require_POST
@member_required
def role_trained(request: HttpRequest, member: Member, role_id: int) -> HttpResponse:
    role = access.access_role(member, role_id)
    form = TrainedForm(request.POST, members=Member.objects.all())
    if form.is_valid():
        try:
            services.record_training(role=role, member=form.cleaned_data["member"], actor=member)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Noted. One more person can do this role."))
            return redirect(role)
    return _render_role(request, member, role, trained_form=form, status=400)


@member_required
def role_step_down(request: HttpRequest, member: Member, role_id: int) -> HttpResponse:
    """Step one lists the upcoming shifts that will need someone; step two (ticked) steps down."""
    role = access.access_role(member, role_id)
    handover = services.step_down_handover(role=role, member=member)
    context: dict[str, Any] = {"role": role, "handover": handover, "errors": []}
    if request.method == "POST":
        try:
            services.step_down_from_role(
                role=role,
                member=member,
                actor=member,
                confirm_handover=request.POST.get("confirm_handover") == "on",
                seen=request.POST.get("fingerprint", ""),
            )
        except ValidationError as error:
            context["errors"] = error.messages
            context["handover"] = services.step_down_handover(role=role, member=member)
            return render(request, "schedules/role_step_down.html", context, status=400)
        messages.success(
            request, _("You stepped down. Your upcoming shifts of this role are open for others.")
        )
        return redirect(role)
    if not handover.holds:
        return redirect(role)
    return render(request, "schedules/role_step_down.html", context)


# --- Shifts -------------------------------------------------------------------------------


def _shift_actions(member: Member, shift: Shift) -> list[tuple[str, str]]:
    """Buttons worth showing (action, label); the services still decide."""
    now = timezone.now()
    mine = shift.assignee_id == member.pk
    actions: list[tuple[str, str]] = []
    if shift.starts_at > now:
        if mine and shift.status == Shift.Status.ASSIGNED:
            actions.append(("cover", _("Ask for cover")))
        if not mine and shift.status in (Shift.Status.UNFILLED, Shift.Status.COVER_REQUESTED):
            actions.append(("take", _("I'll take this shift")))
    elif mine and shift.status in services.HELD:
        actions.append(("done", _("Mark as done")))
    return actions


@member_required
def shift_detail(request: HttpRequest, member: Member, shift_id: int) -> HttpResponse:
    shift = access.access_shift(member, shift_id)
    protocol = ""
    needs_someone = shift.status in (Shift.Status.UNFILLED, Shift.Status.COVER_REQUESTED)
    if needs_someone:
        # The escalation path the pod agreed on, next to the steps Mutua took so far.
        agreement = agreement_of(Owner.of(shift.role))
        if agreement is not None and agreement.current_version is not None:
            protocol = agreement.current_version.communication
    return render(
        request,
        "schedules/shift_detail.html",
        {
            "shift": shift,
            "needs_someone": needs_someone,
            "protocol": protocol,
            "plan": services.escalation_plan(shift) if needs_someone else [],
            "actions": _shift_actions(member, shift),
            "can_swap": shift.assignee_id == member.pk
            and shift.status in services.HELD
            and shift.starts_at > timezone.now(),
        },
    )


SHIFT_ACTIONS: dict[str, tuple[Callable[..., Shift], StrPromise]] = {
    "cover": (services.ask_for_cover, gettext_lazy("Your neighbours can see you need cover.")),
    "take": (services.take_cover, gettext_lazy("The shift is yours. Thank you.")),
    "done": (services.complete_shift, gettext_lazy("Marked as done. Thank you.")),
}


@require_POST
@member_required
def shift_action(request: HttpRequest, member: Member, shift_id: int, action: str) -> HttpResponse:
    if action not in SHIFT_ACTIONS:
        raise Http404
    shift = access.access_shift(member, shift_id)
    service, done_message = SHIFT_ACTIONS[action]
    try:
        service(shift=shift, actor=member)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done_message)
    return redirect(shift)


@member_required
def shift_swap(request: HttpRequest, member: Member, shift_id: int) -> HttpResponse:
    shift = access.access_shift(member, shift_id)
    role = shift.role
    members = _owner_members(role).exclude(pk=member.pk)
    their_shifts = (
        Shift.objects.filter(
            Q(role__pod_id=role.pod_id) & Q(role__network_id=role.network_id),
            status__in=services.HELD,
            starts_at__gt=timezone.now(),
            starts_at__lt=timezone.now() + UPCOMING,
        )
        .exclude(assignee=member)
        .select_related("role", "assignee")
    )
    form = SwapForm(request.POST or None, members=members, their_shifts=their_shifts)
    if request.method == "POST" and form.is_valid():
        try:
            services.propose_swap(
                shift=shift,
                to_member=form.cleaned_data["to_member"],
                their_shift=form.cleaned_data.get("their_shift"),
                actor=member,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Swap asked. We'll tell you the answer."))
            return redirect("schedules:my_commitments")
    return render(
        request,
        "schedules/shift_swap.html",
        {"shift": shift, "form": form},
        status=400 if form.is_bound else 200,
    )


@require_POST
@member_required
def swap_answer(request: HttpRequest, member: Member, swap_id: int, action: str) -> HttpResponse:
    swap = access.access_swap(member, swap_id)
    if action not in ("accept", "decline"):
        raise Http404
    try:
        if action == "accept":
            services.accept_swap(swap=swap, actor=member)
            messages.success(request, _("Swap accepted. Your shifts are updated."))
        else:
            services.decline_swap(swap=swap, actor=member)
            messages.success(request, _("Swap declined."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("schedules:my_commitments")


# --- My commitments -----------------------------------------------------------------------


def _render_commitments(
    request: HttpRequest,
    member: Member,
    pause_form: PauseForm | None = None,
    capacity_form: CapacityForm | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    load = reports.member_workload(member, now)
    my_shifts = (
        Shift.objects.filter(assignee=member, ends_at__gt=now, starts_at__lt=now + UPCOMING)
        .exclude(status=Shift.Status.DONE)
        .select_related("role", "assignee")
    )
    needing = (
        Shift.objects.needing_someone()
        .filter(
            Q(role__pod_id__in=active_pod_ids(member)),
            starts_at__gt=now,
            starts_at__lt=now + UPCOMING,
        )
        .exclude(assignee=member)
        .select_related("role", "assignee")
    )
    swaps = SwapRequest.objects.filter(status=SwapRequest.Status.PROPOSED).select_related(
        "shift__role", "their_shift__role", "from_member", "to_member"
    )
    capacity = MemberCapacity.objects.filter(member=member).first()
    return render(
        request,
        "schedules/my_commitments.html",
        {
            "load": load,
            "my_shifts": my_shifts,
            "needing": needing,
            "incoming": swaps.filter(to_member=member),
            "outgoing": swaps.filter(from_member=member),
            "pauses": MemberPause.objects.filter(member=member, ends_on__gte=timezone.localdate()),
            "pause_form": pause_form or PauseForm(),
            "capacity_form": capacity_form
            or CapacityForm(
                initial={"hours_per_week": capacity.hours_per_week if capacity else None}
            ),
            "roles": RoleHolder.objects.filter(member=member).select_related(
                "role", "role__pod", "role__network"
            ),
        },
        status=status,
    )


@member_required
def my_commitments(request: HttpRequest, member: Member) -> HttpResponse:
    return _render_commitments(request, member)


@require_POST
@member_required
def my_pause(request: HttpRequest, member: Member) -> HttpResponse:
    """Dates first; then the shifts the break opens for others; then, confirmed, the break."""
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _render_commitments(request, member, pause_form=form, status=400)
    starts_on, ends_on = form.cleaned_data["starts_on"], form.cleaned_data["ends_on"]
    handover = services.pause_handover(member=member, starts_on=starts_on, ends_on=ends_on)
    context: dict[str, Any] = {"form": form, "handover": handover, "errors": []}
    if "fingerprint" not in request.POST:  # step one: show what the break hands on
        try:
            services.check_pause_dates(starts_on=starts_on, ends_on=ends_on)
        except ValidationError as error:
            add_service_error(form, error)
            return _render_commitments(request, member, pause_form=form, status=400)
        return render(request, "schedules/pause_confirm.html", context)
    try:
        services.pause_member(
            member=member,
            actor=member,
            confirm_handover=request.POST.get("confirm_handover") == "on",
            seen=request.POST["fingerprint"],
            **form.cleaned_data,
        )
    except ValidationError as error:
        context["errors"] = error.messages
        return render(request, "schedules/pause_confirm.html", context, status=400)
    messages.success(request, _("Enjoy your break. Your shifts in it are open for others."))
    return redirect("schedules:my_commitments")


@require_POST
@member_required
def my_capacity(request: HttpRequest, member: Member) -> HttpResponse:
    form = CapacityForm(request.POST)
    if form.is_valid():
        try:
            services.set_capacity(
                member=member, hours_per_week=form.cleaned_data["hours_per_week"], actor=member
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("schedules:my_commitments")
    return _render_commitments(request, member, capacity_form=form, status=400)


# --- Pod workload -------------------------------------------------------------------------


@member_required
def pod_workload(request: HttpRequest, member: Member, pod_id: int) -> HttpResponse:
    pod = access.access_schedule_pod(member, pod_id)
    flags, load = reports.pod_flags(pod, timezone.now())
    return render(
        request,
        "schedules/pod_workload.html",
        {"pod": pod, "flags": flags, "load": load, "rows": load.rows},
    )


# --- Calendar feed ------------------------------------------------------------------------


@member_required
def calendar_settings(request: HttpRequest, member: Member) -> HttpResponse:
    """Make a new private link (revoking the old) or turn the feed off; the link shows once."""
    context: dict[str, Any] = {}
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.revoke_calendar_feed(member=member, actor=member)
            messages.success(request, _("Your calendar link is turned off."))
            return redirect("schedules:calendar_settings")
        _feed, secret = services.create_calendar_feed(member=member, actor=member)
        context["feed_url"] = request.build_absolute_uri(
            reverse("schedules:calendar_feed", args=[secret])
        )
    context["has_feed"] = CalendarFeed.objects.filter(member=member, revoked_at=None).exists()
    response = render(request, "schedules/calendar_settings.html", context)
    response["Cache-Control"] = "no-store"  # the link is a secret
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed itself: no sign-in (calendar apps can't), the token is the key."""
    member = access.feed_member(token)
    if member is None:
        raise Http404
    now = timezone.now()
    body = ical.shifts_calendar(
        access.feed_shifts(member, now),
        name=_("Mutua shifts of %(name)s") % {"name": member.display_name},
        now=now,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
