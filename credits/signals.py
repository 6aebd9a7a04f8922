"""Recompute the credits when a staff exclusion changes who earns them.

The exclusion is written by `challenges.services.exclusions.exclusion_create`, below this app;
the credits follow it here, after the commit, so the exclusion never waits for a computation.
Until that computation has run, the issue run already skips the excluded customer's lines that
were never on a note (`credits.notes.selectors.open_lines`); lines on a note keep their noted amount
(SPEC 2).
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partners.models import CustomerExclusion

from . import jobs


@receiver(post_save, sender=CustomerExclusion, dispatch_uid="credits_after_exclusion_saved")
@receiver(post_delete, sender=CustomerExclusion, dispatch_uid="credits_after_exclusion_deleted")
def _recompute_after_exclusion(sender, instance, raw=False, **kwargs):
    if raw:
        return
    jobs.credits_compute_on_commit(season_id=instance.season_id)
