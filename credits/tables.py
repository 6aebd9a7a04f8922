"""The credit lists as django-tables2 tables (core.tables): credit lines (the partner's and all of
them for staff, each followed by its explanation), credit notes, billing imports with an import's
errors and unclassified meter categories, the service-group mappings. Columns, their order and
their German and English headers are those of the pages before; money and counts go through
core.formatting."""

from urllib.parse import quote

import django_tables2 as tables
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core import formatting
from core.tables import (
    NOWRAP,
    EuroColumn,
    NumberColumn,
    Table,
    header_with_note,
    hidden_header,
    second_line,
    short_date,
    short_datetime,
)

# --- Credit lines ---------------------------------------------------------------------------------


def _kind(line):
    if not line.service_group:
        return capfirst(line.get_kind_display())
    return second_line(capfirst(line.get_kind_display()), line.get_service_group_display())


def _status(line):
    return render_to_string("credits/staff/credits_status.html", {"line": line})


class CreditLineTable(Table):
    """Credit lines of a queryset (`selectors.credit_line_list`); each row is followed by the
    line's explanation (`line.sentences`, set by the view for the page shown), and the footer
    sums every line of every page (`totals`, `selectors.credit_totals`)."""

    customer = tables.Column(
        verbose_name=_("End customer"),
        empty_values=(),
        order_by=("customer__name", "customer_tenant_id", "pk"),
    )
    kind = tables.Column(verbose_name=_("Kind"), order_by=("kind", "service_group", "pk"))
    booking_month = tables.Column(
        verbose_name=header_with_note(_("Booking month"), _("free months")),
        order_by=("booking_month", "pk"),
        attrs=NOWRAP,
    )
    consumption_eur = EuroColumn(verbose_name=_("Consumption"), order_by=("consumption_eur", "pk"))
    credit_eur = EuroColumn(verbose_name=_("Credit"), order_by=("credit_eur", "pk"))
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))

    class Meta(Table.Meta):
        template_name = "credits/tables/credit_lines.html"

    total_label = _("Total")
    total_span = 3

    def __init__(self, data, *, totals: dict, **kwargs):
        super().__init__(data, **kwargs)
        self.totals = totals

    @property
    def totals_note(self) -> str:
        return ""

    def render_customer(self, record):
        return format_html(
            '{}<br><span class="muted small mono tenant">{}</span>',
            record.customer.name if record.customer else "–",
            record.customer_tenant_id,
        )

    def render_kind(self, record):
        return _kind(record)

    def render_booking_month(self, record, value):
        return format_html(
            '{}<br><span class="muted small">{}</span>',
            f"{value:%Y-%m}",
            ", ".join(record.free_months),
        )

    def render_credit_eur(self, value):
        return format_html("<strong data-credit>{}</strong>", formatting.money(value))

    def render_status(self, record):
        return _status(record)


class PartnerCreditLineTable(CreditLineTable):
    """The company's own credit lines (its credits page)."""

    class Meta(CreditLineTable.Meta):
        sequence = ("kind", "customer", "...")
        orderable = False
        row_attrs = {
            "class": "line-row",
            "data-line": lambda record: (
                f"{record.customer_tenant_id}-{record.kind}-{record.service_group}"
            ),
        }
        empty_text = _(
            "No credit lines yet. They appear once the billing of a new end customer or a new "
            "workload has been imported."
        )

    caption = _("Your credit lines")

    @property
    def totals_note(self) -> str:
        return _("%(final)s final, %(provisional)s provisional, %(capped)s capped") % {
            key: formatting.number(self.totals[key]) for key in ("final", "provisional", "capped")
        }


class StaffCreditLineTable(CreditLineTable):
    """All credit lines of the season, filtered (`filters.CreditLineFilter`)."""

    partner = tables.Column(verbose_name=_("Partner"), order_by=("partner__name", "pk"))

    class Meta(CreditLineTable.Meta):
        sequence = ("partner", "customer", "kind", "...")
        row_attrs = {"class": "line-row", "data-line": lambda record: record.pk}
        empty_text = _("No credit lines match these filters.")

    total_label = _("Total of all matching lines")
    total_span = 4

    @property
    def caption(self):
        n = self.total
        return ngettext("%(counter)s credit line", "%(counter)s credit lines", n) % {
            "counter": formatting.number(n)
        }

    def render_partner(self, value):
        return format_html(
            '<strong>{}</strong><br><span class="muted small">{}</span>',
            value.name,
            value.partner_id,
        )

    def render_customer(self, record):
        return format_html(
            '<a href="{}">{}</a><br><span class="muted small mono tenant">{}</span>',
            reverse(
                "credits:staff-customer-history", kwargs={"tenant_id": record.customer_tenant_id}
            ),
            record.customer.name if record.customer else record.customer_tenant_id,
            record.customer_tenant_id,
        )

    def render_credit_eur(self, value):
        return format_html("<strong>{}</strong>", formatting.money(value))


# --- Credit notes ---------------------------------------------------------------------------------


class PartnerCreditNoteTable(Table):
    """The company's credit notes, newest first (`selectors.partner_credit_notes`)."""

    number = tables.Column(verbose_name=_("Number"), attrs={"td": {"class": "mono"}})
    issued_at = tables.Column(verbose_name=_("Date"), attrs=NOWRAP)
    total_eur = EuroColumn(verbose_name=_("Net total"))
    gross_eur = EuroColumn(verbose_name=_("Gross total"))
    pdf = tables.TemplateColumn(
        verbose_name=_("Download"),
        template_name="credits/includes/note_downloads.html",
        extra_context={"pdf_url": "credits:note-pdf", "xml_url": "credits:note-xml"},
        empty_values=(),
    )

    class Meta(Table.Meta):
        orderable = False
        attrs = {"aria-label": _("Credit notes")}
        empty_text = _("No credit notes yet. Ingram Micro issues them for final credit lines.")

    def render_number(self, record, value):
        if not record.corrects_id:
            return value
        return format_html(
            '{}<br><span class="badge badge-muted">{}</span>', value, _("correction")
        )

    def render_issued_at(self, value):
        return short_date(value)


class ReadyTable(Table):
    """Per partner, the final credit lines not yet (fully) on a note
    (`notes.selectors.open_totals`), each with its "issue" button, or what keeps its notes from
    being issued. All of them on one page: "issue all" covers every row that can be issued."""

    partner = tables.Column(verbose_name=_("Partner"))
    lines = NumberColumn(verbose_name=_("Lines"))
    new = EuroColumn(verbose_name=_("New credits"))
    corrections = EuroColumn(verbose_name=_("Corrections"))
    total = EuroColumn(verbose_name=_("Total"))
    action = tables.TemplateColumn(
        verbose_name=hidden_header(_("Action")),
        template_name="credits/staff/includes/note_issue.html",
        empty_values=(),
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        orderable = False
        empty_text = _("Nothing to issue: every final credit line is on a credit note.")

    @property
    def caption(self):
        n = len(self.data)
        return ngettext(
            "%(counter)s partner with open credit lines",
            "%(counter)s partners with open credit lines",
            n,
        ) % {"counter": formatting.number(n)}

    def render_partner(self, value):
        return format_html(
            '<strong>{}</strong><br><span class="muted small">{} {} · {} {}</span>',
            value.name,
            _("Customer no."),
            value.customer_number,
            _("Partner ID"),
            value.partner_id,
        )

    def render_corrections(self, value):
        return formatting.money(value) if value else "–"

    def render_total(self, value):
        return format_html("<strong>{}</strong>", formatting.money(value))


class IssuedNoteTable(Table):
    """The season's credit notes, newest first; a PDF that takes too long can be generated
    again (`stuck_before` comes with the page)."""

    number = tables.Column(verbose_name=_("Number"), order_by=("sequence",), attrs=NOWRAP)
    partner = tables.Column(verbose_name=_("Partner"), order_by=("partner__name", "sequence"))
    issued_at = tables.Column(
        verbose_name=_("Date"), order_by=("issued_at", "sequence"), attrs=NOWRAP
    )
    total_eur = EuroColumn(verbose_name=_("Net total"), order_by=("total_eur", "sequence"))
    gross_eur = EuroColumn(verbose_name=_("Gross total"), order_by=("gross_eur", "sequence"))
    corrects = tables.Column(
        verbose_name=_("Correction of"), orderable=False, empty_values=(), attrs=NOWRAP
    )
    pdf = tables.TemplateColumn(
        verbose_name=_("PDF"),
        template_name="credits/staff/includes/note_pdf.html",
        orderable=False,
        empty_values=(),
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        empty_text = _("No credit notes issued in this season yet.")

    @property
    def caption(self):
        n = self.total
        return ngettext("%(counter)s credit note", "%(counter)s credit notes", n) % {
            "counter": formatting.number(n)
        }

    def render_number(self, value):
        return format_html('<strong class="mono">{}</strong>', value)

    def render_partner(self, value):
        return format_html(
            '{}<br><span class="muted small">{} {}</span>',
            value.name,
            _("Customer no."),
            value.customer_number,
        )

    def render_issued_at(self, record, value):
        return format_html(
            '{}<br><span class="muted small">{}</span>',
            short_date(value),
            record.issued_by.email if record.issued_by else "–",
        )

    def render_total_eur(self, value):
        return format_html("<strong>{}</strong>", formatting.money(value))

    def render_corrects(self, record):
        if not record.corrects:
            return "–"
        return format_html(
            '<span class="badge badge-pending">{}</span> <span class="mono">{}</span>',
            _("correction"),
            record.corrects.number,
        )


# --- Billing imports ------------------------------------------------------------------------------


class BillingImportTable(Table):
    """The season's billing imports, newest first (`importer.billing_import_list`)."""

    file_name = tables.Column(verbose_name=_("File"), order_by=("file_name", "pk"))
    created_at = tables.Column(
        verbose_name=_("Uploaded"), order_by=("created_at", "pk"), attrs=NOWRAP
    )
    status = tables.Column(verbose_name=_("Status"), order_by=("status", "pk"))
    rows = tables.Column(
        verbose_name=_("Rows"),
        empty_values=(),
        orderable=False,
        attrs={"th": {"class": "num"}, "td": {"class": "num nowrap"}},
    )
    months = tables.Column(
        verbose_name=_("Months"),
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "mono small"}},
    )

    class Meta(Table.Meta):
        empty_text = _("No billing file has been imported in this season yet.")

    caption = _("Imports")

    def render_file_name(self, record, value):
        return format_html(
            '<a href="{}"><strong>{}</strong></a><br><span class="muted small">#{} · {}</span>',
            reverse("credits:staff-billing-import", kwargs={"pk": record.pk}),
            value,
            record.pk,
            formatting.file_size(record.size_bytes),
        )

    def render_created_at(self, record, value):
        return format_html(
            '{}<br><span class="muted small">{}</span>',
            short_datetime(value),
            record.uploaded_by.email if record.uploaded_by else _("command line"),
        )

    def render_status(self, record):
        return render_to_string(
            "credits/staff/billing_status_badge.html", {"billing_import": record}
        )

    def render_rows(self, record):
        if record.status == record.Status.SUCCEEDED:
            return format_html(
                '{}<br><span class="muted small">{}</span>',
                _("%(rows)s stored") % {"rows": formatting.number(record.rows_stored)},
                _("%(rows)s skipped") % {"rows": formatting.number(record.rows_skipped)},
            )
        if record.error_count:
            n = record.error_count
            return format_html(
                "<strong>{}</strong>",
                ngettext("%(counter)s error", "%(counter)s errors", n)
                % {"counter": formatting.number(n)},
            )
        return "–"

    def render_months(self, record):
        return ", ".join(record.months) or "–"


class ImportErrorTable(Table):
    """The first errors of a refused file (`BillingImport.errors`, at most
    `importer.MAX_ERRORS_SHOWN`), in the order of the file."""

    line = NumberColumn(
        verbose_name=_("Line"), attrs={"th": {"class": "num"}, "td": {"class": "num mono"}}
    )
    column = tables.Column(verbose_name=_("Column"), attrs={"td": {"class": "mono"}})
    value = tables.Column(verbose_name=_("Value"), empty_values=(), attrs={"td": {"class": "mono"}})
    reason = tables.Column(verbose_name=_("Reason"))

    class Meta(Table.Meta):
        orderable = False

    def __init__(self, data, *, error_count: int, **kwargs):
        super().__init__(data, **kwargs)
        self.error_count = error_count

    @property
    def caption(self):
        if self.error_count <= len(self.data):
            return _("Errors")
        return _("Errors: the first %(shown)s of %(total)s") % {
            "shown": len(self.data),
            "total": formatting.number(self.error_count),
        }

    def render_value(self, record):
        if record.get("value"):
            return record["value"]
        return mark_safe('<span class="muted">–</span>')


class UnclassifiedTable(Table):
    """Meter categories of an import without a service group (`BillingImport.unclassified`,
    each marked `mapped` when it has one by now)."""

    category = tables.Column(verbose_name=_("Meter category"), empty_values=())
    rows = NumberColumn(verbose_name=_("Rows"))
    amount = EuroColumn(
        verbose_name=_("Amount"), attrs={"th": {"class": "num"}, "td": {"class": "num nowrap"}}
    )
    action = tables.Column(
        verbose_name=hidden_header(_("Actions")),
        empty_values=(),
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        orderable = False
        empty_text = _("Every meter category of this file belongs to a service group or is known.")

    caption = _("Unclassified meter categories")

    def render_category(self, value):
        return value or _("(empty)")

    def render_action(self, record):
        if record["mapped"]:
            return format_html('<span class="badge badge-success">{}</span>', _("now has a group"))
        return format_html(
            '<a class="button button-small button-secondary" href="{}?category={}">{}</a>',
            reverse("credits:staff-service-groups"),
            quote(record["category"], safe="/"),
            _("Assign a group"),
        )


# --- Service groups -------------------------------------------------------------------------------


class UnclassifiedLatestTable(Table):
    """Unclassified meter categories of the latest imports (`importer.unclassified_list`), each
    with a form to assign a group (`group_choices` comes with the page)."""

    category = tables.Column(verbose_name=_("Meter category"), empty_values=())
    rows = NumberColumn(verbose_name=_("Rows"))
    amount = EuroColumn(
        verbose_name=_("Amount"), attrs={"th": {"class": "num"}, "td": {"class": "num nowrap"}}
    )
    billing_import = tables.Column(
        verbose_name=_("Import"), accessor="import", attrs={"td": {"class": "nowrap small"}}
    )
    assign = tables.TemplateColumn(
        verbose_name=_("Assign a group"),
        template_name="credits/staff/includes/category_assign.html",
        empty_values=(),
    )

    class Meta(Table.Meta):
        orderable = False
        empty_text = _("The latest imports have no meter category without a group.")

    caption = _("Unclassified meter categories of the latest imports")

    def render_category(self, value):
        return value or _("(empty)")

    def render_billing_import(self, value):
        return format_html(
            '<a href="{}" title="{}: {}">#{}</a>',
            reverse("credits:staff-billing-import", kwargs={"pk": value.pk}),
            value.file_name,
            ", ".join(value.months),
            value.pk,
        )


class MappingTable(Table):
    """Meter category → service group, by group (in the order of `ServiceGroup`), then by
    category; each with "change" and "remove"."""

    meter_category = tables.Column(verbose_name=_("Meter category"))
    service_group = tables.Column(verbose_name=_("Service group"))
    updated_at = tables.Column(
        verbose_name=_("Changed"), attrs={"td": {"class": "nowrap small muted"}}
    )
    actions = tables.TemplateColumn(
        verbose_name=hidden_header(_("Actions")),
        template_name="credits/staff/includes/mapping_actions.html",
        orderable=False,
        empty_values=(),
        attrs=NOWRAP,
    )

    class Meta(Table.Meta):
        empty_text = _("No meter category has a service group.")

    @property
    def caption(self):
        return format_html(
            '{} <span class="tab-count">{}</span>', _("Mappings"), formatting.number(self.total)
        )

    def render_service_group(self, record):
        return format_html(
            '<span class="badge{}">{}</span>',
            " badge-muted" if record.service_group == "avd" else "",
            record.get_service_group_display(),
        )

    def render_updated_at(self, value):
        return short_date(value)
