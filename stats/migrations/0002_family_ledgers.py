from django.db import migrations

FAMILIES = ["pyramid", "pool", "straight_pool", "snooker"]


def create_ledgers(apps, schema_editor):
    # One lock row per family exists before any finish task runs (no get_or_create race).
    FamilyLedger = apps.get_model("stats", "FamilyLedger")
    for family in FAMILIES:
        FamilyLedger.objects.get_or_create(family=family)


class Migration(migrations.Migration):
    dependencies = [("stats", "0001_initial")]

    operations = [migrations.RunPython(create_ledgers, migrations.RunPython.noop)]
