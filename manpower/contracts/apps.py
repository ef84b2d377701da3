from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContractsConfig(AppConfig):
    name = "manpower.contracts"
    label = "contracts"
    verbose_name = _("Employment contracts")

    def ready(self) -> None:
        from manpower.contracts import handlers, jobs  # noqa: F401  (register outbox handlers and daily jobs)
