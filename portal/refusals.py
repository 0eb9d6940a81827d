"""One way to put refusals next to fields. The services refuse with `portal.errors.Invalid`, whose
messages are keyed by the path of the field they concern ("result.valid_to", "reason"); the API
returns them as they are (portal.api), and every page hands them to `on_form`, which puts each
next to the form field it names, or at the top of the form when no field does."""

from __future__ import annotations

from collections.abc import Mapping

from django import forms


def on_form(form: forms.Form, problems: Mapping[str, list[str]], *, names: Mapping[str, str] | None = None) -> None:
    """Add each problem to the field named by the last part of its path (or by `names`, for a
    path the form calls otherwise: "missing_documents" → "missing")."""
    for path, messages in problems.items():
        name = (names or {}).get(path, path.split(".")[-1])
        form.add_error(name if name in form.fields else None, messages)
