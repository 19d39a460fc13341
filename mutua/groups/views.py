"""Web pages for working groups. Each view parses, checks access, calls one service, renders."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mutua.decisions.forms import add_service_error as add_decision_error
from mutua.decisions.owners import Owner
from mutua.groups import access, reports, services
from mutua.groups.forms import AppointForm, GroupForm, GroupProposalForm, add_service_error
from mutua.groups.models import SUGGESTED_FUNCTIONS, WorkingGroup
from mutua.members.decorators import member_required
from mutua.members.models import Member
from mutua.schedules.forms import RoleForm
from mutua.schedules.forms import add_service_error as add_role_error


@member_required
def group_list(request: HttpRequest, member: Member, network_id: int) -> HttpResponse:
    network = access.access_network(member, network_id)
    groups = reports.groups_of(network)
    rows = [
        {"group": g, "convener": reports.convener(g), "deputy": reports.deputy(g)} for g in groups
    ]
    return render(
        request,
        "groups/group_list.html",
        {"network": network, "rows": rows, "flags": reports.group_flags(groups)},
    )


@member_required
def group_create(request: HttpRequest, member: Member, network_id: int) -> HttpResponse:
    network = access.access_network(member, network_id)
    form = GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.create_group(
                network=network,
                name=form.cleaned_data["name"],
                purpose=form.cleaned_data["purpose"],
                actor=member,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("The group is formed and you convene it. Now name a deputy.")
            )
            return redirect(group)
    return render(
        request,
        "groups/group_form.html",
        {"network": network, "form": form, "suggestions": SUGGESTED_FUNCTIONS},
        status=400 if form.is_bound else 200,
    )


def _render_group(
    request: HttpRequest,
    member: Member,
    group: WorkingGroup,
    *,
    appoint_form: AppointForm | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    group = reports.group_with_people(group.pk)
    memberships = list(group.memberships.all())
    people = [m.member for m in memberships]
    mine = next((m for m in memberships if m.member_id == member.pk), None)
    roles = reports.group_roles(group)
    context: dict[str, Any] = {
        "group": group,
        "memberships": memberships,
        "convener": reports.convener(group),
        "deputy": reports.deputy(group),
        "mine": mine,
        "roles": roles,
        "proposals": reports.group_open_proposals(group),
        "flags": reports.all_flags(group, roles),
        "can_manage": services.can_manage(group, member),
        "appoint_form": appoint_form or AppointForm(people=people),
        "errors": errors or [],
    }
    return render(request, "groups/group_detail.html", context, status=status)


@member_required
def group_detail(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    return _render_group(request, member, access.access_group(member, group_id))


@member_required
@require_POST
def group_join(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    group = access.access_group(member, group_id)
    try:
        services.join_group(group=group, actor=member)
    except ValidationError as error:
        return _render_group(request, member, group, errors=error.messages, status=400)
    messages.success(request, _("You joined %(group)s.") % {"group": group.name})
    return redirect(group)


@member_required
@require_POST
def group_leave(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    group = access.access_group(member, group_id)
    try:
        services.leave_group(group=group, actor=member)
    except ValidationError as error:
        return _render_group(request, member, group, errors=error.messages, status=400)
    messages.success(request, _("You left %(group)s.") % {"group": group.name})
    return redirect(group)


@member_required
@require_POST
def group_appoint(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    group = access.access_group(member, group_id)
    people = list(
        Member.objects.filter(group_memberships__group=group).order_by("display_name", "id")
    )
    form = AppointForm(request.POST, people=people)
    if form.is_valid():
        try:
            services.appoint(
                group=group,
                member=form.cleaned_data["member"],
                position=form.cleaned_data["position"],
                actor=member,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved. The group page shows who convenes it now."))
            return redirect(group)
    return _render_group(request, member, group, appoint_form=form, status=400)


@member_required
def group_role_create(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    group = access.access_group(member, group_id)
    form = RoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            role = services.create_group_role(group=group, draft=form.draft(), actor=member)
        except ValidationError as error:
            add_role_error(form, error)
        else:
            messages.success(request, _("The role is set up and its shifts are scheduled."))
            return redirect(role)
    return render(
        request,
        "groups/group_role_form.html",
        {"group": group, "form": form},
        status=400 if form.is_bound else 200,
    )


@member_required
def group_proposal_create(request: HttpRequest, member: Member, group_id: int) -> HttpResponse:
    group = access.access_group(member, group_id)
    initial = {"process": "consent", "kind": "free_text"}
    form = GroupProposalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.create_group_proposal(
                group=group, draft=form.draft(Owner(network=group.network)), actor=member
            )
        except ValidationError as error:
            add_decision_error(form, error)
        else:
            messages.success(request, _("Your proposal is open for votes."))
            return redirect(proposal)
    return render(
        request,
        "groups/group_proposal_form.html",
        {"group": group, "form": form},
        status=400 if form.is_bound else 200,
    )
