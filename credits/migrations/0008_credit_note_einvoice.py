"""Credit notes as e-invoices (issue 11): what a note is issued with from now on (VAT, the parties,
the billing period, the CII XML), written in the INSERT that issues it.

Notes issued before keep their PDF and get none of it: the new columns stay empty (NULL, `{}`,
""), which is how the portal tells "issued before e-invoicing". No data migration: an XML made up
now would claim a document that was never issued. Adding columns fires no row trigger (0007).
"""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0007_issued_notes_immutable_trigger"),
        ("partners", "0006_partner_vat_id"),
        ("seasons", "0003_season_vat_rate"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="creditnote",
            name="buyer",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="gross_eur",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="gross total"
            ),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="period_end",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="period_start",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="seller",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="vat_eur",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=14, null=True, verbose_name="VAT"
            ),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="vat_rate",
            field=models.DecimalField(
                blank=True, decimal_places=2, max_digits=5, null=True, verbose_name="VAT rate (%)"
            ),
        ),
        migrations.AddField(
            model_name="creditnote",
            name="xml",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddConstraint(
            model_name="creditnote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("gross_eur__isnull", True),
                        ("period_end__isnull", True),
                        ("period_start__isnull", True),
                        ("vat_eur__isnull", True),
                        ("vat_rate__isnull", True),
                        ("xml", ""),
                    ),
                    models.Q(
                        models.Q(("xml", ""), _negated=True),
                        ("gross_eur__isnull", False),
                        ("period_end__isnull", False),
                        ("period_start__isnull", False),
                        ("vat_eur__isnull", False),
                        ("vat_rate__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="credit_note_einvoice_complete",
            ),
        ),
    ]
