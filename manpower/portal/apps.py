from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "manpower.portal"
    label = "portal"
    verbose_name = "Portal"
