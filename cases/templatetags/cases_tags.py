"""Deadlines as people read them: "2 working days left", "due today", "3 working days late"."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases import kinds, rules
from cases.choices import BundleState, StepState

register = template.Library()
RUNNING = {BundleState.IN_PROGRESS, StepState.READY}  # a step in progress is "in_progress" too


@register.simple_tag
def registered_kinds() -> list[Any]:
    """The kinds of bundle the portal offers (cases.kinds), for the desk's "new dossier" links."""
    return list(kinds.registered())


@register.simple_tag
def countdown(due_date: datetime.date | None, state: str) -> str:
    """The time left to a due date in working days, with a class for due-soon and overdue; nothing
    for a bundle or step whose clock is not running (finished, waiting, awaiting documents)."""
    if due_date is None or state not in RUNNING:
        return ""
    today = timezone.localdate()
    calendar = rules.calendar()
    if due_date < today:
        late = calendar.working_days_between(due_date + datetime.timedelta(days=1), today)
        text = ngettext("%(n)d working day late", "%(n)d working days late", late) % {"n": late}
        return _badge(text if late else _("late"), "overdue")
    if due_date == today:
        return _badge(_("due today"), "due-soon")
    left = calendar.working_days_between(today + datetime.timedelta(days=1), due_date)
    text = ngettext("%(n)d working day left", "%(n)d working days left", left) % {"n": left}
    return _badge(text, "due-soon" if left <= 1 else "")


def _badge(text: str, tone: str) -> str:
    return format_html('<span class="countdown {}">{}</span>', tone, text)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`errors|get_item:"withdraw.reason"`: a key with a dot in it."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def result_label(name: str) -> str:
    from cases.forms import result_label

    return result_label(name)


@register.filter
def vnd(amount: int | None) -> str:
    """25000000 → "25.000.000" (rules.vnd); "" for anything that is not an amount."""
    return rules.vnd(amount) if isinstance(amount, int) else ""


@register.filter
def shown(value: Any, name: str) -> Any:
    """A result or dossier value as people read it (dates dd/mm/yyyy, amounts with dots)."""
    from cases.forms import shown_value

    return vnd(value) if name == "amount_vnd" else shown_value(name, value)


@register.filter
def document_names(names: Any) -> list[str]:
    """A scanned document's name, or a list of them, in the page's language."""
    from cases.forms import document_name

    return [document_name(name) for name in names] if isinstance(names, list) else [document_name(str(names))]
