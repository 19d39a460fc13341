from django.contrib import admin

from mutua.deliveries.models import DeliveryRun, PlannedVisit, RunDriver, RunStop


@admin.register(DeliveryRun)
class DeliveryRunAdmin(admin.ModelAdmin[DeliveryRun]):
    list_display = ["name", "date", "network", "pod", "status"]
    list_filter = ["status"]
    raw_id_fields = ["created_by"]


@admin.register(RunStop)
class RunStopAdmin(admin.ModelAdmin[RunStop]):
    # The planning location is private: not listed, not editable here.
    list_display = ["label", "run", "kind", "load", "unplaced_reason"]
    exclude = ["location"]
    raw_id_fields = ["run", "request"]


@admin.register(RunDriver)
class RunDriverAdmin(admin.ModelAdmin[RunDriver]):
    list_display = ["member", "run", "capacity"]
    exclude = ["start_location"]
    raw_id_fields = ["run", "member"]


@admin.register(PlannedVisit)
class PlannedVisitAdmin(admin.ModelAdmin[PlannedVisit]):
    list_display = ["run", "driver", "order", "service_at"]
    raw_id_fields = ["run", "driver", "stop"]
