"""Seed N bundles (default 1,000,000) with their steps into the database DATABASE_URL names, with
PostgreSQL's COPY, spread over the communes of Nghệ An and Hà Tĩnh as they are today, or with
PROVINCES=34 over the whole country's 34 provinces (provinces_add), or with COMMUNE=<code> all in
that one commune, and with AT_DESK="60,20" that many in progress and results waiting whatever the
history (bench/counts.py: the desk's counts for a commune of 1,000 and of 100,000 dossiers).

Run through bench/run.sh, which prepares the database first. Most bundles are finished (filed over
the past two years); about 2% are still open, so each office has a queue of a few dozen steps.
The results of those finished more than a week ago have been handed over; the newer ones wait at
the desk. Each commune's tally of dossiers received (CommuneTally) is counted again at the end.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from agencies.models import AdministrativeUnit, Jurisdiction, Office, User  # noqa: E402
from cases import kinds  # noqa: E402
from cases.identity import bundle_search_text  # noqa: E402
from cases.kinds.death import FuneralCategory  # noqa: E402
from cases.models import Bundle, BundleVariant, Procedure  # noqa: E402

FAMILIES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
GIVEN = ["Văn An", "Thị Lan", "Minh Đức", "Thị Hoa", "Quang Huy", "Thu Hà", "Đức Thắng", "Ngọc Ánh", "Văn Hùng"]

BUNDLE_COLUMNS = (
    "id, code, kind, variant_id, channel, commune_id, received_at, clock_starts_on, due_date, needs_verification, "
    "category, state, data, applicant_id_last4, duplicate_key, "
    "late_registration, filed_by_id, finished_at, search_text, id_numbers, applicant_id_number, source, "
    "national_code, national_procedure_code, handed_over_at"
)
STEP_COLUMNS = (
    "bundle_id, procedure_id, agency_role, office_id, state, clock_starts_on, due_date, result, reason, "
    "missing_documents, handed_off_at, finished_at"
)
CHUNK = 500_000  # bundles per pair of COPYs: the steps of a chunk are held in memory
TABLES = ["cases_bundle", "cases_step"]


def secondary_indexes(cursor) -> list[tuple[str, str]]:
    """(name, definition) of the tables' indexes that back no constraint: dropped while loading and
    built again after, which is several times faster than keeping them up to date row by row."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
        " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT EXISTS"
        " (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [TABLES],
    )
    return cursor.fetchall()


def provinces_add(count: int, today: datetime.date) -> None:
    """The country at 34 provinces (the 2025 structure) for the benchmark at national scale: the
    portal's reference data holds Nghệ An and Hà Tĩnh only, so the others are copies of them (their
    communes, offices and jurisdictions) under made-up codes: provinces 60, 61, …, communes 50000,
    51000, …. Nothing is made when they exist already."""
    real = list(AdministrativeUnit.objects.valid_on(today).filter(level="province").order_by("code"))
    if count <= len(real) or AdministrativeUnit.objects.filter(code="60").exists():
        return
    served = Jurisdiction.objects.valid_on(today).filter(unit__parent__in=real).select_related("office", "unit")
    for n in range(count - len(real)):
        source = real[n % len(real)]
        province = AdministrativeUnit.objects.create(
            code=str(60 + n), name=f"Tỉnh mẫu {n + 1}", type=source.type, level=source.level,
            valid_from=source.valid_from, source="bench/seed.py",
        )  # fmt: skip
        rows = [j for j in served if j.unit.parent_id == source.pk]
        originals = sorted({j.unit for j in rows}, key=lambda unit: unit.code)
        communes = dict(zip(originals, AdministrativeUnit.objects.bulk_create([
            AdministrativeUnit(code=f"{(50 + n) * 1000 + i:05d}", name=f"{unit.name} ({province.name})", type=unit.type,
                               level=unit.level, parent=province, valid_from=unit.valid_from, source="bench/seed.py")
            for i, unit in enumerate(originals)
        ]), strict=True))  # fmt: skip
        by_pk = {unit.pk: copy for unit, copy in communes.items()}
        originals_offices = sorted({j.office for j in rows}, key=lambda office: office.pk)
        offices = dict(zip(originals_offices, Office.objects.bulk_create([
            Office(name=f"{office.name} ({province.name})", agency=office.agency,
                   unit=by_pk.get(office.unit_id, province))
            for office in originals_offices
        ]), strict=True))  # fmt: skip
        Jurisdiction.objects.bulk_create([
            Jurisdiction(office=offices[j.office], role=j.role, unit=by_pk[j.unit_id], valid_from=j.valid_from)
            for j in rows
        ])  # fmt: skip
    print(f"provinces: {count} ({count - len(real)} made from {len(real)})", flush=True)


def main(total: int) -> None:
    random.seed(589)
    today = timezone.localdate()
    provinces_add(int(os.environ.get("PROVINCES", "0")), today)
    communes = list(AdministrativeUnit.objects.valid_on(today).filter(level="commune").select_related("parent"))
    if os.environ.get("COMMUNE"):
        communes = [unit for unit in communes if unit.code == os.environ["COMMUNE"]]
    offices = {(j.unit_id, j.role): j.office_id for j in Jurisdiction.objects.valid_on(today).filter(unit__in=communes)}
    variants = [
        (variant, sorted(variant.procedures.all(), key=lambda p: p.position))
        for variant in BundleVariant.objects.prefetch_related("procedures")
    ]
    procedures = {p.code: p for p in Procedure.objects.all()}
    filer = User.objects.get(username="bench.integration")
    start_id = (Bundle.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    people = [f"{family} {given}" for family in FAMILIES for given in GIVEN]
    dossiers = [
        {"applicant": {"full_name": name, "id_number": "040090001234", "phone": "0912345678"},
         "child": {"full_name": people[(i * 7) % len(people)]}, "delivery": "electronic"}
        for i, name in enumerate(people)
    ]  # fmt: skip
    encoded = [json.dumps(dossier, ensure_ascii=False) for dossier in dossiers]
    categories = list(FuneralCategory)
    started = time.monotonic()
    last_week = timezone.now() - datetime.timedelta(days=7)
    # AT_DESK="60,20": that many in progress and results waiting to be handed over, whatever the history
    at_desk = [int(n) for n in os.environ["AT_DESK"].split(",")] if os.environ.get("AT_DESK") else []

    def waits(n: int, finished: datetime.datetime) -> bool:
        return n < sum(at_desk) if at_desk else finished >= last_week

    steps_total = 0
    with connection.cursor() as cursor:
        indexes = secondary_indexes(cursor)
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        # The rows are made consistent here: no foreign-key trigger per row while loading (superuser).
        cursor.execute("SET session_replication_role = replica")
        raw = cursor.connection
        with raw.cursor() as copy_cursor:
            for chunk in range(0, total, CHUNK):
                steps_rows = []
                with copy_cursor.copy(f"COPY cases_bundle ({BUNDLE_COLUMNS}) FROM STDIN") as bundles_copy:
                    for n in range(chunk, min(total, chunk + CHUNK)):
                        pk = start_id + n
                        commune = communes[n % len(communes)]
                        variant, steps = variants[n % len(variants)]
                        received = timezone.now() - datetime.timedelta(minutes=random.randint(0, 730 * 24 * 60))
                        open_ = n < at_desk[0] if at_desk else n % 50 == 0
                        day = timezone.localtime(received).date()
                        finished = None if open_ else received + datetime.timedelta(days=3)
                        category = (
                            random.choice(categories) if any(p.code == "funeral_allowance" for p in steps) else ""
                        )
                        kind = kinds.get(variant.kind)
                        prefix = kind.code_prefix
                        code = f"{prefix}-40-{received.year}-{pk:07d}"
                        dossier = n % len(dossiers)
                        bundles_copy.write_row((
                            pk, code, variant.kind, variant.pk, random.choice(
                                ["online", "online", "direct", "postal"]), commune.pk, received, day,
                            day + datetime.timedelta(days=4), False, category, "in_progress" if open_ else "completed",
                            encoded[dossier], "1234", f"{kind.code}:{pk}", False, filer.pk,
                            finished,
                            bundle_search_text(code, {"kind": "birth", **dossiers[dossier]}),  # the names in it
                            " 040090001234 ",  # the applicant's ID number, as the desk's search stores it
                            "040090001234", "desk", "", "",
                            None if finished is None or waits(n, finished) else finished + datetime.timedelta(days=1),
                        ))  # fmt: skip
                        for position, procedure in enumerate(steps):
                            role = procedure.agency_role or kind.category_role(category)
                            state = ("ready" if position == 0 else "waiting") if open_ else "done"
                            handed = received + datetime.timedelta(days=min(position, 1))
                            finished = received + datetime.timedelta(days=position + random.choice((0, 1, 1, 2)))
                            steps_rows.append((
                                pk, procedure.code, role, offices[(commune.pk, role)], state,
                                day if state != "waiting" else None,
                                day + datetime.timedelta(days=position + 1) if state != "waiting" else None,
                                None if state != "done" else json.dumps({"register_number": f"R-{pk}"}), "", "[]",
                                handed if state != "waiting" else None, finished if state == "done" else None,
                            ))  # fmt: skip
                with copy_cursor.copy(f"COPY cases_step ({STEP_COLUMNS}) FROM STDIN") as steps_copy:
                    for row in steps_rows:
                        steps_copy.write_row(row)
                steps_total += len(steps_rows)
                done = min(total, chunk + CHUNK)
                print(f"bundles: {done}, steps: {steps_total} in {time.monotonic() - started:.0f} s", flush=True)
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("SET maintenance_work_mem = '1GB'")
        for name, definition in indexes:
            cursor.execute(definition)
            print(f"index {name} built again by {time.monotonic() - started:.0f} s", flush=True)
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('cases_bundle', 'id'), (SELECT max(id) FROM cases_bundle))"
        )
        cursor.execute(
            "INSERT INTO cases_communetally (commune_id, received)"
            " SELECT commune_id, count(*) FROM cases_bundle GROUP BY commune_id"
            " ON CONFLICT (commune_id) DO UPDATE SET received = EXCLUDED.received"
        )
        cursor.execute("ANALYZE cases_bundle")
        cursor.execute("ANALYZE cases_step")
    del procedures
    print(f"seeded {total} bundles in {time.monotonic() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
