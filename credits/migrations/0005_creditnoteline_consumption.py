from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def consumption_of_issued_lines(apps, schema_editor):
    # Positions issued before the consumption was recorded: the credit line's current consumption
    # is the best value known (queryset update: the immutability guards are not involved).
    CreditNoteLine = apps.get_model("credits", "CreditNoteLine")
    CreditLine = apps.get_model("credits", "CreditLine")
    CreditNoteLine.objects.filter(consumption_eur__isnull=True).update(
        consumption_eur=Subquery(
            CreditLine.objects.filter(pk=OuterRef("credit_line_id")).values("consumption_eur")[:1]
        )
    )


class Migration(migrations.Migration):

    dependencies = [
        ("credits", "0004_import_lease_and_usage_source"),
    ]

    operations = [
        migrations.AddField(
            model_name="creditnoteline",
            name="consumption_eur",
            field=models.DecimalField(decimal_places=2, max_digits=14, null=True),
        ),
        migrations.RunPython(consumption_of_issued_lines, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="creditnoteline",
            name="consumption_eur",
            field=models.DecimalField(decimal_places=2, max_digits=14),
        ),
        migrations.AddIndex(
            model_name="creditnoteline",
            index=models.Index(fields=["credit_line", "id"], name="note_line_last_idx"),
        ),
    ]
