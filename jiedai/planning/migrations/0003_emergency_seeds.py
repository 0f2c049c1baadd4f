"""policy 3.3.1: the emergency plan templates the company starts with (an administrator edits them afterwards)."""

from django.db import migrations


def seed(apps, schema_editor):
    from jiedai.planning.emergency_seeds import ensure_emergency_templates

    ensure_emergency_templates(
        apps.get_model("planning", "EmergencyTemplate"), apps.get_model("planning", "EmergencyTemplateRevision")
    )


class Migration(migrations.Migration):
    dependencies = [("planning", "0002_no_double_booking_and_seeds")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
