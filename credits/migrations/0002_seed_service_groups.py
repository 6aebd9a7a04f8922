"""The MeterCategory → service group mapping of SPEC section 6 (staff can edit it)."""

from django.db import migrations

SEED = {
    "security": ["Microsoft Defender for Cloud", "Sentinel", "Key Vault"],
    "databases": [
        "SQL Database",
        "SQL Managed Instance",
        "Azure Cosmos DB",
        "Azure Database for PostgreSQL",
        "Azure Database for MySQL",
        "Redis Cache",
    ],
    "analytics_ai": [
        "Cognitive Services",
        "Azure OpenAI",
        "Azure Machine Learning",
        "Azure Synapse Analytics",
        "Azure Databricks",
        "Azure Data Factory v2",
        "Azure Data Explorer",
        "HDInsight",
        "Stream Analytics",
        "Power BI Embedded",
        "Azure AI Search",
    ],
    "avd": ["Azure Virtual Desktop", "Windows Virtual Desktop"],
}


def seed(apps, schema_editor):
    Mapping = apps.get_model("credits", "ServiceGroupMapping")
    for group, categories in SEED.items():
        for category in categories:
            Mapping.objects.get_or_create(
                category_key=category.casefold(),
                defaults={"meter_category": category, "service_group": group},
            )


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
