"""A step's recorded result as people read it, on the pages and in the API: each field's label
(a common one, else the kind's that names it) and the order the fields are shown in."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from cases import kinds

RESULT_LABELS = {"register_number": _("Register number"), "registration_number": _("Registration number")}


def result_label(name: str) -> str:
    """A result field's label: a common one, else the first kind that names it."""
    return str(RESULT_LABELS[name] if name in RESULT_LABELS else kinds.lookup("result_labels", name, name))


def result_items(result: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """A recorded result as (field, value) in the order the labels list the fields (the
    procedure's, then the figures a kind keeps beside them: the rate table's amount, the reason)."""
    order = [*RESULT_LABELS, *(name for kind in kinds.registered() for name in kind.result_labels)]
    return sorted((result or {}).items(), key=lambda item: order.index(item[0]) if item[0] in order else len(order))


def result_facts(result: dict[str, Any] | None) -> list[dict[str, Any]]:
    """A recorded result as the API labels it: name, label (the request's language) and value."""
    return [{"name": name, "label": result_label(name), "value": value} for name, value in result_items(result)]
