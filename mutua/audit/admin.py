from django.contrib import admin

from mutua.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["created_at", "action", "object_type", "object_id", "actor"]
    list_filter = ["action", "object_type"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
