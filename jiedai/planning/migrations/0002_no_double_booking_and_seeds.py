"""policy 3.1.1: a room, a car or a driver is never booked twice for overlapping times. On PostgreSQL the
database itself refuses it (exclusion constraints over half-open time ranges; needs btree_gist for the `=` on
ids). SQLite has no such constraint: there the service's check runs in an IMMEDIATE transaction (one writer at a
time). Also seeds the plan review flow (policy 3.1.2) and the planning settings as data."""

from django.db import migrations

RESOURCES = ("venue", "vehicle", "driver")


def add_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for resource in RESOURCES:
        schema_editor.execute(
            f"ALTER TABLE planning_booking ADD CONSTRAINT booking_{resource}_no_overlap "
            f"EXCLUDE USING gist ({resource}_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
            f"WHERE ({resource}_id IS NOT NULL AND status <> 'cancelled')"
        )


def drop_exclusion_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for resource in RESOURCES:
        schema_editor.execute(f"ALTER TABLE planning_booking DROP CONSTRAINT IF EXISTS booking_{resource}_no_overlap")


def seed(apps, schema_editor):
    from jiedai.approvals.seeds import ensure_seed_flows
    from jiedai.core.runtime_settings import REGISTRY

    ensure_seed_flows(
        apps.get_model("approvals", "Flow"), apps.get_model("approvals", "FlowStep"), apps.get_model("approvals", "CcRule")
    )
    SystemSetting = apps.get_model("core", "SystemSetting")
    for spec in REGISTRY.values():
        SystemSetting.objects.get_or_create(key=spec.key, defaults={"value": spec.default})


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0001_initial"),
        ("approvals", "0004_todo_index"),
        ("core", "0002_seed_settings"),
    ]

    operations = [
        migrations.RunPython(add_exclusion_constraints, drop_exclusion_constraints),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
