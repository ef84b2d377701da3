from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "manpower.audit"
    label = "audit"
    verbose_name = "Audit trail"
