import pytest
from django.core.management import CommandError, call_command

from partners.models import Partner
from seasons.models import League
from tests.factories import PartnerFactory
from tests.partners.helpers import run

GOOD = (
    "partner_id,name,customer_number,league,contact_email\n"
    "1234567,Alpha Systemhaus GmbH,DE10001,Einsteiger-Liga,a@alpha.example\n"
    "2345678,Beta Cloud AG,DE10002,Profi-Liga,b@beta.example\n"
    "3456789,Gamma IT KG,DE10003,Einsteiger-Liga,c@gamma.example\n"
)


def snapshot(season):
    return list(
        Partner.objects.filter(season=season)
        .order_by("partner_id")
        .values_list(
            "partner_id",
            "name",
            "customer_number",
            "league__name",
            "contact_email",
            "status",
            "pseudonym_number",
        )
    )


@pytest.mark.django_db
def test_import_creates_approved_partners_with_pseudonyms_and_leagues(tmp_path, season):
    out, _ = run(tmp_path, GOOD)
    assert "created: 3" in out
    partners = Partner.objects.filter(season=season)
    assert {p.status for p in partners} == {Partner.Status.APPROVED}
    numbers = [p.pseudonym_number for p in partners]
    assert None not in numbers and len(set(numbers)) == 3
    assert set(League.objects.filter(season=season).values_list("name", flat=True)) == {
        "Einsteiger-Liga",
        "Profi-Liga",
    }
    assert partners.get(partner_id="2345678").league.name == "Profi-Liga"


@pytest.mark.django_db
def test_import_is_idempotent(tmp_path, season):
    run(tmp_path, GOOD)
    before = snapshot(season)
    out, _ = run(tmp_path, GOOD)
    assert "created: 0, updated: 0, unchanged: 3" in out
    assert snapshot(season) == before
    assert League.objects.filter(season=season).count() == 2


@pytest.mark.django_db
def test_import_updates_and_keeps_the_pseudonym(tmp_path, season):
    run(tmp_path, GOOD)
    number = Partner.objects.get(partner_id="1234567").pseudonym_number
    out, _ = run(tmp_path, GOOD.replace("Alpha Systemhaus GmbH", "Alpha Systemhaus AG"))
    assert "updated: 1" in out
    partner = Partner.objects.get(partner_id="1234567")
    assert partner.name == "Alpha Systemhaus AG" and partner.pseudonym_number == number


@pytest.mark.django_db
def test_import_approves_a_pending_registration(tmp_path, season):
    pending = PartnerFactory(
        season=season,
        partner_id="1234567",
        status=Partner.Status.PENDING,
        pseudonym_number=None,
        league=None,
    )
    run(tmp_path, GOOD)
    pending.refresh_from_db()
    assert pending.status == Partner.Status.APPROVED and pending.pseudonym_number
    assert Partner.objects.filter(partner_id="1234567").count() == 1


@pytest.mark.django_db
def test_bad_file_is_refused_with_line_numbers_and_changes_nothing(tmp_path, season):
    run(tmp_path, GOOD)
    before = snapshot(season)
    bad = GOOD + (
        "12ab,Delta GmbH,DE10004,Profi-Liga,d@delta.example\n"
        "4567890,,DE10005,Profi-Liga,not-an-email\n"
        "2345678,Beta again,DE10002,Neue Liga,b@beta.example\n"
    )
    bad = bad.replace("Gamma IT KG", "Gamma IT KG renamed")
    with pytest.raises(CommandError) as excinfo:
        run(tmp_path, bad)
    message = str(excinfo.value)
    assert "\n" not in message
    assert "line 5" in message
    assert "nothing imported" in message
    assert snapshot(season) == before
    assert not League.objects.filter(name="Neue Liga").exists()


@pytest.mark.django_db
def test_error_report_names_line_column_and_value(tmp_path, season):
    bad = GOOD + "4567890,Delta GmbH,DE10004,Profi-Liga,not-an-email\n"
    from partners.importers import ImportFileError, partners_import

    with pytest.raises(ImportFileError) as excinfo:
        partners_import(raw=bad.encode(), season=season)
    assert excinfo.value.errors == [
        "line 5: column contact_email: 'not-an-email' is not an e-mail address"
    ]
    assert not Partner.objects.filter(season=season).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content,expected",
    [
        ("", "empty"),
        ("partner_id,name,league\n1,a,b\n", "missing column(s) customer_number, contact_email"),
        (GOOD.encode("utf-16"), "not UTF-8"),
        ("partner_id,name,customer_number,league,contact_email\n", "no partners"),
        (GOOD + "1234567,Alpha twice,DE1,Profi-Liga,x@alpha.example\n", "line 2"),
    ],
    ids=["empty", "missing-columns", "utf16", "header-only", "duplicate-id"],
)
def test_malformed_files_are_refused(tmp_path, season, content, expected):
    with pytest.raises(CommandError) as excinfo:
        run(tmp_path, content)
    assert expected in str(excinfo.value)
    assert not Partner.objects.exists()


@pytest.mark.django_db
def test_semicolon_file_with_bom_is_read(tmp_path, season):
    out, _ = run(tmp_path, "\ufeff" + GOOD.replace(",", ";"))
    assert "created: 3" in out


@pytest.mark.django_db
def test_disqualified_partner_is_not_brought_back(tmp_path, season):
    PartnerFactory(season=season, partner_id="1234567", status=Partner.Status.DISQUALIFIED)
    with pytest.raises(CommandError, match="disqualified"):
        run(tmp_path, GOOD)
    assert Partner.objects.filter(season=season).count() == 1


@pytest.mark.django_db
def test_missing_file_gives_a_one_line_reason(tmp_path, season):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_partners", str(tmp_path / "nope.csv"))


# --- The optional league_criterion column (issue 9) -----------------------------------------------

WITH_CRITERIA = (
    "partner_id,name,customer_number,league,contact_email,league_criterion\n"
    "1234567,Alpha Systemhaus GmbH,DE10001,Einsteiger-Liga,a@alpha.example,"
    '"Bis 50.000 € Azure-Umsatz im Vorjahr"\n'
    "2345678,Beta Cloud AG,DE10002,Profi-Liga,b@beta.example,Ab 50.000 € Azure-Umsatz\n"
    "3456789,Gamma IT KG,DE10003,einsteiger-liga,c@gamma.example,\n"
)


def criteria(season):
    return dict(League.objects.filter(season=season).values_list("name", "criterion"))


@pytest.mark.django_db
def test_league_criterion_is_published_for_the_leagues_of_the_file(tmp_path, season):
    from django.test import Client

    out, err = run(tmp_path, WITH_CRITERIA)
    assert "created: 3" in out and "league criteria set: 0" in out
    assert err == ""
    assert criteria(season) == {
        "Einsteiger-Liga": "Bis 50.000 € Azure-Umsatz im Vorjahr",
        "Profi-Liga": "Ab 50.000 € Azure-Umsatz",
    }
    for url in ("/", "/rules/", "/leaderboard/"):
        page = Client().get(url).content.decode()
        assert "Bis 50.000 € Azure-Umsatz im Vorjahr" in page, url
        assert "in Kürze veröffentlicht" not in page, url

    # Again: nothing changes.
    out, _ = run(tmp_path, WITH_CRITERIA)
    assert "unchanged: 3" in out and "league criteria set: 0" in out


@pytest.mark.django_db
def test_a_new_criterion_replaces_the_old_an_empty_cell_keeps_it(tmp_path, season):
    run(tmp_path, WITH_CRITERIA)
    changed = WITH_CRITERIA.replace("Ab 50.000 € Azure-Umsatz", "Ab 100.000 € Azure-Umsatz")
    changed = changed.replace('"Bis 50.000 € Azure-Umsatz im Vorjahr"', "")
    out, _ = run(tmp_path, changed)
    assert "league criteria set: 1" in out
    assert criteria(season) == {
        "Einsteiger-Liga": "Bis 50.000 € Azure-Umsatz im Vorjahr",
        "Profi-Liga": "Ab 100.000 € Azure-Umsatz",
    }


@pytest.mark.django_db
def test_two_criteria_for_one_league_refuse_the_file(tmp_path, season):
    bad = WITH_CRITERIA.replace(
        "c@gamma.example,\n", "c@gamma.example,Nach Anzahl der Mitarbeiter\n"
    )
    with pytest.raises(CommandError) as excinfo:
        run(tmp_path, bad)
    assert "line 4: column league_criterion: differs from line 2 for the league" in str(
        excinfo.value
    )
    assert not Partner.objects.exists() and not League.objects.exists()


@pytest.mark.django_db
def test_columns_in_any_order_and_case(tmp_path, season):
    text = (
        "League_Criterion;contact_email;league;customer_number;name;partner_id\n"
        "Für Einsteiger;a@alpha.example;Einsteiger-Liga;DE10001;Alpha GmbH;1234567\n"
    )
    run(tmp_path, text)
    assert criteria(season) == {"Einsteiger-Liga": "Für Einsteiger"}
    assert Partner.objects.get().name == "Alpha GmbH"


@pytest.mark.django_db
def test_a_league_with_partners_but_no_criterion_is_warned_about(tmp_path, season):
    out, err = run(tmp_path, GOOD)
    assert sorted(err.splitlines()) == [
        f"warning: partners play in the league {name} but it has no published criterion "
        "(terms 1: transparent criteria); give league_criterion or edit it under /staff/leagues/"
        for name in ("Einsteiger-Liga", "Profi-Liga")
    ]
    from django.test import Client

    assert "in Kürze veröffentlicht" in Client().get("/").content.decode()
    _out, err = run(tmp_path, WITH_CRITERIA)
    assert err == ""
