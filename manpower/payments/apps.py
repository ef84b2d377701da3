from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PaymentsConfig(AppConfig):
    name = "manpower.payments"
    label = "payments"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from manpower.payments import handlers, jobs, tasks  # noqa: F401  (outbox handlers, daily jobs, tasks)
