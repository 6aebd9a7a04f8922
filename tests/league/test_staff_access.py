"""Who gets into the staff area, on every URL under /staff/ and /admin/ (SPEC 1, 10): a visitor is
sent to the login, a partner user gets 403, a staff user whose session has not passed the second
factor is asked for it (one without an authenticator is sent to set one up) — and none of them
changes anything, GET or POST; a staff user who passed it gets an answer that is no error.

The URLs are not listed by hand: the test walks the URL configuration, as
tests/partners/test_tenancy.py does, so a new staff URL is covered the day it is added. A pattern
with parameters needs an example object: an admin page gets one of its model from ADMIN_MAKERS, a
staff page one from EXAMPLES (by its route); a pattern without one fails
test_every_staff_url_has_an_example, naming the route and what to add.
"""

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve
from django.utils import timezone

from challenges.models import AcademyDate, AcademySeat, Challenge, Claim, Redemption
from credits.billing_import.upload import billing_import_create
from credits.models import BillingImport
from league.models import SpecialPrize
from partners.models import Invitation, OutboxEmail, Partner, User
from seasons.models import League, Season
from tests.challenges.helpers import approved_claim, claim_for
from tests.conftest import client_for
from tests.credits.helpers.billing_files import csv_text, line
from tests.credits.helpers.notes import make_credit_note
from tests.factories import InvitationFactory, PartnerFactory, UserFactory
from tests.helpers.files import PNG

STAFF_AREA = ("staff/", "admin/")

# A parameter in a route (`<int:pk>`) or in a regular expression (`(?P<app_label>...)`).
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def staff_routes(resolver=None, prefix=""):
    """Every URL pattern under /staff/ and /admin/, as its route (what `resolve().route` says:
    a regular expression's `^` dropped)."""
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern).removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from staff_routes(entry, route)
        elif route.startswith(STAFF_AREA):
            yield route


def parameters(route: str) -> list[str]:
    return [a or b for a, b in PARAMETER.findall(route)]


def url_of(route: str, kwargs: dict) -> str:
    path = PARAMETER.sub(lambda m: str(kwargs[m.group(1) or m.group(2)]), route)
    return "/" + path.removesuffix("$")


ROUTES = sorted(set(staff_routes()))


# --- Example objects -----------------------------------------------------------------------------

# The object of each model the admin shows, for its change, delete and history pages.
ADMIN_MAKERS = {
    Group: lambda w: Group.objects.get_or_create(name="Prüfer")[0],
    EmailAddress: lambda w: w.staff.emailaddress_set.get_or_create(email=w.staff.email)[0],
    Authenticator: lambda w: Authenticator.objects.get(user=w.staff),
    Season: lambda w: w.season,
    League: lambda w: w.partner.league,
    User: lambda w: w.staff,
    Partner: lambda w: w.partner,
    Invitation: lambda w: InvitationFactory(partner=w.partner),
    OutboxEmail: lambda w: OutboxEmail.objects.create(to="x@alpha.example", subject="S", body="B"),
    Challenge: lambda w: Challenge.objects.filter(season=w.season).first(),
}

# The parameters of each other staff URL with parameters, by route.
EXAMPLES = {
    "staff/leaderboard/prizes/<int:pk>/remove/": lambda w: {"pk": w.prize.pk},
    "staff/seasons/<int:pk>/copy/": lambda w: {"pk": w.season.pk},
    "staff/seasons/<int:pk>/activate/": lambda w: {"pk": w.season.pk},
    "staff/registrations/<int:pk>/": lambda w: {"pk": w.registration.pk},
    "staff/registrations/<int:pk>/details/": lambda w: {"pk": w.registration.pk},
    "staff/claims/<int:pk>/": lambda w: {"pk": w.claim.pk},
    "staff/claims/<int:pk>/evidence/": lambda w: {"pk": w.claim.pk},
    "staff/billing/<int:pk>/": lambda w: {"pk": w.billing_import.pk},
    "staff/billing/<int:pk>/progress.json": lambda w: {"pk": w.billing_import.pk},
    "staff/billing/<int:pk>/restart/": lambda w: {"pk": w.billing_import.pk},
    "staff/credits/customers/<str:tenant_id>/": lambda w: {
        "tenant_id": w.note.lines.get().credit_line.customer_tenant_id
    },
    "staff/credit-notes/<int:pk>/pdf/": lambda w: {"pk": w.note.pk},
    "staff/credit-notes/<int:pk>/xml/": lambda w: {"pk": w.note.pk},
    "staff/partners/<int:pk>/disqualify/": lambda w: {"pk": w.partner.pk},
    "admin/r/<path:content_type_id>/<path:object_id>/": lambda w: {
        "content_type_id": ContentType.objects.get_for_model(Partner).pk,
        "object_id": w.partner.pk,
    },
    "admin/(?P<app_label>auth|account|mfa|seasons|partners|challenges)/$": lambda w: {
        "app_label": "partners"
    },
    "admin/(?P<url>.*)$": lambda w: {"url": "gibt-es-nicht/"},
}

# What staff fill in where an action refuses an empty form (and answers it with 400).
FORMS = {
    "staff/leaderboard/freeze/": lambda w: {"moment": f"{timezone.localtime():%Y-%m-%dT%H:%M}"},
    "staff/leaderboard/prizes/": lambda w: {"partner": w.partner.pk, "title_de": "Bester Start"},
}

# What a staff user with the second factor gets where it is neither a page (GET 200) nor an action
# (GET 405, POST a redirect back: 302) — as (method, status, reason).
STAFF_ANSWERS = {
    "admin/login/": ("get", 302, "a logged-in staff user is sent on to the admin's index"),
    "admin/logout/": ("post", 200, "the admin says good-bye on a page of its own"),
    "admin/r/<path:content_type_id>/<path:object_id>/": (
        "get",
        404,
        "no model has a page of its own on the site (no get_absolute_url): nothing to view",
    ),
    "admin/autocomplete/": (
        "get",
        403,
        "no admin declares autocomplete_fields: nothing to complete",
    ),
    "admin/partners/outboxemail/add/": ("get", 403, "e-mails are never written by hand"),
    "admin/partners/outboxemail/<path:object_id>/delete/": ("get", 403, "nor deleted by hand"),
    "admin/(?P<url>.*)$": ("get", 404, "the admin's answer to an admin URL that does not exist"),
}


def staff_answer(route: str) -> tuple[str, int, str] | None:
    if route in STAFF_ANSWERS:
        return STAFF_ANSWERS[route]
    if admin_model(route) and route.endswith("/<path:object_id>/"):
        return "get", 302, "the admin's short URL of an object leads on to its change page"
    return None


def admin_model(route: str):
    """The model whose admin pages `route` belongs to, if it does."""
    for model in admin.site._registry:
        if route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def example_kwargs(route: str, world) -> dict:
    names = parameters(route)
    if not names:
        return {}
    if route in EXAMPLES:
        return EXAMPLES[route](world)
    model = admin_model(route)
    if model in ADMIN_MAKERS:
        pk = ADMIN_MAKERS[model](world).pk
        return dict.fromkeys(names, pk)
    pytest.fail(
        f"No example for the staff URL pattern {route!r} (parameters {names}): add its "
        + (
            f"model {model.__name__} to ADMIN_MAKERS"
            if model
            else "parameters to EXAMPLES (by route)"
        )
        + " in tests/league/test_staff_access.py.",
        pytrace=False,
    )


def example_url(route: str, world) -> str:
    url = url_of(route, example_kwargs(route, world))
    resolved = resolve(urlsplit(url).path).route
    assert resolved == route, f"the example {url} of {route!r} resolves to {resolved!r}"
    return url


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(season, company_a, company_c, staff_user, tmp_path):
    """Something on every staff page: claims (one with evidence), a seat, a redemption, a
    registration waiting, a special prize, a billing import waiting, an issued credit note."""
    claim = claim_for(
        company_a,
        evidence=SimpleUploadedFile("proof.png", PNG, content_type="image/png"),
        evidence_name="proof.png",
        evidence_type="image/png",
    )
    approved_claim(company_a, staff_user, code="presales_sizing")
    academy = AcademyDate.objects.create(season=season, date=season.start_date, location="Munich")
    AcademySeat.objects.create(
        academy=academy, partner=company_a, name="Ann", email="ann@a.example"
    )
    Redemption.objects.create(
        partner=company_a, season=season, training="AZ-900", provider="Fast Lane", amount_eur=50
    )
    path = tmp_path / "usage.csv"
    path.write_text(csv_text([line(company_a.partner_id)]))
    return SimpleNamespace(
        season=season,
        partner=company_a,
        staff=staff_user,
        claim=claim,
        registration=PartnerFactory(
            season=season, status=Partner.Status.PENDING, pseudonym_number=None
        ),
        prize=SpecialPrize.objects.create(
            season=season, partner=company_c, title_de="Beste Migration", awarded_by=staff_user
        ),
        billing_import=billing_import_create(season=season, path=path, enqueue=False),
        note=make_credit_note(company_a),
    )


def everything() -> dict:
    """Every row of every table: what a refused request must leave as it was."""
    return {
        model._meta.label: list(model.objects.order_by("pk").values())
        for model in apps.get_models()
    }


@pytest.fixture
def staff_urls(world) -> dict[str, str]:
    """An example URL of each staff route."""
    return {route: example_url(route, world) for route in ROUTES}


def refusals(client, staff_urls, world, expect) -> list[str]:
    """GET and POST each staff URL with `client`; what `expect(url, response)` says is wrong."""
    wrong = []
    for route, url in staff_urls.items():
        for method in ("get", "post"):
            data = {"action": "approve", "claims": [world.claim.pk]} if method == "post" else {}
            response = getattr(client, method)(url, data)
            problem = expect(url, response)
            if problem:
                wrong.append(f"{method.upper()} {url} ({route}): {problem}")
    return wrong


def sent_to(path: str):
    def expect(url, response):
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(path):
            return f"answered {response.status_code} {location}, not a redirect to {path}"
        if parse_qs(urlsplit(location).query).get("next") != [url]:
            return f"redirects to {location}, which does not lead back to {url}"
        return None

    return expect


def forbidden(url, response):
    return None if response.status_code == 403 else f"answered {response.status_code}"


# --- The walk ------------------------------------------------------------------------------------


def test_the_walk_finds_the_staff_urls():
    assert {
        "staff/",
        "staff/claims/",
        "staff/claims/<int:pk>/",
        "staff/claims/<int:pk>/evidence/",
        "staff/claims/bulk-approve/",
        "staff/billing/<int:pk>/restart/",
        "staff/credit-notes/<int:pk>/pdf/",
        "staff/partners/<int:pk>/disqualify/",
        "staff/registrations/<int:pk>/",
        "admin/",
        "admin/partners/partner/<path:object_id>/change/",
    } <= set(ROUTES)
    assert all(route.startswith(STAFF_AREA) for route in ROUTES)
    assert len(ROUTES) > 90


def test_every_staff_url_has_an_example():
    missing = [
        route
        for route in ROUTES
        if parameters(route) and route not in EXAMPLES and admin_model(route) not in ADMIN_MAKERS
    ]
    assert not missing, (
        "Staff URL patterns without an example: add their parameters to EXAMPLES (or their "
        "admin model to ADMIN_MAKERS) in tests/league/test_staff_access.py:\n" + "\n".join(missing)
    )
    assert set(EXAMPLES) <= set(ROUTES), "examples of routes that no longer exist"
    assert set(STAFF_ANSWERS) <= set(ROUTES), "answers of routes that no longer exist"
    assert set(FORMS) <= set(ROUTES), "forms of routes that no longer exist"


@pytest.mark.parametrize(
    "route,names", [("staff/a/<int:pk>/b/<str:x>/", ["pk", "x"]), ("admin/(?P<u>.*)$", ["u"])]
)
def test_parameters_are_found_in_routes_and_regular_expressions(route, names):
    assert parameters(route) == names


# --- Who is refused ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_visitors_are_sent_to_the_login(world, staff_urls):
    before = everything()
    assert refusals(Client(), staff_urls, world, sent_to("/accounts/login/")) == []
    assert everything() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "charlie"])
def test_partner_users_get_403_and_change_nothing(request, world, staff_urls, persona):
    client = client_for(request.getfixturevalue(persona))
    before = everything()
    assert refusals(client, staff_urls, world, forbidden) == []
    assert everything() == before
    world.claim.refresh_from_db()
    assert world.claim.status == Claim.Status.SUBMITTED
    world.billing_import.refresh_from_db()
    assert world.billing_import.status == BillingImport.Status.PENDING


@pytest.mark.django_db
def test_staff_without_the_second_factor_are_asked_for_it(world, staff_urls, staff_user):
    client = client_for(staff_user)  # a session opened without the second factor
    before = everything()
    assert refusals(client, staff_urls, world, sent_to("/accounts/2fa/reauthenticate/")) == []
    assert everything() == before


@pytest.mark.django_db
def test_staff_without_an_authenticator_are_sent_to_set_one_up(world, staff_urls):
    client = client_for(UserFactory(is_staff=True))
    before = everything()

    def expect(url, response):
        location = response.get("Location", "")
        if response.status_code != 302 or location != "/accounts/2fa/totp/activate/":
            return f"answered {response.status_code} {location}"
        return None

    assert refusals(client, staff_urls, world, expect) == []
    assert everything() == before


# --- Who gets in ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("route", ROUTES)
def test_staff_with_the_second_factor_get_an_answer(route, world, staff_client, staff_user):
    if route.startswith("admin/"):
        # The admin's own permissions decide per model; what is tested here is the door.
        User.objects.filter(pk=staff_user.pk).update(is_superuser=True)
    url = example_url(route, world)
    expected = staff_answer(route)
    if expected:
        method, status, reason = expected
        response = getattr(staff_client, method)(url)
        assert response.status_code == status, reason
    else:
        response = staff_client.get(url)
        if response.status_code == 405:  # an action: POST it
            data = FORMS[route](world) if route in FORMS else {}
            response = staff_client.post(url, data)
            assert response.status_code == 302, response.content[:500]
        else:
            assert response.status_code == 200, response.content[:500]
    assert not response.get("Location", "").startswith("/accounts/"), response["Location"]
