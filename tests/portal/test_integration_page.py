"""Issue 26 §7.6: /integration/ shows a partner its API token's state (never the token), its
webhooks and its recent deliveries, its own only, at a fixed number of queries."""

import datetime
import re

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from agencies.choices import UserRole
from cases import services
from cases.api.serializers import BundleCreateSerializer
from outbound.models import Attempt, Delivery, DeliveryState, Subscription, Target
from tests.cases.conftest import birth

pytestmark = pytest.mark.django_db

ISSUED = datetime.datetime(2026, 3, 2, 2, 0, tzinfo=datetime.UTC)  # 09:00 in Vietnam
# The user (the session is in the cache), the token, the webhooks, the deliveries with their last attempt.
INTEGRATION_PAGE_QUERIES = 4


@pytest.fixture
def partner(make_user):
    return make_user(UserRole.INTEGRATION, username="partner-a")


@pytest.fixture
def other(make_user):
    return make_user(UserRole.INTEGRATION, username="partner-b")


def filed(client_user):
    serializer = BundleCreateSerializer(data=birth(channel="online", received_at=None))
    assert serializer.is_valid(), serializer.errors
    return services.bundle_file(user=client_user, data=serializer.validated_data)[0]


def delivery(subscription, bundle, position, minutes, event="received", **fields):
    at = ISSUED + datetime.timedelta(minutes=minutes)
    return Delivery.objects.create(
        target=Target.WEBHOOK, subscription=subscription, bundle=bundle, event=event, position=position,
        payload={}, created_at=at, **fields,
    )  # fmt: skip


def rows(page: str, table: str) -> list[list[str]]:
    body = page.split(f'id="{table}"')[1].split("</table>")[0].split("<tbody>")[1]
    return [
        [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def test_a_partner_sees_its_tokens_state_its_webhooks_and_its_deliveries_only(client, partner, other, settings):
    settings.API_TOKEN_LIFETIME = 30
    with time_machine.travel(ISSUED, tick=False):
        token = Token.objects.create(user=partner)
        Token.objects.create(user=other)
    bundle = filed(partner)
    hook = Subscription.objects.create(
        client=partner, url="https://a.example/hook", events=["*"], secret="s-a", previous_secret="s-old",
        previous_secret_until=ISSUED + datetime.timedelta(days=4),
    )  # fmt: skip
    off = Subscription.objects.create(
        client=partner, url="https://a.example/old", events=["bundle.filed", "step.done"], secret="s-a2",
        active=False, failures=12, disabled_at=ISSUED, disabled_reason="HTTP 500 mười hai lần liền",
    )  # fmt: skip
    theirs = Subscription.objects.create(client=other, url="https://b.example/secret-hook", events=["*"], secret="s-b")
    sent = delivery(hook, bundle, 1, 5, state=DeliveryState.DELIVERED, attempts=1, delivered_at=ISSUED)
    Attempt.objects.create(delivery=sent, at=ISSUED + datetime.timedelta(minutes=5), status_code=200)
    failing = delivery(off, bundle, 2, 10, attempts=2, last_error="HTTP 500")
    Attempt.objects.create(delivery=failing, at=ISSUED + datetime.timedelta(minutes=10), status_code=503)
    Attempt.objects.create(delivery=failing, at=ISSUED + datetime.timedelta(minutes=11), status_code=500)
    delivery(theirs, bundle, 3, 15, attempts=1)
    client.force_login(partner)

    with time_machine.travel(ISSUED + datetime.timedelta(days=3), tick=False):
        page = client.get("/integration/").content.decode()

    assert token.key not in page and "s-a" not in page and "s-old" not in page and "b.example" not in page
    assert re.search(r'<p class="token-state valid">([^<]+)</p>', page).group(1) == (
        "Mã truy cập API cấp lúc 09:00 02/03/2026, còn hiệu lực đến 09:00 01/04/2026."
    )
    assert rows(page, "webhooks") == [
        ["https://a.example/hook", "mọi sự kiện",
         "Đang bật Đang thay khóa bí mật: khóa cũ vẫn ký đến 09:00 06/03/2026.", "0"],
        ["https://a.example/old", "bundle.filed, step.done", "Đã tắt lúc 09:00 02/03/2026: HTTP 500 mười hai lần liền",
         "12"],
    ]  # fmt: skip
    assert rows(page, "deliveries") == [
        ["02/03/2026 09:10", "Tiếp nhận dossier.received", bundle.code, "https://a.example/old", "Chờ gửi", "2",
         "HTTP 500"],
        ["02/03/2026 09:05", "Tiếp nhận dossier.received", bundle.code, "https://a.example/hook", "Đã gửi", "1",
         "HTTP 200"],
    ]  # fmt: skip
    assert f'<span class="code">{bundle.code}</span>' in page  # never broken over lines


REFUSED_CONNECTION = (
    "ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9399): Max retries exceeded with url: /hook "
    "(Caused by NewConnectionError('<urllib3.connection.HTTPConnection object>: Failed to establish a new "
    "connection: [Errno 111] Connection refused'))"
)


def test_a_delivery_reads_as_the_portals_labels_and_a_failed_try_as_a_sentence(client, partner):
    bundle = filed(partner)
    hook = Subscription.objects.create(client=partner, url="http://127.0.0.1:9399/hook", events=["*"], secret="s")
    for minutes, (event, error) in enumerate(
        [
            ("in_progress", REFUSED_CONNECTION),
            ("step_done", "ReadTimeout: HTTPConnectionPool(host='127.0.0.1', port=9399): Read timed out."),
            ("handed_over", "Địa chỉ webhook phải là một địa chỉ công khai."),
        ]
    ):
        sent = delivery(hook, bundle, minutes, minutes, event=event, attempts=1, last_error=error)
        Attempt.objects.create(delivery=sent, at=ISSUED + datetime.timedelta(minutes=minutes), error=error)
    client.force_login(partner)

    page = client.get("/integration/").content.decode()

    assert [(row[1], row[6]) for row in rows(page, "deliveries")] == [
        ("Đã trả kết quả dossier.handed_over", "Địa chỉ webhook phải là một địa chỉ công khai."),
        ("Đã hoàn thành dossier.step_done", "Địa chỉ webhook không trả lời kịp Chi tiết kỹ thuật ReadTimeout: "
         "HTTPConnectionPool(host=&#x27;127.0.0.1&#x27;, port=9399): Read timed out."),
        ("Đang giải quyết dossier.in_progress", "Không kết nối được tới địa chỉ webhook Chi tiết kỹ thuật "
         + re.sub(r"\s+", " ", REFUSED_CONNECTION.replace("'", "&#x27;").replace("<", "&lt;").replace(">", "&gt;"))),
    ]  # fmt: skip
    assert '<details class="technical"><summary>Chi tiết kỹ thuật</summary><code>ConnectionError: ' in page


def test_the_other_partner_sees_only_its_own(client, partner, other):
    bundle = filed(partner)
    mine = Subscription.objects.create(client=partner, url="https://a.example/hook", events=["*"], secret="s-a")
    delivery(mine, bundle, 1, 5)
    client.force_login(other)

    page = client.get("/integration/").content.decode()

    assert "a.example" not in page and bundle.code not in page
    assert re.search(r'<p class="token-state none">([^<]+)</p>', page).group(1) == (
        "Chưa có mã truy cập API: lấy mã bằng POST /api/v1/auth/token/ (tên đăng nhập và mật khẩu)."
    )
    assert rows(page, "webhooks") == [["Chưa có webhook: đăng ký bằng POST /api/v1/webhooks/."]]
    assert rows(page, "deliveries") == [["Chưa có lần gửi nào."]]


def test_an_expired_token_says_so(client, partner, settings):
    settings.API_TOKEN_LIFETIME = 30
    with time_machine.travel(ISSUED, tick=False):
        Token.objects.create(user=partner)
    client.force_login(partner)

    with time_machine.travel(ISSUED + datetime.timedelta(days=31), tick=False):
        page = client.get("/integration/").content.decode()

    assert re.search(r'<p class="token-state expired">([^<]+)</p>', page).group(1) == (
        "Mã truy cập API đã hết hạn lúc 09:00 01/04/2026: lấy mã mới bằng POST /api/v1/auth/token/."
    )


def test_the_page_costs_the_same_queries_for_one_webhook_and_delivery_or_many(
    client, partner, django_assert_num_queries
):
    Token.objects.create(user=partner)
    bundle = filed(partner)
    first = Subscription.objects.create(client=partner, url="https://a.example/1", events=["*"], secret="s")
    Attempt.objects.create(delivery=delivery(first, bundle, 1, 1, attempts=1), status_code=200)
    client.force_login(partner)
    with django_assert_num_queries(INTEGRATION_PAGE_QUERIES):
        assert client.get("/integration/").status_code == 200

    for n in range(2, 6):
        hook = Subscription.objects.create(client=partner, url=f"https://a.example/{n}", events=["*"], secret="s")
        for position in range(3):
            Attempt.objects.create(delivery=delivery(hook, bundle, n * 10 + position, n, attempts=1), status_code=500)

    with django_assert_num_queries(INTEGRATION_PAGE_QUERIES):
        page = client.get("/integration/").content.decode()
    assert len(rows(page, "webhooks")) == 5 and len(rows(page, "deliveries")) == 13
