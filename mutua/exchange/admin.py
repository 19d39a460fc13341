"""Operators' view of the exchange. Private details (RequestPrivate) are deliberately absent."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from mutua.exchange.models import Message, Offer, Request, StatusChange
from mutua.lib.admin import ReadOnlyAdmin


class StatusChangeInline(admin.TabularInline[StatusChange, Request]):
    model = StatusChange
    fields = ["created_at", "from_status", "to_status", "actor"]
    readonly_fields = ["created_at", "from_status", "to_status", "actor"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Request | None = None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(admin.ModelAdmin[Request]):
    # Only public fields: the address and private notes live in RequestPrivate, not shown here.
    list_display = ["summary", "status", "category", "urgency", "pod", "requester", "created_at"]
    list_filter = ["status", "category", "urgency", "scope", "network"]
    search_fields = ["summary"]
    list_select_related = ["pod", "requester"]
    fields = [
        "summary",
        "category",
        "urgency",
        "scope",
        "network",
        "pod",
        "area",
        "needed_from",
        "needed_by",
        "requester",
        "status",
        "claimed_by",
        "from_offer",
        "created_at",
        "claimed_at",
        "fulfilled_at",
        "confirmed_at",
        "cancelled_at",
    ]
    # Status and claims change only through the services (one winner, audit rows, emails).
    readonly_fields = [
        "requester",
        "network",
        "pod",
        "status",
        "claimed_by",
        "from_offer",
        "created_at",
        "claimed_at",
        "fulfilled_at",
        "confirmed_at",
        "cancelled_at",
    ]
    inlines = [StatusChangeInline]


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin[Offer]):
    list_display = ["description", "status", "category", "pod", "offerer", "created_at"]
    list_filter = ["status", "category", "scope", "network"]
    search_fields = ["description"]
    list_select_related = ["pod", "offerer"]
    readonly_fields = ["offerer", "network", "pod", "status", "created_at", "withdrawn_at"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["request", "author", "created_at"]
    list_select_related = ["request", "author"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["request", "from_status", "to_status", "actor", "created_at"]
    list_filter = ["to_status"]
    list_select_related = ["request", "actor"]
