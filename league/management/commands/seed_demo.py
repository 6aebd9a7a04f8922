"""A demo season with two leagues, a dozen approved partners, a pending registration and logins,
and a living challenge league: end customers and claims (approved through the services, so the
ledger has entries and the first-customer bonus; some waiting for review, one with a question to
the partner, one rejected, one end customer reported by two partners), academy dates with seats
and a recorded attendance.

Idempotent: running it again changes nothing (a partner that has end customers is left alone, as
is an academy date that exists). It refuses to run without DEBUG unless --force is given, because
it creates accounts with published passwords.
"""

import calendar
import logging
import random
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from challenges.catalogue import CATALOGUE
from challenges.importers import import_user
from challenges.models import AcademyDate, Challenge, Claim
from challenges.services.academy import academy_attendance_record, academy_seat_book
from challenges.services.claims import (
    ClaimData,
    claim_approve,
    claim_ask,
    claim_reject,
    claim_submit,
)
from league.services import season_activate
from partners.models import EndCustomer, Membership, Partner, User
from partners.services import CustomerData, _assign_pseudonym, customer_create
from seasons.models import League, Season

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


# Tenant and subscription IDs of the demo are derived from this namespace, so they are the same
# on every machine (and credits/demo.py finds them in its billing file).
DEMO_NAMESPACE = uuid.UUID("6f1c4a52-93d4-4d6e-a0c2-7a1e3b9d2c10")

CUSTOMERS = (
    ("Hansa Logistik GmbH", "hansa-logistik.de"),
    ("Fischmarkt Digital KG", "fischmarkt-digital.de"),
    ("Alster Kanzlei Partner mbB", "alster-kanzlei.de"),
    ("Reederei Blank GmbH", "reederei-blank.de"),
    ("Bäckerei Sonnenschein GmbH", "baeckerei-sonnenschein.de"),
    ("Autohaus Weiß & Söhne KG", "autohaus-weiss.de"),
    ("Praxis Dr. Lindner", "praxis-lindner.de"),
    ("Stadtwerke Musterstadt GmbH", "stadtwerke-musterstadt.de"),
    ("Brauerei Hopfenglück GmbH", "hopfenglueck.de"),
    ("Maschinenbau Krämer AG", "kraemer-maschinenbau.de"),
    ("Hotel Seeblick GmbH", "hotel-seeblick.de"),
    ("Steuerberatung Vogel", "stb-vogel.de"),
)

# The demo login's company: (customer, challenge, outcome). One of everything a partner sees.
DEMO_STORY = (
    (0, "sql_lead", "approved"),
    (0, "sales_meeting", "approved"),
    (0, "new_customer", "approved"),
    (0, "svc_security", "submitted"),
    (1, "sql_lead", "approved"),
    (1, "presales_sizing", "needs_info"),
    (2, "sales_meeting", "submitted"),
    (3, "svc_databases", "rejected"),
)
# What the other companies did, customer by customer, in the order a sale goes.
FUNNEL = ("sql_lead", "sales_meeting", "presales_sizing", "new_customer")
SERVICES = tuple(spec.code for spec in CATALOGUE if spec.service_group)


@contextmanager
def _quiet_mail():
    """The demo's decisions mail the partners' users: nobody should get them, and with tasks run
    in-process each would log lines on the console."""
    loggers = [logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


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
        with _quiet_mail(), transaction.atomic():
            season = self._season()
            leagues = self._leagues(season)
            self._partners(season, leagues)
            self._users(season)
            self._claims(season)
            self._showcase(season)
            self._academy(season)
        # Outside the seeding transaction: on PostgreSQL the import's COPY writer uses its own
        # connection and must see the partners committed above.
        self._billing(season)
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
                Challenge(season=season, position=i, **spec.challenge_fields())
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

    def _claims(self, season: Season) -> None:
        """End customers and claims of the first ten partners, decided through the services.

        The demo login's company submits as its admin; the others have no users, so their claims
        come in as if imported (by the system user of `import_claims`)."""
        staff = User.objects.get(email=STAFF_LOGIN[0])
        system = import_user()
        last = min(timezone.localdate(), season.end_date)
        partners = Partner.objects.filter(season=season, status=Partner.Status.APPROVED)
        shared_tenant = ""
        for n, partner in enumerate(partners.order_by("partner_id")[:10]):
            if EndCustomer.objects.filter(partner=partner).exists():
                continue  # seeded before
            rng = random.Random(f"demo-claims-{partner.partner_id}")
            membership = partner.memberships.select_related("user").first() or Membership(
                partner=partner, user=system, season=season
            )
            names, story = self._story(n, rng)
            customers = [
                customer_create(
                    partner=partner,
                    data=CustomerData(
                        name=name,
                        tenant_id=str(uuid.uuid5(DEMO_NAMESPACE, f"{partner.partner_id}/{i}")),
                        domain=domain,
                        contact_name="IT-Leitung",
                        contact_email=f"it@{domain}",
                    ),
                    actor=membership.user,
                )
                for i, (name, domain) in enumerate(names)
            ]
            if n == 0:
                shared_tenant = customers[0].tenant_id
            elif n == 1 and shared_tenant:
                # The same end customer reported by two partners: a conflict in the review queue.
                customers.append(
                    customer_create(
                        partner=partner,
                        data=CustomerData(
                            name="Hansa Logistik",
                            tenant_id=shared_tenant,
                            domain="hansa-logistik.de",
                        ),
                        actor=membership.user,
                    )
                )
                story.append((len(customers) - 1, "sales_meeting", "submitted"))
            # Each customer's steps a week apart, from a random start, never after today.
            start = {
                i: rng.randrange(max(1, (last - season.start_date).days))
                for i in range(len(customers))
            }
            step = dict.fromkeys(start, 0)
            for i, code, outcome in story:
                day = min(last, season.start_date + timedelta(days=start[i] + 7 * step[i]))
                step[i] += 1
                self._claim(membership, customers[i], code, outcome, day, staff)

    @staticmethod
    def _story(n: int, rng: random.Random) -> tuple[list, list]:
        """Which customers the n-th partner reported and (customer, challenge, outcome) steps."""
        if n == 0:
            return list(CUSTOMERS[:4]), list(DEMO_STORY)
        names = rng.sample(CUSTOMERS[4:], rng.randint(1, 4))
        story = []
        for i in range(len(names)):
            steps = FUNNEL[: rng.randint(1, len(FUNNEL))]
            if "new_customer" in steps and rng.random() < 0.5:
                steps += (rng.choice(SERVICES),)
            story += [
                (i, code, "submitted" if rng.random() < 0.25 else "approved") for code in steps
            ]
        return names, story

    @staticmethod
    def _claim(membership, customer, code: str, outcome: str, day: date, staff: User) -> None:
        meeting, lead = code in ("sales_meeting", "presales_sizing"), code == "sql_lead"
        claim = claim_submit(
            membership=membership,
            challenge_code=code,
            customer=customer,
            # What the browser's form for this challenge asks for, and nothing else.
            data=ClaimData(
                activity_date=day,
                meeting_date=day if meeting else None,
                distributor_contact="Ingrid Vertrieb (Ingram Micro)" if meeting else "",
                subscription_id=str(uuid.uuid5(DEMO_NAMESPACE, f"sub/{customer.tenant_id}"))
                if code == "new_customer"
                else "",
                bant_budget=lead,
                bant_authority=lead,
                bant_need=lead,
                bant_time=lead,
            ),
        )
        if outcome == "approved":
            claim_approve(claim=claim, reviewer=staff)
        elif outcome == "needs_info":
            claim_ask(
                claim=claim,
                reviewer=staff,
                question="Bitte nennen Sie die Teilnehmer des Termins beim Endkunden.",
            )
        elif outcome == "rejected":
            claim_reject(
                claim=claim,
                reviewer=staff,
                reason="Für diesen Endkunden ist keine Buchung der Services Group Databases zu "
                "sehen.",
            )

    def _academy(self, season: Season) -> None:
        """A past academy date the demo company attended, and one still open for booking."""
        staff = User.objects.get(email=STAFF_LOGIN[0])
        today = timezone.localdate()
        past = AcademyDate.objects.filter(season=season, location="Ingram Micro, Dornach").first()
        if past is None:
            past = AcademyDate.objects.create(
                season=season,
                date=max(season.start_date, today - timedelta(days=20)),
                location="Ingram Micro, Dornach",
            )
            membership = Membership.objects.select_related("partner", "user").get(
                season=season, user__email=PARTNER_LOGIN[0]
            )
            seat = academy_seat_book(
                membership=membership,
                academy=past,
                name="Demo Partner",
                email=membership.user.email,
            )
            academy_attendance_record(seat=seat, attended=True, reviewer=staff)
        AcademyDate.objects.get_or_create(
            season=season,
            location="Online (Microsoft Teams)",
            defaults={"date": min(season.end_date, today + timedelta(days=30))},
        )

    def _showcase(self, season: Season) -> None:
        """The demo login's company gets a new end customer and a new Databases workload at an
        existing customer early in the season, so its credits page shows final lines."""
        from partners.models import EndCustomer

        partner = Partner.objects.get(season=season, partner_id="4100000")
        membership = Membership.objects.select_related("partner", "user").get(
            user__email=PARTNER_LOGIN[0], season=season
        )
        staff = User.objects.get(email=STAFF_LOGIN[0])
        for name, domain, code, days in (
            ("Isar Feinkost GmbH", "isar-feinkost.example", "new_customer", 12),
            ("Elbtal Maschinenbau AG", "elbtal-maschinenbau.example", "svc_databases", 40),
        ):
            tenant = str(uuid.uuid5(DEMO_NAMESPACE, f"showcase/{domain}"))
            customer = EndCustomer.objects.filter(partner=partner, tenant_id=tenant).first()
            if customer is None:
                customer = customer_create(
                    partner=partner,
                    data=CustomerData(name=name, tenant_id=tenant, domain=domain),
                    actor=membership.user,
                )
            if not customer.claims.exists():
                self._claim(
                    membership,
                    customer,
                    code,
                    "approved",
                    season.start_date + timedelta(days=days),
                    staff,
                )

    def _billing(self, season: Season) -> None:
        """A demo billing file through the real import, then the credit computation."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        from credits.billing_import.run import billing_import_run
        from credits.billing_import.upload import billing_import_create
        from credits.computation import credits_compute
        from credits.demo import billing_demo_file
        from credits.models import BillingImport

        if not BillingImport.objects.filter(
            season=season, status=BillingImport.Status.SUCCEEDED
        ).exists():
            upload = SimpleUploadedFile("demo-billing.csv", billing_demo_file(season))
            billing = billing_import_create(
                season=season, uploaded_file=upload, user=None, enqueue=False
            )
            billing_import_run(import_id=billing.pk)
        credits_compute(season=season)

    def _print_logins(self, season: Season) -> None:
        out = self.stdout.write
        out("")
        out(
            f"Demo season: {season.name} (registration open until "
            f"{season.registration_deadline:%d.%m.%Y}): "
            f"{season.leagues.count()} leagues, "
            f"{Partner.objects.filter(season=season, status=Partner.Status.APPROVED).count()} "
            f"approved partners, "
            f"{EndCustomer.objects.filter(partner__season=season).count()} end customers, "
            f"{Claim.objects.filter(partner__season=season).count()} claims"
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
