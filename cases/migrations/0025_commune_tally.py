"""The desk's counts without the commune's history (issue 32): each commune's tally of dossiers
received, counted here once from what exists and kept by filing from then on, and the two partial
indexes of what is still at the desk (in progress; results not handed over)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def count_what_exists(apps, schema_editor):
    Bundle, CommuneTally = apps.get_model("cases", "Bundle"), apps.get_model("cases", "CommuneTally")
    received = Bundle.objects.order_by().values("commune").annotate(n=models.Count("pk")).values_list("commune", "n")
    CommuneTally.objects.bulk_create(CommuneTally(commune_id=commune, received=n) for commune, n in received)


class Migration(migrations.Migration):
    dependencies = [
        ("agencies", "0004_user_heads_workplace"),
        ("cases", "0024_attachment_idempotency_key"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CommuneTally",
            fields=[
                (
                    "commune",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="agencies.administrativeunit",
                        verbose_name="commune",
                    ),
                ),
                ("received", models.PositiveBigIntegerField(default=0, verbose_name="dossiers received")),
            ],
            options={
                "verbose_name": "commune tally",
                "verbose_name_plural": "commune tallies",
            },
        ),
        migrations.AddIndex(
            model_name="bundle",
            index=models.Index(
                condition=models.Q(("state", "in_progress")), fields=["commune", "due_date"], name="bundle_desk_open"
            ),
        ),
        migrations.AddIndex(
            model_name="bundle",
            index=models.Index(
                condition=models.Q(("handed_over_at__isnull", True), ("state__in", ["completed", "partly_completed"])),
                fields=["commune"],
                name="bundle_desk_results",
            ),
        ),
        migrations.RunPython(count_what_exists, migrations.RunPython.noop),
    ]
