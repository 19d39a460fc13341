"""Operators' view of roles and shifts. Changes go through the services; here one mostly looks."""

from __future__ import annotations

from django.contrib import admin

from mutua.schedules.models import EscalationStep, MemberPause, Role, RoleHolder, Shift, SwapRequest


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["name", "pod", "network", "rrule", "time_zone", "is_critical"]
    list_filter = ["is_critical", "is_organizer_role"]
    search_fields = ["name"]
    list_select_related = ["pod", "network"]
    # The schedule is validated by the service (no open-ended or overlapping schedules).
    readonly_fields = ["rrule", "starts_on", "start_time", "time_zone", "duration", "created_by"]


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin[Shift]):
    list_display = ["role", "starts_at", "assignee", "status"]
    list_filter = ["status"]
    list_select_related = ["role", "assignee"]
    readonly_fields = ["role", "starts_at", "ends_at", "assignee", "status", "done_at"]


@admin.register(RoleHolder)
class RoleHolderAdmin(admin.ModelAdmin[RoleHolder]):
    list_display = ["role", "member", "kind"]
    list_select_related = ["role", "member"]


@admin.register(MemberPause)
class MemberPauseAdmin(admin.ModelAdmin[MemberPause]):
    list_display = ["member", "starts_on", "ends_on"]
    list_select_related = ["member"]


@admin.register(SwapRequest)
class SwapRequestAdmin(admin.ModelAdmin[SwapRequest]):
    list_display = ["shift", "from_member", "to_member", "status"]
    list_select_related = ["shift__role", "from_member", "to_member"]


@admin.register(EscalationStep)
class EscalationStepAdmin(admin.ModelAdmin[EscalationStep]):
    list_display = ["shift", "level", "created_at"]
    list_select_related = ["shift__role"]
