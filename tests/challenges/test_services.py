"""Hand-written cases of the claim services: the first-customer bonus, "counted at most",
decisions, disqualification, exclusions, the academy and training redemptions."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from challenges import selectors
from challenges.models import AcademyDate, AcademySeat, Challenge, Claim, LedgerEntry, Redemption
from challenges.services.academy import academy_attendance_record, academy_seat_book
from challenges.services.claims import (
    ClaimData,
    claim_answer,
    claim_approve,
    claim_ask,
    claim_reject,
    claim_revoke,
    claim_submit,
    claim_withdraw,
)
from challenges.services.disqualification import partner_disqualify
from challenges.services.redemptions import redemption_decide, redemption_request
from core.errors import DomainError
from partners import services as partner_services
from partners.models import CustomerExclusion, Partner
from tests.factories import ClaimFactory, EndCustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    # The tests match the services' messages.
    with translation.override("en"):
        yield


def membership_of(user):
    return user.memberships.select_related("partner__season", "user").get()


def claim_data(season, **overrides):
    values = {
        "activity_date": season.start_date + timedelta(days=1),
        "meeting_date": season.start_date + timedelta(days=1),
        "distributor_contact": "Ingrid Sales",
        "subscription_id": str(uuid.uuid4()),
        "bant_budget": True,
        "bant_authority": True,
        "bant_need": True,
        "bant_time": True,
    }
    return ClaimData(**{**values, **overrides})


def submit(user, code="sales_meeting", customer=None, **data):
    membership = membership_of(user)
    customer = customer or EndCustomerFactory(partner=membership.partner)
    return claim_submit(
        membership=membership,
        challenge_code=code,
        customer=customer,
        data=claim_data(membership.partner.season, **data),
    )


def approve(claim, staff):
    return claim_approve(claim=claim, reviewer=staff)


def ledger(partner):
    return list(
        LedgerEntry.objects.filter(partner=partner)
        .order_by("pk")
        .values_list("kind", "points", "claim_id", "challenge__code")
    )


def points(partner):
    return selectors.partner_points(partner)


# --- The first-customer bonus --------------------------------------------------------------------


def test_first_approved_new_customer_grants_the_bonus_and_the_second_does_not(
    alice, company_a, staff_user
):
    first, second = submit(alice, "new_customer"), submit(alice, "new_customer")
    assert points(company_a) == 0  # submitting earns nothing

    approve(first, staff_user)
    assert points(company_a) == 400
    assert ledger(company_a) == [
        ("grant", 200, first.pk, "new_customer"),
        ("bonus", 200, first.pk, "first_customer_bonus"),
    ]

    approve(second, staff_user)
    assert points(company_a) == 600
    assert [e for e in ledger(company_a) if e[0] == "bonus"] == [
        ("bonus", 200, first.pk, "first_customer_bonus")
    ]


def test_bonus_is_kept_while_a_new_customer_remains_removed_with_the_last_and_granted_again(
    alice, company_a, staff_user
):
    first, second = submit(alice, "new_customer"), submit(alice, "new_customer")
    approve(first, staff_user)
    approve(second, staff_user)

    claim_revoke(claim=first, reviewer=staff_user, reason="Kein neuer Kunde")
    assert points(company_a) == 400  # second's 200 + the bonus, still earned
    assert not any(e[0] == "bonus_revoke" for e in ledger(company_a))

    claim_revoke(claim=second, reviewer=staff_user, reason="Kein neuer Kunde")
    assert points(company_a) == 0
    # Taken back on the claim that granted it, so the pair reads together on the statement.
    assert ledger(company_a)[-1] == ("bonus_revoke", -200, first.pk, "first_customer_bonus")

    third = submit(alice, "new_customer")
    approve(third, staff_user)
    assert points(company_a) == 400
    assert ledger(company_a)[-1] == ("bonus", 200, third.pk, "first_customer_bonus")


def test_bonus_needs_an_approved_new_customer_of_the_same_partner(
    alice, charlie, company_a, company_c, staff_user
):
    approve(submit(alice, "sales_meeting"), staff_user)
    approve(submit(alice, "svc_security"), staff_user)
    assert points(company_a) == 250  # no bonus without a new customer
    approve(submit(charlie, "new_customer"), staff_user)
    assert points(company_c) == 400
    assert points(company_a) == 250


def test_revocation_takes_back_the_points_granted_even_after_a_catalogue_change(
    alice, company_a, staff_user
):
    claim = approve(submit(alice, "sales_meeting"), staff_user)
    Challenge.objects.filter(season=company_a.season, code="sales_meeting").update(points=80)
    claim_revoke(claim=claim, reviewer=staff_user, reason="Termin fand nicht statt")
    assert [e[:2] for e in ledger(company_a)] == [("grant", 50), ("revoke", -50)]
    assert points(company_a) == 0


def test_ledger_entries_can_be_neither_changed_nor_deleted(alice, staff_user):
    approve(submit(alice), staff_user)
    entry = LedgerEntry.objects.get()
    entry.points = 5000
    with pytest.raises(ValueError, match="never changed"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    assert LedgerEntry.objects.get().points == 50


# --- "Counted at most" ---------------------------------------------------------------------------


def test_a_second_claim_for_the_same_customer_is_refused_while_the_first_is_open_or_approved(
    alice, company_a, staff_user
):
    customer = EndCustomerFactory(partner=company_a, name="Müller GmbH")
    first = submit(alice, "presales_sizing", customer)
    with pytest.raises(DomainError, match="already claimed for Müller GmbH"):
        submit(alice, "presales_sizing", customer)
    approve(first, staff_user)
    with pytest.raises(DomainError, match="already claimed"):
        submit(alice, "presales_sizing", customer)
    # Other challenges and other customers count on their own.
    submit(alice, "sales_meeting", customer)
    submit(alice, "presales_sizing", EndCustomerFactory(partner=company_a))
    assert Claim.objects.filter(partner=company_a).count() == 3


def test_a_rejected_or_withdrawn_claim_frees_the_customer(alice, company_a, staff_user):
    customer = EndCustomerFactory(partner=company_a)
    claim_reject(
        claim=submit(alice, customer=customer), reviewer=staff_user, reason="Kein Nachweis"
    )
    claim_withdraw(claim=submit(alice, customer=customer), membership=membership_of(alice))
    approve(submit(alice, customer=customer), staff_user)
    assert points(company_a) == 50


def test_approval_checks_counted_at_most_again(alice, company_a, staff_user):
    customer = EndCustomerFactory(partner=company_a)
    first = submit(alice, "sales_meeting", customer)
    # A second claim that got past submission at the same moment (the factory skips the check).
    second = ClaimFactory(customer=customer, code="sales_meeting")
    approve(first, staff_user)
    with pytest.raises(DomainError, match="already counted for this end customer"):
        approve(second, staff_user)
    second.refresh_from_db()
    assert second.status == Claim.Status.SUBMITTED
    assert points(company_a) == 50


def test_a_claim_is_approved_once(alice, company_a, staff_user):
    claim = approve(submit(alice), staff_user)
    with pytest.raises(DomainError, match="already approved"):
        approve(claim, staff_user)
    assert points(company_a) == 50


@pytest.mark.parametrize("code", ["first_customer_bonus", "academy", "no_such_thing"])
def test_automatic_and_one_time_challenges_cannot_be_claimed(alice, code):
    with pytest.raises(DomainError, match="no challenge"):
        submit(alice, code)
    assert not Claim.objects.exists()


def test_a_claim_for_another_companys_customer_is_refused(alice, company_c):
    with pytest.raises(DomainError, match="your own end customers"):
        submit(alice, customer=EndCustomerFactory(partner=company_c))
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("code", "data", "message"),
    [
        ("sql_lead", {"bant_time": False}, "BANT"),
        ("sales_meeting", {"meeting_date": None}, "meeting date"),
        ("presales_sizing", {"distributor_contact": "  "}, "contact at Ingram Micro"),
        ("new_customer", {"subscription_id": ""}, "subscription ID"),
        ("svc_avd", {"activity_date": "future"}, "future"),
        ("svc_avd", {"activity_date": "before"}, "within the season"),
    ],
)
def test_each_challenge_asks_for_what_it_needs(alice, season, code, data, message):
    if data.get("activity_date") == "future":
        data = {"activity_date": timezone.localdate() + timedelta(days=1)}
    elif data.get("activity_date") == "before":
        data = {"activity_date": season.start_date - timedelta(days=1)}
    with pytest.raises(DomainError, match=message):
        submit(alice, code, **data)
    assert not Claim.objects.exists()


# --- Decisions -----------------------------------------------------------------------------------


def test_every_transition_is_recorded_with_who_and_why(alice, staff_user):
    claim = submit(alice)
    claim_ask(claim=claim, reviewer=staff_user, question="Welche Teilnehmer?")
    claim_answer(claim=claim, membership=membership_of(alice), answer="Frau Kunde.")
    approve(claim, staff_user)
    claim_revoke(claim=claim, reviewer=staff_user, reason="Doppelt gemeldet")
    assert [(t.from_status, t.to_status, t.actor, t.note) for t in claim.transitions.all()] == [
        ("", "submitted", alice, ""),
        ("submitted", "needs_info", staff_user, "Welche Teilnehmer?"),
        ("needs_info", "submitted", alice, "Frau Kunde."),
        ("submitted", "approved", staff_user, ""),
        ("approved", "revoked", staff_user, "Doppelt gemeldet"),
    ]


def test_answer_resubmits_the_claim_for_review(alice, charlie, staff_user):
    claim = submit(alice)
    Claim.objects.filter(pk=claim.pk).update(staff_notified_at=timezone.now())
    claim_ask(claim=claim, reviewer=staff_user, question="Wann war der Termin?")
    with pytest.raises(DomainError, match="already waiting"):
        claim_ask(claim=claim, reviewer=staff_user, question="Und?")
    with pytest.raises(DomainError, match="write your answer"):
        claim_answer(claim=claim, membership=membership_of(alice), answer="  ")
    with pytest.raises(DomainError, match="another company"):
        claim_answer(claim=claim, membership=membership_of(charlie), answer="Ich!")

    claim_answer(claim=claim, membership=membership_of(alice), answer="Am 3. März.")
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert claim.answer == "Am 3. März."
    assert claim.reason == "Wann war der Termin?"
    assert claim.staff_notified_at is None  # the next staff digest lists it again
    with pytest.raises(DomainError, match="not waiting for an answer"):
        claim_answer(claim=claim, membership=membership_of(alice), answer="Noch mal.")


def test_withdraw_only_while_open(alice, charlie, staff_user):
    membership = membership_of(alice)
    submitted = claim_withdraw(claim=submit(alice), membership=membership)
    assert submitted.status == Claim.Status.WITHDRAWN

    asked = submit(alice)
    claim_ask(claim=asked, reviewer=staff_user, question="Nachweis?")
    assert claim_withdraw(claim=asked, membership=membership).status == "withdrawn"

    approved = approve(submit(alice), staff_user)
    rejected = claim_reject(claim=submit(alice), reviewer=staff_user, reason="Nein")
    for claim in (approved, rejected, submitted):
        with pytest.raises(DomainError, match="Only open claims"):
            claim_withdraw(claim=claim, membership=membership)
    with pytest.raises(DomainError, match="another company"):
        claim_withdraw(claim=submit(alice), membership=membership_of(charlie))
    approved.refresh_from_db()
    assert approved.status == Claim.Status.APPROVED
    assert points(membership.partner) == 50


def test_reject_and_revoke_need_a_reason_and_the_right_status(alice, staff_user):
    claim = submit(alice)
    with pytest.raises(DomainError, match="reason"):
        claim_reject(claim=claim, reviewer=staff_user, reason=" ")
    with pytest.raises(DomainError, match="Only approved claims"):
        claim_revoke(claim=claim, reviewer=staff_user, reason="Falsch")
    approve(claim, staff_user)
    with pytest.raises(DomainError, match="reason"):
        claim_revoke(claim=claim, reviewer=staff_user, reason="")
    with pytest.raises(DomainError, match="already decided"):
        claim_reject(claim=claim, reviewer=staff_user, reason="Doch nicht")
    claim_revoke(claim=claim, reviewer=staff_user, reason="Falsch")
    with pytest.raises(DomainError, match="Only open claims"):
        approve(claim, staff_user)


# --- Disqualification ----------------------------------------------------------------------------


def test_disqualification_revokes_every_point_and_closes_open_claims(
    alice, company_a, company_c, charlie, staff_user
):
    approve(submit(alice, "new_customer"), staff_user)
    approve(submit(alice, "presales_sizing"), staff_user)
    waiting = submit(alice, "sales_meeting")
    asked = submit(alice, "svc_databases")
    claim_ask(claim=asked, reviewer=staff_user, question="Welche Datenbank?")
    approve(submit(charlie, "sales_meeting"), staff_user)
    assert points(company_a) == 500
    before = ledger(company_a)

    partner_disqualify(partner=company_a, reviewer=staff_user, reason="Gefälschte Belege")

    company_a.refresh_from_db()
    assert company_a.status == Partner.Status.DISQUALIFIED
    assert company_a.decision_reason == "Gefälschte Belege"
    assert company_a.reviewed_by == staff_user
    assert points(company_a) == 0
    after = ledger(company_a)
    assert after[: len(before)] == before  # nothing rewritten, only counter-entries
    assert sorted(e[:2] for e in after[len(before) :]) == [
        ("bonus_revoke", -200),
        ("revoke", -200),
        ("revoke", -100),
    ]
    statuses = dict(Claim.objects.filter(partner=company_a).values_list("pk", "status"))
    assert statuses[waiting.pk] == statuses[asked.pk] == Claim.Status.REJECTED
    assert set(statuses.values()) == {Claim.Status.REVOKED, Claim.Status.REJECTED}
    assert {
        t.note for t in Claim.objects.get(pk=waiting.pk).transitions.filter(to_status="rejected")
    } == {"Gefälschte Belege"}
    assert points(company_c) == 50  # the other company keeps its points

    with pytest.raises(DomainError, match="Only approved participants"):
        submit(alice)
    leftover = ClaimFactory(customer=EndCustomerFactory(partner=company_a))
    with pytest.raises(DomainError, match="no longer takes part"):
        approve(leftover, staff_user)
    with pytest.raises(DomainError, match="already disqualified"):
        partner_disqualify(partner=company_a, reviewer=staff_user, reason="Noch mal")
    with pytest.raises(DomainError, match="reason"):
        partner_disqualify(partner=company_c, reviewer=staff_user, reason=" ")


# --- Exclusions ----------------------------------------------------------------------------------


def test_an_excluded_tenant_is_refused_as_customer_and_in_claims(alice, company_a, season):
    customer = EndCustomerFactory(partner=company_a)
    CustomerExclusion.objects.create(
        season=season, kind="tenant", value=customer.tenant_id, reason="Konzernkunde von Ingram"
    )
    with pytest.raises(DomainError, match="excluded from the league: Konzernkunde von Ingram"):
        partner_services.customer_create(
            partner=company_a,
            data=partner_services.CustomerData(
                name="Noch mal", tenant_id=customer.tenant_id.upper()
            ),
            actor=alice,
        )
    with pytest.raises(DomainError, match="excluded"):
        submit(alice, customer=customer)
    assert not Claim.objects.exists()


def test_a_domain_exclusion_refuses_the_approval_of_a_claim_submitted_before(
    alice, company_a, season, staff_user
):
    customer = EndCustomerFactory(partner=company_a, domain="it.kunde-konzern.de")
    claim = submit(alice, "new_customer", customer)
    CustomerExclusion.objects.create(
        season=season, kind="domain", value="kunde-konzern.de", reason="Konzerngruppe"
    )
    with pytest.raises(DomainError, match="excluded from the league: Konzerngruppe"):
        approve(claim, staff_user)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.SUBMITTED
    assert points(company_a) == 0
    # A similar-looking domain is not part of the group.
    other = EndCustomerFactory(partner=company_a, domain="anderer-kunde-konzern.de")
    approve(submit(alice, "sales_meeting", other), staff_user)
    assert points(company_a) == 50


# --- Academy -------------------------------------------------------------------------------------


def test_academy_attendance_grants_academy_once(alice, bob, company_a, season, staff_user):
    academy = AcademyDate.objects.create(
        season=season, date=season.start_date + timedelta(days=3), location="München"
    )
    seats = [
        academy_seat_book(
            membership=membership_of(user), academy=academy, name=user.email, email=user.email
        )
        for user in (alice, bob)
    ]
    for seat in seats:
        academy_attendance_record(seat=seat, attended=True, reviewer=staff_user)
    assert points(company_a) == 30
    assert [e[:2] for e in ledger(company_a)] == [("grant", 30)]
    assert AcademySeat.objects.filter(attended=True).count() == 2


# --- Training redemptions ------------------------------------------------------------------------


def _earn(user, staff, codes):
    for code in codes:
        approve(submit(user, code), staff)


def test_redemption_value_is_points_times_rate_at_most_the_cap(
    alice, company_a, season, staff_user
):
    season.eur_per_point, season.points_cap_eur = Decimal("0.5"), Decimal("250")
    season.save()
    _earn(alice, staff_user, ["new_customer", "presales_sizing", "sales_meeting"])  # 550 points
    balance = selectors.redemption_balance(Partner.objects.get(pk=company_a.pk))
    assert balance["earned"] == Decimal("275.00")
    assert balance["value"] == Decimal("250.00")  # the cap
    assert balance["available"] == Decimal("250.00")

    membership = membership_of(alice)
    with pytest.raises(DomainError, match="at most €250.00 now"):
        redemption_request(
            membership=membership,
            training="AZ-104",
            provider="Ingram",
            amount_eur=Decimal("250.01"),
        )
    first = redemption_request(
        membership=membership, training="AZ-104", provider="Ingram", amount_eur=Decimal("200")
    )
    # An open request reserves its amount: a second one cannot stack past the cap.
    with pytest.raises(DomainError, match="at most €50.00 now"):
        redemption_request(
            membership=membership, training="AZ-305", provider="Ingram", amount_eur=Decimal("200")
        )
    # A request that fitted when it was made (e.g. before a revocation lowered the value) is
    # still checked again at approval.
    second = Redemption.objects.create(
        partner=company_a,
        season=season,
        training="AZ-305",
        provider="Ingram",
        amount_eur=Decimal("200"),
        requested_by=alice,
    )
    redemption_decide(redemption=first, reviewer=staff_user, approve=True)
    with pytest.raises(DomainError, match="Only €50.00 are available"):
        redemption_decide(redemption=second, reviewer=staff_user, approve=True)
    assert selectors.redemption_balance(company_a)["available"] == Decimal("50.00")
    # Redemptions never lower the table's points.
    assert points(company_a) == 550


def test_redemption_never_above_the_value_earned(alice, company_a, season, staff_user):
    _earn(alice, staff_user, ["sales_meeting"])  # 50 points at 1 € each
    membership = membership_of(alice)
    with pytest.raises(DomainError, match="at most €50.00 now"):
        redemption_request(
            membership=membership, training="AZ-900", provider="Ingram", amount_eur=Decimal("51")
        )
    redemption = redemption_request(
        membership=membership, training="AZ-900", provider="Ingram", amount_eur=Decimal("50")
    )
    claim_revoke(
        claim=Claim.objects.get(partner=company_a), reviewer=staff_user, reason="Storniert"
    )
    with pytest.raises(DomainError, match="Only €0.00 are available"):
        redemption_decide(redemption=redemption, reviewer=staff_user, approve=True)
    redemption.refresh_from_db()
    assert redemption.status == Redemption.Status.REQUESTED
    assert selectors.redemption_balance(company_a)["available"] == Decimal(0)
    with pytest.raises(DomainError, match="positive"):
        redemption_request(
            membership=membership, training="AZ-900", provider="Ingram", amount_eur=Decimal(0)
        )


def test_redemption_value_is_rounded_half_up_to_the_cent(alice, company_a, season, staff_user):
    season.eur_per_point = Decimal("0.0125")
    season.save()
    _earn(alice, staff_user, ["sales_meeting"])  # 50 × 0.0125 = 0.625
    assert selectors.redemption_balance(Partner.objects.get(pk=company_a.pk))["earned"] == Decimal(
        "0.63"
    )
