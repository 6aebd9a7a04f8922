import uuid
from datetime import date, timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone

from challenges.catalogue import CATALOGUE
from challenges.models import Challenge, Claim
from credits.models import CreditLine
from partners.models import EndCustomer, Invitation, Membership, Partner, User
from seasons.models import League, Season


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)
        if create:
            self.save()


class SeasonFactory(factory.django.DjangoModelFactory):
    """An open season: started recently, registration still possible, marked current."""

    class Meta:
        model = Season
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"s{n}")
    name = factory.Sequence(lambda n: f"Season {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=240))
    registration_deadline = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=10))
    is_active = True

    @factory.post_generation
    def catalogue(self, create, extracted, **kwargs):
        if create and extracted is not False:
            Challenge.objects.bulk_create(
                Challenge(season=self, position=i, **spec.challenge_fields())
                for i, spec in enumerate(CATALOGUE)
            )


class LeagueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = League

    season = factory.SubFactory(SeasonFactory)
    name = factory.Sequence(lambda n: f"Liga {n}")
    slug = factory.Sequence(lambda n: f"liga-{n}")
    criterion = "Nach Azure-Umsatz im Vorjahr."


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    season = factory.SubFactory(SeasonFactory)
    league = factory.LazyAttribute(
        lambda o: o.season.leagues.first() or LeagueFactory(season=o.season)
    )
    status = Partner.Status.APPROVED
    name = factory.Sequence(lambda n: f"Reseller {n} GmbH")
    customer_number = factory.Sequence(lambda n: f"DE{10000 + n}")
    partner_id = factory.Sequence(lambda n: str(5_000_000 + n))
    street = "Hauptstraße 1"
    postal_code = "80331"
    city = "München"
    contact_name = "Erika Mustermann"
    contact_email = factory.Sequence(lambda n: f"contact{n}@example.com")
    pseudonym_number = factory.Sequence(lambda n: 500 + n)
    withdrawn_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Partner.Status.WITHDRAWN else None
    )
    employer_approval_at = factory.LazyFunction(timezone.now)
    terms_accepted_at = factory.LazyFunction(timezone.now)
    privacy_accepted_at = factory.LazyFunction(timezone.now)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    season = factory.SelfAttribute("partner.season")
    role = Membership.Role.ADMIN


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    partner = factory.SubFactory(PartnerFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")


def past_season(**kwargs) -> Season:
    """A current season whose registration deadline has passed."""
    today = timezone.localdate()
    defaults = {
        "start_date": today - timedelta(days=60),
        "end_date": today + timedelta(days=200),
        "registration_deadline": today - timedelta(days=61),
    }
    return SeasonFactory(**{**defaults, **kwargs})


__all__ = ["date"]


class EndCustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EndCustomer

    partner = factory.SubFactory(PartnerFactory)
    season = factory.SelfAttribute("partner.season")
    name = factory.Sequence(lambda n: f"Endkunde {n} GmbH")
    tenant_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    domain = factory.Sequence(lambda n: f"endkunde{n}.example")
    contact_name = "Max Kunde"
    contact_email = factory.Sequence(lambda n: f"it{n}@endkunde.example")


class ClaimFactory(factory.django.DjangoModelFactory):
    """A submitted claim; `status` other than submitted skips the services (use claim_approve
    to get ledger entries)."""

    class Meta:
        model = Claim

    customer = factory.SubFactory(EndCustomerFactory)
    partner = factory.SelfAttribute("customer.partner")
    season = factory.SelfAttribute("partner.season")
    challenge = factory.LazyAttribute(lambda o: Challenge.objects.get(season=o.season, code=o.code))
    count_key = factory.LazyAttribute(
        lambda o: "partner" if o.code == "academy" else f"customer:{o.customer.pk}"
    )
    activity_date = factory.LazyAttribute(lambda o: o.season.start_date + timedelta(days=1))
    meeting_date = factory.SelfAttribute("activity_date")
    distributor_contact = "Ingrid Sales"
    subscription_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    bant_budget = bant_authority = bant_need = bant_time = True

    class Params:
        code = "sales_meeting"


class CreditLineFactory(factory.django.DjangoModelFactory):
    """A settled 10 € credit of a new end customer, booked in the season's first month, as the
    computation would store it (pass `customer=EndCustomerFactory(partner=...)`)."""

    class Meta:
        model = CreditLine

    customer = factory.SubFactory(EndCustomerFactory)
    partner = factory.SelfAttribute("customer.partner")
    season = factory.SelfAttribute("partner.season")
    customer_tenant_id = factory.SelfAttribute("customer.tenant_id")
    kind = CreditLine.Kind.NEW_CUSTOMER
    booking_month = factory.LazyAttribute(lambda o: o.season.start_date.replace(day=1))
    first_usage_date = factory.SelfAttribute("season.start_date")
    consumption_eur = Decimal("10.00")
    credit_eur = Decimal("10.00")
    status = CreditLine.Status.FINAL
