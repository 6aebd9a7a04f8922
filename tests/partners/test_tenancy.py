"""Another company's objects answer 404 on every partner-scoped URL.

The URLs are not listed by hand: the test walks the URL configuration and finds every view
decorated with `partner_view(model=...)`, so a new partner-scoped URL is covered the day it is
added (and fails here if nobody says how to make an object of its model for another company).
"""

import pytest
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver

from challenges.models import Claim
from credits.models import CreditNote
from partners.models import EndCustomer, Invitation, Membership
from tests.conftest import client_for
from tests.credits.test_notes import make_credit_note
from tests.factories import (
    ClaimFactory,
    EndCustomerFactory,
    InvitationFactory,
    MembershipFactory,
)

# A 1×1 PNG: claims carry an evidence file, so that the evidence URL is walked with a real file.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def make_claim(partner):
    return ClaimFactory(
        customer=EndCustomerFactory(partner=partner),
        evidence=ContentFile(PNG, name="evidence.png"),
        evidence_name="evidence.png",
        evidence_type="image/png",
    )


# How to make an object of each tenant-scoped model for a given company.
MAKERS = {
    Invitation: lambda partner: InvitationFactory(partner=partner),
    Membership: lambda partner: MembershipFactory(partner=partner),
    EndCustomer: lambda partner: EndCustomerFactory(partner=partner),
    Claim: make_claim,
    CreditNote: make_credit_note,
}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def scoped_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from scoped_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "tenant_scoped", False):
            yield prefix + str(entry.pattern), entry.callback


def object_urls():
    urls = []
    for route, view in scoped_patterns():
        model = view.tenant_model
        if model is not None:
            urls.append((route, model))
    return urls


def test_the_walk_finds_the_partner_scoped_urls():
    routes = {route for route, _view in scoped_patterns()}
    assert "company/members/" in routes
    assert "company/invitations/<int:pk>/revoke/" in routes
    assert {
        "company/customers/",
        "company/customers/<int:pk>/",
        "company/claims/",
        "company/claims/new/<slug:code>/",
        "company/claims/<int:pk>/",
        "company/claims/<int:pk>/answer/",
        "company/claims/<int:pk>/withdraw/",
        "company/claims/<int:pk>/evidence/",
        "company/statement/",
        "company/academy/",
        "company/trainings/",
    } <= routes
    assert {model for _route, model in object_urls()} <= set(MAKERS)
    assert {EndCustomer, Claim} <= {model for _route, model in object_urls()}


@pytest.mark.django_db
@pytest.mark.parametrize("route,model", object_urls(), ids=[r for r, _m in object_urls()])
@pytest.mark.parametrize("persona", ["alice", "bob"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_companys_object_answers_404(
    route, model, persona, method, request, company_c, charlie
):
    user = request.getfixturevalue(persona)
    foreign = MAKERS[model](company_c)
    url = "/" + route.replace("<int:pk>", str(foreign.pk))
    before = model.objects.filter(pk=foreign.pk).values().first()
    response = getattr(client_for(user), method)(url)
    # require_POST / require_GET answer 405 to the other method before anything is looked up, so
    # they reveal nothing; then the method the view does accept must answer 404.
    if response.status_code == 405:
        other = "post" if method == "get" else "get"
        response = getattr(client_for(user), other)(url)
    assert response.status_code == 404
    assert model.objects.filter(pk=foreign.pk).values().first() == before


@pytest.mark.django_db
@pytest.mark.parametrize("route,model", object_urls(), ids=[r for r, _m in object_urls()])
def test_own_companys_object_is_reachable_for_its_admin(route, model, alice, company_a):
    own = MAKERS[model](company_a)
    url = "/" + route.replace("<int:pk>", str(own.pk))
    client = client_for(alice)
    response = client.get(url)
    if response.status_code == 405:  # an action: POST it
        assert client.post(url).status_code == 302
    else:  # a page or a file
        assert response.status_code == 200


@pytest.mark.django_db
def test_pages_show_only_the_own_company(alice, company_a, company_c, charlie):
    InvitationFactory(partner=company_c, email="secret-invitee@charlie.example")
    foreign_claim = make_claim(company_c)
    foreign_claim.customer.name = "Secret Customer of Charlie"
    foreign_claim.customer.save()
    for url in (
        "/company/",
        "/company/members/",
        "/company/customers/",
        "/company/claims/",
        "/company/claims/new/sales_meeting/",
        "/company/statement/",
        "/company/academy/",
        "/company/trainings/",
    ):
        page = client_for(alice).get(url).content.decode()
        assert company_a.name in page
        assert company_c.name not in page
        assert charlie.email not in page
        assert "secret-invitee" not in page
        assert "Secret Customer of Charlie" not in page
        assert foreign_claim.customer.tenant_id not in page
        assert f"/company/claims/{foreign_claim.pk}/" not in page


@pytest.mark.django_db
def test_user_without_company_is_sent_to_registration(season):
    from tests.factories import UserFactory

    response = client_for(UserFactory()).get("/company/members/")
    assert response.status_code == 302 and response["Location"] == "/company/register/"
