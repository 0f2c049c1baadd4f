"""The change stamp (core.change_stamp): a one-row table on SQLite, a sequence on PostgreSQL."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS core_change_stamp_seq")
    else:
        schema_editor.execute("CREATE TABLE IF NOT EXISTS core_changestamp (id integer PRIMARY KEY, value integer NOT NULL)")
        schema_editor.execute("INSERT OR IGNORE INTO core_changestamp (id, value) VALUES (1, 0)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP SEQUENCE IF EXISTS core_change_stamp_seq")
    else:
        schema_editor.execute("DROP TABLE IF EXISTS core_changestamp")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_seed_settings")]

    operations = [migrations.RunPython(create, drop)]
