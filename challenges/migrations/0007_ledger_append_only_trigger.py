"""The points ledger refuses UPDATE and DELETE in the database too (PostgreSQL), whoever writes:
the ORM's querysets and save() refuse them already, this also covers raw SQL, a shell and tools.

The one change allowed: `actor_id` set to NULL, which is what deleting a user does
(on_delete=SET_NULL). TRUNCATE (the test suite's flush) fires no row trigger. A future data
migration that must correct entries disables the trigger for its own statement
(ALTER TABLE ... DISABLE TRIGGER ledger_append_only) and says why. SQLite has no such trigger;
the ORM guard holds there.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION challenges_ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'Ledger entries are never deleted; add a counter-entry.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'actor_id') IS DISTINCT FROM (to_jsonb(OLD) - 'actor_id')
        OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id) THEN
        RAISE EXCEPTION 'Ledger entries are never changed; add a counter-entry.'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("challenges", "LedgerEntry")._meta.db_table)
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        f"CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION challenges_ledger_refuse_change()"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("challenges", "LedgerEntry")._meta.db_table)
    schema_editor.execute(f"DROP TRIGGER IF EXISTS ledger_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS challenges_ledger_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("challenges", "0006_academy_date_unique"),
    ]

    operations = [migrations.RunPython(create, drop)]
