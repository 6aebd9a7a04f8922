"""Keep the cached league tables current: every change that can alter a table bumps its version
after the transaction commits (league.leaderboard).

These are signals rather than calls in the services because the admin, the importers and the
demo change the same rows; a ledger entry is only ever created (never changed), so `created` is
the only case that matters for it.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from challenges.models import Challenge, LedgerEntry
from partners.models import Partner
from seasons.models import League, Season

from . import leaderboard
from .models import SpecialPrize


@receiver(post_save, sender=LedgerEntry)
def ledger_entry_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        leaderboard.partner_changed(instance.partner_id)


@receiver(post_save, sender=Partner)
@receiver(post_delete, sender=Partner)
def partner_saved(sender, instance, raw=False, **kwargs):
    # A status or league change moves the partner between tables: the whole season is bumped,
    # since the league it left is no longer known here.
    if not raw:
        leaderboard.season_changed(instance.season_id)


@receiver(post_save, sender=Challenge)
@receiver(post_delete, sender=Challenge)
@receiver(post_save, sender=League)
@receiver(post_delete, sender=League)
@receiver(post_save, sender=Season)
@receiver(post_delete, sender=Season)
def season_or_league_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        season_id = instance.pk if sender is Season else instance.season_id
        leaderboard.season_changed(season_id, directory=True)


@receiver(post_save, sender=SpecialPrize)
@receiver(post_delete, sender=SpecialPrize)
def prize_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        leaderboard.season_changed(instance.season_id)
