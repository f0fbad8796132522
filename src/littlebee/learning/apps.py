from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "littlebee.learning"
    verbose_name = _("认真学")
