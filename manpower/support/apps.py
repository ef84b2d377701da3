from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "manpower.support"
    label = "support"
    verbose_name = _("Support and service status")
