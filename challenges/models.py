from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from core.formatting import money
from core.immutable import ImmutableQuerySet

from . import catalogue
from .catalogue import ChallengeSpec


class Challenge(models.Model):
    class Kind(models.TextChoices):
        ONE_TIME = "one_time", _("one-time")
        AUTOMATIC = "automatic", _("one-time, automatic")
        RECURRING = "recurring", _("recurring")
        SERVICE = "service", _("Azure services")

    class CountedAtMost(models.TextChoices):
        PER_PARTNER = "per_partner", _("once per partner and season")
        PER_CUSTOMER = "per_customer", _("once per end customer")

    season = models.ForeignKey(
        "seasons.Season", on_delete=models.CASCADE, related_name="challenges"
    )
    code = models.SlugField(_("code"), max_length=40)
    title_de = models.CharField(_("title (German)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_de = models.TextField(_("description (German)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    points = models.PositiveIntegerField(_("points"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    counted_at_most = models.CharField(
        _("counted at most"), max_length=20, choices=CountedAtMost.choices
    )
    service_group = models.CharField(_("service group"), max_length=30, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["season", "position"]
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        constraints = [
            models.UniqueConstraint(fields=["season", "code"], name="challenge_code_per_season"),
        ]

    def __str__(self):
        return f"{self.code} ({self.points})"

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "de").startswith("en") else self.title_de

    @property
    def description(self) -> str:
        return (
            self.description_en
            if (get_language() or "de").startswith("en")
            else self.description_de
        )

    @property
    def spec(self) -> ChallengeSpec | None:
        """What the catalogue says of this challenge (what a claim needs, how it is earned);
        None for a code the catalogue does not describe, which cannot be claimed."""
        return catalogue.spec_of(self.code)


def evidence_path(claim, filename):
    # Private storage (MEDIA_ROOT is never served directly); a random name hides the original.
    import secrets
    from pathlib import PurePath

    suffix = PurePath(filename).suffix.lower()
    return f"evidence/{claim.season_id}/{claim.partner_id}/{secrets.token_hex(16)}{suffix}"


class Claim(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        NEEDS_INFO = "needs_info", _("question to the partner")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        REVOKED = "revoked", _("revoked")

    OPEN = (Status.SUBMITTED, Status.NEEDS_INFO)

    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="claims")
    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="claims")
    customer = models.ForeignKey(
        "partners.EndCustomer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    # What "counted at most" counts: "partner" or "customer:<id>" (challenges.rules.count_key).
    count_key = models.CharField(max_length=40)

    activity_date = models.DateField(_("date of the activity"))
    meeting_date = models.DateField(_("meeting date"), null=True, blank=True)
    distributor_contact = models.CharField(_("contact at Ingram Micro"), max_length=200, blank=True)
    subscription_id = models.CharField(_("Azure subscription ID"), max_length=36, blank=True)
    bant_budget = models.BooleanField(_("Budget"), default=False)
    bant_authority = models.BooleanField(_("Authority"), default=False)
    bant_need = models.BooleanField(_("Need"), default=False)
    bant_time = models.BooleanField(_("Time"), default=False)
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to=evidence_path, blank=True)
    evidence_name = models.CharField(max_length=200, blank=True)
    evidence_type = models.CharField(max_length=40, blank=True)

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason or question"), blank=True)
    answer = models.TextField(_("partner's answer"), blank=True)
    staff_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        constraints = [
            # The last guard of "counted at most": two approvals at once cannot both stand.
            models.UniqueConstraint(
                fields=["partner", "challenge", "count_key"],
                condition=Q(status="approved"),
                name="counted_at_most_once",
            ),
        ]
        indexes = [
            models.Index(fields=["season", "status", "submitted_at"], name="claim_queue_idx"),
        ]

    def __str__(self):
        return f"{self.challenge.code} #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class ClaimTransition(models.Model):
    """Every change of a claim's status: who, when, why (SPEC section 3)."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, choices=Claim.Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.from_status or '—'} → {self.to_status}"


LEDGER_CHANGED = "Ledger entries are never changed; add a counter-entry."
LEDGER_DELETED = "Ledger entries are never deleted; add a counter-entry."


class LedgerEntryQuerySet(ImmutableQuerySet):
    """On PostgreSQL a trigger refuses the same outside the ORM (migration 0007)."""

    changed_message = LEDGER_CHANGED
    deleted_message = LEDGER_DELETED


class LedgerEntry(models.Model):
    """Append-only points ledger: approvals add, revocations add a counter-entry."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("granted")
        REVOKE = "revoke", _("revoked")
        BONUS = "bonus", _("bonus granted")
        BONUS_REVOKE = "bonus_revoke", _("bonus removed")

    partner = models.ForeignKey("partners.Partner", on_delete=models.PROTECT, related_name="ledger")
    season = models.ForeignKey("seasons.Season", on_delete=models.PROTECT, related_name="+")
    challenge = models.ForeignKey(Challenge, on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    points = models.IntegerField()
    # The rule that produced the entry, in both languages, frozen at booking time.
    rule_de = models.CharField(max_length=300)
    rule_en = models.CharField(max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [
            models.UniqueConstraint(fields=["claim", "kind"], name="ledger_once_per_claim_kind"),
        ]
        indexes = [models.Index(fields=["season", "partner"], name="ledger_partner_idx")]

    def __str__(self):
        return f"{self.points:+d} {self.challenge.code}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError(LEDGER_CHANGED)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(LEDGER_DELETED)

    @property
    def rule(self) -> str:
        return self.rule_en if (get_language() or "de").startswith("en") else self.rule_de


class AcademyDate(models.Model):
    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="academies")
    date = models.DateField(_("date"))
    location = models.CharField(_("location"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("academy date")
        verbose_name_plural = _("academy dates")
        constraints = [
            # The last guard against a double click or two staff adding the same date at once.
            models.UniqueConstraint(
                fields=["season", "date", "location"], name="academy_date_once"
            ),
        ]

    def __str__(self):
        return f"{self.date:%d.%m.%Y} {self.location}"


class AcademySeat(models.Model):
    academy = models.ForeignKey(AcademyDate, on_delete=models.CASCADE, related_name="seats")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="academy_seats"
    )
    name = models.CharField(_("attendee"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    attended = models.BooleanField(_("attended"), null=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["academy", "name"]
        constraints = [
            models.UniqueConstraint(fields=["academy", "email"], name="academy_seat_once"),
        ]

    def __str__(self):
        return f"{self.name} ({self.academy})"


class Redemption(models.Model):
    """Points redeemed for a training booking (terms 2.3); never lowers the table's points."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="redemptions"
    )
    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    training = models.CharField(_("training"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    amount_eur = models.DecimalField(_("amount (EUR)"), max_digits=10, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("training redemption")
        verbose_name_plural = _("training redemptions")
        constraints = [
            models.CheckConstraint(condition=Q(amount_eur__gt=0), name="redemption_positive"),
        ]

    def __str__(self):
        return f"{self.training} ({money(self.amount_eur)})"
