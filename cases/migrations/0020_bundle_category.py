"""Bundle.funeral_category becomes the kind-supplied Bundle.category (issue 29 §3): the column is
renamed, so every dossier keeps its category; the choices are the kind's (cases.kinds)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0019_extract_from_signing"),
    ]

    operations = [
        migrations.RenameField(model_name="bundle", old_name="funeral_category", new_name="category"),
        migrations.AlterField(
            model_name="bundle",
            name="category",
            field=models.CharField(blank=True, max_length=20, verbose_name="category"),
        ),
        migrations.AlterField(
            model_name="procedure",
            name="agency_role",
            field=models.CharField(
                blank=True,
                choices=[
                    ("civil_status", "Civil status"),
                    ("residence", "Residence"),
                    ("social_insurance", "Social insurance"),
                    ("merit", "People with meritorious services"),
                    ("social_protection", "Social protection"),
                    ("emergency_aid", "Emergency aid"),
                ],
                help_text="Empty when the bundle's category decides it.",
                max_length=20,
                verbose_name="agency role",
            ),
        ),
    ]
