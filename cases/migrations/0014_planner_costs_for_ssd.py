"""The queue's plan stays on its index (issue 16). PostgreSQL's default random_page_cost (4) prices a
random read as on a spinning disk; with it, and statistics that lag a burst of filings, the planner
sorted an office's whole open queue (4.3 ms after 7,800 new steps) instead of walking the partial
index of open steps in order (0.06 ms). 1.1 is the usual value for SSD and cloud volumes. Set on the
database, so it holds for every connection, through PgBouncer too; the next sessions take it."""

from django.db import migrations

RANDOM_PAGE_COST = "1.1"


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
    dependencies = [("cases", "0013_national_codes")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: _set(apps, editor, RANDOM_PAGE_COST),
            lambda apps, editor: _set(apps, editor, None),
        )
    ]
