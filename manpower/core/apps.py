from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "manpower.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from manpower.core.logging import configure_structlog

        configure_structlog()
