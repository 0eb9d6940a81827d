"""The queue and a new bundle are answered from rows (cases.api.rows), not through their
serializers: each answer is exactly what its serializer, the published contract, would give."""

import pytest
from django.db.models import Prefetch

from cases.api.serializers import BundleSerializer, QueueStepSerializer
from cases.api.views import _bundles_with_steps
from cases.choices import StepState
from cases.models import OPEN, Bundle, Step
from tests.cases.api.test_steps import BIRTH_RESULT, filed, step
from tests.cases.conftest import birth, death

pytestmark = pytest.mark.django_db


def _serialized_queue(officer):
    """The queue page as QueueStepSerializer gives it, from model instances."""
    done = Step.objects.filter(state=StepState.DONE)
    steps = (
        Step.objects.filter(OPEN, office=officer.office_id)
        .order_by("due_date", "pk")
        .select_related("bundle__commune", "procedure", "office", "claimant__office")
        .prefetch_related("procedure__requires", Prefetch("bundle__steps", done))
    )
    return QueueStepSerializer(steps, many=True).data


def test_the_queue_answers_what_its_serializer_would(api, integration, officer):
    first, second = filed(api, integration), filed(api, integration, birth(child__birth_certificate_number="GCS-2"))
    filed(api, integration, death(commune="16690"))
    justice = officer("civil_status")
    api(justice).post(
        f"/api/v1/steps/{step(first, 'birth_registration').pk}/complete/", {"result": BIRTH_RESULT}, format="json"
    )
    api(justice).post(f"/api/v1/steps/{step(second, 'birth_registration').pk}/claim/")
    police = officer("residence")
    api(police).post(f"/api/v1/steps/{step(first, 'permanent_residence').pk}/claim/")

    for person, expected_rows in ((justice, 2), (police, 1)):
        rows = api(person).get("/api/v1/queue/").json()["results"]

        assert len(rows) == expected_rows
        assert rows == _serialized_queue(person)


def test_a_new_bundle_is_answered_as_its_serializer_would_read_it_back(api, integration):
    for data in (birth(), death()):
        response = api(integration).post("/api/v1/bundles/", data, format="json")

        assert response.status_code == 201
        bundle = _bundles_with_steps(Bundle.objects.filter(code=response.json()["code"])).get()
        assert response.json() == BundleSerializer(bundle).data
