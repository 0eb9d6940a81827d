# The electronic extract moves here from the signing app (issue 29) and keeps its table
# (signing_extract): only Django's record of the models changes.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0018_duplicate_keys_in_one_form"),
        ("signing", "0004_extract_moves_to_cases"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Extract",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("file", models.FileField(upload_to="extracts/%Y/%m/")),
                        ("sha256", models.CharField(max_length=64, verbose_name="file hash")),
                        ("signer", models.CharField(max_length=300, verbose_name="signer")),
                        ("signed_at", models.DateTimeField(null=True, verbose_name="signed at")),
                        (
                            "uploaded_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="attached at"),
                        ),
                        (
                            "step",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="extract",
                                to="cases.step",
                                verbose_name="step",
                            ),
                        ),
                        (
                            "uploaded_by",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="attached by",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "electronic extract",
                        "verbose_name_plural": "electronic extracts",
                        "db_table": "signing_extract",
                    },
                ),
            ]
        ),
    ]
