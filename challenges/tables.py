"""The claim lists as django-tables2 tables (core.tables): the partner's claims, end customers and
points statement; the staff review queue, the claims billing contradicts, the training
redemptions. Columns, their order and their German and English headers are those of the pages
before; numbers go through core.formatting."""

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from core import formatting
from core.tables import (
    NOWRAP,
    NUM,
    DateColumn,
    EuroColumn,
    NumberColumn,
    PointsColumn,
    Table,
    second_line,
    short_date,
    short_datetime,
)


def status_badge(status: str, label) -> str:
    return render_to_string(
        "challenges/includes/status_badge.html", {"status": status, "label": label}
    )


def claim_link(claim, content) -> str:
    """`content` linking to the partner's page of the claim."""
    return format_html(
        '<a href="{}">{}</a>', reverse("challenges:claim-detail", kwargs={"pk": claim.pk}), content
    )


def claim_points(claim) -> str:
    return render_to_string("challenges/includes/claim_points.html", {"claim": claim})


# --- Staff: the review queue ---------------------------------------------------------------------


class ClaimQueueTable(Table):
    """Records are claims (`staff_selectors.claim_queue_list`); the view attaches each page's
    `staff_selectors.QueueRow`s (conflicts, Azure before the season, simple) with `attach`."""

    age = tables.Column(
        verbose_name=_("Age"),
        accessor="submitted_at",
        order_by=("-submitted_at", "-pk"),
        attrs={
            "td": {
                "class": "nowrap",
                "title": lambda record: short_datetime(record.submitted_at),
            }
        },
    )
    partner = tables.Column(verbose_name=_("Partner"), order_by=("partner__name", "pk"))
    league = tables.Column(
        verbose_name=_("League"),
        accessor="partner__league__name",
        order_by=("partner__league__name", "pk"),
    )
    # Challenges sort in catalogue order: their titles are per language.
    challenge = tables.Column(verbose_name=_("Challenge"), order_by=("challenge__position", "pk"))
    customer = tables.Column(verbose_name=_("End customer"), order_by=("customer__name", "pk"))
    points = tables.Column(
        verbose_name=_("Points"),
        accessor="challenge__points",
        order_by=("challenge__points", "pk"),
        attrs={"th": {"class": "num"}, "td": {"class": "num points"}},
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    conflict = tables.Column(verbose_name=_("Conflict"), empty_values=(), orderable=False)

    class Meta(Table.Meta):
        empty_text = _("No claims match these filters.")

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.extras = {}

    def attach(self, rows) -> None:
        self.extras = {row.claim.pk: row for row in rows}

    @property
    def any_simple(self) -> bool:
        return any(row.simple for row in self.extras.values())

    @property
    def caption(self):
        n = self.total
        text = ngettext("%(counter)s claim", "%(counter)s claims", n) % {
            "counter": formatting.number(n)
        }
        if not self.any_simple:
            return text
        return format_html(
            '{}<span class="muted small"> · {}</span>',
            text,
            _("Tick simple claims (no evidence, no conflict) to approve them together."),
        )

    def render_age(self, record):
        checkbox = ""
        row = self.extras.get(record.pk)
        if row is not None and row.simple:
            checkbox = format_html(
                '<input type="checkbox" name="claims" value="{}" id="claim-{}" aria-label="{}"> ',
                record.pk,
                record.pk,
                _("Select claim #%(pk)s") % {"pk": record.pk},
            )
        return format_html(
            '{}{}<br><span class="muted small">{}</span>',
            checkbox,
            timesince(record.submitted_at),
            short_date(record.submitted_at),
        )

    def render_partner(self, value):
        return format_html(
            '<strong>{}</strong><br><span class="muted small">{}</span>',
            value.name,
            value.pseudonym,
        )

    def render_challenge(self, record, value):
        evidence = ""
        if record.evidence:
            evidence = format_html(' <span class="badge badge-muted">{}</span>', _("evidence"))
        return format_html(
            '<a href="{}" title="{}">{}</a><br><span class="muted small mono">#{} · {}</span>{}',
            reverse("challenges:staff-claim", kwargs={"pk": record.pk}),
            value.title,
            Truncator(value.title).chars(42),
            record.pk,
            value.code,
            evidence,
        )

    def render_customer(self, value):
        return second_line(value.name, value.domain or value.tenant_id, mono=True)

    def render_points(self, value):
        return formatting.number(value)

    def render_status(self, record):
        return status_badge(record.status, record.get_status_display())

    def render_conflict(self, record):
        row = self.extras.get(record.pk)
        if row is None or (not row.conflicts and not row.used_before):
            return mark_safe('<span class="muted">–</span>')
        parts = []
        if row.conflicts:
            names = [other.partner.name for other in row.conflicts]
            more = ""
            if len(names) > 2:
                counter = len(names) - 2
                more = " " + ngettext("+%(counter)s more", "+%(counter)s more", counter) % {
                    "counter": counter
                }
            parts.append(
                format_html(
                    '<span class="badge badge-danger" title="{}">{}</span>'
                    '<br><span class="muted small">{}{}</span>',
                    ", ".join(names),
                    _("Conflict"),
                    ", ".join(names[:2]),
                    more,
                )
            )
        if row.used_before:
            parts.append(
                format_html(
                    '<span class="badge badge-danger" data-used-before title="{}">{}</span>',
                    date_format(row.used_before, "m/Y"),
                    _("Azure before the season"),
                )
            )
        return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))


# --- Staff: contradicted claims, training redemptions --------------------------------------------


class ContradictedTable(Table):
    """Records are `staff_selectors.ContradictedRow`s, each with its revoke form (`row.form`)."""

    approved = tables.Column(
        verbose_name=_("Approved"), accessor="claim", attrs={"td": {"class": "nowrap"}}
    )
    partner = tables.Column(verbose_name=_("Partner"), accessor="claim__partner")
    customer = tables.Column(verbose_name=_("End customer"), accessor="claim__customer")
    first_month = tables.Column(
        verbose_name=_("First consumption"), attrs={"td": {"class": "nowrap"}}
    )
    revoke = tables.TemplateColumn(
        verbose_name=pgettext_lazy("staff takes back an approved claim", "Revoke"),
        template_name="challenges/staff/includes/contradicted_revoke.html",
        empty_values=(),
    )

    class Meta(Table.Meta):
        orderable = False
        row_attrs = {"data-contradicted": lambda record: record.claim.pk}
        empty_text = _("No approved claim is contradicted by the billing imported so far.")

    @property
    def caption(self):
        n = self.total
        return ngettext(
            "%(counter)s approved claim contradicted by billing",
            "%(counter)s approved claims contradicted by billing",
            n,
        ) % {"counter": n}

    def render_approved(self, value):
        return format_html(
            '<a href="{}">#{}</a><br><span class="muted small">{}</span>',
            reverse("challenges:staff-claim", kwargs={"pk": value.pk}),
            value.pk,
            short_date(value.decided_at) if value.decided_at else "",
        )

    def render_partner(self, value):
        league = f" · {value.league.name}" if value.league else ""
        return format_html(
            '<strong>{}</strong><br><span class="muted small">{}{}</span>',
            value.name,
            value.pseudonym,
            league,
        )

    def render_customer(self, value):
        return second_line(value.name, value.tenant_id, mono=True)

    def render_first_month(self, value):
        return format_html(
            '<span class="badge badge-danger">{}</span>', date_format(value, "YEAR_MONTH_FORMAT")
        )


def _requested(redemption):
    return format_html(
        '{}<br><span class="muted small">{}</span>',
        short_date(redemption.requested_at),
        redemption.requested_by.email if redemption.requested_by else "–",
    )


class RedemptionOpenTable(Table):
    """Open training redemptions, oldest first (`staff_selectors.RedemptionRow`s: the request,
    its partner's balance, whether it fits, its reject form)."""

    requested = tables.Column(
        verbose_name=_("Requested"), accessor="redemption", attrs={"td": {"class": "nowrap"}}
    )
    partner = tables.Column(verbose_name=_("Partner"), accessor="redemption__partner")
    training = tables.Column(verbose_name=_("Training"), accessor="redemption")
    amount = tables.Column(verbose_name=_("Amount"), accessor="redemption__amount_eur", attrs=NUM)
    balance = tables.Column(verbose_name=_("Partner's balance"), attrs={"td": {"class": "nowrap"}})
    decision = tables.TemplateColumn(
        verbose_name=_("Decision"),
        template_name="challenges/staff/includes/redemption_decide.html",
        empty_values=(),
    )

    class Meta(Table.Meta):
        orderable = False
        empty_text = _("No open training redemptions.")

    @property
    def caption(self):
        n = self.total
        return ngettext("%(counter)s open request", "%(counter)s open requests", n) % {
            "counter": formatting.number(n)
        }

    def render_requested(self, value):
        return _requested(value)

    def render_partner(self, value):
        return format_html(
            '<strong>{}</strong><br><span class="muted small">{}</span>',
            value.name,
            value.pseudonym,
        )

    def render_training(self, value):
        return second_line(value.training, value.provider)

    def render_amount(self, record, value):
        above = ""
        if not record.fits:
            above = format_html(
                '<br><span class="badge badge-danger">{}</span>', _("above the available value")
            )
        return format_html("<strong>{}</strong>{}", formatting.money(value), above)

    def render_balance(self, value):
        return format_html(
            '<strong>{}</strong> <span class="muted small">{}</span><br>'
            '<span class="muted small">{} {}<br>{} {}<br>{} {}</span>',
            formatting.money(value["available"]),
            _("available"),
            _("earned"),
            formatting.money(value["earned"]),
            _("redeemable"),
            formatting.money(value["value"]),
            _("redeemed"),
            formatting.money(value["redeemed"]),
        )


class RedemptionDecidedTable(Table):
    """The latest decisions (`staff_selectors.redemption_decided_list`), newest first."""

    decided = tables.Column(verbose_name=_("Decided"), accessor="decided_at", attrs=NOWRAP)
    partner = tables.Column(verbose_name=_("Partner"), accessor="partner__name")
    training = tables.Column(verbose_name=_("Training"))
    amount = EuroColumn(verbose_name=_("Amount"), accessor="amount_eur")
    status = tables.Column(verbose_name=_("Status"))

    class Meta(Table.Meta):
        orderable = False

    caption = _("Recent decisions")

    def render_decided(self, record, value):
        return format_html(
            '{}<br><span class="muted small">{}</span>',
            short_date(value),
            record.decided_by.email if record.decided_by else "–",
        )

    def render_training(self, record, value):
        return second_line(value, record.provider)

    def render_status(self, record):
        # A column of a field with choices gets the label as its value; the badge needs the key.
        reason = ""
        if record.reason:
            reason = format_html('<br><span class="muted small">{}</span>', record.reason)
        return format_html(
            '<span class="badge badge-{}">{}</span>{}',
            record.status,
            record.get_status_display(),
            reason,
        )


# --- Partner: claims, end customers, points statement --------------------------------------------


class ClaimTable(Table):
    """The company's claims, newest first (`selectors.claim_list`: with the points booked)."""

    challenge = tables.Column(verbose_name=_("Challenge"), order_by=("challenge__position", "pk"))
    customer = tables.Column(verbose_name=_("End customer"), order_by=("customer__name", "pk"))
    activity_date = DateColumn(verbose_name=_("Date"), order_by=("activity_date", "pk"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    points = tables.Column(verbose_name=_("Points"), empty_values=(), orderable=False, attrs=NUM)
    reason = tables.Column(
        verbose_name=_("Reason or question"),
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "small"}},
    )

    class Meta(Table.Meta):
        attrs = {"aria-label": _("Claims")}
        empty_text = _("Your company has not claimed a challenge yet.")

    def render_challenge(self, record, value):
        return format_html(
            '{}<br><span class="muted small">#{} · {} {}</span>',
            claim_link(record, format_html("<strong>{}</strong>", value.title)),
            record.pk,
            _("submitted"),
            short_date(record.submitted_at),
        )

    def render_customer(self, value):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("challenges:customer-detail", kwargs={"pk": value.pk}),
            value.name,
        )

    def render_status(self, record):
        return render_to_string("challenges/includes/claim_status.html", {"claim": record})

    def render_points(self, record):
        return claim_points(record)

    def render_reason(self, record):
        if not record.reason:
            return mark_safe('<span class="muted">–</span>')
        answer = ""
        if record.status == record.Status.NEEDS_INFO:
            answer = format_html("<br>{}", claim_link(record, _("Answer")))
        return format_html("{}{}", Truncator(record.reason).chars(140), answer)


class CustomerClaimTable(ClaimTable):
    """One end customer's claims (its page), newest first."""

    class Meta(ClaimTable.Meta):
        attrs = {}
        exclude = ("customer",)
        empty_text = _("No claims for this end customer yet.")

    caption = _("Claims for this end customer")

    def render_challenge(self, record, value):
        return claim_link(record, value.title)

    def render_reason(self, record):
        return Truncator(record.reason).chars(140) if record.reason else "–"


class CustomerTable(Table):
    """The company's end customers (`selectors.customer_list`), by name."""

    name = tables.Column(verbose_name=_("End customer"), order_by=("name", "pk"))
    tenant_id = tables.Column(
        verbose_name=_("Azure tenant ID"), orderable=False, attrs={"td": {"class": "mono small"}}
    )
    claim_count = NumberColumn(verbose_name=_("Claims"), order_by=("claim_count", "name", "pk"))
    approved_count = NumberColumn(
        verbose_name=_("Approved"), order_by=("approved_count", "name", "pk")
    )
    points = PointsColumn(verbose_name=_("Points"), order_by=("points", "name", "pk"))
    created_at = DateColumn(verbose_name=_("Reported on"), order_by=("created_at", "pk"))

    class Meta(Table.Meta):
        attrs = {"aria-label": _("End customers")}
        empty_text = _("You have not reported any end customers yet.")

    def __init__(self, data, *, can_report: bool, **kwargs):
        super().__init__(data, **kwargs)
        if can_report:
            self.empty_text = format_html(
                '{} <a href="{}">{}</a>',
                self.empty_text,
                reverse("challenges:customer-create"),
                _("Report the first one"),
            )

    def render_name(self, record, value):
        return format_html(
            '<a href="{}"><strong>{}</strong></a>{}',
            reverse("challenges:customer-detail", kwargs={"pk": record.pk}),
            value,
            format_html('<br><span class="muted small">{}</span>', record.domain)
            if record.domain
            else "",
        )


class StatementTable(Table):
    """The points ledger, newest first, with the balance after each entry
    (`selectors.statement`'s lines). No sorting: the balance is the running total of this order."""

    date = tables.Column(verbose_name=_("Date"), accessor="entry__created_at", attrs=NOWRAP)
    challenge = tables.Column(verbose_name=_("Challenge"), accessor="entry")
    rule = tables.Column(
        verbose_name=_("Rule"), accessor="entry__rule", attrs={"td": {"class": "small"}}
    )
    claim = tables.Column(verbose_name=_("Claim"), accessor="entry")
    points = tables.Column(verbose_name=_("Points"), accessor="entry__points", attrs=NUM)
    balance = NumberColumn(verbose_name=_("Balance"))

    class Meta(Table.Meta):
        attrs = {"aria-label": _("Points statement")}
        orderable = False
        empty_text = _("No points yet. Points are booked when Ingram Micro approves a claim.")

    def render_date(self, value):
        return short_date(value)

    def render_challenge(self, value):
        badge = ""
        if value.points < 0:
            badge = "badge-danger"
        elif value.kind == value.Kind.BONUS:
            badge = "badge-accent"
        if not badge:
            return value.challenge.title
        return format_html(
            '{}<br><span class="badge {}">{}</span>',
            value.challenge.title,
            badge,
            capfirst(value.get_kind_display()),
        )

    def render_claim(self, value):
        customer = value.claim.customer if value.claim_id else None
        return format_html(
            '<a href="{}">#{}</a>{}',
            reverse("challenges:claim-detail", kwargs={"pk": value.claim_id}),
            value.claim_id,
            format_html('<br><span class="muted small">{}</span>', customer.name)
            if customer
            else "",
        )

    def render_points(self, value):
        return format_html('<span class="points">{}</span>', formatting.number(value, signed=True))


class RedemptionTable(Table):
    """The company's training redemptions, newest first (`selectors.redemption_list`)."""

    requested_at = DateColumn(verbose_name=_("Requested on"), order_by=("requested_at", "pk"))
    training = tables.Column(verbose_name=_("Training"))
    provider = tables.Column(verbose_name=_("Provider"))
    amount_eur = EuroColumn(verbose_name=_("Amount"), order_by=("amount_eur", "pk"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))

    class Meta(Table.Meta):
        empty_text = _("No requests yet.")

    caption = _("Your requests")

    def render_status(self, record):
        status = record.status
        badge = "badge-pending" if status == record.Status.REQUESTED else f"badge-{status}"
        reason = ""
        if record.reason:
            reason = format_html('<br><span class="small muted">{}</span>', record.reason)
        return format_html(
            '<span class="badge {}">{}</span>{}',
            badge,
            capfirst(record.get_status_display()),
            reason,
        )
