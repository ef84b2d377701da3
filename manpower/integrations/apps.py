from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "manpower.integrations"
    label = "integrations"
    verbose_name = _("Other authorities")

    def ready(self) -> None:
        from manpower.integrations import handlers  # noqa: F401  (outbox handlers, the scheduler's sweep)
