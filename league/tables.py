"""The league tables as django-tables2 tables: the public one (pseudonyms only) and the staff one
(with the company). Records are `leaderboard.Standing`s, for staff with the company attached; the
views paginate, so a table only ever holds one page of rows. No order by column: the league's
order is the rule of SPEC section 4."""

from dataclasses import dataclass

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from core.tables import NumberColumn, Table
from partners.models import Partner

from .leaderboard import Standing


class PublicTable(Table):
    rank = NumberColumn(verbose_name=_("Rank"), attrs={"th": {"class": "num"}})
    pseudonym = tables.Column(verbose_name=_("Partner"), accessor="pseudonym")
    points = NumberColumn(verbose_name=_("Points"))
    new_customers = NumberColumn(verbose_name=_("New end customers"))

    class Meta(Table.Meta):
        orderable = False
        template_name = "league/includes/league_table.html"
        attrs = {"class": "league-table"}
        empty_text = _("No partner in this league yet.")

    def __init__(self, data, own_partner_id=None, **kwargs):
        super().__init__(data, **kwargs)
        self.own_partner_id = own_partner_id


class StaffTable(PublicTable):
    company = tables.Column(verbose_name=_("Company"), accessor="company__name")
    partner_id = tables.Column(verbose_name=_("MPN ID"), accessor="company__partner_id")
    reached_at = tables.DateTimeColumn(
        verbose_name=_("Points reached"), format="SHORT_DATETIME_FORMAT"
    )

    class Meta(PublicTable.Meta):
        sequence = ("rank", "pseudonym", "company", "partner_id", "points", "new_customers", "...")
        template_name = "league/includes/league_table.html"


@dataclass(frozen=True)
class StaffRow:
    """A standing with the company behind it (staff only)."""

    standing: Standing
    company: Partner

    def __getattr__(self, name):
        return getattr(self.standing, name)
