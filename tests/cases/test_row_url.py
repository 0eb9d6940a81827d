"""`row_url` (cases_tags) gives exactly what `{% url %}` gives, from a URL reversed once."""

from django.urls import reverse

from cases.templatetags.cases_tags import row_url


def test_a_rows_link_is_the_url_django_reverses():
    for name, key, fixed in (
        ("cases:bundle", "KS-40-2026-000123", ()),
        ("cases:step", 7, ()),
        ("cases:queue-act", 2147, ("claim",)),
        ("cases:queue-act", 12, ("release",)),
    ):
        assert row_url(name, key, *fixed) == reverse(name, args=[key, *fixed])
