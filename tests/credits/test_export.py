"""`manage.py export_credits` (SPEC section 7) and the staff CSV of issued notes for Xvantage."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from credits.models import CreditLine
from credits.notes.issuing import credit_notes_issue
from seasons.models import Season
from tests.credits.helpers.notes import change_credit, credit_line
from tests.factories import LeagueFactory, PartnerFactory, SeasonFactory

T1 = "11111111-1111-1111-1111-111111111111"
T2 = "22222222-2222-2222-2222-222222222222"
T3 = "33333333-3333-3333-3333-333333333333"


def export(**options) -> str:
    out = StringIO()
    call_command("export_credits", stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def lines(season, leagues):
    first = PartnerFactory(season=season, partner_id="1000001", name="Zeta GmbH")
    second = PartnerFactory(season=season, partner_id="2000002", name="Alpha GmbH")
    jan, feb = date(2025, 1, 1), date(2025, 2, 1)
    # Created out of order: the file is sorted by partner, booking month, customer.
    credit_line(second, "0.5", tenant_id=T1, month=jan, status=CreditLine.Status.PROVISIONAL)
    credit_line(first, "20000", kind="workload", group="security", tenant_id=T2, month=feb)
    credit_line(first, "1234.5", tenant_id=T3, month=jan)
    credit_line(first, "0", tenant_id=T1, month=feb, status=CreditLine.Status.CAPPED)
    credit_line(first, "10", kind="workload", group="analytics_ai", tenant_id=T1, month=feb)
    # Another season's lines are not exported.
    other = SeasonFactory(is_active=False)
    credit_line(PartnerFactory(season=other, league=LeagueFactory(season=other)), "99")


EXPECTED = (
    "partner_id,customer_tenant_id,kind,service_group,booking_month,credit_eur,status\n"
    f"1000001,{T3},new_customer,,2025-01,1234.50,final\n"
    f"1000001,{T1},new_customer,,2025-02,0.00,capped\n"
    f"1000001,{T1},workload,analytics_ai,2025-02,10.00,final\n"
    f"1000001,{T2},workload,security,2025-02,20000.00,final\n"
    f"2000002,{T1},new_customer,,2025-01,0.50,provisional\n"
)


@pytest.mark.django_db
def test_export_credits_writes_spec_format_to_stdout(lines):
    assert export() == EXPECTED


@pytest.mark.django_db
def test_export_credits_writes_the_same_to_a_file(lines, tmp_path):
    target = tmp_path / "credits.csv"
    message = export(output=str(target))
    assert target.read_bytes() == EXPECTED.encode()  # UTF-8, no BOM, \n line ends
    assert message == f"5 credit lines of {Season.objects.current().name} written to {target}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["credits.csv"]  # no temporary left


@pytest.mark.django_db
def test_export_credits_without_lines_writes_the_header(season):
    assert export() == EXPECTED.splitlines(keepends=True)[0]


@pytest.mark.django_db
def test_export_credits_refuses_an_unwritable_target_with_one_line(season, tmp_path):
    with pytest.raises(CommandError, match=r"^cannot write .*: no directory"):
        export(output=str(tmp_path / "missing" / "credits.csv"))


@pytest.mark.django_db
def test_export_credits_without_a_season_fails():
    Season.objects.all().delete()  # the one a migration seeds
    with pytest.raises(CommandError, match="there is no season"):
        export()


# --- CSV of issued notes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_notes_csv_for_xvantage(staff_client, season, leagues, staff_user):
    partner = PartnerFactory(
        season=season, partner_id="4711", customer_number="DE-0815", name="=Müller & Söhne GmbH"
    )
    line = credit_line(partner, "1234.56")
    (original,) = credit_notes_issue(season=season, issued_by=staff_user)
    change_credit(line, "1000.00")
    (correction,) = credit_notes_issue(season=season, issued_by=staff_user)

    response = staff_client.get("/staff/credit-notes/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="gutschriften-{season.slug}.csv"'
    )
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: German Excel reads UTF-8
    day = f"{timezone.localdate():%d.%m.%Y}"
    assert body.decode("utf-8-sig").split("\r\n") == [
        # The columns before e-invoicing first, then net, VAT and gross (issue 11).
        "number;date;partner_id;customer_number;partner_name;amount_eur;corrects;"
        "net_eur;vat_eur;gross_eur",
        # A name Excel would run as a formula is defused. VAT 19 % once per note, half-up.
        f"{original.number};{day};4711;DE-0815;'=Müller & Söhne GmbH;1234,56;;"
        "1234,56;234,57;1469,13",
        f"{correction.number};{day};4711;DE-0815;'=Müller & Söhne GmbH;-234,56;{original.number};"
        "-234,56;-44,57;-279,13",
        "",
    ]
