from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeagueConfig(AppConfig):
    name = "league"
    verbose_name = _("Seasons and leagues")

    def ready(self):
        from . import signals  # noqa: F401 - connects the receivers
