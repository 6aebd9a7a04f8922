"""Two reviewers deciding at the same moment, each in its own thread and database connection:
"counted at most" and the ledger must hold (SPEC section 3); two digest workers at once report
each new claim once; an approval racing the billing import that contradicts it ends right in
either order ("new to Azure", issue 9). PostgreSQL only: SQLite serialises
writers on the whole file, so there is no race to lose there, and CI runs PostgreSQL.
"""

import re
import threading
import uuid
from datetime import timedelta
from functools import partial

import pytest
from django.core import mail
from django.db import connection

from challenges import selectors, staff_selectors
from challenges.models import AcademyDate, Claim, LedgerEntry
from challenges.services import claims as claim_services
from challenges.services.academy import academy_date_create
from challenges.services.digest import staff_digest_send
from core.errors import DomainError
from credits.billing_import import report
from credits.billing_import.run import billing_import_run
from credits.billing_import.upload import billing_import_create
from partners.models import User
from tests.challenges.helpers import SUB
from tests.credits.helpers.billing_files import csv_text, line
from tests.factories import (
    ClaimFactory,
    EndCustomerFactory,
    MembershipFactory,
    PartnerFactory,
    SeasonFactory,
    UserFactory,
)
from tests.helpers.concurrency import at_once

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (set DATABASE_URL): row locks between two connections are "
        "what is tested, and SQLite has none",
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 10


def decide_at_once(action, claim_pks: list[int], reviewer_pks: list[int]) -> list[object]:
    """`action(claim, reviewer)` for each claim at once; per claim its new status or the error."""
    calls = [
        partial(action, Claim.objects.get(pk=claim_pk), User.objects.get(pk=reviewer_pk))
        for claim_pk, reviewer_pk in zip(claim_pks, reviewer_pks, strict=True)
    ]
    return [r if isinstance(r, Exception) else r.status for r in at_once(*calls)]


def approve(claim, reviewer):
    return claim_services.claim_approve(claim=claim, reviewer=reviewer)


def revoke(claim, reviewer):
    return claim_services.claim_revoke(claim=claim, reviewer=reviewer, reason="Doppelt gemeldet")


@pytest.fixture
def world():
    season = SeasonFactory()
    partner = PartnerFactory(season=season)
    MembershipFactory(partner=partner, user=UserFactory(password=None))
    reviewers = [UserFactory(is_staff=True, password=None).pk for _ in range(2)]
    return partner, reviewers


def test_two_reviewers_approving_the_same_claim_book_it_once(world):
    partner, reviewers = world
    for _ in range(ROUNDS):
        claim = ClaimFactory(customer=EndCustomerFactory(partner=partner), code="sales_meeting")
        results = decide_at_once(approve, [claim.pk, claim.pk], reviewers)

        approved = [r for r in results if r == Claim.Status.APPROVED]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(approved) == 1 and len(refused) == 1, results
        # The row locks make the second reviewer wait and then see the decision (the unique
        # constraints, the last guard, would answer "counted by a concurrent approval").
        assert "This claim is already approved." == str(refused[0])
        assert list(LedgerEntry.objects.filter(claim=claim).values_list("kind", "points")) == [
            ("grant", 50)
        ]
        assert claim.transitions.filter(to_status="approved").count() == 1
    assert selectors.partner_points(partner) == 50 * ROUNDS


def test_two_claims_of_a_once_per_customer_challenge_approved_at_once_count_once(world):
    partner, reviewers = world
    for _ in range(ROUNDS):
        customer = EndCustomerFactory(partner=partner)
        # Two claims that got past submission for the same customer (the factory skips the
        # submission's check, as a race at submission would).
        claims = [ClaimFactory(customer=customer, code="presales_sizing") for _ in range(2)]
        results = decide_at_once(approve, [c.pk for c in claims], reviewers)

        approved = [r for r in results if r == Claim.Status.APPROVED]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(approved) == 1 and len(refused) == 1, results
        assert "has already counted for this end customer; reject this claim" in str(refused[0])
        statuses = sorted(Claim.objects.filter(customer=customer).values_list("status", flat=True))
        assert statuses == ["approved", "submitted"]  # the refused one stays for a rejection
        assert LedgerEntry.objects.filter(claim__customer=customer).count() == 1
    assert selectors.partner_points(partner) == 100 * ROUNDS


def test_two_new_customers_approved_at_once_grant_the_bonus_once(world):
    partner, reviewers = world
    claims = [
        ClaimFactory(customer=EndCustomerFactory(partner=partner), code="new_customer")
        for _ in range(2 * ROUNDS)
    ]
    for i in range(ROUNDS):
        pair = claims[2 * i : 2 * i + 2]
        assert decide_at_once(approve, [c.pk for c in pair], reviewers) == ["approved", "approved"]
        # Revoke both, at once too, so the next round starts without the bonus again.
        results = decide_at_once(revoke, [c.pk for c in pair], reviewers)
        assert results == ["revoked", "revoked"], results
        assert selectors.partner_points(partner) == 0
    bonus = LedgerEntry.objects.filter(partner=partner, challenge__code="first_customer_bonus")
    assert sorted(bonus.values_list("points", flat=True)) == [-200] * ROUNDS + [200] * ROUNDS


def test_two_digest_workers_at_once_report_each_claim_once(world, settings):
    settings.STAFF_NOTIFICATION_EMAILS = ["review@ingram.example"]
    partner, _reviewers = world
    for _ in range(ROUNDS):
        mail.outbox.clear()
        claims = [ClaimFactory(customer=EndCustomerFactory(partner=partner)) for _ in range(5)]
        counts = at_once(staff_digest_send, staff_digest_send)
        assert all(isinstance(c, int) for c in counts) and sum(counts) == 5, counts
        reported = re.findall(r"/staff/claims/(\d+)/", "".join(m.body for m in mail.outbox))
        assert sorted(map(int, reported)) == sorted(c.pk for c in claims)
        assert len(mail.outbox) == len([c for c in counts if c])


def test_two_staff_adding_the_same_academy_date_at_once_create_one(world):
    partner, _reviewers = world
    season = partner.season
    for i in range(ROUNDS):
        day = season.start_date + timedelta(days=i)
        create = partial(academy_date_create, season=season, day=day, location="Dornach")
        results = at_once(create, create)

        created = [r for r in results if isinstance(r, AcademyDate)]
        refused = [r for r in results if isinstance(r, DomainError)]
        assert len(created) == 1 and len(refused) == 1, results
        # The unique constraint answered, with the message of the check it replaced.
        assert str(refused[0]) == "This academy date exists already."
        assert AcademyDate.objects.filter(season=season, date=day).count() == 1


# --- An approval racing the billing import that contradicts it (issue 9) -----------------------
#
# The approval locks the partner and reads the billing again inside its transaction; the import
# runs in a transaction of its own; "contradicted by billing" is a query. Whichever commits last,
# the claim ends either refused (the import committed before the approval's read) or approved and
# listed, never approved without appearing in the list.


@pytest.fixture
def billing(settings, tmp_path):
    """`prepare(partner, tenant)` records a billing file with that tenant's consumption before the
    season and returns `run()`, which imports it (in whichever thread calls it)."""
    settings.MEDIA_ROOT = tmp_path / "media"

    def prepare(partner, tenant):
        day = partner.season.start_date - timedelta(days=20)
        path = tmp_path / f"{uuid.uuid4().hex}.csv"
        path.write_text(
            csv_text([line(partner.partner_id, customer=tenant, entitlement=SUB, day=f"{day}")])
        )
        import_id = billing_import_create(season=partner.season, path=path, enqueue=False).pk

        def run():
            result = billing_import_run(import_id=import_id, compute=False)
            assert result.status == "succeeded", result.errors
            return result

        return run

    return prepare


def new_customer_claim(partner):
    return ClaimFactory(customer=EndCustomerFactory(partner=partner), code="new_customer")


def contradicted_ids(partner) -> set[int]:
    rows = staff_selectors.claim_contradicted_list(season=partner.season)
    return {row.claim.pk for row in rows}


def assert_ends_right(claim, result, partner):
    """Refused and not counted, or approved and listed as contradicted by billing."""
    claim.refresh_from_db()
    if isinstance(result, Exception):
        assert isinstance(result, DomainError) and "not new to Azure" in str(result), result
        assert claim.status == Claim.Status.SUBMITTED
        assert not LedgerEntry.objects.filter(claim=claim).exists()
        assert claim.pk not in contradicted_ids(partner)
        return "refused"
    assert claim.status == Claim.Status.APPROVED
    assert claim.pk in contradicted_ids(partner), "approved silently, not in the list"
    return "listed"


def test_billing_committed_after_the_approval_began_refuses_it(world, billing, monkeypatch):
    """The approval holds the partner's lock when the import commits: its read inside the
    transaction sees the billing, so the approval is refused."""
    partner, reviewers = world
    claim = new_customer_claim(partner)
    run_import = billing(partner, claim.customer.tenant_id)
    locked, imported = threading.Event(), threading.Event()
    lock_claim = claim_services._lock_claim

    def lock_then_wait(claim):
        result = lock_claim(claim)
        locked.set()
        assert imported.wait(30)
        return result

    def import_while_locked():
        assert locked.wait(30)
        try:
            return run_import()
        finally:
            imported.set()

    monkeypatch.setattr(claim_services, "_lock_claim", lock_then_wait)
    approval, imported_result = at_once(
        partial(approve, Claim.objects.get(pk=claim.pk), User.objects.get(pk=reviewers[0])),
        import_while_locked,
    )
    assert not isinstance(imported_result, Exception), imported_result
    assert assert_ends_right(claim, approval, partner) == "refused"
    assert selectors.partner_points(partner) == 0


def test_billing_committed_after_the_approval_read_it_lists_the_claim(world, billing, monkeypatch):
    """The approval has read the billing (nothing yet) and booked the points when the import
    commits; the approval then commits: approved, and listed as contradicted by billing."""
    partner, reviewers = world
    claim = new_customer_claim(partner)
    run_import = billing(partner, claim.customer.tenant_id)
    checked, imported = threading.Event(), threading.Event()
    notify = claim_services._notify_partner

    def wait_before_commit(claim):
        checked.set()
        assert imported.wait(30)
        notify(claim)

    def import_after_the_check():
        assert checked.wait(30)
        try:
            return run_import()
        finally:
            imported.set()

    monkeypatch.setattr(claim_services, "_notify_partner", wait_before_commit)
    approval, imported_result = at_once(
        partial(approve, Claim.objects.get(pk=claim.pk), User.objects.get(pk=reviewers[0])),
        import_after_the_check,
    )
    assert not isinstance(imported_result, Exception), imported_result
    assert assert_ends_right(claim, approval, partner) == "listed"
    assert selectors.partner_points(partner) == 400  # until staff revoke it from the list


def test_approval_while_the_import_is_uncommitted_is_listed(world, billing, monkeypatch):
    """The import has stored the rows but not committed when the approval runs whole: the
    approval cannot see them; once the import commits the claim is listed."""
    partner, reviewers = world
    claim = new_customer_claim(partner)
    run_import = billing(partner, claim.customer.tenant_id)
    storing, approved = threading.Event(), threading.Event()
    unclassified = report.unclassified_of

    def wait_before_commit(categories):
        storing.set()
        assert approved.wait(30)
        return unclassified(categories)

    def approve_while_storing():
        assert storing.wait(30)
        try:
            return approve(Claim.objects.get(pk=claim.pk), User.objects.get(pk=reviewers[0]))
        finally:
            approved.set()

    monkeypatch.setattr(report, "unclassified_of", wait_before_commit)
    approval, imported_result = at_once(approve_while_storing, run_import)
    assert not isinstance(imported_result, Exception), imported_result
    assert assert_ends_right(claim, approval, partner) == "listed"


def test_approvals_and_imports_at_once_always_end_right(world, billing):
    partner, reviewers = world
    outcomes = []
    for _ in range(ROUNDS):
        claim = new_customer_claim(partner)
        run_import = billing(partner, claim.customer.tenant_id)
        approval, imported_result = at_once(
            partial(approve, Claim.objects.get(pk=claim.pk), User.objects.get(pk=reviewers[0])),
            run_import,
        )
        assert not isinstance(imported_result, Exception), imported_result
        outcomes.append(assert_ends_right(claim, approval, partner))
    listed = outcomes.count("listed")
    assert selectors.partner_points(partner) == 200 * listed + (200 if listed else 0)
