from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "manpower.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from manpower.notifications import handlers, jobs  # noqa: F401  (registers outbox handlers and daily jobs)
        from manpower.notifications.handlers import record_sign_in

        user_logged_in.connect(record_sign_in, dispatch_uid="notifications.sign_in")
