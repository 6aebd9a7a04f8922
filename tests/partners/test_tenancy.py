"""Another company's objects answer 404 on every partner-scoped URL.

The URLs are not listed by hand: the test walks the URL configuration and finds every view
decorated with `partner_view(model=...)`, so a new partner-scoped URL is covered the day it is
added (and fails here if nobody says how to make an object of its model for another company).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from partners.models import Invitation, Membership
from tests.conftest import client_for
from tests.factories import InvitationFactory, MembershipFactory

# How to make an object of each tenant-scoped model for a given company.
MAKERS = {
    Invitation: lambda partner: InvitationFactory(partner=partner),
    Membership: lambda partner: MembershipFactory(partner=partner),
}


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
    assert {model for _route, model in object_urls()} <= set(MAKERS)


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
    # require_POST answers 405 to GET before anything is looked up; every other answer is 404.
    assert response.status_code in ((404, 405) if method == "get" else (404,))
    assert model.objects.filter(pk=foreign.pk).values().first() == before


@pytest.mark.django_db
@pytest.mark.parametrize("route,model", object_urls(), ids=[r for r, _m in object_urls()])
def test_own_companys_object_is_reachable_for_its_admin(route, model, alice, company_a):
    own = MAKERS[model](company_a)
    url = "/" + route.replace("<int:pk>", str(own.pk))
    assert client_for(alice).post(url).status_code == 302


@pytest.mark.django_db
def test_pages_show_only_the_own_company(alice, company_a, company_c, charlie):
    InvitationFactory(partner=company_c, email="secret-invitee@charlie.example")
    for url in ("/company/", "/company/members/"):
        page = client_for(alice).get(url).content.decode()
        assert company_a.name in page
        assert company_c.name not in page
        assert charlie.email not in page
        assert "secret-invitee" not in page


@pytest.mark.django_db
def test_user_without_company_is_sent_to_registration(season):
    from tests.factories import UserFactory

    response = client_for(UserFactory()).get("/company/members/")
    assert response.status_code == 302 and response["Location"] == "/company/register/"
