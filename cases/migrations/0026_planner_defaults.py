"""Back to PostgreSQL's default random_page_cost on the database (issue 32). 0014 set it to 1.1 so
that the queue's page query kept walking its index after a burst of filings; a database restored or
created again without that setting got the slow plan back. The queue now reads a page's keys from a
covering index first (0026, portal.paging.keys_first), which the planner prefers at the defaults."""

from django.db import migrations

# What 0014 set, set again when this is reversed.
SSD_RANDOM_PAGE_COST = "1.1"


def _set(apps, schema_editor, value):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (name,) = cursor.fetchone()
        quoted = schema_editor.quote_name(name)
        if value is None:
            cursor.execute(f"ALTER DATABASE {quoted} RESET random_page_cost")
        else:
            cursor.execute(f"ALTER DATABASE {quoted} SET random_page_cost = {value}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0025_commune_tally")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _set(apps, editor, None),
            lambda apps, editor: _set(apps, editor, SSD_RANDOM_PAGE_COST),
        )
    ]
