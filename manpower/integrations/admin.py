from django.contrib import admin

from manpower.integrations.models import AuthorityRequest


@admin.register(AuthorityRequest)
class AuthorityRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "authority", "kind", "person", "status", "attempts", "last_outcome", "next_attempt_at",
                    "created_at", "answered_at")
    list_filter = ("authority", "kind", "status")
    search_fields = ("person__passport_number", "correlation_id")
    readonly_fields = [f.name for f in AuthorityRequest._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
