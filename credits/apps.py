from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditsConfig(AppConfig):
    name = "credits"
    verbose_name = _("Consumption credits")

    def ready(self):
        # Connects the guards that refuse changes to issued credit notes and the recompute after
        # an exclusion, in every process (web, worker, shell), not only where the URLs are loaded.
        # "New to Azure" (SPEC 3): the claims below ask the billing through this one function.
        from challenges.billing import register_first_usage_before

        # The tasks too: the services start them by name (credits.jobs).
        from . import signals, tasks  # noqa: F401
        from .notes import guards  # noqa: F401
        from .selectors.usage import azure_first_usage_before

        register_first_usage_before(azure_first_usage_before)
