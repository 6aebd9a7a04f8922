from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        # Services start tasks by name (core.jobs): every process (web, worker, command) must have
        # them registered, not only the worker that autodiscovers them.
        from . import tasks  # noqa: F401
