from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "challenges"
    verbose_name = _("Challenges")

    def ready(self):
        # Services start tasks by name (core.jobs): registered in every process.
        from . import tasks  # noqa: F401
