"""The hourly digest of new claims for staff (SPEC 3): a service, run by
`challenges.tasks.staff_digest_send_task`."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from partners.notifications import email_send

from ..models import Claim

# A digest lists at most this many claims by name; the rest are counted (the queue has them all).
DIGEST_MAX_LISTED = 50


def _staff_recipients() -> list[tuple[str, str | None]]:
    """(address, language) of the digest's recipients: STAFF_NOTIFICATION_EMAILS when set, else
    every active staff user. Addresses that belong to a user get that user's language."""
    users = get_user_model().objects.filter(is_active=True)
    if settings.STAFF_NOTIFICATION_EMAILS:
        addresses = list(
            dict.fromkeys(a.strip().lower() for a in settings.STAFF_NOTIFICATION_EMAILS)
        )
        languages = dict(users.filter(email__in=addresses).values_list("email", "language"))
        return [(address, languages.get(address)) for address in addresses]
    return list(
        users.filter(is_staff=True)
        .exclude(email="")
        .order_by("email")
        .values_list("email", "language")
    )


def staff_digest_send() -> int:
    """Mail staff one digest of the claims submitted, or resubmitted with an answer, since the
    last digest; returns how many claims it reported (0: nothing new, no mail).

    Each claim is claimed for this run with a conditional UPDATE (`staff_notified_at IS NULL`), so
    two workers, a retry or an overlapping beat never report the same claim twice; a claim
    answered after a question has `staff_notified_at` reset by `claim_answer` and comes again.
    """
    recipients = _staff_recipients()
    if not recipients:
        return 0
    candidates = list(
        Claim.objects.filter(
            status=Claim.Status.SUBMITTED, staff_notified_at__isnull=True
        ).values_list("pk", flat=True)
    )
    if not candidates:
        return 0
    now = timezone.now()
    with transaction.atomic():
        claimed = Claim.objects.filter(
            pk__in=candidates, status=Claim.Status.SUBMITTED, staff_notified_at__isnull=True
        ).update(staff_notified_at=now)
        if not claimed:
            return 0
        claims = list(
            Claim.objects.filter(pk__in=candidates, staff_notified_at=now)
            .select_related("partner", "challenge", "customer")
            .order_by("submitted_at", "pk")
        )
        items = [
            {
                "claim": claim,
                "url": settings.PORTAL_URL + reverse("challenges:staff-claim", args=[claim.pk]),
            }
            for claim in claims[:DIGEST_MAX_LISTED]
        ]
        context = {
            "count": len(claims),
            "items": items,
            "more": max(0, len(claims) - DIGEST_MAX_LISTED),
            "queue_url": settings.PORTAL_URL + reverse("challenges:staff-queue"),
        }
        # Into the outbox in this transaction: if it fails, the claims stay unreported for the
        # next run and no mail goes out; once it commits, the mails go out exactly once.
        for address, language in recipients:
            email_send(
                to=address,
                template="challenges/email/staff_digest",
                context=context,
                language=language,
            )
    return len(claims)
