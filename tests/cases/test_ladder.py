"""Issue 30 §1: the escalation ladder. A step nobody claimed in time, a step due today or on the
next working day, an overdue step, and an online dossier no clerk took up climb from the officer
(or the office) to the office's head to the province, on office hours of the legal calendar's
working days; each rung is told once, through the outbox, whatever the restarts and workers; a
head reassigns a step of the office; the province counts the rungs per office."""

import datetime
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from agencies.choices import UserRole
from agencies.models import User
from cases import ladder, rules, services
from cases.api.serializers import BundleCreateSerializer
from cases.choices import Action, StepState
from cases.models import Bundle, Escalation, Event, Notification, Outbox, Setting, Step
from cases.tasks import ladder_climb_task
from portal.errors import Forbidden, Invalid, NotFound
from tests.cases.conftest import at, birth
from tests.cases.test_notices import deliver_all

pytestmark = pytest.mark.django_db
BIRTH_RESULT = {"register_number": "KS-123/2026", "personal_id_number": "040326001122"}


@pytest.fixture
def desk(make_user):
    return make_user(UserRole.CLERK, commune="16690")


@pytest.fixture
def five_days():
    """The birth registration gets five working days, so that its due date is not the same day."""
    Setting.objects.filter(key="limit.step.birth_registration").update(value=5)
    rules.clear_cache()


@pytest.fixture
def head(make_user):
    return make_user(
        UserRole.OFFICER,
        agency_role="civil_status",
        username="truong-tu-phap",
        first_name="Thị Hồng",
        last_name="Lê",
        email="truong@tuphap.example.vn",
        heads_workplace=True,
    )


def file(user, when: datetime.datetime, n: int = 0, channel: str = "direct") -> Bundle:
    data = birth(received_at=None, child__birth_certificate_number=f"CS-{n}", channel=channel)
    serializer = BundleCreateSerializer(data=data)
    assert serializer.is_valid(), serializer.errors
    with time_machine.travel(when, tick=False):
        return services.bundle_file(user=user, data=serializer.validated_data)[0]


def first_step(bundle: Bundle) -> Step:
    return bundle.steps.get(procedure_id="birth_registration")


def climb(now: datetime.datetime) -> int:
    with time_machine.travel(now, tick=False):
        return services.ladder_climb(now=now)


def rungs(step: Step) -> list[tuple[int, str, datetime.datetime]]:
    return list(Escalation.objects.filter(step=step).order_by("rung").values_list("rung", "reason", "since"))


def test_an_unclaimed_step_climbs_a_rung_every_eight_office_hours(desk, five_days):
    step = first_step(file(desk, at(2026, 12, 7, 8)))  # Monday 08:00, due Friday

    assert step.due_date == datetime.date(2026, 12, 11)
    assert climb(at(2026, 12, 7, 9, 59)) == 0  # two office hours unclaimed: 10:00
    assert climb(at(2026, 12, 7, 10)) == 1
    assert climb(at(2026, 12, 8, 9, 59)) == 0  # 10:00-11:30 and 13:30-17:30 Monday, 07:30-09:59 Tuesday
    assert climb(at(2026, 12, 8, 10)) == 1
    assert climb(at(2026, 12, 9, 10)) == 1
    assert climb(at(2026, 12, 10, 10)) == 0  # the top rung

    since = at(2026, 12, 7, 10)
    assert rungs(step) == [(1, "unclaimed", since), (2, "unclaimed", since), (3, "unclaimed", since)]


def test_the_office_hours_skip_the_swapped_day_off_and_national_day(desk, five_days):
    # Friday 28/8/2026 16:00: 1.5 office hours that day; Monday 31/8 is the day swapped off for the
    # working Saturday 22/8, and 1-2/9 are National Day: the two hours end Thursday 3/9 08:00.
    step = first_step(file(desk, at(2026, 8, 28, 16)))

    assert climb(at(2026, 9, 2, 17)) == 0
    assert climb(at(2026, 9, 3, 7, 59)) == 0
    assert climb(at(2026, 9, 3, 8)) == 1
    assert rungs(step) == [(1, "unclaimed", at(2026, 9, 3, 8))]


def test_a_step_due_on_the_next_working_day_reaches_its_holder_and_an_overdue_one_the_head(desk, officer, five_days):
    step = first_step(file(desk, at(2026, 12, 7, 8)))
    services.step_claim(user=officer("civil_status"), step_pk=step.pk)  # moved at once: never unclaimed

    assert climb(at(2026, 12, 10, 7, 29)) == 0
    assert climb(at(2026, 12, 10, 7, 30)) == 1  # Thursday opens: due on the next working day
    assert climb(at(2026, 12, 11, 17)) == 0  # due today: still the holder's
    assert climb(at(2026, 12, 12, 9)) == 1  # Saturday: overdue, the head's
    assert climb(at(2026, 12, 14, 15, 29)) == 0  # Monday 07:30 + 8 office hours = 17:30
    assert climb(at(2026, 12, 14, 17, 30)) == 1

    assert [(rung, reason) for rung, reason, _since in rungs(step)] == [
        (1, "due_soon"),
        (2, "overdue"),
        (3, "overdue"),
    ]


def test_a_same_day_step_keeps_its_own_threshold_from_the_procedures_setting(desk, five_days):
    Setting.objects.create(key="ladder.unclaimed.birth_registration", value=3, valid_from=datetime.date(2026, 12, 1))
    Setting.objects.filter(key="ladder.unclaimed.birth_registration", valid_to=None).exclude(
        valid_from=datetime.date(2026, 12, 1)
    ).update(valid_to=datetime.date(2026, 11, 30))
    rules.clear_cache()
    step = first_step(file(desk, at(2026, 12, 7, 8)))

    assert climb(at(2026, 12, 7, 10)) == 0
    assert climb(at(2026, 12, 7, 11)) == 1
    assert rungs(step) == [(1, "unclaimed", at(2026, 12, 7, 11))]


def test_the_ladder_stops_when_the_step_moves(desk, officer, five_days):
    step = first_step(file(desk, at(2026, 12, 7, 8)))
    assert climb(at(2026, 12, 7, 10)) == 1
    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        services.step_claim(user=officer("civil_status"), step_pk=step.pk)

    assert climb(at(2026, 12, 9, 16)) == 0  # claimed, and due Friday: off the ladder
    with time_machine.travel(at(2026, 12, 9, 16), tick=False):
        step.refresh_from_db()
        assert (
            ladder.step_position(ladder.with_moved_at(Step.objects.filter(pk=step.pk)).get(), at(2026, 12, 9, 16))
            is None
        )
        services.step_complete(user=officer("civil_status"), step_pk=step.pk, result=BIRTH_RESULT)
    climb(at(2026, 12, 15, 16))  # the steps it opened climb on their own
    assert rungs(step) == [(1, "unclaimed", at(2026, 12, 7, 10))]


def test_each_rung_is_told_once_across_restarts_to_its_own_people(
    desk, officer, head, make_user, five_days, mailoutbox
):
    worker = officer("civil_status")
    User.objects.filter(pk=worker.pk).update(email="minh@tuphap.example.vn")
    make_user(UserRole.PROVINCIAL, username="so-tu-phap", email="so@nghean.example.vn")
    bundle = file(desk, at(2026, 12, 7, 8))
    deliver_all()
    step = first_step(bundle)
    before = Outbox.objects.count()

    with time_machine.travel(at(2026, 12, 9, 10), tick=False):
        assert ladder_climb_task.apply().get() == 3  # the beat was down: every rung at once
        assert ladder_climb_task.apply().get() == 0  # restarted: nothing twice
        deliver_all()
        assert ladder_climb_task.apply().get() == 0

    assert Outbox.objects.filter(topic="ladder.reached").count() == 3
    notices = Notification.objects.filter(outbox__topic="ladder.reached").order_by("outbox__payload__escalation")
    assert [n.recipient for n in notices] == [
        step.office.name,
        f"Lãnh đạo {step.office.name} (Lê Thị Hồng)",
        "Văn phòng UBND tỉnh Nghệ An",
    ]
    assert notices[0].message == (
        f"Hồ sơ {bundle.code}: Đăng ký khai sinh cần xử lý (chưa ai nhận xử lý) từ 10:00 07/12/2026. "
        "Đã báo: cán bộ đang giữ hồ sơ, hoặc cơ quan. Hạn 11/12/2026."
    )
    mails = Outbox.objects.filter(topic="notice.email", payload__topic="ladder.reached").order_by("pk")
    assert [m.payload["to"] for m in mails] == [
        "truong@tuphap.example.vn",  # rung 1: nobody holds it, so every officer of the office
        "minh@tuphap.example.vn",
        "truong@tuphap.example.vn",  # rung 2: the head
        "so@nghean.example.vn",  # rung 3: the province
    ]
    assert sorted(mail.to[0] for mail in mailoutbox if "cần đôn đốc" in mail.subject) == [
        "minh@tuphap.example.vn",
        "so@nghean.example.vn",
        "truong@tuphap.example.vn",
        "truong@tuphap.example.vn",
    ]
    assert Outbox.objects.count() == before + 7
    assert list(Event.objects.filter(step=step, action=Action.ESCALATED).values_list("data", flat=True)) == [
        {"rung": 1, "reason": "unclaimed"},
        {"rung": 2, "reason": "unclaimed"},
        {"rung": 3, "reason": "unclaimed"},
    ]


def test_rung_one_tells_the_officer_holding_the_step(desk, officer, five_days):
    worker = officer("civil_status")
    step = first_step(file(desk, at(2026, 12, 7, 8)))
    services.step_claim(user=worker, step_pk=step.pk)

    climb(at(2026, 12, 10, 8))
    deliver_all()

    [notice] = Notification.objects.filter(outbox__topic="ladder.reached")
    assert notice.recipient == worker.display_name


def test_an_online_dossier_no_clerk_took_up_climbs_at_the_desk_until_a_clerk_opens_it(
    desk, integration, client, five_days
):
    bundle = file(integration, at(2026, 12, 7, 8), channel="online")

    climb(at(2026, 12, 7, 13, 59))
    assert not Escalation.objects.filter(step=None).exists()
    climb(at(2026, 12, 7, 14))  # 08:00-11:30, then 13:30-14:00: four office hours
    deliver_all()
    [told] = Escalation.objects.filter(step=None)
    assert (told.bundle, told.rung, told.reason, told.since) == (bundle, 1, "unreceived", at(2026, 12, 7, 14))
    assert Notification.objects.get(outbox__topic="ladder.reached", step=None).recipient == (
        "Bộ phận một cửa phường Trường Vinh"
    )

    client.force_login(desk)
    assert client.get(f"/bundles/{bundle.code}/").status_code == 200
    climb(at(2026, 12, 10, 14))
    assert Escalation.objects.filter(step=None).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_climbing_at_once_tell_each_rung_once(transactional_db, make_user):
    call_command("load_reference_data", verbosity=0)
    Setting.objects.filter(key="limit.step.birth_registration").update(value=5)
    rules.clear_cache()
    desk = make_user(UserRole.CLERK, commune="16690")
    steps = [first_step(file(desk, at(2026, 12, 7, 8), n)) for n in range(3)]
    barrier = threading.Barrier(2)
    written: list[int] = []

    def work() -> None:
        try:
            barrier.wait()
            written.append(services.ladder_climb(now=at(2026, 12, 9, 10)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(written) == 9
    assert Escalation.objects.count() == 9
    assert Outbox.objects.filter(topic="ladder.reached").count() == 9
    assert [len(rungs(step)) for step in steps] == [3, 3, 3]


# --- The head's page and the reassign -------------------------------------------------------------


def test_a_head_gives_a_step_to_a_named_officer_of_the_office(desk, officer, head, five_days):
    worker = officer("civil_status")
    step = first_step(file(desk, at(2026, 12, 7, 8)))

    with time_machine.travel(at(2026, 12, 8, 9), tick=False):
        services.step_reassign(user=head, step_pk=step.pk, officer_pk=str(worker.pk))

    step.refresh_from_db()
    assert (step.state, step.claimant) == (StepState.IN_PROGRESS, worker)
    reassigned = Event.objects.get(step=step, action=Action.REASSIGNED)
    assert (reassigned.actor, reassigned.from_state, reassigned.to_state, reassigned.data) == (
        head,
        "ready",
        "in_progress",
        {"from": "", "to": worker.full_name},
    )
    # The climb starts again from the reassign: due Friday, so off the ladder until Thursday.
    assert climb(at(2026, 12, 9, 16)) == 0


def test_an_officer_who_does_not_head_the_office_may_not_reassign(desk, officer, make_user, five_days):
    worker = officer("civil_status")
    other = make_user(UserRole.OFFICER, agency_role="civil_status", username="second")
    step = first_step(file(desk, at(2026, 12, 7, 8)))

    with pytest.raises(Forbidden):
        services.step_reassign(user=worker, step_pk=step.pk, officer_pk=other.pk)

    step.refresh_from_db()
    assert (step.state, step.claimant) == (StepState.READY, None)
    assert not Event.objects.filter(action=Action.REASSIGNED).exists()


def test_a_head_may_not_give_a_step_to_an_officer_of_another_office_nor_reach_another_offices_step(
    desk, officer, head, make_user, five_days
):
    police = officer("residence")
    police_head = make_user(UserRole.OFFICER, agency_role="residence", username="truong-cong-an", heads_workplace=True)
    step = first_step(file(desk, at(2026, 12, 7, 8)))

    with pytest.raises(Invalid) as refused:
        services.step_reassign(user=head, step_pk=step.pk, officer_pk=police.pk)
    assert refused.value.errors == {
        "officer": [f"Cán bộ: hãy chọn một cán bộ của {step.office.name}."],
    }
    with pytest.raises(NotFound):
        services.step_reassign(user=police_head, step_pk=step.pk, officer_pk=police.pk)

    step.refresh_from_db()
    assert (step.state, step.claimant) == (StepState.READY, None)
    assert not Event.objects.filter(action=Action.REASSIGNED).exists()


def test_the_heads_page_shows_what_sits_where_and_reassigns_in_a_fixed_number_of_queries(
    client, desk, officer, head, five_days
):
    worker = officer("civil_status")

    def queries() -> int:
        with time_machine.travel(at(2026, 12, 9, 10), tick=False):
            client.force_login(head)
            client.get("/ladder/")  # the settings and the calendar, read once a minute
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/ladder/").status_code == 200
        return len(captured)

    first = first_step(file(desk, at(2026, 12, 7, 8), 1))
    one = queries()
    for n in range(2, 6):
        file(desk, at(2026, 12, 8, 8), n)
    climb(at(2026, 12, 9, 10))
    five = queries()
    assert one == five

    with time_machine.travel(at(2026, 12, 9, 10), tick=False):
        client.force_login(head)
        page = client.get("/ladder/").content.decode()
        assert page.count('class="code"') == 5
        assert "Bậc 3: Văn phòng cấp tỉnh" in page
        assert "10:00 07/12/2026" in page
        response = client.post(f"/ladder/{first.pk}/reassign/", {"officer": worker.pk})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.claimant == worker


def test_only_the_head_of_an_office_opens_its_ladder(client, officer, make_user):
    client.force_login(officer("civil_status"))
    assert client.get("/ladder/").status_code == 403
    client.force_login(make_user(UserRole.CLERK, heads_workplace=True, username="truong-mot-cua"))
    assert client.get("/ladder/").status_code == 403


def test_the_beat_reads_the_ladder_at_the_same_cost_for_one_step_or_many(desk, five_days):
    """Once every rung reached is told, another climb writes nothing, and reads what was told in
    the candidates' own query: the same number of queries for one step on the ladder or four."""
    file(desk, at(2026, 12, 7, 8))
    climb(at(2026, 12, 10, 9))

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert climb(at(2026, 12, 10, 9)) == 0
        return len(queries)

    one = cost()
    for n in range(1, 4):
        file(desk, at(2026, 12, 7, 8), n=n)
    climb(at(2026, 12, 10, 9))

    assert Escalation.objects.filter(step__isnull=False).values("step").distinct().count() == 4
    assert cost() == one
