from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "littlebee.core"
    verbose_name = "Core"
