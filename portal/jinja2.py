"""The Jinja2 environment of the few templates that render a list's rows (jinja2/): Django's
template engine spent most of a 50-row page resolving each row's variables and tags; Jinja2
compiles a template to Python and renders the same rows several times faster (bench/cpu.py,
docs/benchmarks.md). The pages around the rows stay Django templates; `{% rows %}` (cases_tags)
renders the rows in them. Messages are Django's (`_()` is its gettext, so makemessages finds
`_("…")` in these files as in any template), and so are the helpers the rows need."""

from __future__ import annotations

import datetime
from typing import Any

from django.forms import renderers
from django.template import TemplateDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from jinja2 import ChainableUndefined, Environment


def day(value: datetime.date | None) -> str:
    """`{{ value|day }}`: 31/12/2026, as `|date:"d/m/Y"` (empty for none)."""
    return value.strftime("%d/%m/%Y") if value else ""


def minute(value: datetime.datetime | None) -> str:
    """`{{ value|minute }}`: 31/12/2026 14:05 in the portal's time zone, as `|date:"d/m/Y H:i"`."""
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def environment(**options: Any) -> Environment:
    from cases.templatetags.cases_tags import countdown, row_url

    # A missing key or attribute shows as nothing, as in Django's templates.
    options = {name: value for name, value in options.items() if name not in ("autoescape", "extensions", "undefined")}
    env = Environment(autoescape=True, extensions=["jinja2.ext.i18n"], undefined=ChainableUndefined, **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=False)  # type: ignore[attr-defined]
    env.globals.update(row_url=row_url, countdown=countdown)
    env.filters.update(day=day, minute=minute)
    return env


class FormRenderer(renderers.Jinja2):
    """Form widgets through Django's own Jinja2 templates for them (the list pages' filters: a
    dropdown renders a template per option, several times faster so); a widget template that only
    Django's engine has (the admin's) through that engine."""

    fallback = renderers.DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
