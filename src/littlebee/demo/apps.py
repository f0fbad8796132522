from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "littlebee.demo"
    verbose_name = "Demo city"
