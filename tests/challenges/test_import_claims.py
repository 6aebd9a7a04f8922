"""`manage.py import_claims FILE.csv` (SPEC section 7): the browser's rules, row by row."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from challenges.importers import IMPORT_USER_EMAIL
from challenges.models import Claim, LedgerEntry
from challenges.selectors import partner_points
from partners.models import CustomerExclusion, EndCustomer, Partner, User
from tests.factories import EndCustomerFactory, PartnerFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "partner_id,challenge,customer_tenant_id,customer_name,subscription_id,activity_date,status"
)
T1 = "11111111-1111-4111-8111-111111111111"
T2 = "22222222-2222-4222-8222-222222222222"
T3 = "33333333-3333-4333-8333-333333333333"
SUB = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"


def run(tmp_path, text, encoding="utf-8"):
    path = tmp_path / "claims.csv"
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    out, err = StringIO(), StringIO()
    call_command("import_claims", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def csv(*rows):
    return "\n".join([HEADER, *rows]) + "\n"


@pytest.fixture
def day(season):
    return season.start_date + timedelta(days=5)


def snapshot():
    return (
        list(Claim.objects.order_by("pk").values_list("pk", "status", "count_key")),
        list(LedgerEntry.objects.order_by("pk").values_list("pk", "points")),
        list(EndCustomer.objects.order_by("pk").values_list("pk", "tenant_id", "name")),
    )


def test_import_creates_customers_and_claims_through_the_services(
    tmp_path, company_a, company_c, day
):
    a, c = company_a.partner_id, company_c.partner_id
    out, err = run(
        tmp_path,
        csv(
            f"{a},sql_lead,{T1},Müller Maschinenbau GmbH,,{day:%Y-%m-%d},submitted",
            f"{a},new_customer,{T1},Müller Maschinenbau GmbH,{SUB},{day:%Y-%m-%d},approved",
            f"{a},sales_meeting,{T2},Schmidt & Söhne KG,,{day:%d.%m.%Y},approved",
            f"{c},presales_sizing,{{{T1.upper()}}},Müller (bei Charlie),,{day:%Y-%m-%d},submitted",
        ),
    )
    assert out.splitlines()[0] == "rows: 4, imported: 4, skipped: 0"
    assert err == ""

    customers = EndCustomer.objects.filter(partner=company_a).order_by("name")
    assert [(x.name, x.tenant_id) for x in customers] == [
        ("Müller Maschinenbau GmbH", T1),
        ("Schmidt & Söhne KG", T2),
    ]
    # The same tenant reported by another partner is that partner's customer (a conflict for
    # staff to see), with the tenant ID normalised like in the browser.
    assert EndCustomer.objects.get(partner=company_c).tenant_id == T1

    lead = Claim.objects.get(challenge__code="sql_lead")
    assert lead.status == Claim.Status.SUBMITTED
    assert lead.bant_budget and lead.bant_authority and lead.bant_need and lead.bant_time
    assert lead.activity_date == day
    meeting = Claim.objects.get(challenge__code="sales_meeting")
    assert meeting.status == Claim.Status.APPROVED
    assert meeting.meeting_date == day and meeting.distributor_contact == "CSV import"
    new = Claim.objects.get(challenge__code="new_customer")
    assert new.subscription_id == SUB

    # Approval books the ledger like a reviewer's: 200 + the first-customer bonus + 50.
    assert partner_points(company_a) == 450
    assert partner_points(company_c) == 0

    system = User.objects.get(email=IMPORT_USER_EMAIL)
    assert system.is_staff and not system.is_active and not system.has_usable_password()
    assert new.submitted_by == system and new.decided_by == system
    assert [t.to_status for t in new.transitions.all()] == ["submitted", "approved"]
    assert {t.actor for t in new.transitions.all()} == {system}


def test_rows_that_break_a_rule_are_reported_and_skipped_the_others_kept(
    tmp_path, season, company_a, day
):
    a = company_a.partner_id
    pending = PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)
    CustomerExclusion.objects.create(season=season, kind="tenant", value=T3, reason="Konzern")
    future = timezone.localdate() + timedelta(days=1)
    before = season.start_date - timedelta(days=1)
    out, err = run(
        tmp_path,
        csv(
            f"{a},sales_meeting,{T1},Gut GmbH,,{day:%Y-%m-%d},approved",  # 2: fine
            f"9999999,sales_meeting,{T1},Gut GmbH,,{day:%Y-%m-%d},approved",  # 3
            f"{a},golf_turnier,{T1},Gut GmbH,,{day:%Y-%m-%d},submitted",  # 4
            f"{a},first_customer_bonus,{T1},Gut GmbH,,{day:%Y-%m-%d},approved",  # 5
            f"{a},sales_meeting,not-a-guid,Gut GmbH,,{day:%Y-%m-%d},submitted",  # 6
            f"{a},new_customer,{T2},Neu GmbH,,{day:%Y-%m-%d},approved",  # 7
            f"{a},svc_avd,{T2},Neu GmbH,,{future:%Y-%m-%d},submitted",  # 8
            f"{a},svc_avd,{T2},Neu GmbH,,{before:%Y-%m-%d},submitted",  # 9
            f"{a},svc_avd,{T2},Neu GmbH,,31/12/2024,submitted",  # 10
            f"{a},svc_avd,{T2},Neu GmbH,,{day:%Y-%m-%d},paid",  # 11
            f"{a},svc_avd,{T3},Ausgeschlossen AG,,{day:%Y-%m-%d},submitted",  # 12
            f"{pending.partner_id},svc_avd,{T2},Neu GmbH,,{day:%Y-%m-%d},submitted",  # 13
            f"{a},sales_meeting,{T1},Gut GmbH,,{day:%Y-%m-%d},submitted",  # 14: counted
            f"{a},svc_avd,{T2},,,{day:%Y-%m-%d},submitted",  # 15: new customer without name
            f"{a},svc_avd",  # 16: too few fields
            f"{a},svc_security,{T2},Neu GmbH,,{day:%Y-%m-%d},submitted",  # 17: fine
        ),
    )
    assert out.splitlines()[0] == "rows: 16, imported: 2, skipped: 14"
    lines = err.splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in range(3, 17)]
    reasons = dict(line.split(": ", 1) for line in lines)
    assert "no partner 9999999" in reasons["line 3"]
    assert "no challenge “golf_turnier”" in reasons["line 4"]
    assert "no challenge “first_customer_bonus”" in reasons["line 5"]
    assert "not an Azure tenant ID" in reasons["line 6"]
    assert "subscription ID" in reasons["line 7"]
    assert "future" in reasons["line 8"]
    assert "within the season" in reasons["line 9"]
    assert "not a date" in reasons["line 10"]
    assert "'paid' is not one of submitted, approved" in reasons["line 11"]
    assert "excluded from the league: Konzern" in reasons["line 12"]
    assert "Only approved participants" in reasons["line 13"]
    assert "already claimed for Gut GmbH" in reasons["line 14"]
    assert "customer_name: empty" in reasons["line 15"]
    assert "column customer_tenant_id: empty" in reasons["line 16"]

    assert sorted(Claim.objects.values_list("challenge__code", flat=True)) == [
        "sales_meeting",
        "svc_security",
    ]
    # A skipped row leaves nothing behind, not even its new end customer.
    assert sorted(EndCustomer.objects.values_list("tenant_id", flat=True)) == [T1, T2]
    assert partner_points(company_a) == 50


def test_importing_the_same_file_twice_changes_nothing(tmp_path, company_a, day):
    text = csv(
        f"{company_a.partner_id},new_customer,{T1},Müller GmbH,{SUB},{day:%Y-%m-%d},approved",
        f"{company_a.partner_id},sales_meeting,{T1},Müller GmbH,,{day:%Y-%m-%d},submitted",
    )
    run(tmp_path, text)
    before = snapshot()
    out, err = run(tmp_path, text)
    assert out.splitlines()[0] == "rows: 2, imported: 0, skipped: 2"
    assert "line 2:" in err and "line 3:" in err and err.count("already claimed") == 2
    assert snapshot() == before
    assert partner_points(company_a) == 400


def test_an_end_customer_reported_before_is_used(tmp_path, company_a, day):
    known = EndCustomerFactory(partner=company_a, tenant_id=T1, name="Müller GmbH (Portal)")
    row = (
        f"{company_a.partner_id},svc_databases,{T1.upper()},Anderer Name,,{day:%Y-%m-%d},Submitted"
    )
    out, _ = run(tmp_path, csv(row))
    assert "imported: 1" in out
    assert "end customers created" not in out
    assert Claim.objects.get().customer == known
    assert EndCustomer.objects.get().name == "Müller GmbH (Portal)"


def test_semicolons_a_bom_and_extra_columns_are_accepted(tmp_path, company_a, day):
    text = (
        HEADER.replace(",", ";")
        + ";comment\n"
        + f"{company_a.partner_id};svc_avd;{T1};Müller GmbH;;{day:%d.%m.%Y};approved;egal\n"
    )
    out, err = run(tmp_path, text.encode("utf-8-sig"))
    assert out.splitlines() == ["rows: 1, imported: 1, skipped: 0", "end customers created: 1"]
    assert partner_points(company_a) == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (HEADER.encode() + b"\n", "a header but no claims"),
        (b"partner_id,challenge,customer_name\n1,2,3\n", "missing column(s) customer_tenant_id"),
        (
            HEADER.encode("utf-8")
            + "\n1,sql_lead,x,Müller,,2025-01-01,submitted\n".encode("cp1252"),
            "not UTF-8",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_one_line(tmp_path, season, content, message):
    with pytest.raises(CommandError, match=re.escape(message)) as exc:
        run(tmp_path, content)
    assert "\n" not in str(exc.value)
    assert not Claim.objects.exists() and not EndCustomer.objects.exists()


def test_a_missing_file_is_refused(tmp_path, season):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_claims", str(tmp_path / "nope.csv"))


# --- Academy rows (issue 9) -----------------------------------------------------------------------


def test_an_academy_row_records_attendance_and_grants_30_points_once_per_partner(
    tmp_path, company_a, company_c, day
):
    a, c = company_a.partner_id, company_c.partner_id
    out, err = run(
        tmp_path,
        csv(
            f"{a},academy,,,,{day:%Y-%m-%d},approved",  # 2
            f"{c},ACADEMY,,,,{day:%d.%m.%Y},approved",  # 3
            f"{a},academy,,,,{day + timedelta(days=1):%Y-%m-%d},approved",  # 4: a second one
        ),
    )
    assert out.splitlines() == ["rows: 3, imported: 2, skipped: 1"]
    assert err.splitlines() == [
        "line 4: “Partner attends the Azure Sales Academy live” counts once per partner and has "
        "counted for Alpha Systemhaus GmbH."
    ]
    claim = Claim.objects.get(partner=company_a)
    assert (claim.challenge.code, claim.status, claim.customer, claim.activity_date) == (
        "academy",
        Claim.Status.APPROVED,
        None,
        day,
    )
    assert claim.note == "CSV import, line 2"
    assert claim.decided_by.email == IMPORT_USER_EMAIL
    assert [t.to_status for t in claim.transitions.all()] == ["approved"]
    assert partner_points(company_a) == 30 and partner_points(company_c) == 30
    assert list(LedgerEntry.objects.filter(partner=company_a).values_list("kind", "points")) == [
        ("grant", 30)
    ]

    # The same file again: every row skipped, nothing booked twice.
    before = snapshot()
    out, err = run(tmp_path, csv(f"{a},academy,,,,{day:%Y-%m-%d},approved"))
    assert out.splitlines() == ["rows: 1, imported: 0, skipped: 1"]
    assert "counts once per partner" in err
    assert snapshot() == before


def test_academy_after_attendance_recorded_on_the_staff_page_is_refused(tmp_path, company_a, day):
    from challenges.models import AcademyDate, AcademySeat
    from challenges.services.academy import academy_attendance_record

    academy = AcademyDate.objects.create(season=company_a.season, date=day, location="München")
    seat = AcademySeat.objects.create(
        academy=academy, partner=company_a, name="Ann", email="ann@alpha.example"
    )
    staff = User.objects.create(email="staff@ingram.example", is_staff=True)
    academy_attendance_record(seat=seat, attended=True, reviewer=staff)
    out, err = run(tmp_path, csv(f"{company_a.partner_id},academy,,,,{day:%Y-%m-%d},approved"))
    assert out.splitlines() == ["rows: 1, imported: 0, skipped: 1"]
    assert "counts once per partner" in err
    assert partner_points(company_a) == 30


def test_bad_academy_rows_are_reported_and_skipped(tmp_path, season, company_a, day):
    a = company_a.partner_id
    pending = PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)
    future = timezone.localdate() + timedelta(days=1)
    out, err = run(
        tmp_path,
        csv(
            f"{a},academy,{T1},,,{day:%Y-%m-%d},approved",  # 2: a customer
            f"{a},academy,,Müller GmbH,,{day:%Y-%m-%d},approved",  # 3
            f"{a},academy,,,,{day:%Y-%m-%d},submitted",  # 4: not an attendance
            f"{a},academy,,,,{future:%Y-%m-%d},approved",  # 5
            f"{a},academy,,,,,approved",  # 6
            f"{pending.partner_id},academy,,,,{day:%Y-%m-%d},approved",  # 7
            f"9999999,academy,,,,{day:%Y-%m-%d},approved",  # 8
        ),
    )
    assert out.splitlines() == ["rows: 7, imported: 0, skipped: 7"]
    reasons = dict(line.split(": ", 1) for line in err.splitlines())
    assert reasons["line 2"] == (
        "column customer_tenant_id: an academy row has no end customer; leave it empty"
    )
    assert reasons["line 3"].startswith("column customer_name: an academy row has no end customer")
    assert "status is approved" in reasons["line 4"]
    assert "future" in reasons["line 5"]
    assert reasons["line 6"] == "column activity_date: empty"
    assert "Only approved participants" in reasons["line 7"]
    assert "no partner 9999999" in reasons["line 8"]
    assert not Claim.objects.exists() and not LedgerEntry.objects.exists()
