# Kinds as modules (issue 12): one duplicate key instead of a column per kind; kinds' choices from the registry.

import cases.kinds
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0001_initial'),
        ('cases', '0006_english_names_id_search'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='bundle',
            name='duplicate_key',
            field=models.CharField(blank=True, default='', editable=False, max_length=80),
        ),
        # The two per-kind columns become one key, "<kind>:<value>" (cases.kinds: each kind names
        # the value of which only one live dossier may exist).
        migrations.RunSQL(
            "UPDATE cases_bundle SET duplicate_key = 'birth:' || birth_certificate_number "
            "WHERE kind = 'birth' AND birth_certificate_number <> ''",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "UPDATE cases_bundle SET duplicate_key = 'death:' || deceased_id_number "
            "WHERE kind = 'death' AND deceased_id_number <> ''",
            migrations.RunSQL.noop,
        ),
        migrations.RemoveConstraint(
            model_name='bundle',
            name='bundle_one_live_per_birth_certificate',
        ),
        migrations.RemoveConstraint(
            model_name='bundle',
            name='bundle_one_live_per_deceased',
        ),
        migrations.RemoveField(
            model_name='bundle',
            name='birth_certificate_number',
        ),
        migrations.RemoveField(
            model_name='bundle',
            name='deceased_id_number',
        ),
        migrations.AlterField(
            model_name='bundle',
            name='kind',
            field=models.CharField(choices=cases.kinds.choices, max_length=10, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='bundlevariant',
            name='kind',
            field=models.CharField(choices=cases.kinds.choices, max_length=10, verbose_name='bundle'),
        ),
        migrations.AlterField(
            model_name='procedure',
            name='bundle_kind',
            field=models.CharField(choices=cases.kinds.choices, max_length=10, verbose_name='bundle'),
        ),
        migrations.AddConstraint(
            model_name='bundle',
            constraint=models.UniqueConstraint(condition=models.Q(('state__in', ['in_progress', 'completed', 'partly_completed']), models.Q(('duplicate_key', ''), _negated=True)), fields=('duplicate_key',), name='bundle_one_live_per_key'),
        ),
    ]
