"""Who signs which document, as the documents print it: the receipt and the periodic report by
the issuing body (the desk's People's Committee, the province); the slips and the apology letter
by the person whose name stands under them. The province changes these in the administration."""

from django.db import migrations

RULES = {
    "receipt": "organisation",
    "supplement_request": "person",
    "refusal": "person",
    "apology": "person",
    "report": "organisation",
}


def add(apps, schema_editor):
    SigningRule = apps.get_model("signing", "SigningRule")
    for document, signer in RULES.items():
        SigningRule.objects.get_or_create(document=document, defaults={"signer": signer})


class Migration(migrations.Migration):
    dependencies = [("signing", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
