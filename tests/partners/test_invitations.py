import pytest
from django.core import mail
from django.test import Client

from partners.models import Invitation, Membership
from tests.conftest import client_for, link_from
from tests.factories import InvitationFactory, MembershipFactory, UserFactory


@pytest.mark.django_db
def test_admin_invites_a_colleague_who_joins_by_the_link(
    alice, company_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post("/company/members/", {"email": "Dana@Alpha.example"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(partner=company_a)
    assert invitation.email == "dana@alpha.example"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["dana@alpha.example"]
    link = link_from(mail.outbox[0].body, "/invitations/")
    assert invitation.token in link

    dana = UserFactory(email="dana@alpha.example")
    client = client_for(dana)
    page = client.get(link.split("testserver", 1)[-1])
    assert page.status_code == 200 and company_a.name in page.content.decode()
    response = client.post(f"/invitations/{invitation.token}/")
    assert response.status_code == 302
    membership = Membership.objects.get(user=dana)
    assert membership.partner == company_a and membership.role == Membership.Role.MEMBER
    assert company_a.name in client.get("/company/").content.decode()
    # Accepting twice (a double click) keeps one membership.
    client.post(f"/invitations/{invitation.token}/")
    assert Membership.objects.filter(user=dana).count() == 1


@pytest.mark.django_db
def test_invitation_for_another_address_is_refused(alice, company_a):
    invitation = InvitationFactory(partner=company_a, email="dana@alpha.example")
    eve = UserFactory(email="eve@elsewhere.example")
    response = client_for(eve).post(f"/invitations/{invitation.token}/", follow=True)
    assert not Membership.objects.filter(user=eve).exists()
    assert "dana@alpha.example" in " ".join(str(m) for m in response.context["messages"])


@pytest.mark.django_db
def test_a_member_of_another_company_cannot_accept(charlie, company_a):
    invitation = InvitationFactory(partner=company_a, email=charlie.email)
    client_for(charlie).post(f"/invitations/{invitation.token}/")
    assert Membership.objects.get(user=charlie).partner != company_a


@pytest.mark.django_db
def test_revoked_invitation_no_longer_works(alice, company_a):
    invitation = InvitationFactory(partner=company_a, email="dana@alpha.example")
    response = client_for(alice).post(f"/company/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    dana = UserFactory(email="dana@alpha.example")
    client_for(dana).post(f"/invitations/{invitation.token}/")
    assert not Membership.objects.filter(user=dana).exists()


@pytest.mark.django_db
def test_colleague_cannot_invite_or_revoke(bob, company_a):
    client = client_for(bob)
    page = client.get("/company/members/")
    assert page.status_code == 200 and page.context["form"] is None
    client.post("/company/members/", {"email": "x@alpha.example"})
    assert not Invitation.objects.exists()
    invitation = InvitationFactory(partner=company_a)
    assert client.post(f"/company/invitations/{invitation.pk}/revoke/").status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.django_db
def test_second_open_invitation_to_the_same_address_is_refused(
    alice, company_a, django_capture_on_commit_callbacks
):
    client = client_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/company/members/", {"email": "dana@alpha.example"})
        response = client.post("/company/members/", {"email": "dana@alpha.example"})
    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert Invitation.objects.count() == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_admin_removes_a_colleague_but_not_herself(alice, bob, company_a):
    client = client_for(alice)
    bob_membership = Membership.objects.get(user=bob)
    alice_membership = Membership.objects.get(user=alice)
    client.post(f"/company/members/{alice_membership.pk}/remove/")
    assert Membership.objects.filter(pk=alice_membership.pk).exists()
    client.post(f"/company/members/{bob_membership.pk}/remove/")
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()


@pytest.mark.django_db
def test_anonymous_invitee_is_asked_to_log_in(company_a):
    invitation = InvitationFactory(partner=company_a)
    response = Client().get(f"/invitations/{invitation.token}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_unknown_invitation_token_is_404(alice):
    assert client_for(alice).get("/invitations/not-a-token/").status_code == 404


__all__ = ["MembershipFactory"]
