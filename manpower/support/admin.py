from typing import Any

from django.contrib import admin

from manpower.support import services
from manpower.support.models import Dispute, Outage


@admin.register(Outage)
class OutageAdmin(admin.ModelAdmin):
    list_display = ("starts_at", "ends_at", "service", "kind", "title_en", "suspends_deadlines")
    list_filter = ("service", "kind")
    exclude = ("recorded_by", "created_at")

    def save_model(self, request: Any, obj: Outage, form: Any, change: bool) -> None:
        services.outage_record(actor=request.user, outage=obj)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("number", "created_at", "person", "state", "finding")
    list_filter = ("state",)
    search_fields = ("number",)
    readonly_fields = [f.name for f in Dispute._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
