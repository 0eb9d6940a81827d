"""File a few demo dossiers for Phường Trường Vinh (16690) through the services, at different
points of their way: just filed, half done, completed, awaiting documents, and on each rung of the
escalation ladder (due today, overdue, overdue for days and never taken up by the desk), whose
notices the ladder's beat then writes. Does nothing when the commune already has dossiers. Run
after seed_demo."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.models import User
from cases import rules, services
from cases.api.serializers import BundleCreateSerializer
from cases.models import Bundle, Event, Step

COMMUNE = "16690"


def _typed(data: dict[str, Any]) -> dict[str, Any]:
    serializer = BundleCreateSerializer(data=data)
    if not serializer.is_valid():
        raise CommandError(f"demo dossier refused: {serializer.errors}")
    return dict(serializer.validated_data)


def _birth(n: int, child: str, procedures: list[str], channel: str = "direct") -> dict[str, Any]:
    born = timezone.localdate() - datetime.timedelta(days=5 + n)
    data: dict[str, Any] = {
        "kind": "birth", "procedures": procedures, "channel": channel, "commune": COMMUNE,
        "applicant": {"full_name": "Nguyễn Thị Lan", "id_number": "040195001234", "relationship": "mẹ",
                      "phone": "0912345678"},
        "child": {"full_name": child, "sex": "female", "date_of_birth": born.isoformat(),
                  "place_of_birth": "Bệnh viện Sản Nhi Nghệ An", "birth_certificate_number": f"DEMO-CS-{n}"},
        "mother": {"full_name": "Nguyễn Thị Lan", "date_of_birth": "1995-05-01", "id_number": "040195001234"},
    }  # fmt: skip
    if "permanent_residence" in procedures:
        data["residence"] = {
            "address": "Số 5, đường Lê Hồng Phong", "household_head_consent": True, "owner_consent": True,
            "household_head": {"full_name": "Trần Văn Bình", "id_number": "040093005678",
                               "relationship_to_child": "cha"},
        }  # fmt: skip
    if "health_insurance_card" in procedures:
        data["insurance"] = {"initial_clinic": "Trạm y tế phường Trường Vinh"}
    return data


def _death(deceased: str, id_number: str, born: str) -> dict[str, Any]:
    died = timezone.localdate() - datetime.timedelta(days=4)
    return {
        "kind": "death", "channel": "direct", "commune": COMMUNE, "funeral_category": "social_protection",
        "procedures": ["death_registration", "residence_deregistration", "funeral_allowance"],
        "applicant": {"full_name": "Lê Văn Hùng", "id_number": "040080004321", "relationship": "con"},
        "deceased": {"full_name": deceased, "sex": "male", "date_of_birth": born, "id_number": id_number,
                     "date_of_death": died.isoformat(), "place_of_death": "Tại nhà",
                     "last_residence": "Số 9, phường Trường Vinh"},
        "death_notice": {"number": f"BT-{id_number[-4:]}", "issuer": "Trạm y tế phường Trường Vinh",
                         "date": died.isoformat()},
    }  # fmt: skip


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args: object, **options: object) -> None:
        if Bundle.objects.filter(commune__code=COMMUNE).exists():
            self.stdout.write("Demo dossiers already there.")
            return
        try:
            clerk = User.objects.get(username=f"clerk.{COMMUNE}")
            portal = User.objects.get(username="portal.integration")  # online dossiers come from the portal
            officers = {role: User.objects.get(username=f"{role}.{COMMUNE}") for role in
                        ("civil_status", "residence", "social_insurance", "social_protection")}  # fmt: skip
        except User.DoesNotExist:
            raise CommandError("Run 'manage.py seed_demo --password ...' first.") from None
        birth_all = ["birth_registration", "permanent_residence", "health_insurance_card"]

        def file(data: dict[str, Any]) -> Bundle:
            return services.bundle_file(user=portal if data["channel"] == "online" else clerk, data=_typed(data))[0]

        def done(bundle: Bundle, procedure: str, result: dict[str, Any]) -> Step:
            step = bundle.steps.get(procedure_id=procedure)
            return services.step_complete(user=officers[step.agency_role], step_pk=step.pk, result=result)

        def registered(bundle: Bundle) -> None:
            born = datetime.date.fromisoformat(bundle.data["child"]["date_of_birth"])
            result = {
                "register_number": f"{bundle.pk}/{born.year}",
                "personal_id_number": f"0403{born:%y}{bundle.pk % 1_000_000:06d}",  # 12 digits, whatever the key
            }
            done(bundle, "birth_registration", result)

        file(_birth(1, "Trần Minh An", birth_all))
        file(_birth(2, "Hồ Ngọc Ánh", birth_all, channel="online"))
        half = file(_birth(3, "Phạm Gia Huy", ["birth_registration", "health_insurance_card"]))
        registered(half)
        completed = file(_birth(4, "Đặng Thu Hà", ["birth_registration", "permanent_residence"]))
        registered(completed)
        done(completed, "permanent_residence", {"registration_number": "TT-DEMO-04"})
        waiting = file(_death("Lê Văn Tâm", "040050009876", "1950-04-12"))
        done(waiting, "death_registration", {"register_number": f"{waiting.pk}/KT"})
        returned = waiting.steps.get(procedure_id="residence_deregistration")
        services.step_return(
            user=officers["residence"],
            step_pk=returned.pk,
            reason="Thiếu bản chính giấy báo tử",
            missing_documents=["Giấy báo tử hoặc giấy tờ thay thế"],
        )
        # The ladder: a same-day step filed today is due today (rung 1, "Trần Minh An" above); one
        # a partner received two working days ago is overdue, claimed just now (rung 2); one received
        # four working days ago, untouched since, has been overdue for days (rung 3): its trail is
        # dated to its receipt, as if it had been filed then.
        calendar, today = rules.calendar(), timezone.localdate()
        two_ago = calendar.previous_working_day(calendar.previous_working_day(today))
        four_ago = calendar.previous_working_day(calendar.previous_working_day(two_ago))

        def received(day: datetime.date, n: int, child: str) -> Bundle:
            data = {**_birth(n, child, birth_all, channel="online"), "received_at": calendar.opening(day).isoformat()}
            return services.bundle_file(user=portal, data=_typed(data))[0]

        overdue = received(two_ago, 6, "Lê Gia Bảo")
        services.step_claim(
            user=officers["civil_status"], step_pk=overdue.steps.get(procedure_id="birth_registration").pk
        )
        forgotten = received(four_ago, 7, "Nguyễn Khánh Linh")
        Event.objects.filter(bundle=forgotten).update(at=forgotten.received_at)
        services.ladder_climb(now=timezone.now())
        self.stdout.write(f"Filed {Bundle.objects.filter(commune__code=COMMUNE).count()} demo dossiers for {COMMUNE}.")
