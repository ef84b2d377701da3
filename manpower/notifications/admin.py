"""The administration of notifications: templates edited with their SMS length and a preview, every edit kept
as a version and audited; messages, receipts and reminders to look at (not to change)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from manpower.core.errors import DomainError
from manpower.notifications import events, services
from manpower.notifications.models import Message, Receipt, Reminder, Template, TemplateVersion
from manpower.notifications.segments import fill, placeholders, sms_length


def sample_values(event: str) -> dict[str, str]:
    spec = events.EVENTS.get(event)
    return {name: f"[{name}]" for name in (spec.placeholders if spec else ())}


class TemplateForm(forms.ModelForm):
    class Meta:
        model = Template
        fields = ["subject", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 90, "dir": "auto",
                                                 "data-sms-counter": "1"}),
                   "subject": forms.TextInput(attrs={"size": 90, "dir": "auto"})}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            services.template_check(self.instance.event, self.instance.channel, data.get("subject", "") or "",
                                    data.get("body", "") or "")
        except DomainError as error:
            raise forms.ValidationError({error.field or "body": error.message()}) from None
        return data


class TemplateVersionInline(admin.TabularInline):
    model = TemplateVersion
    extra = 0
    can_delete = False
    fields = ("version", "subject", "body", "created_at", "created_by", "source")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    form = TemplateForm
    list_display = ["event", "channel", "language", "version", "length", "updated_at", "updated_by"]
    list_filter = ["channel", "language", "event"]
    search_fields = ["event", "subject", "body"]
    readonly_fields = ["event", "channel", "language", "version", "allowed_placeholders", "length", "preview"]
    fields = ["event", "channel", "language", "version", "allowed_placeholders", "subject", "body", "length", "preview"]
    inlines = [TemplateVersionInline]

    class Media:
        js = ["notifications/sms-counter.js"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # templates come from the events the platform knows (manpower setup)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("placeholders this event provides"))
    def allowed_placeholders(self, obj: Template) -> str:
        spec = events.EVENTS.get(obj.event)
        used = set(placeholders(obj.subject) + placeholders(obj.body))
        return format_html_join(" ", "<code>(({}))</code>{}", ((name, " ✓" if name in used else "")
                                                            for name in (spec.placeholders if spec else ())))

    @admin.display(description=_("SMS length"))
    def length(self, obj: Template) -> str:
        if obj.channel != "sms":
            return "—"
        sample = fill(obj.body, sample_values(obj.event))
        result = sms_length(sample)
        return _("%(segments)s part(s), %(characters)s characters, %(encoding)s (%(per)s per part)") % {
            "segments": result.segments, "characters": result.characters, "encoding": result.encoding,
            "per": result.per_segment}

    @admin.display(description=_("preview with sample values"))
    def preview(self, obj: Template) -> str:
        values = sample_values(obj.event)
        direction = "rtl" if obj.language == "ar" else "ltr"
        return format_html('<div dir="{}" lang="{}" style="border:1px solid #ccc;padding:.6rem;max-width:40rem">'
                           "<strong>{}</strong><p style='white-space:pre-wrap'>{}</p></div>", direction, obj.language,
                           fill(obj.subject, values), fill(obj.body, values))

    def save_model(self, request: HttpRequest, obj: Template, form: Any, change: bool) -> None:
        saved = services.template_update(actor=request.user, template=obj,  # type: ignore[arg-type]
                                         subject=form.cleaned_data.get("subject", ""),
                                         body=form.cleaned_data.get("body", ""))
        obj.version = saved.version


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(ReadOnly):
    list_display = ["reference", "event", "channel", "language", "to", "status", "attempts", "created_at",
                    "accepted_at", "completed_at"]
    list_filter = ["status", "channel", "language", "kind", "event"]
    search_fields = ["reference", "to", "event_key", "provider_id"]
    date_hierarchy = "created_at"


@admin.register(Receipt)
class ReceiptAdmin(ReadOnly):
    list_display = ["provider", "receipt_id", "reference", "status", "failure_code", "received_at", "applied_at"]
    list_filter = ["provider", "status"]
    search_fields = ["reference", "receipt_id"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnly):
    list_display = ["event", "subject_id", "due_on", "days_before", "remind_on", "status", "done_at"]
    list_filter = ["event", "status"]
    search_fields = ["subject_id"]

