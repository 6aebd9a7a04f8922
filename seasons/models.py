"""Seasons and their leagues: the bottom of the portal's data (SPEC 2). Every company, claim,
usage row and credit belongs to a season; each partner plays in one league of it."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SeasonQuerySet(models.QuerySet):
    def current(self):
        """The season staff marked active; without one, the latest by start date."""
        return self.filter(is_active=True).first() or self.order_by("-start_date", "-pk").first()


class Season(models.Model):
    slug = models.SlugField(_("slug"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    registration_deadline = models.DateField(
        _("registration deadline"), help_text=_("Last day on which companies can register.")
    )
    is_active = models.BooleanField(_("current season"), default=False)

    # Caps and rates (SPEC section 5); money in EUR unless the name says otherwise.
    new_customer_cap_eur = models.DecimalField(
        _("credit cap per new end customer (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000"),
    )
    new_customer_partner_cap_eur = models.DecimalField(
        _("new-customer credit cap per partner (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("30000"),
    )
    workload_cap_eur = models.DecimalField(
        _("credit cap per new workload (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("20000"),
    )
    workload_partner_cap_eur = models.DecimalField(
        _("workload credit cap per partner (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("60000"),
    )
    points_cap_eur = models.DecimalField(
        _("training value cap per partner (EUR)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000"),
    )
    eur_per_point = models.DecimalField(
        _("EUR per point"), max_digits=8, decimal_places=4, default=Decimal("1.00")
    )
    existing_customer_min_usd = models.DecimalField(
        _("existing-customer threshold (USD per month)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("100"),
    )
    usd_per_eur = models.DecimalField(
        _("USD per EUR"),
        max_digits=10,
        decimal_places=6,
        null=True,
        blank=True,
        help_text=_("Exchange rate for the existing-customer test when a file has no USD total."),
    )
    academy_seats = models.PositiveSmallIntegerField(_("academy seats per partner"), default=3)
    # Credit notes show net, VAT and gross (SPEC 5); caps and credit lines stay net.
    vat_rate = models.DecimalField(
        _("VAT rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("19"),
        help_text=_("German VAT, category S, on the credit notes; 19 % in 2024/25."),
    )
    academy_seat_eur = models.DecimalField(
        _("value of an academy seat (EUR)"), max_digits=8, decimal_places=2, default=Decimal("249")
    )
    # The public table shows the ledger as of this moment while it is set (league.leaderboard);
    # partners still see their own live score, staff see everything live.
    table_frozen_at = models.DateTimeField(_("public table frozen at"), null=True, blank=True)
    table_frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("frozen by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SeasonQuerySet.as_manager()

    # Fields copied when staff create a new season from an existing one.
    SETTINGS_FIELDS = (
        "new_customer_cap_eur",
        "new_customer_partner_cap_eur",
        "workload_cap_eur",
        "workload_partner_cap_eur",
        "points_cap_eur",
        "eur_per_point",
        "existing_customer_min_usd",
        "usd_per_eur",
        "academy_seats",
        "academy_seat_eur",
        "vat_rate",
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="one_active_season"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")), name="season_end_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The season must end after it starts.")})

    def registration_open(self, today=None) -> bool:
        today = today or timezone.localdate()
        return today <= self.registration_deadline and today <= self.end_date


class LeagueQuerySet(models.QuerySet):
    def with_partner_count(self):
        """`partner_count`: the partners playing in the league (approved). The status is spelled
        out here because `partners` sits above this module."""
        return self.annotate(
            partner_count=models.Count("partners", filter=Q(partners__status="approved"))
        )

    def missing_criterion(self):
        """Leagues partners play in without a published criterion: the terms (section 1) assign
        partners to leagues "nach transparenten Kriterien", so staff are warned about these."""
        return (
            self.with_partner_count()
            .filter(partner_count__gt=0)
            .filter(Q(criterion="") | Q(criterion__regex=r"^\s*$"))
        )


class League(models.Model):
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="leagues")
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100)
    criterion = models.TextField(
        _("published criterion"),
        blank=True,
        help_text=_("How partners are assigned to this league; shown above its table."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = LeagueQuerySet.as_manager()

    class Meta:
        ordering = ["season", "position", "name"]
        verbose_name = _("league")
        verbose_name_plural = _("leagues")
        constraints = [
            models.UniqueConstraint(fields=["season", "slug"], name="league_slug_per_season"),
            models.UniqueConstraint(fields=["season", "name"], name="league_name_per_season"),
        ]

    def __str__(self):
        return self.name
