from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "manpower.api"
    label = "api"
    verbose_name = "API"
