"""A demo season with two leagues, a dozen approved partners, a pending registration and logins.

Idempotent: running it again changes nothing. It refuses to run without DEBUG unless --force is
given, because it creates accounts with published passwords.
"""

import calendar
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from challenges.catalogue import CATALOGUE
from challenges.models import Challenge
from league.models import League, Season
from league.services import season_activate
from partners.models import Membership, Partner, User
from partners.services import _assign_pseudonym

DEMO_SLUG = "demo"
PARTNER_LOGIN = ("partner@demo.example", "demo-partner-2025")
COLLEAGUE_LOGIN = ("kollegin@demo.example", "demo-partner-2025")
PENDING_LOGIN = ("neu@demo.example", "demo-partner-2025")
STAFF_LOGIN = ("staff@demo.example", "demo-staff-2025")
# Base32 secret of the demo staff user's authenticator; add it to any TOTP app, or run
# `manage.py demo_totp` for the current code.
STAFF_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

LEAGUES = (
    (
        "Einsteiger-Liga",
        "einsteiger",
        "Partner mit weniger als 50.000 € Azure-Umsatz über Ingram Micro in den zwölf Monaten "
        "vor der Anmeldung.",
    ),
    (
        "Profi-Liga",
        "profi",
        "Partner mit mindestens 50.000 € Azure-Umsatz über Ingram Micro in den zwölf Monaten "
        "vor der Anmeldung.",
    ),
)

COMPANIES = (
    ("Nordlicht IT GmbH", "Hamburg", 0),
    ("Bergwerk Systems GmbH", "München", 1),
    ("Rheinwolke Consulting AG", "Köln", 1),
    ("Elbe Datentechnik GmbH", "Dresden", 0),
    ("Schwarzwald Cloud KG", "Freiburg", 0),
    ("Spree Digital GmbH", "Berlin", 1),
    ("Main Cloud Partners GmbH", "Frankfurt am Main", 1),
    ("Ostsee Netzwerke GmbH", "Rostock", 0),
    ("Alpen IT-Service GmbH", "Rosenheim", 0),
    ("Weser Solutions GmbH", "Bremen", 0),
    ("Neckar Systemhaus GmbH", "Stuttgart", 1),
    ("Ruhr Cloudwerk GmbH", "Essen", 1),
)


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Command(BaseCommand):
    help = "Seed a demo season with leagues, partners and demo logins (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even without DEBUG")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates accounts with known passwords; use --force.")
        with transaction.atomic():
            season = self._season()
            leagues = self._leagues(season)
            self._partners(season, leagues)
            self._users(season)
        self._print_logins(season)

    def _season(self) -> Season:
        today = timezone.localdate()
        start = _add_months(today.replace(day=1), -3)
        season, _ = Season.objects.get_or_create(
            slug=DEMO_SLUG,
            defaults={
                "name": "Demo-Saison",
                "start_date": start,
                "end_date": _add_months(start, 9) - timedelta(days=1),
                # Open for a while so a newcomer can try the registration.
                "registration_deadline": today + timedelta(days=60),
                "usd_per_eur": "1.08",
            },
        )
        if not season.challenges.exists():
            Challenge.objects.bulk_create(
                Challenge(season=season, position=i, **spec.__dict__)
                for i, spec in enumerate(CATALOGUE)
            )
        if not season.is_active:
            season_activate(season=season)
        return season

    def _leagues(self, season: Season) -> list[League]:
        return [
            League.objects.get_or_create(
                season=season,
                slug=slug,
                defaults={"name": name, "criterion": criterion, "position": i},
            )[0]
            for i, (name, slug, criterion) in enumerate(LEAGUES)
        ]

    def _partners(self, season: Season, leagues: list[League]) -> None:
        for i, (name, city, league_index) in enumerate(COMPANIES):
            partner_id = str(4_100_000 + 137 * i)
            if Partner.objects.filter(season=season, partner_id=partner_id).exists():
                continue
            partner = Partner(
                season=season,
                status=Partner.Status.APPROVED,
                league=leagues[league_index],
                name=name,
                customer_number=f"DE{20_000 + 31 * i}",
                partner_id=partner_id,
                street=f"Hauptstraße {i + 1}",
                postal_code=f"{10_000 + 7_919 * i % 89_999:05d}",
                city=city,
                contact_name="Demo-Kontakt",
                contact_email=f"kontakt{i + 1}@demo.example",
                employer_approval_at=timezone.now(),
                terms_accepted_at=timezone.now(),
                privacy_accepted_at=timezone.now(),
                reviewed_at=timezone.now(),
            )
            _assign_pseudonym(partner)
            partner.save()

    def _user(self, email: str, password: str, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, **extra)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _users(self, season: Season) -> None:
        first = Partner.objects.get(season=season, partner_id="4100000")
        for (email, password), role in (
            (PARTNER_LOGIN, Membership.Role.ADMIN),
            (COLLEAGUE_LOGIN, Membership.Role.MEMBER),
        ):
            user = self._user(email, password, first_name="Demo", last_name="Partner")
            Membership.objects.get_or_create(
                user=user, season=season, defaults={"partner": first, "role": role}
            )
        pending_user = self._user(*PENDING_LOGIN, first_name="Neu", last_name="Anmeldung")
        if not Membership.objects.filter(user=pending_user, season=season).exists():
            pending = Partner.objects.create(
                season=season,
                status=Partner.Status.PENDING,
                name="Havelblick IT GmbH",
                customer_number="DE29999",
                partner_id="4199999",
                street="Am Ufer 3",
                postal_code="14467",
                city="Potsdam",
                contact_name="Neu Anmeldung",
                contact_email=PENDING_LOGIN[0],
                registered_by=pending_user,
                employer_approval_at=timezone.now(),
                terms_accepted_at=timezone.now(),
                privacy_accepted_at=timezone.now(),
            )
            Membership.objects.create(
                user=pending_user, partner=pending, season=season, role=Membership.Role.ADMIN
            )
        staff = self._user(*STAFF_LOGIN, is_staff=True, first_name="Demo", last_name="Staff")
        if not Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(staff, STAFF_TOTP_SECRET)

    def _print_logins(self, season: Season) -> None:
        out = self.stdout.write
        out("")
        out(
            f"Demo season: {season.name} (registration open until "
            f"{season.registration_deadline:%d.%m.%Y})"
        )
        out("Demo logins (http://127.0.0.1:8000/accounts/login/):")
        out(f"  partner (company admin): {PARTNER_LOGIN[0]} / {PARTNER_LOGIN[1]}")
        out(f"  partner (colleague):     {COLLEAGUE_LOGIN[0]} / {COLLEAGUE_LOGIN[1]}")
        out(f"  pending registration:    {PENDING_LOGIN[0]} / {PENDING_LOGIN[1]}")
        out(f"  staff:                   {STAFF_LOGIN[0]} / {STAFF_LOGIN[1]}")
        out(
            f"    second factor: TOTP secret {STAFF_TOTP_SECRET} "
            "(or run: .venv/bin/python manage.py demo_totp)"
        )
        out("")
