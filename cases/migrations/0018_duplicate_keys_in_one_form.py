"""The keys only one live dossier may hold, rewritten in their one form (cases.services.filing.
unique_form: NFKC, no spaces or invisible characters, dashes as hyphens, case folded). A key whose
one form another live dossier already holds is left as it was (two live dossiers for one child
filed before this check: the province resolves them by hand) and named in the output."""

import unicodedata

from django.db import migrations

LIVE = ["in_progress", "completed", "partly_completed"]


def unique_form(value):
    kept = []
    for char in unicodedata.normalize("NFKC", value):
        kind = unicodedata.category(char)
        if char.isspace() or kind == "Cf":
            continue
        kept.append("-" if kind == "Pd" else char)
    return "".join(kept).casefold()


def forward(apps, schema_editor):
    Bundle = apps.get_model("cases", "Bundle")
    taken = set(Bundle.objects.filter(state__in=LIVE).exclude(duplicate_key="").values_list("duplicate_key", flat=True))
    for pk, key, state in Bundle.objects.exclude(duplicate_key="").values_list("pk", "duplicate_key", "state"):
        kind, _colon, value = key.partition(":")
        new = f"{kind}:{unique_form(value)}"
        if new == key:
            continue
        if state in LIVE and new in taken:
            print(f"\n  dossier {pk}: {key!r} left as it is, another live dossier holds {new!r}")
            continue
        Bundle.objects.filter(pk=pk).update(duplicate_key=new)
        if state in LIVE:
            taken.discard(key)
            taken.add(new)


class Migration(migrations.Migration):
    dependencies = [("cases", "0017_event_action_rescheduled")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
