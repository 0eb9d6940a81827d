"""Deadlines as people read them: "2 working days left", "due today", "3 working days late"."""

from __future__ import annotations

import datetime
import functools
from typing import Any
from urllib.parse import quote

from django import template
from django.http import QueryDict
from django.template import engines
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from agencies import access
from agencies.selectors import cache_period
from cases import kinds, offline, rules
from cases.choices import BundleState, StepState
from cases.workdays import WorkingCalendar

register = template.Library()
RUNNING = {BundleState.IN_PROGRESS, StepState.READY}  # a step in progress is "in_progress" too


@register.simple_tag
def registered_kinds() -> list[Any]:
    """The kinds of bundle the portal offers (cases.kinds), for the desk's "new dossier" links."""
    return list(kinds.registered())


@register.simple_tag
def offline_settings(user: Any) -> dict[str, Any]:
    """What a desk page gives its offline script (cases.offline.device_settings)."""
    return offline.device_settings(user)


@register.simple_tag
def countdown(due_date: datetime.date | None, state: str) -> str:
    """The time left to a due date in working days, with a class for due-soon and overdue; nothing
    for a bundle or step whose clock is not running (finished, waiting, awaiting documents)."""
    if due_date is None or state not in RUNNING:
        return ""
    # A page of 50 rows has a handful of due dates: each badge is worked out once a day per process.
    return _countdown(due_date, timezone.localdate(), rules.calendar(), get_language())


@functools.lru_cache(maxsize=1024)
def _countdown(due_date: datetime.date, today: datetime.date, calendar: WorkingCalendar, _language: str) -> str:
    if due_date < today:
        late = calendar.working_days_between(due_date + datetime.timedelta(days=1), today)
        text = ngettext("%(n)d working day late", "%(n)d working days late", late) % {"n": late}
        return _badge(text if late else _("late"), "overdue")
    if due_date == today:
        return _badge(_("due today"), "due-soon")
    left = calendar.working_days_between(today + datetime.timedelta(days=1), due_date)
    text = ngettext("%(n)d working day left", "%(n)d working days left", left) % {"n": left}
    return _badge(text, "due-soon" if left <= 1 else "")


PLACEHOLDER = "2147483647"  # no URL of the portal holds it but where an argument goes
URL_SAFE = RFC3986_SUBDELIMS + "/~:@"  # what django.urls.reverse leaves unquoted


@register.simple_tag
def row_url(name: str, key: Any, *fixed: str) -> str:
    """`{% url name key *fixed %}` for a list's rows: the URL is reversed once per process with a
    placeholder for the row's key, which each row then fills in (a page of 50 rows reversed up to
    150 URLs, each a walk through the URL resolver). The key is quoted as `reverse` quotes it."""
    return _url_pattern(name, fixed, get_script_prefix()).replace(PLACEHOLDER, quote(str(key), safe=URL_SAFE))


@functools.lru_cache(maxsize=256)
def _url_pattern(name: str, fixed: tuple[str, ...], _prefix: str) -> str:
    url = reverse(name, args=[PLACEHOLDER, *fixed])
    assert url.count(PLACEHOLDER) == 1, url
    return url


@register.simple_tag(takes_context=True)
def rows(context: template.Context, name: str) -> str:
    """`{% rows "cases/queue_rows.html" %}`: a list's rows, rendered by Jinja2 (portal/jinja2.py)
    with this template's context."""
    values = {str(key): value for key, value in context.flatten().items()}
    rendered = engines["jinja2"].get_template(name).render(values, context.get("request"))
    # Jinja2 has escaped every value (autoescape, portal/jinja2.py).
    return mark_safe(rendered)  # nosec B308, B703


def _badge(text: str, tone: str) -> str:
    return format_html('<span class="countdown {}">{}</span>', tone, text)


@register.filter
def may(user: Any, action: str) -> bool:
    """Whether the user may take the action (agencies.access): `{% if user|may:"person" %}`."""
    return access.may(user, action)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    """`errors|get_item:"withdraw.reason"`: a key with a dot in it."""
    return mapping.get(key, "") if isinstance(mapping, dict) else ""


@register.filter
def described(field: Any) -> str:
    """A form field's widget described by what portal/field.html shows beside it: its error list
    (`<id>-errors`, the id the pages and their tests name) and its help text (`<id>_helptext`).
    Django's own widget attributes point at `<id>_error`, an element only its default templates
    make: a screen reader would find nothing and read neither the error nor the help."""
    ids = [f"{field.auto_id}_helptext"] if field.help_text else []
    if field.errors:
        ids.append(f"{field.auto_id}-errors")
    return field.as_widget(attrs={"aria-describedby": " ".join(ids)} if ids else None)


@register.filter
def result_label(name: str) -> str:
    from cases.results import result_label

    return result_label(name)


@register.filter
def result_items(result: dict[str, Any] | None) -> list[tuple[str, Any]]:
    """A step's result as (field, value), in its procedure's order."""
    from cases.results import result_items

    return result_items(result)


@register.filter
def vnd(amount: int | None) -> str:
    """25000000 → "25.000.000" (rules.vnd); "" for anything that is not an amount."""
    return rules.vnd(amount) if isinstance(amount, int) else ""


AMOUNTS = ("amount_vnd", "amount_rule_vnd")  # shown with dots and the unit: 10.000.000 đồng


@register.filter
def shown(value: Any, name: str) -> Any:
    """A result or dossier value as people read it (dates dd/mm/yyyy, amounts with dots and the
    unit, as the dossier's other amounts: 10.000.000 đồng)."""
    from cases.forms import shown_value

    if name in AMOUNTS:
        return f"{vnd(value)} đồng" if isinstance(value, int) else ""
    return shown_value(name, value)


@register.filter
def document_names(names: Any) -> list[str]:
    """A scanned document's name, or a list of them, in the page's language."""
    from cases.forms import document_name

    return [document_name(name) for name in names] if isinstance(names, list) else [document_name(str(names))]


@register.simple_tag
def filter_fields(listed: Any) -> str:
    """A list page's filters (a django-filter FilterSet), each a label and its widget: rendered once
    per process for each set of filters, language and choice of values, and kept a minute (the
    procedures' dropdown reads its rows). Every desk and queue page showed them; building the form
    and rendering its dropdowns cost as much as the page's 50 rows."""
    data = listed.data if isinstance(listed.data, QueryDict) else QueryDict()
    chosen = tuple((name, tuple(data.getlist(name))) for name in listed.filters if name in data)
    return _filter_fields(type(listed), chosen, get_language(), cache_period())  # type: ignore[arg-type]


@functools.lru_cache(maxsize=512)
def _filter_fields(filters: Any, chosen: tuple[tuple[str, tuple[str, ...]], ...], _language: str, _period: int) -> str:
    data = QueryDict(mutable=True)
    for name, values in chosen:
        data.setlist(name, list(values))
    form = filters(data, queryset=filters._meta.model.objects.none()).form
    return format_html_join(
        "\n", '<div class="filter"><label for="{}">{}</label>{}</div>', ((f.id_for_label, f.label, f) for f in form)
    )
