from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "manpower.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from django.core.signals import got_request_exception

        from manpower.core.db import close_after_stale_plan
        from manpower.core.logging import configure_structlog

        configure_structlog()
        got_request_exception.connect(close_after_stale_plan, dispatch_uid="manpower.core.close_after_stale_plan")
