"""The administration of what goes out and of signing: every list opens, at the same cost for one
row or many; the dead-letter list's action sends a given-up delivery again, in its place."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbound.models import Delivery, DeliveryState
from tests.outbound.test_national import filed, synced, work

pytestmark = pytest.mark.django_db
LISTS = [
    "/admin/outbound/delivery/",
    "/admin/outbound/delivery/?state__exact=dead",
    "/admin/outbound/subscription/",
    "/admin/outbound/nationalstate/",
    "/admin/signing/signingkey/",
    "/admin/signing/issueddocument/",
    "/admin/signing/signingrule/",
    "/admin/cases/extract/",
    "/admin/reporting/reportschedule/",
]


def cost(admin_client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert admin_client.get(path).status_code == 200, path
    return len(queries)


def test_every_list_opens_at_the_same_cost_for_one_row_or_many(admin_client, api, integration, national):
    national.start()
    filed(api, integration)
    work()
    one = {path: cost(admin_client, path) for path in LISTS}
    for number in range(1, 4):
        filed(api, integration, national_code=f"G22.99-260304-000{number + 1}",
              child__birth_certificate_number=f"GCS-{number}")  # fmt: skip
    work()

    assert Delivery.objects.count() == 8
    assert {path: cost(admin_client, path) for path in LISTS} == one


def test_the_dead_letter_action_sends_a_given_up_delivery_again(admin_client, api, integration, national, settings):
    national.start(DongBoHoSoMC=["http:500"])
    settings.OUTBOUND_GIVE_UP = 0.0
    filed(api, integration)
    work()
    dead = Delivery.objects.get(state=DeliveryState.DEAD)
    national.stop()
    national.start()

    page = admin_client.post(
        "/admin/outbound/delivery/", {"action": "replay", "_selected_action": [str(dead.pk)]}, follow=True
    )
    work()

    assert "Đã gửi lại 1 lần gửi." in page.content.decode()
    assert synced(national) == ["DA_TIEP_NHAN", "DANG_XU_LY"]
    assert Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 2
