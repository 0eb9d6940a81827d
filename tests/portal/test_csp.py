"""Issue 11 §3 (hardening): every page carries the Content-Security-Policy; only the API docs page
(Swagger UI) widens style-src, and its start-up script is a file of its own."""

from django.test import Client

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def directives(header: str) -> dict[str, str]:
    """The header's directives by name (django-csp writes them in no fixed order)."""
    pairs = [part.strip().split(" ", 1) for part in header.split(";")]
    assert len(pairs) == len({name for name, _ in pairs})
    return dict(pairs)


def test_a_page_carries_the_policy_with_its_exact_directives(db):
    response = Client().get("/accounts/login/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


def test_the_api_docs_page_allows_inline_styles_only_and_no_inline_script(db, make_user):
    client = Client()
    client.force_login(make_user("clerk"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY | {"style-src": "'self' 'unsafe-inline'"}
    assert b'<script src="/api/docs/?script=">' in response.content
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
