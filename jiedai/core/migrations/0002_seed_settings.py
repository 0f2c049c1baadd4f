from django.db import migrations


def seed(apps, schema_editor):
    from jiedai.core.runtime_settings import REGISTRY

    SystemSetting = apps.get_model("core", "SystemSetting")
    for spec in REGISTRY.values():
        SystemSetting.objects.get_or_create(key=spec.key, defaults={"value": spec.default})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
