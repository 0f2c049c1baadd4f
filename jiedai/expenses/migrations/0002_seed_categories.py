from django.db import migrations


def seed(apps, schema_editor):
    from jiedai.expenses.seeds import ensure_categories

    ensure_categories(apps.get_model("expenses", "ExpenseCategory"))


class Migration(migrations.Migration):
    dependencies = [("expenses", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
