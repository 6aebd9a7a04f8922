import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def date_earlier_withdrawals(apps, schema_editor):
    # Partners set to withdrawn before the moment was recorded: the last review, else the
    # registration, is the best moment known.
    Partner = apps.get_model("partners", "Partner")
    Partner.objects.filter(status="withdrawn", withdrawn_at__isnull=True).update(
        withdrawn_at=Coalesce(F("reviewed_at"), F("created_at"))
    )


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0002_customerexclusion_endcustomer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="partner",
            name="withdrawn_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="withdrawal"),
        ),
        migrations.AddField(
            model_name="partner",
            name="withdrawn_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="withdrawal recorded by",
            ),
        ),
        migrations.RunPython(date_earlier_withdrawals, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="partner",
            constraint=models.CheckConstraint(
                condition=models.Q(("status", "withdrawn"), _negated=True)
                | models.Q(("withdrawn_at__isnull", False)),
                name="withdrawn_partner_has_date",
            ),
        ),
    ]
