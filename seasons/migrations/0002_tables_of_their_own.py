"""The tables of Season and League take the seasons app's names, and their content types (and with
them permissions and admin log entries) move from the league app to seasons."""

from django.db import migrations

MODELS = ("season", "league")


def content_types_to_seasons(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label="seasons", model=model).exists():
            ContentType.objects.using(db).filter(app_label="league", model=model).update(
                app_label="seasons"
            )


def content_types_to_league(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        if not ContentType.objects.using(db).filter(app_label="league", model=model).exists():
            ContentType.objects.using(db).filter(app_label="seasons", model=model).update(
                app_label="league"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("seasons", "0001_initial"),
        # Last: every earlier migration of the other apps that names the old tables has run, and
        # the league app has handed the models over.
        ("league", "0003_season_and_league_move_to_seasons"),
    ]

    operations = [
        migrations.AlterModelTable(name="season", table=None),
        migrations.AlterModelTable(name="league", table=None),
        migrations.RunPython(content_types_to_seasons, content_types_to_league),
    ]
