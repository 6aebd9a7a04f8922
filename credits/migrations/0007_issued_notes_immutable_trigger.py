"""Issued credit notes and their lines refuse UPDATE and DELETE in the database too (PostgreSQL),
whoever writes: the ORM's querysets, save() and delete() refuse them already, this also covers raw
SQL, a shell and tools.

The changes allowed on a note: its PDF recorded once (`pdf`, `pdf_rendered_at` while
`pdf_rendered_at` is still empty: credits.notes.rendering.credit_note_pdf_record), and
`issued_by_id` set to NULL, which is what deleting a user does (on_delete=SET_NULL). A note's lines allow no change.
TRUNCATE (the test suite's flush) fires no row trigger. A future data migration that must correct
notes disables the triggers for its own statement (ALTER TABLE ... DISABLE TRIGGER ...) and says
why. SQLite has no such triggers; the ORM guard holds there.
"""

from django.db import migrations

NOTE_FUNCTION = """
CREATE OR REPLACE FUNCTION credits_note_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'An issued credit note cannot be deleted; issue a correction instead.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - ARRAY['pdf', 'pdf_rendered_at', 'issued_by_id'])
            IS DISTINCT FROM (to_jsonb(OLD) - ARRAY['pdf', 'pdf_rendered_at', 'issued_by_id'])
        OR (NEW.issued_by_id IS NOT NULL AND NEW.issued_by_id IS DISTINCT FROM OLD.issued_by_id)
        OR (OLD.pdf_rendered_at IS NOT NULL AND (
            NEW.pdf IS DISTINCT FROM OLD.pdf
            OR NEW.pdf_rendered_at IS DISTINCT FROM OLD.pdf_rendered_at)) THEN
        RAISE EXCEPTION 'An issued credit note cannot be changed; issue a correction instead.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
"""

# (`%%`: the statement goes through the driver's parameter substitution.)
LINE_FUNCTION = """
CREATE OR REPLACE FUNCTION credits_note_line_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'An issued credit note cannot be %%; issue a correction instead.',
        CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
        USING ERRCODE = 'restrict_violation';
END
$$;
"""

TRIGGERS = (
    ("CreditNote", "credit_note_immutable", "credits_note_refuse_change", NOTE_FUNCTION),
    (
        "CreditNoteLine",
        "credit_note_line_immutable",
        "credits_note_line_refuse_change",
        LINE_FUNCTION,
    ),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, trigger, function, source in TRIGGERS:
        table = schema_editor.quote_name(apps.get_model("credits", model)._meta.db_table)
        schema_editor.execute(source)
        schema_editor.execute(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, trigger, function, _source in TRIGGERS:
        table = schema_editor.quote_name(apps.get_model("credits", model)._meta.db_table)
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")


class Migration(migrations.Migration):
    dependencies = [
        ("credits", "0006_season_moves_to_seasons"),
    ]

    operations = [migrations.RunPython(create, drop)]
