from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HivesConfig(AppConfig):
    name = "littlebee.hives"
    verbose_name = _("蜂巢驿站")
