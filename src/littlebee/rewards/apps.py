from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RewardsConfig(AppConfig):
    name = "littlebee.rewards"
    verbose_name = _("积分商城")
