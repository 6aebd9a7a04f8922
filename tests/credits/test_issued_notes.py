"""Money that changes only when it should (SPEC 2, issue 9): issued credit notes never change by
themselves. A withdrawal keeps them (and lines final before it are still issued); an exclusion
affects unissued lines only; a disqualification reclaims issued money only as an explicit choice
with its amount; a corrected month still gives a correction note. Exact amounts throughout.

Billing rows, claims and billed months are created directly
(tests/credits/helpers/computation.py), as in test_computation; then the real computation and
issue run. Season 2024/25: 2024-09-01 .. 2025-05-31.
"""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Sum
from django.utils import translation

from challenges.models import Claim
from challenges.services.claims import claim_approve
from challenges.services.exclusions import exclusion_create
from core.errors import DomainError
from credits.computation import credits_compute
from credits.disqualification import partner_disqualify
from credits.models import CreditLine, CreditNote, UsageRow
from credits.notes.issuing import credit_notes_issue
from credits.selectors.explanations import line_explanation
from partners.models import CustomerExclusion, EndCustomer, Partner
from partners.services import partner_withdraw
from tests.challenges.helpers import points_of
from tests.credits.helpers.computation import (
    WORKLOAD,
    M,
    billed,
    league_season,
    line,
    sub_of,
    usage,
)
from tests.factories import (
    ClaimFactory,
    EndCustomerFactory,
    LeagueFactory,
    PartnerFactory,
    UserFactory,
)
from tests.helpers.concurrency import at_once

D = Decimal
CATEGORY = {"security": "Sentinel", "databases": "SQL Database", "analytics_ai": "Azure OpenAI"}
REASON = "Erfundene Endkunden gemeldet (Ziffer 4 der Teilnahmebedingungen)."

# Tenant IDs as the portal stores them (lowercase GUIDs).
X1, Y1, Y2 = (f"{n:08x}-0000-4000-8000-000000000000" for n in (0xA1, 0xB1, 0xB2))


@pytest.fixture
def season(db):
    return league_season()


@pytest.fixture
def alpha(season):
    return PartnerFactory(
        season=season, league=LeagueFactory(season=season), name="Alpha Systemhaus GmbH"
    )


@pytest.fixture
def charlie_co(season, alpha):
    return PartnerFactory(season=season, league=alpha.league, name="Charlie Cloud GmbH")


def _customer(partner, tenant) -> EndCustomer:
    return EndCustomer.objects.filter(partner=partner, tenant_id=tenant).first() or (
        EndCustomerFactory(partner=partner, tenant_id=tenant, name=f"Kunde {tenant[:8]}")
    )


def _claim(partner, code, tenant, staff=None, subscription="") -> Claim:
    """An approved claim: through the approval service (with points) when `staff` is given."""
    status = Claim.Status.SUBMITTED if staff else Claim.Status.APPROVED
    claim = ClaimFactory(
        code=code, customer=_customer(partner, tenant), subscription_id=subscription, status=status
    )
    return claim_approve(claim=claim, reviewer=staff) if staff else claim


def newcomer(partner, tenant, booked: date, free_eur: str, staff=None) -> None:
    """A new end customer first using its subscription on `booked`; `free_eur` in the next month."""
    _claim(partner, "new_customer", tenant, staff, subscription=sub_of(tenant))
    usage(partner, tenant, booked, "1.00")
    free = date(booked.year + booked.month // 12, booked.month % 12 + 1, 4)
    usage(partner, tenant, free, free_eur)


def workload(partner, tenant, group, months_eur, booked=date(2024, 11, 5), staff=None) -> None:
    """A new workload at an existing customer (220 USD the month before), booked on `booked`,
    with `months_eur` in its two free months."""
    _claim(partner, f"svc_{group}", tenant, staff)
    previous = date(booked.year - (booked.month == 1), (booked.month - 2) % 12 + 1, 10)
    usage(partner, tenant, previous, "200.00", usd="220.00")
    usage(partner, tenant, booked, "10.00", category=CATEGORY[group])
    for i, amount in enumerate(months_eur, start=1):
        index = booked.month - 1 + i
        usage(
            partner,
            tenant,
            date(booked.year + index // 12, index % 12 + 1, 5),
            amount,
            category=CATEGORY[group],
        )


def net_of(partner) -> Decimal:
    return CreditNote.objects.filter(partner=partner).aggregate(s=Sum("total_eur"))["s"]


def positions(note) -> list[tuple[str, str, Decimal]]:
    return [
        (nl.credit_line.customer_tenant_id, nl.credit_line.service_group, nl.amount_eur)
        for nl in note.lines.select_related("credit_line")
    ]


def nothing_more_to_issue(season, staff_user) -> None:
    """A recompute changes nothing and the next issue run produces no note at all."""
    assert not credits_compute(season=season).changed
    assert credit_notes_issue(season=season, issued_by=staff_user) == []


# --- Withdrawal ----------------------------------------------------------------------------------


def test_a_withdrawn_partner_keeps_its_note_and_its_lines_final_before_are_still_issued(
    season, alpha, staff_user
):
    # Three workloads booked in November with 12,500 € in December and January each: 25,000 €,
    # 20,000 € per workload, 60,000 € together (the partner cap, reached exactly).
    tenants = [f"{n:08x}-0000-4000-8000-00000000000w" for n in (1, 2, 3)]
    for tenant in tenants:
        workload(alpha, tenant, "security", ("12500.00", "12500.00"))
    billed(season, M[10], M[11], M[12], M[1])
    credits_compute(season=season)
    (first,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert first.total_eur == D("60000.00")

    # Final before the withdrawal but not yet issued: booked in January, February billed.
    newcomer(alpha, Y1, date(2025, 1, 7), "4321.09")
    # Provisional at the withdrawal: booked in February, March not billed yet.
    newcomer(alpha, Y2, date(2025, 2, 3), "1000.00")
    billed(season, M[2])
    credits_compute(season=season)
    assert (line(alpha, Y1).status, line(alpha, Y1).credit_eur) == ("final", D("4321.09"))
    assert line(alpha, Y2).status == "provisional"

    withdrawn = partner_withdraw(partner=alpha, actor=staff_user)
    assert withdrawn.status == Partner.Status.WITHDRAWN
    assert withdrawn.withdrawn_at is not None and withdrawn.withdrawn_by == staff_user

    # After the withdrawal: March is billed (Y2 would be final now), December is corrected.
    billed(season, M[3])
    UsageRow.objects.filter(partner=alpha, month=M[12], customer_tenant_id=tenants[0]).delete()
    usage(alpha, tenants[0], date(2024, 12, 5), "100.00", category="Sentinel")
    summary = credits_compute(season=season)
    (second,) = credit_notes_issue(season=season, issued_by=staff_user)

    # The line final before the withdrawal is issued at its amount; nothing negative.
    assert second.corrects is None and second.total_eur == D("4321.09")
    assert positions(second) == [(Y1, "", D("4321.09"))]
    # The provisional line is gone, the issued ones are as they were.
    assert summary.deleted == 1 and not CreditLine.objects.filter(customer_tenant_id=Y2).exists()
    assert [line(alpha, t, WORKLOAD, "security").credit_eur for t in tenants] == [D("20000.00")] * 3
    assert not CreditNote.objects.filter(total_eur__lt=0).exists()
    assert net_of(alpha) == D("64321.09")
    nothing_more_to_issue(season, staff_user)


def test_a_withdrawn_partner_earns_no_new_lines(season, alpha, staff_user):
    newcomer(alpha, Y1, date(2024, 10, 4), "300.00")
    billed(season, M[10], M[11])
    credits_compute(season=season)
    credit_notes_issue(season=season, issued_by=staff_user)
    partner_withdraw(partner=alpha, actor=None)

    # A claim approved and billed after the withdrawal (e.g. by the CLI import) earns nothing.
    newcomer(alpha, Y2, date(2024, 10, 9), "555.55")
    credits_compute(season=season)

    assert list(CreditLine.objects.values_list("customer_tenant_id", "credit_eur")) == [
        (Y1, D("300.00"))
    ]
    assert credit_notes_issue(season=season, issued_by=staff_user) == []


# --- Exclusion -----------------------------------------------------------------------------------


def test_an_exclusion_after_a_note_drops_only_unissued_lines_and_keeps_the_points(
    season, alpha, staff_user, django_capture_on_commit_callbacks
):
    # X1: a security workload of 25,000 € (20,000 € credited); Y1: a new customer, 1,234.56 €.
    workload(alpha, X1, "security", ("15000.00", "10000.00"), staff=staff_user)
    newcomer(alpha, Y1, date(2024, 10, 4), "1234.56", staff=staff_user)
    billed(season, M[10], M[11], M[12], M[1])
    credits_compute(season=season)
    (first,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert first.total_eur == D("21234.56")

    # After the note: X1's databases workload and a second new customer become final.
    workload(
        alpha, X1, "databases", ("300.00", "200.00"), booked=date(2024, 12, 3), staff=staff_user
    )
    newcomer(alpha, Y2, date(2025, 1, 8), "765.44", staff=staff_user)
    billed(season, M[2])
    credits_compute(season=season)
    assert line(alpha, X1, WORKLOAD, "databases").credit_eur == D("500.00")
    points_before = points_of(alpha)

    with django_capture_on_commit_callbacks(execute=True):
        exclusion_create(
            season=season, kind="tenant", value=X1, reason="Konzerngesellschaft", actor=staff_user
        )

    # The recompute after the exclusion: X1's unissued line is gone, its issued one stays.
    assert not CreditLine.objects.filter(customer_tenant_id=X1, service_group="databases").exists()
    kept = line(alpha, X1, WORKLOAD, "security")
    assert (kept.credit_eur, kept.status) == (D("20000.00"), "final")
    assert kept.explanation["kept"]["code"] == "excluded"
    with translation.override("en"):
        assert line_explanation(kept)[0] == (
            "No longer eligible: end customer excluded by staff: Konzerngesellschaft. Kept at "
            "€20,000.00, the amount on its credit notes (issued notes never change by themselves)."
        )
    # An exclusion does not revoke points by itself.
    assert points_of(alpha) == points_before

    (second,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert second.corrects is None
    assert positions(second) == [(Y2, "", D("765.44"))]
    assert not CreditNote.objects.filter(total_eur__lt=0).exists()
    assert net_of(alpha) == D("22000.00")
    nothing_more_to_issue(season, staff_user)

    # The exclusion lifted: X1's issued line is eligible again, at the same amount.
    with django_capture_on_commit_callbacks(execute=True):
        CustomerExclusion.objects.filter(value=X1).delete()
    again = line(alpha, X1, WORKLOAD, "security")
    assert again.credit_eur == D("20000.00") and "kept" not in again.explanation
    assert line(alpha, X1, WORKLOAD, "databases").credit_eur == D("500.00")


def test_before_the_recompute_the_issue_run_skips_excluded_and_disqualified_lines(
    season, alpha, charlie_co, staff_user
):
    newcomer(alpha, X1, date(2024, 10, 4), "111.11")
    newcomer(alpha, Y1, date(2024, 10, 5), "222.22")
    newcomer(charlie_co, Y2, date(2024, 10, 6), "333.33")
    billed(season, M[10], M[11])
    credits_compute(season=season)

    # Neither change has been followed by a computation yet.
    exclusion_create(season=season, kind="tenant", value=X1, reason="Test", actor=None)
    Partner.objects.filter(pk=charlie_co.pk).update(status=Partner.Status.DISQUALIFIED)
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)

    assert note.partner == alpha and positions(note) == [(Y1, "", D("222.22"))]


def test_freed_cap_room_goes_to_lines_not_yet_issued_never_to_an_issued_one(
    season, alpha, staff_user
):
    # New customers (cap 10,000 € each, 30,000 € for the partner), served by booking month:
    a, b, c, d, e = (f"{n:08x}-0000-4000-8000-00000000000c" for n in range(1, 6))
    newcomer(alpha, a, date(2024, 10, 3), "10000.00")  # 10,000
    newcomer(alpha, b, date(2024, 11, 3), "10000.00")  # December not billed: provisional 10,000
    newcomer(alpha, c, date(2024, 12, 3), "8000.00")  # 8,000
    newcomer(alpha, d, date(2025, 1, 3), "5000.00")  # 2,000: the cap's rest
    billed(season, M[10], M[11], M[1], M[2])
    credits_compute(season=season)
    (first,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert positions(first) == [
        (a, "", D("10000.00")),
        (c, "", D("8000.00")),
        (d, "", D("2000.00")),
    ]
    assert line(alpha, d).status == "capped"

    # B's customer is excluded: 10,000 € of cap room free. The issued capped line keeps its
    # 2,000 € (no correction note); a line issued later gets the room.
    exclusion_create(season=season, kind="tenant", value=b, reason="Test", actor=None)
    credits_compute(season=season)
    assert (line(alpha, d).credit_eur, line(alpha, d).status) == (D("2000.00"), "capped")
    assert credit_notes_issue(season=season, issued_by=staff_user) == []

    newcomer(alpha, e, date(2025, 2, 3), "3000.00")
    billed(season, M[3])
    credits_compute(season=season)
    (second,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert second.corrects is None and positions(second) == [(e, "", D("3000.00"))]
    assert net_of(alpha) == D("23000.00")


# --- A corrected month ---------------------------------------------------------------------------


def test_a_corrected_month_still_gives_a_correction_note(season, alpha, staff_user):
    newcomer(alpha, Y1, date(2024, 10, 4), "300.00")
    billed(season, M[10], M[11])
    credits_compute(season=season)
    (first,) = credit_notes_issue(season=season, issued_by=staff_user)

    # The corrected November file replaces alpha's November rows.
    UsageRow.objects.filter(partner=alpha, month=M[11]).delete()
    usage(alpha, Y1, date(2024, 11, 4), "250.00")
    credits_compute(season=season)
    (correction,) = credit_notes_issue(season=season, issued_by=staff_user)

    assert correction.corrects == first and correction.total_eur == D("-50.00")
    assert correction.lines.get().description.startswith(
        f"Neuer Endkunde Kunde {Y1[:8]} · Korrektur: bisher 300,00 €, jetzt 250,00 €"
    )
    nothing_more_to_issue(season, staff_user)

    # Corrected upwards again: the difference is issued, correcting the last note.
    UsageRow.objects.filter(partner=alpha, month=M[11]).delete()
    usage(alpha, Y1, date(2024, 11, 4), "320.10")
    credits_compute(season=season)
    (again,) = credit_notes_issue(season=season, issued_by=staff_user)
    assert again.corrects == correction and again.total_eur == D("70.10")
    assert net_of(alpha) == D("320.10")

    # A later revocation of the claim keeps the issued amount.
    Claim.objects.filter(partner=alpha).update(status=Claim.Status.REVOKED)
    credits_compute(season=season)
    assert line(alpha, Y1).credit_eur == D("320.10")
    nothing_more_to_issue(season, staff_user)


# --- Disqualification ----------------------------------------------------------------------------


def _noted_and_open(season, alpha, staff_user) -> CreditNote:
    """Alpha: 10,000 € issued (12,000 € consumption, capped per customer); then 2,500 € final and
    800 € provisional, both not yet issued."""
    newcomer(alpha, X1, date(2024, 10, 4), "12000.00", staff=staff_user)
    billed(season, M[10], M[11])
    credits_compute(season=season)
    (note,) = credit_notes_issue(season=season, issued_by=staff_user)
    newcomer(alpha, Y1, date(2024, 12, 4), "2500.00", staff=staff_user)
    newcomer(alpha, Y2, date(2025, 2, 4), "800.00", staff=staff_user)
    billed(season, M[12], M[1], M[2])
    credits_compute(season=season)
    assert note.total_eur == D("10000.00")
    assert (line(alpha, Y1).credit_eur, line(alpha, Y2).status) == (D("2500.00"), "provisional")
    return note


def test_a_disqualification_without_reclaim_never_gives_a_negative_note(season, alpha, staff_user):
    _noted_and_open(season, alpha, staff_user)

    notes = partner_disqualify(partner=alpha, reviewer=staff_user, reason=REASON)

    assert notes == []
    alpha.refresh_from_db()
    assert alpha.status == Partner.Status.DISQUALIFIED and points_of(alpha) == 0
    # Unissued credits removed at once; the issued line keeps its 10,000 €.
    assert list(CreditLine.objects.values_list("customer_tenant_id", "credit_eur")) == [
        (X1, D("10000.00"))
    ]
    assert line(alpha, X1).explanation["kept"]["code"] == "partner_disqualified"
    nothing_more_to_issue(season, staff_user)
    billed(season, M[3])
    nothing_more_to_issue(season, staff_user)
    assert CreditNote.objects.count() == 1 and net_of(alpha) == D("10000.00")


def test_a_reclaim_issues_exactly_one_correction_note_for_the_issued_amount(
    season, alpha, charlie_co, staff_user
):
    first = _noted_and_open(season, alpha, staff_user)
    newcomer(charlie_co, X1.replace("a1", "c1"), date(2024, 10, 6), "99.99")
    credits_compute(season=season)
    (other,) = credit_notes_issue(season=season, issued_by=staff_user, partner=charlie_co)

    (reclaim,) = partner_disqualify(
        partner=alpha, reviewer=staff_user, reason=REASON, reclaim_eur=D("10000.00")
    )

    prefix = f"GS-{season.end_date.year}-"
    assert [first.number, other.number, reclaim.number] == [
        f"{prefix}00001",
        f"{prefix}00002",
        f"{prefix}00003",
    ]
    assert (reclaim.partner, reclaim.corrects, reclaim.issued_by) == (alpha, first, staff_user)
    assert reclaim.total_eur == D("-10000.00")
    assert positions(reclaim) == [(X1, "", D("-10000.00"))]
    assert reclaim.lines.get().description == (
        f"Neuer Endkunde Kunde {X1[:8]} · Korrektur: bisher 10.000,00 €, jetzt 0,00 € · "
        "Buchungsmonat Oktober 2024 · kostenfreier Monat November 2024 · "
        f"nachträglich aberkannt und zurückgefordert (Disqualifikation): {REASON}"
    )
    reclaimed = line(alpha, X1)
    assert reclaimed.credit_eur == D("0.00")
    assert reclaimed.explanation["reclaimed"]["previous_credit"] == "10000.00"
    assert reclaimed.explanation["reclaimed"]["reason"] == REASON
    with translation.override("en"):
        assert line_explanation(reclaimed)[0] == (
            f"Reclaimed when the partner was disqualified (€10,000.00): {REASON}"
        )
    assert not CreditLine.objects.filter(partner=alpha).exclude(pk=reclaimed.pk).exists()
    assert net_of(alpha) == D("0.00") and net_of(charlie_co) == D("99.99")
    nothing_more_to_issue(season, staff_user)


def test_a_reclaim_of_an_amount_no_longer_current_changes_nothing(season, alpha, staff_user):
    _noted_and_open(season, alpha, staff_user)
    points_before = points_of(alpha)

    with translation.override("en"), pytest.raises(DomainError, match="now €10,000.00"):
        partner_disqualify(
            partner=alpha, reviewer=staff_user, reason=REASON, reclaim_eur=D("9999.99")
        )

    alpha.refresh_from_db()
    assert alpha.status == Partner.Status.APPROVED and points_of(alpha) == points_before
    assert CreditLine.objects.filter(partner=alpha).count() == 3
    assert CreditNote.objects.count() == 1


def test_nothing_to_reclaim_is_refused(season, alpha, staff_user):
    newcomer(alpha, Y1, date(2024, 10, 4), "50.00")
    with translation.override("en"), pytest.raises(DomainError, match="no money on issued"):
        partner_disqualify(partner=alpha, reviewer=staff_user, reason=REASON, reclaim_eur=D(0))
    alpha.refresh_from_db()
    assert alpha.status == Partner.Status.APPROVED


def test_a_second_reclaim_is_refused_and_reclaims_nothing(season, alpha, staff_user):
    _noted_and_open(season, alpha, staff_user)
    partner_disqualify(partner=alpha, reviewer=staff_user, reason=REASON, reclaim_eur=D("10000"))

    with translation.override("en"), pytest.raises(DomainError, match="already disqualified"):
        partner_disqualify(
            partner=alpha, reviewer=staff_user, reason=REASON, reclaim_eur=D("10000")
        )

    assert list(CreditNote.objects.order_by("sequence").values_list("total_eur", flat=True)) == [
        D("10000.00"),
        D("-10000.00"),
    ]


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="two requests at once need row locks: PostgreSQL only (DATABASE_URL)",
)
@pytest.mark.django_db(transaction=True)
def test_two_reclaims_at_once_reclaim_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    season = league_season()
    alpha = PartnerFactory(season=season, league=LeagueFactory(season=season))
    staff = UserFactory(email="staff@ingram.example", is_staff=True)
    newcomer(alpha, Y1, date(2024, 10, 4), "4711.00")
    billed(season, M[10], M[11])
    credits_compute(season=season)
    credit_notes_issue(season=season, issued_by=staff)

    def reclaim():
        return partner_disqualify(
            partner=alpha, reviewer=staff, reason=REASON, reclaim_eur=D("4711.00")
        )

    outcomes = at_once(reclaim, reclaim)  # in English

    results = [r for r in outcomes if not isinstance(r, Exception)]
    errors = [str(r) for r in outcomes if isinstance(r, DomainError)]
    assert len(results) == 1 and len(errors) == 1 and "already disqualified" in errors[0]
    assert list(CreditNote.objects.order_by("sequence").values_list("sequence", "total_eur")) == [
        (1, D("4711.00")),
        (2, D("-4711.00")),
    ]


# --- Withdrawal through the admin ----------------------------------------------------------------


def test_a_withdrawal_recorded_in_the_admin_keeps_the_money_right(season, alpha, staff_user, rf):
    newcomer(alpha, X1, date(2024, 10, 4), "600.00")
    newcomer(alpha, Y1, date(2024, 11, 4), "70.00")  # December not billed yet
    billed(season, M[10], M[11])
    credits_compute(season=season)
    credit_notes_issue(season=season, issued_by=staff_user)

    request = rf.post("/admin/partners/partner/")
    request.user = staff_user
    alpha.status = Partner.Status.WITHDRAWN
    form = SimpleNamespace(changed_data=["status"], initial={"status": Partner.Status.APPROVED})
    admin.site._registry[Partner].save_model(request, alpha, form, change=True)

    alpha.refresh_from_db()
    assert alpha.status == Partner.Status.WITHDRAWN
    assert alpha.withdrawn_at is not None and alpha.withdrawn_by == staff_user
    billed(season, M[12])
    credits_compute(season=season)
    assert credit_notes_issue(season=season, issued_by=staff_user) == []
    assert list(CreditLine.objects.values_list("customer_tenant_id", "credit_eur")) == [
        (X1, D("600.00"))
    ]
    assert net_of(alpha) == D("600.00")
