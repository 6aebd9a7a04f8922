"""A withdrawal (terms 3.1, SPEC 2): recorded once, with when and by whom, through any path; the
money side is tested in tests/credits/test_issued_notes.py."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from challenges.services.claims import ClaimData, claim_submit
from core.errors import DomainError
from partners.admin import PartnerAdminForm
from partners.models import Membership, Partner
from partners.services import partner_withdraw
from tests.factories import EndCustomerFactory, PartnerFactory


@pytest.mark.django_db
def test_a_withdrawal_records_when_and_who_and_stops_new_claims(alice, company_a, staff_user):
    before = timezone.now()

    partner = partner_withdraw(partner=company_a, actor=staff_user)

    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.WITHDRAWN
    assert company_a.withdrawn_by == staff_user and company_a.withdrawn_at >= before
    assert partner.withdrawn_at == company_a.withdrawn_at
    membership = Membership.objects.get(user=alice)
    with translation.override("en"), pytest.raises(DomainError):
        claim_submit(
            membership=membership,
            challenge_code="sales_meeting",
            customer=EndCustomerFactory(partner=company_a),
            data=ClaimData(activity_date=timezone.localdate()),
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Partner.Status.WITHDRAWN, "already withdrawn"),
        (Partner.Status.DISQUALIFIED, "cannot withdraw"),
        (Partner.Status.REJECTED, "cannot withdraw"),
    ],
)
def test_only_a_participating_company_can_withdraw_and_only_once(season, status, message):
    partner = PartnerFactory(season=season, status=status)
    recorded = partner.withdrawn_at

    with translation.override("en"), pytest.raises(DomainError, match=message):
        partner_withdraw(partner=partner, actor=None)

    partner.refresh_from_db()
    assert (partner.status, partner.withdrawn_at) == (status, recorded)


@pytest.mark.django_db
def test_a_pending_registration_can_withdraw(season):
    partner = PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)
    assert partner_withdraw(partner=partner, actor=None).status == Partner.Status.WITHDRAWN


@pytest.mark.django_db
def test_the_database_refuses_a_withdrawn_status_without_its_date(company_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Partner.objects.filter(pk=company_a.pk).update(status=Partner.Status.WITHDRAWN)
    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.APPROVED


@pytest.mark.django_db
def test_the_admin_form_refuses_to_turn_a_disqualified_partner_into_a_withdrawn_one(season):
    partner = PartnerFactory(season=season, status=Partner.Status.DISQUALIFIED)
    form = PartnerAdminForm(instance=partner)
    form.cleaned_data = {"status": Partner.Status.WITHDRAWN}
    with translation.override("en"), pytest.raises(ValidationError, match="participating company"):
        form.clean_status()
    form.cleaned_data = {"status": Partner.Status.DISQUALIFIED}
    assert form.clean_status() == Partner.Status.DISQUALIFIED
