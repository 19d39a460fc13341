"""The Django admin is for operators only; members use Mutua's own pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutua.members.models import (
    ApiToken,
    Household,
    Member,
    Network,
    NetworkMembership,
    Pod,
    PodMembership,
    SignInCode,
    User,
)


@admin.register(User)
class UserAdmin(admin.ModelAdmin[User]):
    """Operators sign in with email and password; members have no usable password."""

    list_display = ["email", "is_staff", "is_superuser", "is_active", "created_at", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email"]
    ordering = ["email"]
    fields = ["email", "is_active", "is_staff", "is_superuser", "groups", "user_permissions"]
    filter_horizontal = ["groups", "user_permissions"]
    readonly_fields = ["created_at", "last_login"]


class PodInline(admin.TabularInline[Pod, Network]):
    model = Pod
    extra = 0
    fields = ["name", "area", "admission"]
    show_change_link = True


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin[Network]):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PodInline]


class HouseholdInline(admin.TabularInline[Household, Pod]):
    model = Household
    extra = 0


class PodMembershipInline(admin.TabularInline[PodMembership, Pod]):
    model = PodMembership
    extra = 0
    fields = ["member", "household", "status", "role", "requested_at", "decided_at"]
    readonly_fields = ["requested_at", "decided_at"]
    raw_id_fields = ["member", "household"]


@admin.register(Pod)
class PodAdmin(admin.ModelAdmin[Pod]):
    list_display = ["name", "network", "area", "admission"]
    list_filter = ["network", "admission"]
    search_fields = ["name", "area"]
    inlines = [HouseholdInline, PodMembershipInline]


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin[Household]):
    list_display = ["name", "pod"]
    list_filter = ["pod__network"]
    search_fields = ["name", "pod__name"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin[Member]):
    list_display = ["display_name", "user", "preferred_language", "preferred_channel", "created_at"]
    list_filter = ["preferred_language", "preferred_channel"]
    search_fields = ["display_name", "user__email"]
    raw_id_fields = ["user"]


@admin.register(NetworkMembership)
class NetworkMembershipAdmin(admin.ModelAdmin[NetworkMembership]):
    list_display = ["member", "network", "role", "joined_at"]
    list_filter = ["network", "role"]
    search_fields = ["member__display_name"]
    raw_id_fields = ["member"]


@admin.register(PodMembership)
class PodMembershipAdmin(admin.ModelAdmin[PodMembership]):
    list_display = ["member", "pod", "household", "status", "role", "requested_at", "decided_at"]
    list_filter = ["status", "role", "pod__network"]
    search_fields = ["member__display_name", "pod__name"]
    raw_id_fields = ["member", "household", "decided_by"]


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """For looking, not touching: rows written by the sign-in and token services only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SignInCode)
class SignInCodeAdmin(ReadOnlyAdmin):
    # The code hash is never shown: with a short code it would be easy to reverse.
    list_display = ["email", "created_at", "expires_at", "attempts", "used_at"]
    fields = ["email", "created_at", "expires_at", "attempts", "used_at"]
    search_fields = ["email"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "member", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "member", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "member__display_name"]
