from django.db import migrations


def seed(apps, schema_editor):
    from jiedai.approvals.seeds import ensure_seed_flows

    ensure_seed_flows(apps.get_model("approvals", "Flow"), apps.get_model("approvals", "FlowStep"),
                      apps.get_model("approvals", "CcRule"))


class Migration(migrations.Migration):
    dependencies = [("approvals", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
