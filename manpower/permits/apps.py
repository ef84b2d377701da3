from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "manpower.permits"
    label = "permits"
    verbose_name = _("Work permits")

    def ready(self) -> None:
        from manpower.permits import handlers, jobs  # noqa: F401  (register outbox handlers and daily jobs)
