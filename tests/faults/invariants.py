"""The invariants every fault test checks after recovery, read with SQL from the real tables.

`check(dsn)` returns the violations (one sentence each, empty when all hold) and the counts of lost
and doubled work they add up to:
- every bundle has exactly its variant's steps (cases_bundlevariant_procedures);
- no step is left waiting once the steps it must follow (cases_procedure_requires) are done;
- no transition event appears twice (a step or bundle entered the same state by the same action);
- every opened step (not waiting) was handed off exactly once: handed_off_at set, one event;
- no outbox row is left undelivered;
- one notification per delivery.
"""

from __future__ import annotations

import dataclasses

import psycopg

# Actions that happen at most once per step (or per bundle, for its own): a second one is work
# done twice. Claims, releases, returns and supplements may repeat by design and are left out.
ONCE = ("filed", "unlocked", "completed", "refused", "cancelled", "withdrawn", "finished", "handed_off")


@dataclasses.dataclass
class Report:
    lost: int = 0
    doubled: int = 0
    violations: list[str] = dataclasses.field(default_factory=list)

    def add(self, rows: list[tuple[object, ...]], sentence: str, *, lost: bool = False, doubled: bool = False) -> None:
        if rows:
            self.violations.append(f"{sentence}: {len(rows)} ({rows[:5]})")
            self.lost += len(rows) if lost else 0
            self.doubled += len(rows) if doubled else 0


MISSING_STEPS = """
    SELECT b.code, vp.procedure_id FROM cases_bundle b
    JOIN cases_bundlevariant_procedures vp ON vp.bundlevariant_id = b.variant_id
    WHERE NOT EXISTS (SELECT 1 FROM cases_step s WHERE s.bundle_id = b.id AND s.procedure_id = vp.procedure_id)
"""
EXTRA_STEPS = """
    SELECT b.code, s.procedure_id, count(*) FROM cases_bundle b JOIN cases_step s ON s.bundle_id = b.id
    GROUP BY b.id, b.code, b.variant_id, s.procedure_id
    HAVING count(*) > 1 OR NOT EXISTS (
        SELECT 1 FROM cases_bundlevariant_procedures vp
        WHERE vp.bundlevariant_id = b.variant_id AND vp.procedure_id = s.procedure_id)
"""
STUCK_WAITING = """
    SELECT s.id, s.procedure_id FROM cases_step s
    WHERE s.state = 'waiting' AND NOT EXISTS (
        SELECT 1 FROM cases_procedure_requires r
        WHERE r.from_procedure_id = s.procedure_id AND NOT EXISTS (
            SELECT 1 FROM cases_step e WHERE e.bundle_id = s.bundle_id AND e.procedure_id = r.to_procedure_id
            AND e.state = 'done'))
"""
TWICE = """
    SELECT bundle_id, step_id, action, to_state, count(*) FROM cases_event WHERE action = ANY(%s)
    GROUP BY bundle_id, step_id, action, to_state HAVING count(*) > 1
"""
NOT_HANDED_OFF = """
    SELECT s.id, s.procedure_id, s.state FROM cases_step s
    WHERE s.state <> 'waiting' AND s.state <> 'cancelled'
    AND (s.handed_off_at IS NULL
         OR NOT EXISTS (SELECT 1 FROM cases_event e WHERE e.step_id = s.id AND e.action = 'handed_off'))
"""
UNDELIVERED = "SELECT id, topic, attempts FROM cases_outbox WHERE delivered_at IS NULL"
NO_NOTIFICATION = """
    SELECT o.id, o.topic FROM cases_outbox o
    WHERE o.delivered_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cases_notification n WHERE n.outbox_id = o.id)
"""
EXTRA_NOTIFICATION = """
    SELECT outbox_id, count(*) FROM cases_notification GROUP BY outbox_id HAVING count(*) > 1
"""


def check(dsn: str) -> Report:
    """Every invariant above, on the database at `dsn`."""
    report = Report()
    with psycopg.connect(dsn, autocommit=True) as connection:

        def rows(sql: str, *params: object) -> list[tuple[object, ...]]:
            return list(connection.execute(sql, params or None).fetchall())

        report.add(rows(MISSING_STEPS), "bundles missing a step of their variant", lost=True)
        report.add(rows(EXTRA_STEPS), "bundles with a step twice or outside their variant", doubled=True)
        report.add(rows(STUCK_WAITING), "steps still waiting though the steps before them are done", lost=True)
        report.add(rows(TWICE, list(ONCE)), "transition events recorded twice", doubled=True)
        report.add(rows(NOT_HANDED_OFF), "opened steps never handed off", lost=True)
        report.add(rows(UNDELIVERED), "outbox rows left undelivered", lost=True)
        report.add(rows(NO_NOTIFICATION), "deliveries without a notification", lost=True)
        report.add(rows(EXTRA_NOTIFICATION), "deliveries with more than one notification", doubled=True)
    return report


def filings(dsn: str, certificates: list[str]) -> tuple[int, int]:
    """(lost, doubled) among the filings a test attempted, one birth certificate number each: a
    number with no live bundle is lost, one with more than one bundle doubled."""
    with psycopg.connect(dsn, autocommit=True) as connection:
        # A birth bundle's duplicate key is "birth:<birth certificate number>" (cases.kinds.birth),
        # the number in its one form (cases.services.filing.unique_form: for these, lower case).
        counts: dict[str, int] = dict(
            connection.execute(
                "SELECT substr(duplicate_key, 7), count(*) FROM cases_bundle WHERE duplicate_key = ANY(%s) GROUP BY 1",
                ([f"birth:{number.lower()}" for number in certificates],),
            ).fetchall()
        )
    lost = sum(1 for number in certificates if not counts.get(number.lower()))
    doubled = sum((count - 1 for count in counts.values() if count > 1), 0)
    return lost, doubled


def scalar(dsn: str, sql: str, *params: object) -> int:
    with psycopg.connect(dsn, autocommit=True) as connection:
        row = connection.execute(sql, params or None).fetchone()
    return int(row[0]) if row else 0
