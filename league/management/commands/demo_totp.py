import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from .seed_demo import STAFF_LOGIN, STAFF_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo staff login (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp is for the demo (DEBUG) only.")
        period = getattr(settings, "MFA_TOTP_PERIOD", 30)
        code = format_hotp_value(hotp_value(STAFF_TOTP_SECRET, int(time.time()) // period))
        self.stdout.write(
            f"{STAFF_LOGIN[0]}: {code} (valid for {period - int(time.time()) % period} s)"
        )
