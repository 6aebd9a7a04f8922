import pytest
from django.core import mail
from django.utils import translation

from core.errors import DomainError
from partners.models import Partner
from partners.pseudonyms import pseudonym_draw, pseudonym_pool_size
from partners.services import partner_approve, partner_reject
from tests.factories import LeagueFactory, MembershipFactory, PartnerFactory, SeasonFactory


@pytest.mark.django_db
def test_approval_assigns_unique_random_pseudonyms_not_in_registration_order():
    season = SeasonFactory()
    league = LeagueFactory(season=season)
    pending = [
        PartnerFactory(
            season=season, league=None, status=Partner.Status.PENDING, pseudonym_number=None
        )
        for _ in range(20)
    ]
    numbers = [
        partner_approve(partner=p, reviewer=None, league=league).pseudonym_number for p in pending
    ]
    assert len(set(numbers)) == 20
    assert numbers != sorted(numbers)  # not handed out in registration order
    assert numbers != list(range(1, 21))
    assert all(1 <= n <= pseudonym_pool_size(19) for n in numbers)
    stored = dict(Partner.objects.filter(season=season).values_list("pk", "pseudonym_number"))
    assert [stored[p.pk] for p in pending] == numbers


def test_pseudonym_draw_never_reuses_a_number():
    import random

    rng = random.Random(7)
    used: set[int] = set()
    for _ in range(500):
        n = pseudonym_draw(used, rng)
        assert n not in used
        used.add(n)
    assert len(used) == 500


@pytest.mark.django_db
def test_pseudonym_is_stable_when_data_changes():
    season = SeasonFactory()
    partner = PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)
    partner = partner_approve(partner=partner, reviewer=None, league=LeagueFactory(season=season))
    number = partner.pseudonym_number
    partner.name = "Renamed GmbH"
    partner.save()
    partner.refresh_from_db()
    assert partner.pseudonym == f"Partner {number}"


@pytest.mark.django_db
def test_second_approval_is_refused_and_changes_nothing():
    season = SeasonFactory()
    leagues = [LeagueFactory(season=season), LeagueFactory(season=season)]
    partner = PartnerFactory(season=season, status=Partner.Status.PENDING, pseudonym_number=None)
    first = partner_approve(partner=partner, reviewer=None, league=leagues[0])
    with translation.override("en"), pytest.raises(DomainError, match="already decided"):
        partner_approve(partner=partner, reviewer=None, league=leagues[1])
    partner.refresh_from_db()
    assert partner.league == leagues[0]
    assert partner.pseudonym_number == first.pseudonym_number


@pytest.mark.django_db
def test_league_of_another_season_is_refused():
    partner = PartnerFactory(status=Partner.Status.PENDING, pseudonym_number=None)
    other = LeagueFactory(season=SeasonFactory(is_active=False))
    with translation.override("en"), pytest.raises(DomainError, match="another season"):
        partner_approve(partner=partner, reviewer=None, league=other)
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING


@pytest.mark.django_db
def test_staff_approves_in_the_browser_and_the_partner_is_told(
    staff_client, staff_user, season, leagues, django_capture_on_commit_callbacks
):
    member = MembershipFactory(
        partner=PartnerFactory(
            season=season, status=Partner.Status.PENDING, pseudonym_number=None, league=None
        )
    )
    partner = member.partner
    page = staff_client.get("/staff/registrations/")
    assert page.status_code == 200 and partner.name in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            f"/staff/registrations/{partner.pk}/", {"action": "approve", "league": leagues[1].pk}
        )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.status == Partner.Status.APPROVED
    assert partner.league == leagues[1]
    assert partner.reviewed_by == staff_user
    assert partner.pseudonym_number is not None
    assert [m.to for m in mail.outbox] == [[member.user.email]]
    assert partner.pseudonym in mail.outbox[0].body

    # A double click on "approve" is answered with a message and changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        again = staff_client.post(
            f"/staff/registrations/{partner.pk}/",
            {"action": "approve", "league": leagues[0].pk},
            follow=True,
        )
    partner.refresh_from_db()
    assert partner.league == leagues[1]
    assert len(mail.outbox) == 1
    assert any("already" in str(m) or "bereits" in str(m) for m in again.context["messages"])


@pytest.mark.django_db
def test_rejection_needs_a_reason_and_frees_the_user(
    staff_client, season, django_capture_on_commit_callbacks
):
    member = MembershipFactory(
        partner=PartnerFactory(
            season=season, status=Partner.Status.PENDING, pseudonym_number=None, league=None
        )
    )
    partner = member.partner
    response = staff_client.post(
        f"/staff/registrations/{partner.pk}/", {"action": "reject", "reason": ""}
    )
    assert response.status_code == 200
    partner.refresh_from_db()
    assert partner.status == Partner.Status.PENDING
    with pytest.raises(DomainError):
        partner_reject(partner=partner, reviewer=None, reason="  ")
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(
            f"/staff/registrations/{partner.pk}/",
            {"action": "reject", "reason": "Kein CSP-Partner von Microsoft."},
        )
    partner.refresh_from_db()
    assert partner.status == Partner.Status.REJECTED
    assert partner.decision_reason == "Kein CSP-Partner von Microsoft."
    assert not partner.memberships.exists()
    assert "Kein CSP-Partner" in mail.outbox[-1].body
