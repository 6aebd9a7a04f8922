"""E-mails about claims: the partner hears of every decision, in each user's language; staff get
one digest of new claims per run of the hourly task, never the same claim twice."""

import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation

from challenges.models import Claim
from challenges.services.claims import (
    ClaimData,
    claim_answer,
    claim_approve,
    claim_ask,
    claim_reject,
    claim_revoke,
    claim_submit,
    claim_withdraw,
)
from challenges.tasks import staff_digest_send_task
from core.errors import DomainError
from partners.models import Membership
from tests.conftest import link_from
from tests.factories import EndCustomerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_en(alice):
    alice.language = "en"
    alice.save()
    return alice


@pytest.fixture
def bob_de(bob):
    bob.language = "de"
    bob.save()
    return bob


def submit(user, code="sales_meeting", customer_name="Müller Maschinenbau GmbH"):
    membership = user.memberships.select_related("partner__season").get()
    season = membership.partner.season
    day = season.start_date + timedelta(days=2)
    return claim_submit(
        membership=membership,
        challenge_code=code,
        customer=EndCustomerFactory(partner=membership.partner, name=customer_name),
        data=ClaimData(
            activity_date=day,
            meeting_date=day,
            distributor_contact="Ingrid Sales",
            subscription_id=str(uuid.uuid4()),
        ),
    )


def subject_in(language: str, template: str, claim: Claim) -> str:
    """The subject as a user with `language` must get it (German once the lead's translations
    are in the catalogue; until then the English msgid)."""
    context = {"claim": claim, "partner": claim.partner, "url": ""}
    with translation.override(language):
        subject = render_to_string(f"challenges/email/{template}_subject.txt", context)
    return settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(subject.split())


def by_recipient():
    return {m.to[0]: m for m in mail.outbox}


# --- Decisions, to the partner -------------------------------------------------------------------


def test_approval_mails_every_member_in_their_language_with_points_and_link(
    alice_en, bob_de, charlie, staff_user, django_capture_on_commit_callbacks
):
    claim = submit(alice_en)
    assert mail.outbox == []  # submitting mails nobody at once (staff get the digest)
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=staff_user)

    messages = by_recipient()
    assert set(messages) == {alice_en.email, bob_de.email}  # not charlie: another company
    url = f"{settings.PORTAL_URL}/company/claims/{claim.pk}/"
    for message in messages.values():
        assert message.subject.strip()
        assert link_from(message.body, f"/company/claims/{claim.pk}/") == url
    english = messages[alice_en.email]
    assert english.subject == subject_in("en", "claim_approved", claim)
    assert "Claim approved" in english.subject and "Müller Maschinenbau GmbH" in english.subject
    assert "+50" in english.body
    assert messages[bob_de.email].subject == subject_in("de", "claim_approved", claim)


def test_approval_of_the_first_new_customer_mentions_the_bonus(
    alice_en, staff_user, django_capture_on_commit_callbacks
):
    claim = submit(alice_en, "new_customer")
    with django_capture_on_commit_callbacks(execute=True):
        claim_approve(claim=claim, reviewer=staff_user)
    (message,) = mail.outbox
    assert message.body.count("+200") == 2
    assert "Bonus for the first new end customer" in message.body


def test_rejection_gives_the_reason(alice_en, staff_user, django_capture_on_commit_callbacks):
    claim = submit(alice_en)
    with django_capture_on_commit_callbacks(execute=True):
        claim_reject(claim=claim, reviewer=staff_user, reason="Der Termin ist nicht nachgewiesen.")
    (message,) = mail.outbox
    assert message.to == [alice_en.email]
    assert message.subject == subject_in("en", "claim_rejected", claim)
    assert "Der Termin ist nicht nachgewiesen." in message.body
    assert link_from(message.body, f"/company/claims/{claim.pk}/")


def test_question_gives_the_question_and_how_to_answer(
    alice_en, staff_user, django_capture_on_commit_callbacks
):
    claim = submit(alice_en)
    with django_capture_on_commit_callbacks(execute=True):
        claim_ask(claim=claim, reviewer=staff_user, question="Wer war beim Termin dabei?")
    (message,) = mail.outbox
    assert message.subject == subject_in("en", "claim_needs_info", claim)
    assert "Wer war beim Termin dabei?" in message.body
    assert "To answer, open the claim in the portal" in message.body
    assert link_from(message.body, f"/company/claims/{claim.pk}/")


def test_revocation_gives_the_reason_and_the_points_taken_back(
    alice_en, staff_user, django_capture_on_commit_callbacks
):
    claim = claim_approve(claim=submit(alice_en, "presales_sizing"), reviewer=staff_user)
    with django_capture_on_commit_callbacks(execute=True):
        claim_revoke(claim=claim, reviewer=staff_user, reason="Doppelt gemeldet.")
    (message,) = mail.outbox
    assert message.subject == subject_in("en", "claim_revoked", claim)
    assert "Doppelt gemeldet." in message.body
    assert "-100" in message.body
    assert link_from(message.body, f"/company/claims/{claim.pk}/")


def test_no_mail_for_the_partners_own_steps_or_a_refused_decision(
    alice_en, staff_user, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(user=alice_en)
    with django_capture_on_commit_callbacks(execute=True):
        claim = submit(alice_en)
        claim_withdraw(claim=claim, membership=membership)
        with pytest.raises(DomainError):
            claim_approve(claim=claim, reviewer=staff_user)
    assert mail.outbox == []


# --- The staff digest ----------------------------------------------------------------------------


@pytest.fixture
def digest_to(settings):
    # A configured address that belongs to a user gets the digest in that user's language.
    settings.STAFF_NOTIFICATION_EMAILS = ["Review@Ingram.example"]
    UserFactory(email="review@ingram.example", is_staff=True, language="en")
    return "review@ingram.example"


def run_digest(capture) -> int:
    with capture(execute=True):
        return staff_digest_send_task.delay().get()


def test_the_beat_schedule_names_the_digest_task():
    assert (
        settings.CELERY_BEAT_SCHEDULE["staff-claim-digest"]["task"] == staff_digest_send_task.name
    )


def test_two_runs_send_one_digest(alice, digest_to, django_capture_on_commit_callbacks):
    claims = [submit(alice, customer_name=f"Kunde {i}") for i in range(3)]
    assert run_digest(django_capture_on_commit_callbacks) == 3
    assert run_digest(django_capture_on_commit_callbacks) == 0  # a retry, or the next hour

    (message,) = mail.outbox
    assert message.to == [digest_to]
    assert message.subject.strip()
    for claim in claims:
        assert link_from(message.body, f"/staff/claims/{claim.pk}/")
        assert claim.customer.name in message.body
    assert link_from(message.body, "/staff/claims/")
    assert all(
        c.staff_notified_at is not None for c in Claim.objects.filter(pk__in=[c.pk for c in claims])
    )


def test_no_digest_without_new_claims(alice, digest_to, django_capture_on_commit_callbacks):
    assert run_digest(django_capture_on_commit_callbacks) == 0
    assert mail.outbox == []


def test_a_claim_resubmitted_with_an_answer_comes_again(
    alice, staff_user, digest_to, django_capture_on_commit_callbacks
):
    claim = submit(alice)
    run_digest(django_capture_on_commit_callbacks)
    claim_ask(claim=claim, reviewer=staff_user, question="Datum?")
    assert run_digest(django_capture_on_commit_callbacks) == 0  # waiting for the partner
    claim_answer(claim=claim, membership=Membership.objects.get(user=alice), answer="Der 3. März.")
    mail.outbox.clear()
    assert run_digest(django_capture_on_commit_callbacks) == 1

    (message,) = mail.outbox
    assert link_from(message.body, f"/staff/claims/{claim.pk}/")
    assert "resubmitted with the partner's answer" in message.body


def test_a_claim_decided_before_the_digest_is_not_listed(
    alice, staff_user, digest_to, django_capture_on_commit_callbacks
):
    decided = submit(alice, customer_name="Schon entschieden GmbH")
    claim_reject(claim=decided, reviewer=staff_user, reason="Falsch")
    withdrawn = submit(alice, customer_name="Zurückgezogen GmbH")
    claim_withdraw(claim=withdrawn, membership=Membership.objects.get(user=alice))
    waiting = submit(alice, customer_name="Wartet GmbH")
    assert run_digest(django_capture_on_commit_callbacks) == 1
    (message,) = mail.outbox
    assert "Wartet GmbH" in message.body
    assert "Schon entschieden GmbH" not in message.body
    assert "Zurückgezogen GmbH" not in message.body
    assert link_from(message.body, f"/staff/claims/{waiting.pk}/")


def test_without_configured_addresses_active_staff_get_it_in_their_language(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_NOTIFICATION_EMAILS = []
    english = UserFactory(email="reviewer@ingram.example", is_staff=True, language="en")
    UserFactory(email="gone@ingram.example", is_staff=True, is_active=False)
    german = UserFactory(email="pruefer@ingram.example", is_staff=True, language="de")
    submit(alice)
    assert run_digest(django_capture_on_commit_callbacks) == 1
    messages = by_recipient()
    # alice is no staff, the inactive user gets nothing, each staff member one mail.
    assert set(messages) == {english.email, german.email}
    assert messages[english.email].subject == "1 new claim to review"
    with translation.override("de"):
        expected = translation.ngettext(
            "%(n)s new claim to review", "%(n)s new claims to review", 1
        )
    assert messages[german.email].subject == expected % {"n": 1}


def test_the_digest_of_many_claims_lists_the_first_and_counts_the_rest(
    alice, digest_to, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("challenges.services.digest.DIGEST_MAX_LISTED", 2)
    claims = [submit(alice, customer_name=f"Kunde {i}") for i in range(5)]
    assert run_digest(django_capture_on_commit_callbacks) == 5
    (message,) = mail.outbox
    assert "5 new claims to review" in message.subject
    assert message.body.count("/staff/claims/") == 3  # two claims and the queue
    assert "… and 3 more claims." in message.body
    assert all(c.customer.name not in message.body for c in claims[2:])


def test_claims_reported_by_another_run_are_not_sent_again(
    alice, digest_to, django_capture_on_commit_callbacks
):
    submit(alice, customer_name="Erster GmbH")
    # A concurrent worker claimed this one between our query and our update.
    second = submit(alice, customer_name="Zweiter GmbH")
    Claim.objects.filter(pk=second.pk).update(staff_notified_at=second.submitted_at)
    assert run_digest(django_capture_on_commit_callbacks) == 1
    (message,) = mail.outbox
    assert "Erster GmbH" in message.body and "Zweiter GmbH" not in message.body
