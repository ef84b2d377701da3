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
        # The sender in the worker takes these events in batches; a task per event would only repeat its work.
        from manpower.core import outbox
        from manpower.notifications import events
        from manpower.notifications.tasks import notices_only

        outbox.swept(*[topic for topic in events.BUILDERS if notices_only(topic)])
