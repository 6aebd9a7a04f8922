"""`manage.py compute_credits`: recompute all credit lines of the current season (SPEC section 7).

Runs the same service as the Celery task, synchronously, and prints what it did.
"""

from django.core.management.base import BaseCommand, CommandError

from credits.computation import credits_compute
from seasons.models import Season


class Command(BaseCommand):
    help = "Recomputes all credit lines of the current season and prints a summary."

    def handle(self, *args, **options):
        season = Season.objects.current()
        if season is None:
            raise CommandError("There is no season; create one first.")
        summary = credits_compute(season=season)
        self.stdout.write(str(summary))
