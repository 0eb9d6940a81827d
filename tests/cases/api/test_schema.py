"""Issue 11 §4: the schema at /api/schema/ tells the truth (`make fuzz` checks it against a live
server with schemathesis; these are the cheap checks of what it found, in the normal suite)."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def parameter(schema, path, name, method="get"):
    return next(p for p in schema["paths"][path][method]["parameters"] if p["name"] == name)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)  # raises on an invalid document


def test_fields_that_can_be_null_say_so(schema):
    components = schema["components"]["schemas"]

    assert components["Unit"]["properties"]["parent"]["nullable"] is True
    for name in ("actor", "office", "step"):
        assert components["Event"]["properties"][name]["nullable"] is True
    for name in ("claimant", "claimant_name", "supplement_deadline"):
        assert components["QueueStep"]["properties"][name]["nullable"] is True


def test_filters_declare_their_types(schema):
    date = {"anyOf": [{"type": "string", "format": "date"}, {"type": "string", "enum": [""]}]}

    assert parameter(schema, "/api/v1/units/", "on")["schema"] == date
    assert parameter(schema, "/api/v1/reports/sla/", "from")["schema"] == date
    assert parameter(schema, "/api/v1/queue/", "state")["schema"]["enum"] == ["", "in_progress", "ready", "returned"]
    assert parameter(schema, "/api/v1/bundles/", "channel")["schema"]["enum"] == ["", "direct", "online", "postal"]
    assert parameter(schema, "/api/v1/bundles/", "overdue")["schema"] == {"type": "boolean"}
    assert parameter(schema, "/api/v1/reports/online-rate/", "remap")["schema"] == {"type": "boolean"}
    assert parameter(schema, "/api/v1/queue/", "page_size")["schema"] == {"type": "integer", "minimum": 1}
    assert schema["components"]["schemas"]["Reason"]["properties"]["reason"]["minLength"] == 1


def test_every_operation_documents_its_error_responses(schema):
    def codes(path, method):
        return sorted(code for code in schema["paths"][path][method]["responses"] if code >= "400")

    assert codes("/api/v1/steps/{id}/claim/", "post") == ["400", "401", "403", "404", "409", "503"]
    assert codes("/api/v1/bundles/", "get") == ["400", "401", "403", "404", "503"]
    assert codes("/api/v1/bundles/", "post") == ["400", "401", "403", "409", "413", "503"]
    assert codes("/api/v1/track/{code}/", "get") == ["400", "404", "429", "503"]
    assert codes("/api/v1/track/{code}/", "post") == ["400", "404", "413", "429", "503"]
    assert codes("/api/v1/auth/token/", "post") == ["400", "413", "429", "503"]
    assert codes("/api/v1/auth/token/", "delete") == ["401", "403", "409", "503"]
    error = schema["paths"]["/api/v1/queue/"]["get"]["responses"]["400"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ValidationError"}
    assert schema["components"]["schemas"]["ValidationError"]["required"] == ["detail"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/queue/?page_size=null", "page_size"),
        ("/api/v1/queue/?page_size=0", "page_size"),
        ("/api/v1/queue/?page_size=", "page_size"),
        ("/api/v1/reports/online-rate/?remap=null", "remap"),
        ("/api/v1/reports/online-rate/?pilot_first=yes", "pilot_first"),
        ("/api/v1/reports/online-rate/?level=province", "level"),
        ("/api/v1/reports/sla/?from=2026-13-01", "from"),
        ("/api/v1/reports/sla/?to=yesterday", "to"),
        ("/api/v1/reports/sla/?to=20260301", "to"),
        ("/api/v1/units/?on=tomorrow", "on"),
        ("/api/v1/units/?level=hamlet", "level"),
        ("/api/v1/bundles/?state=lost", "state"),
        ("/api/v1/bundles/?overdue=1", "overdue"),
    ],
)
def test_input_the_schema_forbids_is_refused_naming_the_parameter(api, make_user, url, field):
    response = api(make_user("provincial")).get(url, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


@pytest.mark.parametrize(
    "url", ["/api/v1/bundles/?state=&kind=&channel=&commune=&overdue=", "/api/v1/reports/sla/?unit=&from=&to="]
)
def test_empty_filters_still_mean_no_filter(api, make_user, url):
    assert api(make_user("provincial")).get(url).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/steps/abc/claim/", "/api/v1/steps/k%0A/claim/"])
def test_an_api_address_that_matches_nothing_answers_json(api, make_user, path):
    response = api(make_user("provincial")).post(path, HTTP_ACCEPT_LANGUAGE="en")

    assert (response.status_code, response["Content-Type"], response.json()) == (
        404,
        "application/json",
        {"detail": "Not found."},
    )
