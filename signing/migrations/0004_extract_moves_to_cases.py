# The electronic extract is the engine's step result (issue 29): its model moves to the cases app
# and keeps its table, so only Django's record of the models changes here; the table stays.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("signing", "0003_extract")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Extract")]),
    ]
