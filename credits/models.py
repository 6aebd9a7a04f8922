"""Billing import, service-group mapping, credit lines and credit notes (SPEC sections 5 and 6)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from challenges.catalogue import SERVICE_GROUPS
from core.errors import DomainError
from core.immutable import ImmutableQuerySet


def _group_label(group) -> str:
    return group.label(get_language())


# The service groups of the challenge catalogue, as choices (SECURITY = "security", ...).
ServiceGroup = models.TextChoices(
    "ServiceGroup",
    [(g.code.upper(), (g.code, lazy(_group_label, str)(g))) for g in SERVICE_GROUPS],
)


class ServiceGroupMapping(models.Model):
    """`MeterCategory` → service group; staff edit it; matching ignores case."""

    meter_category = models.CharField(_("meter category"), max_length=200)
    category_key = models.CharField(max_length=200, unique=True, editable=False)
    service_group = models.CharField(
        _("service group"), max_length=20, choices=ServiceGroup.choices
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["service_group", "meter_category"]
        verbose_name = _("service-group mapping")
        verbose_name_plural = _("service-group mappings")

    def __str__(self):
        return f"{self.meter_category} → {self.service_group}"

    def save(self, *args, **kwargs):
        self.meter_category = self.meter_category.strip()
        self.category_key = self.meter_category.casefold()
        super().save(*args, **kwargs)


class BillingImport(models.Model):
    """One uploaded Partner Center file and what its import did."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("imported")
        UNCHANGED = "unchanged", _("already imported")
        FAILED = "failed", _("refused")

    class Failure(models.TextChoices):
        """Why an import failed: only a stopped worker or an internal error can be started again
        (the file itself would be refused again)."""

        NONE = "", ""
        FILE = "file", _("the file was refused")
        WORKER = "worker", _("the worker stopped")
        ERROR = "error", _("internal error")

    season = models.ForeignKey("seasons.Season", on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64)
    size_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    failure = models.CharField(max_length=10, choices=Failure.choices, blank=True, default="")
    # Each claim of the import counts up: the run's fencing token. Every write of a run is
    # conditional on its attempt, so a run that was given up (its worker stalled, the import was
    # marked failed and started again) can never write, let alone commit, afterwards.
    attempt = models.PositiveIntegerField(default=0)
    # The running import renews it while it makes progress; once it has passed, the worker is
    # taken for dead and the import marked failed (SPEC section 6).
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # What a later upload of the same content needs to say "already imported" without reading the
    # file: the league the import saw (a digest of its partners) and the (month, partner) pairs
    # it stored. Empty when the league changed during the import.
    league_digest = models.CharField(max_length=64, blank=True, default="")
    partner_months = models.IntegerField(default=0)
    progress_bytes = models.BigIntegerField(default=0)
    rows_total = models.BigIntegerField(default=0)
    rows_stored = models.BigIntegerField(default=0)
    rows_skipped = models.BigIntegerField(default=0)
    error_count = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # first 100: line, column, value, reason
    months = models.JSONField(default=list, blank=True)  # "YYYY-MM" the file contains
    unclassified = models.JSONField(default=list, blank=True)  # category, rows, amount
    message = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("billing import")
        verbose_name_plural = _("billing imports")

    def __str__(self):
        return self.file_name

    @property
    def can_restart(self) -> bool:
        """Staff may start it again: the worker died or an internal error stopped it."""
        return self.status == self.Status.FAILED and self.failure in (
            self.Failure.WORKER,
            self.Failure.ERROR,
        )

    def status_label(self) -> str:
        if self.can_restart:
            return _("interrupted")
        return self.get_status_display()


class UsageRow(models.Model):
    """A stored row of a billing file: only what credits need. Replaced per (month, partner).

    The foreign keys have no database constraints: this is a bulk fact table (millions of rows a
    month) written only by the billing import, which resolves season, import and partner itself
    (set-based, one transaction per file). Three constraint lookups per row made the COPY ~1.7×
    slower (bench/README.md); deletes still cascade through Django.
    """

    season = models.ForeignKey(
        "seasons.Season",
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,  # both composite indexes start with the season
    )
    billing_import = models.ForeignKey(
        BillingImport, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    month = models.DateField()  # first day of the usage month
    usage_date = models.DateField()
    customer_tenant_id = models.CharField(max_length=36)
    customer_name = models.CharField(max_length=200, blank=True)
    entitlement_id = models.CharField(max_length=64)
    meter_category = models.CharField(max_length=200)
    billing_total = models.DecimalField(max_digits=20, decimal_places=8)  # EUR, full precision
    pricing_total_usd = models.DecimalField(max_digits=20, decimal_places=8, null=True)

    class Meta:
        indexes = [
            models.Index(fields=["season", "partner", "month"], name="usage_partner_month_idx"),
            models.Index(fields=["season", "customer_tenant_id"], name="usage_customer_idx"),
        ]

    def __str__(self):
        return f"{self.customer_tenant_id} {self.usage_date} {self.billing_total}"


class UsageSource(models.Model):
    """Which import's rows UsageRow holds for a (month, partner): the one that stored them last.

    "Already imported" (SPEC section 6) means that every (month, partner) of a file is held by an
    import of the same content; an earlier file uploaded again after a correction is not, and
    restores its rows.
    """

    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey("partners.Partner", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    billing_import = models.ForeignKey(BillingImport, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["season", "partner", "month"], name="usage_source_once"
            ),
        ]

    def __str__(self):
        return f"{self.partner_id} {self.month:%Y-%m} #{self.billing_import_id}"


class BilledMonth(models.Model):
    """A month counts as billed once a file containing it has been imported (SPEC section 6)."""

    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    billing_import = models.ForeignKey(
        BillingImport, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    billed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["season", "month"], name="billed_month_once"),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"


class CreditLine(models.Model):
    """One credit: a new end customer's free month, or a new workload's two free months."""

    class Kind(models.TextChoices):
        NEW_CUSTOMER = "new_customer", _("new end customer")
        WORKLOAD = "workload", _("new workload")

    class Status(models.TextChoices):
        FINAL = "final", _("final")
        PROVISIONAL = "provisional", _("provisional")
        CAPPED = "capped", _("capped")

    season = models.ForeignKey("seasons.Season", on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="credit_lines"
    )
    customer_tenant_id = models.CharField(max_length=36)
    customer = models.ForeignKey(
        "partners.EndCustomer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claim = models.ForeignKey(
        "challenges.Claim", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    service_group = models.CharField(max_length=20, choices=ServiceGroup.choices, blank=True)
    booking_month = models.DateField()
    first_usage_date = models.DateField()
    free_months = models.JSONField(default=list)  # ["YYYY-MM", ...]
    consumption_eur = models.DecimalField(max_digits=14, decimal_places=2)
    credit_eur = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=20, choices=Status.choices)
    explanation = models.JSONField(default=dict)  # booking month, free months, caps applied
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["partner", "booking_month", "customer_tenant_id", "service_group"]
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        constraints = [
            models.UniqueConstraint(
                fields=["season", "partner", "customer_tenant_id", "kind", "service_group"],
                name="credit_line_once",
            ),
            models.CheckConstraint(condition=Q(credit_eur__gte=0), name="credit_never_negative"),
        ]

    def __str__(self):
        return f"{self.kind} {self.customer_tenant_id} {self.credit_eur}"


NOTE_CHANGED = "An issued credit note cannot be changed; issue a correction instead."
NOTE_DELETED = "An issued credit note cannot be deleted; issue a correction instead."
# The one change of an issued note: its PDF, recorded once it is rendered (credits.notes.rendering).
NOTE_PDF_FIELDS = frozenset({"pdf", "pdf_rendered_at"})


class CreditNoteQuerySet(ImmutableQuerySet):
    """Issued notes; their PDF may still be recorded. On PostgreSQL triggers refuse the same
    outside the ORM (migration 0007)."""

    error = DomainError
    changed_message = NOTE_CHANGED
    deleted_message = NOTE_DELETED
    mutable_fields = NOTE_PDF_FIELDS


class CreditNoteLineQuerySet(CreditNoteQuerySet):
    mutable_fields = frozenset()


class CreditNote(models.Model):
    """A Gutschrift: gap-free number per season, immutable once issued."""

    season = models.ForeignKey("seasons.Season", on_delete=models.PROTECT, related_name="+")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="credit_notes"
    )
    sequence = models.PositiveIntegerField()
    number = models.CharField(_("number"), max_length=30)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    total_eur = models.DecimalField(_("net total"), max_digits=14, decimal_places=2)
    corrects = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections"
    )
    # What the note was issued with as an e-invoice (SPEC 5, issue 11), written in the INSERT that
    # issues it and never afterwards (migration 0007's trigger compares the whole row): VAT once
    # per note, the seller and the buyer as they were (`credits.einvoice.Party` as a dict), the
    # months it covers and the CII XML. Empty on notes issued before e-invoicing.
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    vat_eur = models.DecimalField(_("VAT"), max_digits=14, decimal_places=2, null=True, blank=True)
    gross_eur = models.DecimalField(
        _("gross total"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    seller = models.JSONField(default=dict, blank=True)
    buyer = models.JSONField(default=dict, blank=True)
    xml = models.TextField(blank=True, default="")
    pdf = models.FileField(upload_to="credit_notes/", blank=True)
    pdf_rendered_at = models.DateTimeField(null=True, blank=True)

    objects = CreditNoteQuerySet.as_manager()

    class Meta:
        ordering = ["season", "sequence"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["season", "sequence"], name="credit_note_sequence"),
            models.UniqueConstraint(fields=["season", "number"], name="credit_note_number"),
            # An e-invoice has all its figures; a note from before e-invoicing has none of them.
            models.CheckConstraint(
                condition=Q(
                    xml="",
                    vat_rate__isnull=True,
                    vat_eur__isnull=True,
                    gross_eur__isnull=True,
                    period_start__isnull=True,
                    period_end__isnull=True,
                )
                | (
                    ~Q(xml="")
                    & Q(
                        vat_rate__isnull=False,
                        vat_eur__isnull=False,
                        gross_eur__isnull=False,
                        period_start__isnull=False,
                        period_end__isnull=False,
                    )
                ),
                name="credit_note_einvoice_complete",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_einvoice(self) -> bool:
        """False for the notes issued before e-invoicing: they keep their plain PDF. (Read from
        the gross total, which the constraint above ties to the XML: lists defer the XML.)"""
        return self.gross_eur is not None


class CreditNoteLine(models.Model):
    note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="note_lines")
    amount_eur = models.DecimalField(max_digits=14, decimal_places=2)
    # The credit line's consumption when this position was issued: while it stays the same, a
    # recompute keeps the line at its noted amount (issued money never changes by itself).
    consumption_eur = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=300)

    objects = CreditNoteLineQuerySet.as_manager()

    class Meta:
        ordering = ["note", "pk"]
        indexes = [
            # A credit line's last position (its noted consumption) without scanning all positions.
            models.Index(fields=["credit_line", "id"], name="note_line_last_idx"),
        ]

    def __str__(self):
        return f"{self.note} {self.amount_eur}"
