"""Staff: the live tables with the companies, CSV/XLSX, the freeze and special prizes."""

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from league.models import SpecialPrize
from seasons.models import Season
from tests.conftest import client_for
from tests.factories import PartnerFactory
from tests.league.helpers import at, book

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(season, leagues):
    first = PartnerFactory(season=season, league=leagues[0], name="Erste Cloud GmbH")
    second = PartnerFactory(season=season, league=leagues[0], name='=HYPERLINK("x") AG')
    other = PartnerFactory(season=season, league=leagues[1], name="Profi IT GmbH")
    book(first, "presales_sizing", at=at(1))
    book(second, "sql_lead", at=at(2))
    return first, second, other


def table_html(response) -> str:
    page = response.content.decode()
    return page[page.index('<table class="league-table"') : page.index("</table>")]


def test_staff_see_the_live_table_with_company_names(staff_client, table, leagues):
    first, second, other = table
    page = table_html(staff_client.get("/staff/leaderboard/"))
    assert page.index("Erste Cloud GmbH") < page.index("HYPERLINK")
    assert first.partner_id in page and first.pseudonym in page
    assert "Profi IT GmbH" not in page
    page = table_html(staff_client.get(f"/staff/leaderboard/?league={leagues[1].slug}"))
    assert "Profi IT GmbH" in page


def test_partners_and_visitors_do_not_get_the_staff_table(alice, table):
    assert client_for(alice).get("/staff/leaderboard/").status_code == 403
    assert client_for(alice).get("/staff/leaderboard/export.csv").status_code == 403
    assert Client().get("/staff/leaderboard/export.xlsx")["Location"].startswith("/accounts/login/")


def test_unknown_league_or_season_is_404(staff_client, table):
    assert staff_client.get("/staff/leaderboard/?league=gibt-es-nicht").status_code == 404
    assert staff_client.get("/staff/leaderboard/?season=1999-00").status_code == 404


def test_csv_export_for_german_excel(staff_client, table, leagues):
    first, second, other = table
    response = staff_client.get("/staff/leaderboard/export.csv")
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert len(rows) == 4
    assert rows[1][:8] == [
        leagues[0].name,
        "1",
        first.pseudonym,
        "Erste Cloud GmbH",
        first.partner_id,
        first.customer_number,
        "100",
        "0",
    ]
    assert rows[2][3] == '\'=HYPERLINK("x") AG'  # never a formula in Excel
    assert rows[3][0] == leagues[1].name and rows[3][6] == "0" and rows[3][8] == ""
    one = staff_client.get(f"/staff/leaderboard/export.csv?league={leagues[1].slug}")
    assert one.content.decode().count("\r\n") == 2


def test_xlsx_export_keeps_names_as_text(staff_client, table):
    first, second, other = table
    response = staff_client.get("/staff/leaderboard/export.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][1:4] == (1, first.pseudonym, "Erste Cloud GmbH")
    assert rows[1][6] == 100
    assert rows[2][3] == '=HYPERLINK("x") AG'
    assert sheet.cell(row=3, column=4).data_type == "s"
    assert rows[1][8] == timezone.localtime(at(1)).replace(tzinfo=None)


def test_freeze_and_release(staff_client, season, table, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/staff/leaderboard/freeze/?season={season.slug}", {"moment": "2030-01-01T00:00"}
        )
    assert response.status_code == 302
    season.refresh_from_db()
    assert timezone.localtime(season.table_frozen_at).isoformat().startswith("2030-01-01T00:00")
    assert season.table_frozen_by is not None
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(f"/staff/leaderboard/freeze/?season={season.slug}", {"release": "1"})
    season.refresh_from_db()
    assert season.table_frozen_at is None


def test_bad_freeze_requests_change_nothing(staff_client, season, table):
    before = season.start_date.replace(year=season.start_date.year - 1)
    response = staff_client.post(
        f"/staff/leaderboard/freeze/?season={season.slug}", {"moment": f"{before}T12:00"}
    )
    assert response.status_code == 400
    assert "season" in response.content.decode().lower() or "Saison" in response.content.decode()
    response = staff_client.post(
        f"/staff/leaderboard/freeze/?season={season.slug}", {"moment": "x"}
    )
    assert response.status_code == 400
    release = staff_client.post(
        f"/staff/leaderboard/freeze/?season={season.slug}", {"release": "1"}, follow=True
    )
    assert "nicht eingefroren" in release.content.decode() or "not frozen" in (
        release.content.decode()
    )
    assert Season.objects.get(pk=season.pk).table_frozen_at is None
    assert staff_client.get(f"/staff/leaderboard/freeze/?season={season.slug}").status_code == 405


def test_special_prize_award_twice_and_remove(staff_client, season, table):
    first = table[0]
    url = f"/staff/leaderboard/prizes/?season={season.slug}"
    data = {
        "partner": first.pk,
        "title_de": "Bestes Migrationsprojekt",
        "title_en": "Best migration",
    }
    assert staff_client.post(url, data).status_code == 302
    again = staff_client.post(url, data)  # a double click
    assert again.status_code == 400
    assert SpecialPrize.objects.count() == 1
    prize = SpecialPrize.objects.get()
    assert prize.awarded_by is not None
    assert staff_client.post(f"/staff/leaderboard/prizes/{prize.pk}/remove/").status_code == 302
    assert not SpecialPrize.objects.exists()


def test_a_prize_title_that_names_a_company_is_refused(staff_client, season, table):
    first, second, other = table
    response = staff_client.post(
        f"/staff/leaderboard/prizes/?season={season.slug}",
        {"partner": first.pk, "title_de": "Top-Projekt von profi it gmbh", "title_en": ""},
    )
    assert response.status_code == 400
    assert "Profi IT GmbH" in response.content.decode()
    assert not SpecialPrize.objects.exists()


def test_a_prize_for_a_partner_of_another_season_is_refused(staff_client, season, table):
    from tests.factories import SeasonFactory

    stranger = PartnerFactory(season=SeasonFactory(is_active=False))
    response = staff_client.post(
        f"/staff/leaderboard/prizes/?season={season.slug}",
        {"partner": stranger.pk, "title_de": "Sonderpreis"},
    )
    assert response.status_code == 400
    assert not SpecialPrize.objects.exists()


@pytest.mark.parametrize(
    "title_de, title_en, named",
    [
        ("Sonderpreis für Rheinwolke Consulting", "", "Rheinwolke Consulting GmbH"),
        ("Rheinwolke", "", "Rheinwolke Consulting GmbH"),
        ("Bestes Projekt", "Rheinwolke's best", "Rheinwolke Consulting GmbH"),
        ("Migration der Bäckerei Huber", "", "Bäckerei Huber KG"),
        ("Dank an Erika Mustermann", "", "Erika Mustermann"),
        ("Preis für Frau Sonnleitner", "", "Sonnleitner"),
        ("Kontakt sieger@rheinwolke.example", "", "sieger@rheinwolke.example"),
        ("Sonderpreis MPN 7712345", "", "7712345"),
    ],
)
def test_a_prize_title_that_names_anyone_is_refused(
    staff_client, season, table, title_de, title_en, named
):
    from challenges.models import AcademyDate, AcademySeat
    from tests.factories import EndCustomerFactory, MembershipFactory, UserFactory

    winner = PartnerFactory(season=season, name="Rheinwolke Consulting GmbH", partner_id="7712345")
    EndCustomerFactory(partner=table[0], name="Bäckerei Huber KG")
    MembershipFactory(partner=winner, user=UserFactory(first_name="Erika", last_name="Mustermann"))
    academy = AcademyDate.objects.create(season=season, date=season.start_date, location="Köln")
    AcademySeat.objects.create(
        academy=academy, partner=winner, name="Lena Sonnleitner", email="ls@rw.example"
    )
    staff_client.cookies["django_language"] = "en"
    response = staff_client.post(
        f"/staff/leaderboard/prizes/?season={season.slug}",
        {"partner": winner.pk, "title_de": title_de, "title_en": title_en},
    )
    assert response.status_code == 400
    assert named in response.content.decode()
    assert "published under the pseudonym only" in response.content.decode()
    assert not SpecialPrize.objects.exists()


def test_a_prize_title_without_names_is_published_with_the_pseudonym(staff_client, season, table):
    first = table[0]
    response = staff_client.post(
        f"/staff/leaderboard/prizes/?season={season.slug}",
        {"partner": first.pk, "title_de": "Bestes Cloud-Migrationsprojekt", "title_en": ""},
    )
    assert response.status_code == 302
    assert SpecialPrize.objects.get().title_de == "Bestes Cloud-Migrationsprojekt"
