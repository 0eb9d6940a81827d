"""Dates on the pages: typed and shown as dd/mm/yyyy whatever the browser's locale (a text field,
not <input type=date>); ISO is still taken. The API keeps ISO dates: the pages convert at their edge."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django import forms
from django.utils.translation import gettext

DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
# Written as dd/mm/yyyy: what does not parse then is a day that does not exist (31/02), not a bad format.
DD_MM_YYYY = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


def date_widget() -> forms.TextInput:
    return forms.TextInput(
        attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off", "class": "date"}
    )


def parse_date(raw: Any) -> datetime.date | None:
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd), else None."""
    for format_ in DATE_INPUT_FORMATS:
        try:
            return datetime.datetime.strptime(str(raw).strip(), format_).date()
        except ValueError:
            continue
    return None


def shown_date(value: Any) -> str:
    """An ISO date as the page shows it (dd/mm/yyyy); anything else as it is."""
    day = as_date(value) if isinstance(value, str) and len(value) == 10 else None
    return day.strftime("%d/%m/%Y") if day else str(value)


def bad_date(label: Any = None, raw: Any = "") -> str:
    """The refusal of a date that does not parse, naming the field; without a label for a page
    that shows it under the field and names the field in its error summary already. A date typed
    as dd/mm/yyyy that does not parse is a day that does not exist: that is what it is told."""
    value = str(raw or "").strip()
    if DD_MM_YYYY.fullmatch(value):
        if label is None:
            return gettext("%(value)s is not a real date: check the day and the month.") % {"value": value}
        return gettext("%(field)s: %(value)s is not a real date: check the day and the month.") % {
            "field": label,
            "value": value,
        }
    if label is None:
        return gettext("Enter the date as dd/mm/yyyy, for example 20/02/2026.")
    return gettext("%(field)s: enter the date as dd/mm/yyyy, for example 20/02/2026.") % {"field": label}


def outside_window(first: datetime.date, last: datetime.date, label: Any = None) -> str:
    """The refusal of a date outside the days a search or a report may span, naming the field
    when a label is given (the pages; the API names it by its key)."""
    days = {"first": first.strftime("%d/%m/%Y"), "last": last.strftime("%d/%m/%Y")}
    if label is None:
        return gettext("Choose a day from %(first)s to %(last)s.") % days
    return gettext("%(field)s: choose a day from %(first)s to %(last)s.") % {"field": label, **days}


def as_date(value: Any) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None
