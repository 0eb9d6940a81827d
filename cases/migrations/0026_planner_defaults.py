"""Back to PostgreSQL's default random_page_cost on the database (issue 32). 0014 set it to 1.1 so
that the queue's page query kept walking its index after a burst of filings; a database restored or
created again without that setting got the slow plan back. The queue now reads a page's keys from a
covering index first (0027, portal.paging.keys_first), which the planner prefers at the defaults."""

from importlib import import_module

from django.db import migrations

# 0014's own function, and what it set, set again when this is reversed.
ssd = import_module("cases.migrations.0014_planner_costs_for_ssd")


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_commune_tally")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: ssd._set(apps, editor, None),
            lambda apps, editor: ssd._set(apps, editor, ssd.RANDOM_PAGE_COST),
        )
    ]
